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
    /// The shards this process runs; all that Discord recommends when unset.
    pub discord_shards: Option<ShardRange>,
    pub log_format: LogFormat,
    /// Where to serve /metrics and /healthz (METRICS_ADDR); off when unset.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Requests a second the timed sends of every process on this database
    /// share (`DISCORD_GLOBAL_RATE`); `None` (`off`) when a rate-limit proxy
    /// at `DISCORD_API_URL` limits instead.
    pub discord_global_rate: Option<NonZeroU32>,
}

/// Shards `first..=last` of `total` (DISCORD_SHARDS=0-3/8), so several
/// processes split one bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

impl ShardRange {
    /// Whether this process runs shard 0, which gets the DMs and registers
    /// the commands.
    pub fn has_first(self) -> bool {
        self.first == 0
    }
}

impl FromStr for ShardRange {
    type Err = ();

    /// "0-3/8", or "2/8" for one shard.
    fn from_str(text: &str) -> Result<Self, ()> {
        let (range, total) = text.trim().split_once('/').ok_or(())?;
        let number = |s: &str| s.trim().parse::<u32>().map_err(drop);
        let (first, last) = match range.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(range)?, number(range)?),
        };
        let total = number(total)?;
        (first <= last && last < total)
            .then_some(ShardRange { first, last, total })
            .ok_or(())
    }
}

/// How log lines on stderr are written (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// For people reading a terminal.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
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

        let discord_shards = match get("DISCORD_SHARDS") {
            None => None,
            Some(text) => Some(text.parse::<ShardRange>().map_err(|()| ConfigError {
                variable: "DISCORD_SHARDS",
                problem: "must look like 0-3/8 (this process runs shards 0 to 3 of 8), or be left unset to run every shard Discord recommends".to_owned(),
            })?),
        };

        let log_format = match get("LOG_FORMAT").map(|f| f.trim().to_ascii_lowercase()) {
            None => LogFormat::Text,
            Some(f) if f == "text" => LogFormat::Text,
            Some(f) if f == "json" => LogFormat::Json,
            Some(_) => {
                return Err(ConfigError {
                    variable: "LOG_FORMAT",
                    problem: "must be \"text\" or \"json\" (one JSON object per line), or left unset for text".to_owned(),
                })
            }
        };

        let metrics_addr = match get("METRICS_ADDR") {
            None => None,
            Some(addr) => Some(addr.trim().parse().map_err(|_| ConfigError {
                variable: "METRICS_ADDR",
                problem: "must be an address and port like 127.0.0.1:9464, or left unset for no metrics".to_owned(),
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
            discord_shards,
            log_format,
            metrics_addr,
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
            ("DISCORD_SHARDS", "0-3"),
            ("DISCORD_SHARDS", "3-1/8"),
            ("DISCORD_SHARDS", "0-8/8"),
            ("DISCORD_SHARDS", "a-b/c"),
            ("DISCORD_SHARDS", "0/0"),
            ("LOG_FORMAT", "logfmt"),
            ("METRICS_ADDR", "9464"),
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
    fn shards_are_a_range_of_a_total() {
        let shards = |v| config(&[("DISCORD_SHARDS", v)]).unwrap().discord_shards;
        let range = |first, last, total| Some(ShardRange { first, last, total });
        assert_eq!(shards("0-3/8"), range(0, 3, 8));
        assert_eq!(shards(" 4 - 7 / 8 "), range(4, 7, 8));
        assert_eq!(shards("2/8"), range(2, 2, 8));
        assert!(!shards("4-7/8").unwrap().has_first());
        assert_eq!(config(&[]).unwrap().discord_shards, None);
    }

    #[test]
    fn log_format_is_text_unless_json_is_asked_for() {
        assert_eq!(config(&[]).unwrap().log_format, LogFormat::Text);
        assert_eq!(
            config(&[("LOG_FORMAT", "JSON")]).unwrap().log_format,
            LogFormat::Json
        );
        assert_eq!(
            config(&[("LOG_FORMAT", "text")]).unwrap().log_format,
            LogFormat::Text
        );
        let err = config(&[("LOG_FORMAT", "yaml")]).unwrap_err().to_string();
        assert!(
            err.contains("\"text\"") && err.contains("\"json\""),
            "{err}"
        );
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
