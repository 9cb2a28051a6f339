//! `footcoach check`: whether this machine can run the bot, one line per
//! check saying what to fix, so a deployment is verified before it starts.

use crate::config::Config;
use crate::content::Content;
use crate::store::Store;

pub(crate) mod line;

pub use line::{Line, Outcome, TIMEOUT};

/// What to do when the database is out of reach (also `footcoach run`'s advice).
pub const DATABASE_FIX: &str =
    "start PostgreSQL, or set DATABASE_URL to a server that runs (see .env.example)";

/// Runs every check, handing each line to `report` as soon as it is known,
/// and returns whether none failed (skipped checks are not failures).
pub async fn run(config: &Config, mut report: impl FnMut(&Line)) -> bool {
    let mut all_ok = true;
    let mut emit = |line: Line| {
        all_ok &= line.outcome != Outcome::Fail;
        report(&line);
    };
    let (line, store) = database(config).await;
    emit(line);
    emit(content());
    match &config.discord_token {
        None => emit(Line::skipped(
            "discord",
            "no DISCORD_TOKEN is set, so Discord was not asked (the console needs none)",
        )),
        Some(token) => {
            crate::discord::check::run(config, token, store.as_ref(), &mut emit).await;
        }
    }
    if let Some(store) = store {
        store.pool().close().await;
    }
    all_ok
}

async fn database(config: &Config) -> (Line, Option<Store>) {
    let options = &config.database;
    let server = format!("{}:{}", options.get_host(), options.get_port());
    match tokio::time::timeout(TIMEOUT, Store::open(options.clone(), 1)).await {
        Ok(Ok(store)) => {
            let name = options.get_database().unwrap_or("(default)");
            let line = Line::ok(
                "database",
                format!("{name} on {server}, migrations applied"),
            );
            (line, Some(store))
        }
        Ok(Err(e)) => (Line::fail("database", e, DATABASE_FIX), None),
        Err(_) => (
            Line::fail(
                "database",
                format!("{server} did not answer within {} s", TIMEOUT.as_secs()),
                DATABASE_FIX,
            ),
            None,
        ),
    }
}

fn content() -> Line {
    match Content::load() {
        Ok(content) => Line::ok("content", content.headline()),
        Err(errors) => {
            let problems: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
            Line::fail(
                "content",
                format!("{} problem(s): {}", problems.len(), problems.join("; ")),
                "fix each entry named, in CONTENT_DIR's files (or content/ before building)",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_says_its_outcome_first_and_stays_on_one_line() {
        assert_eq!(
            Line::ok("database", "footcoach on 127.0.0.1:5432").to_string(),
            "ok  database: footcoach on 127.0.0.1:5432"
        );
        assert_eq!(
            Line::fail("discord token", "refused\n(401)", "set it").to_string(),
            "FAIL discord token: refused (401); set it"
        );
        assert!(Line::skipped("discord", "no token")
            .to_string()
            .starts_with("skip discord: "));
    }
}
