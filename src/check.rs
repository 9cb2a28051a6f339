//! `footcoach check`: whether this machine can run the bot, one line per
//! check saying what to fix, so a deployment is verified before it starts.

use std::fmt;
use std::time::Duration;

use crate::config::Config;
use crate::content::Content;
use crate::store::Store;

/// How long one request may take: a dead server must not hang the check.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What to do when the database is out of reach (also `footcoach run`'s advice).
pub const DATABASE_FIX: &str =
    "start PostgreSQL, or set DATABASE_URL to a server that runs (see .env.example)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Fail,
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub outcome: Outcome,
    pub subject: &'static str,
    pub detail: String,
}

impl Line {
    pub fn ok(subject: &'static str, detail: impl Into<String>) -> Line {
        Line {
            outcome: Outcome::Ok,
            subject,
            detail: detail.into(),
        }
    }

    /// What went wrong, then what to do about it.
    pub fn fail(subject: &'static str, problem: impl fmt::Display, fix: &str) -> Line {
        Line {
            outcome: Outcome::Fail,
            subject,
            detail: format!("{problem}; {fix}"),
        }
    }

    pub fn skipped(subject: &'static str, why: impl Into<String>) -> Line {
        Line {
            outcome: Outcome::Skipped,
            subject,
            detail: why.into(),
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match self.outcome {
            Outcome::Ok => "ok  ",
            Outcome::Fail => "FAIL ",
            Outcome::Skipped => "skip ",
        };
        // One line each, whatever an error message holds.
        let detail = self.detail.replace('\n', " ");
        write!(f, "{mark}{}: {detail}", self.subject)
    }
}

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
