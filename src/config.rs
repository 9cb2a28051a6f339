//! Settings from the environment (and `.env`), checked once at start-up.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

/// The Discord bot token. It is read once and never printed: `Debug` and
/// `Display` show a placeholder.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database: PgConnectOptions,
    pub discord_token: Option<Secret>,
    /// Replaces https://discord.com for every REST call.
    pub discord_api_url: Option<String>,
    /// Register commands in this guild only (instant, for development).
    pub discord_guild_id: Option<u64>,
    /// Requests a second the timed sends of every process on this database
    /// share (`DISCORD_GLOBAL_RATE`); `None` (`off`) when a rate-limit proxy
    /// at `DISCORD_API_URL` limits instead.
    pub discord_global_rate: Option<NonZeroU32>,
}

/// A setting that stops start-up: names the variable and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable} {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

/// Database used when `DATABASE_URL` is unset: `footcoach` on the local server.
pub const DEFAULT_DATABASE: &str = "footcoach";

/// Discord's global limit for a bot: 50 requests a second.
pub const DEFAULT_GLOBAL_RATE: NonZeroU32 = NonZeroU32::new(50).unwrap();

impl Config {
    /// Reads `.env` (when present) and the environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env is normal; a malformed one is not silently ignored.
        if let Err(e) = dotenvy::dotenv() {
            if !e.not_found() {
                return Err(ConfigError {
                    variable: ".env",
                    problem: format!(
                        "cannot be read ({e}): fix the line it names, or remove the file"
                    ),
                });
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let database = match get("DATABASE_URL") {
            None => PgConnectOptions::new().database(DEFAULT_DATABASE),
            Some(url) => {
                let ok = url.starts_with("postgres://") || url.starts_with("postgresql://");
                let parsed = if ok {
                    PgConnectOptions::from_str(url.trim()).ok()
                } else {
                    None
                };
                // A URL that names only the server gets footcoach's own database.
                parsed
                    .map(|o| if o.get_database().is_none() { o.database(DEFAULT_DATABASE) } else { o })
                    .ok_or_else(|| ConfigError {
                    variable: "DATABASE_URL",
                    problem: "is not a PostgreSQL URL: set it like postgres://USER@HOST:5432/footcoach, or leave it unset for the local database \"footcoach\"".to_owned(),
                })?
            }
        };

        let discord_token = get("DISCORD_TOKEN").map(|t| Secret::new(t.trim().to_owned()));
        if discord_token
            .as_ref()
            .is_some_and(|t| t.expose().chars().any(char::is_whitespace))
        {
            return Err(ConfigError {
                variable: "DISCORD_TOKEN",
                problem: "contains spaces: paste the bot token from the Discord developer portal (Bot > Token) without \"Bot \" in front".to_owned(),
            });
        }

        let discord_api_url = match get("DISCORD_API_URL") {
            None => None,
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_owned();
                let valid = (url.starts_with("http://") || url.starts_with("https://"))
                    && url.len() > "https://".len();
                if !valid {
                    return Err(ConfigError {
                        variable: "DISCORD_API_URL",
                        problem: "must be an http:// or https:// base URL such as http://127.0.0.1:8080, or left unset for https://discord.com".to_owned(),
                    });
                }
                Some(url)
            }
        };

        let discord_guild_id = match get("DISCORD_GUILD_ID") {
            None => None,
            Some(id) => Some(id.trim().parse::<u64>().ok().filter(|id| *id > 0).ok_or_else(|| ConfigError {
                variable: "DISCORD_GUILD_ID",
                problem: "must be a server id (a number like 123456789012345678; right-click the server with developer mode on), or left unset to register commands globally".to_owned(),
            })?),
        };

        let discord_global_rate = match get("DISCORD_GLOBAL_RATE") {
            None => Some(DEFAULT_GLOBAL_RATE),
            Some(rate) if rate.trim().eq_ignore_ascii_case("off") => None,
            Some(rate) => Some(rate.trim().parse::<NonZeroU32>().map_err(|_| ConfigError {
                variable: "DISCORD_GLOBAL_RATE",
                problem: "must be a number of requests a second such as 50 (shared by every process on this database), or off when a rate-limit proxy at DISCORD_API_URL limits instead".to_owned(),
            })?),
        };

        Ok(Config {
            database,
            discord_token,
            discord_api_url,
            discord_guild_id,
            discord_global_rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn unset_database_url_means_the_local_footcoach_database() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database.get_database(), Some("footcoach"));
        assert!(c.discord_token.is_none());
    }

    #[test]
    fn a_url_without_a_database_means_the_footcoach_database_on_that_server() {
        let c = config(&[("DATABASE_URL", "postgres://postgres@127.0.0.1:5432")]).unwrap();
        assert_eq!(c.database.get_database(), Some("footcoach"));
        assert_eq!(c.database.get_port(), 5432);
        let c = config(&[("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/other")]).unwrap();
        assert_eq!(c.database.get_database(), Some("other"));
    }

    #[test]
    fn malformed_values_name_the_variable() {
        for (var, value) in [
            ("DATABASE_URL", "mysql://localhost/x"),
            ("DATABASE_URL", "not a url"),
            ("DISCORD_API_URL", "127.0.0.1:9"),
            ("DISCORD_GUILD_ID", "my-server"),
            ("DISCORD_GUILD_ID", "0"),
            ("DISCORD_TOKEN", "Bot abc"),
            ("DISCORD_GLOBAL_RATE", "0"),
            ("DISCORD_GLOBAL_RATE", "fifty"),
            ("DISCORD_GLOBAL_RATE", "-5"),
            ("DISCORD_GLOBAL_RATE", "40.5"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var);
            assert!(err.to_string().starts_with(var), "{err}");
            assert!(!err.to_string().contains('\n'));
        }
    }

    #[test]
    fn the_global_rate_defaults_to_discords_limit_and_can_be_turned_off() {
        assert_eq!(
            config(&[]).unwrap().discord_global_rate,
            Some(DEFAULT_GLOBAL_RATE)
        );
        let c = config(&[("DISCORD_GLOBAL_RATE", " 120 ")]).unwrap();
        assert_eq!(c.discord_global_rate.map(NonZeroU32::get), Some(120));
        let c = config(&[("DISCORD_GLOBAL_RATE", "off")]).unwrap();
        assert_eq!(c.discord_global_rate, None);
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let c = config(&[("DISCORD_TOKEN", "super-secret-token")]).unwrap();
        assert!(!format!("{c:?}").contains("super-secret-token"));
        assert_eq!(c.discord_token.unwrap().expose(), "super-secret-token");
    }
}
