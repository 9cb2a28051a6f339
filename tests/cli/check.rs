//! `footcoach check`, the real binary, against the test database and the
//! fake Discord.

use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;

use crate::support::bot;
use crate::support::chat::assert_no_unexpected;
use crate::support::db::{count, current_database, url_for};
use crate::support::fake_discord::FakeDiscord;

const TOKEN: &str = "fake-token-not-a-secret";
const GUILD: u64 = 1_187_000_000_000_000_500;

/// What `footcoach check` printed and whether it passed.
struct Report {
    passed: bool,
    stdout: String,
    stderr: String,
}

impl Report {
    fn line(&self, subject: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| {
                l.split_once(' ')
                    .is_some_and(|(_, rest)| rest.trim_start().starts_with(&format!("{subject}:")))
            })
            .unwrap_or_else(|| panic!("no {subject} line in:\n{}", self.stdout))
    }
}

async fn check(vars: &[(&str, &str)]) -> Report {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_footcoach"));
    cmd.arg("check")
        // Away from any .env in the repository.
        .current_dir(std::env::temp_dir())
        .kill_on_drop(true);
    for var in [
        "DISCORD_TOKEN",
        "DISCORD_API_URL",
        "DISCORD_GUILD_ID",
        "CONTENT_DIR",
        "LOG_FORMAT",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(vars.iter().copied());
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .expect("the check ends within 30 s")
        .expect("the binary runs");
    Report {
        passed: out.status.success(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

async fn database_url(pool: &PgPool) -> String {
    url_for(&current_database(pool).await)
}

/// The commands this build registers, as the bot sends them.
fn this_builds_commands() -> Value {
    let commands =
        poise::builtins::create_application_commands(&footcoach::discord::commands::all());
    serde_json::to_value(commands).unwrap()
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn all_ok_once_the_bot_registered_its_commands_globally_or_in_a_server(pool: PgPool) {
    let url = database_url(&pool).await;
    for guild in [None, Some(GUILD)] {
        // A fake each: `bot::ready` waits for any registration it recorded.
        let fake = FakeDiscord::start().await;
        fake.require_token(TOKEN);
        let running = bot::ready(&pool, &fake, guild, bot::saturday_noon()).await;
        running.stop_clean(&fake).await;

        let guild_id = guild.map(|g| g.to_string());
        let mut vars = vec![("DATABASE_URL", url.as_str()), ("DISCORD_TOKEN", TOKEN)];
        let api = fake.api_url();
        vars.push(("DISCORD_API_URL", &api));
        if let Some(g) = &guild_id {
            vars.push(("DISCORD_GUILD_ID", g));
        }
        let report = check(&vars).await;
        assert!(report.passed, "{}\n{}", report.stdout, report.stderr);
        assert!(
            report.stdout.lines().all(|l| l.starts_with("ok  ")),
            "{}",
            report.stdout
        );
        let db = current_database(&pool).await;
        assert_eq!(
            report.line("database"),
            format!("ok  database: {db} on 127.0.0.1:5432, migrations applied")
        );
        assert!(report.line("discord token").contains("footcoach"));
        let scope = guild.map_or("globally".to_owned(), |g| format!("in server {g}"));
        assert_eq!(
            report.line("discord commands"),
            format!("ok  discord commands: 8 registered {scope}, as this build registers them")
        );
        // The fake counts the sessions it started: the bot's one.
        assert_eq!(
            report.line("discord gateway"),
            "ok  discord gateway: 1 shard(s) recommended, 999 session starts left today"
        );
        assert!(!report.stdout.contains(TOKEN) && !report.stderr.contains(TOKEN));
        assert_no_unexpected(&fake);
    }
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn commands_registered_by_another_version_fail_and_run_registers_again(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    fake.require_token(TOKEN);
    let mut older = this_builds_commands();
    let list = older.as_array_mut().unwrap();
    list.retain(|c| c["name"] != "help");
    let remind = list.iter_mut().find(|c| c["name"] == "remind").unwrap();
    remind["description"] = "Reminders, as an older version described them".into();
    fake.register_commands(None, older);
    // As if `footcoach run` had registered this build's commands already.
    let key = format!("commands:{}:global", fake.application_id());
    sqlx::query("INSERT INTO bot_state (key, value) VALUES ($1, 'fingerprint')")
        .bind(&key)
        .execute(&pool)
        .await
        .unwrap();

    let url = database_url(&pool).await;
    let api = fake.api_url();
    let report = check(&[
        ("DATABASE_URL", &url),
        ("DISCORD_TOKEN", TOKEN),
        ("DISCORD_API_URL", &api),
    ])
    .await;
    assert!(!report.passed, "{}", report.stdout);
    let line = report.line("discord commands");
    assert!(line.starts_with("FAIL discord commands: "), "{line}");
    assert!(line.contains("missing /help"), "{line}");
    assert!(line.contains("/remind differs (description)"), "{line}");
    assert!(line.contains("footcoach run"), "{line}");
    assert!(report.line("discord gateway").starts_with("ok  "));
    // So the next `footcoach run` registers instead of trusting its memory.
    let where_ = format!("bot_state WHERE key = '{key}' AND value = ''");
    assert_eq!(count(&pool, &where_).await, 1);
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_token_discord_refuses_fails_without_being_printed(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    fake.require_token(TOKEN);
    let url = database_url(&pool).await;
    let api = fake.api_url();
    let wrong = "wrong-token-also-not-a-secret";
    let report = check(&[
        ("DATABASE_URL", &url),
        ("DISCORD_TOKEN", wrong),
        ("DISCORD_API_URL", &api),
    ])
    .await;
    assert!(!report.passed);
    assert_eq!(
        report.line("discord token"),
        "FAIL discord token: Discord refused the token (401); put the bot token from the developer portal in DISCORD_TOKEN"
    );
    assert!(report.line("database").starts_with("ok  "));
    assert!(!report.stdout.contains(wrong) && !report.stderr.contains(wrong));
    let me = fake.calls_to("GET", "/users/@me");
    assert_eq!(me.len(), 1);
    assert_eq!(me[0].status, 401);
    assert_eq!(me[0].response["message"], "401: Unauthorized");
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn without_a_token_discord_is_skipped_and_the_check_passes(pool: PgPool) {
    let url = database_url(&pool).await;
    let report = check(&[("DATABASE_URL", &url)]).await;
    assert!(report.passed, "{}\n{}", report.stdout, report.stderr);
    let lines: Vec<&str> = report.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", report.stdout);
    assert!(report
        .line("content")
        .starts_with("ok  content: 15 exercises"));
    assert!(report.line("discord").starts_with("skip discord: "));
}

#[tokio::test]
async fn an_unreachable_database_fails_with_one_line() {
    let report = check(&[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/footcoach")]).await;
    assert!(!report.passed);
    let failed: Vec<&str> = report
        .stdout
        .lines()
        .filter(|l| l.starts_with("FAIL"))
        .collect();
    assert_eq!(failed.len(), 1, "{}", report.stdout);
    assert!(failed[0].starts_with("FAIL database: "), "{}", failed[0]);
    assert!(failed[0].contains("DATABASE_URL"), "{}", failed[0]);
    assert!(report.line("content").starts_with("ok  "));
    assert!(report.stderr.is_empty(), "{}", report.stderr);
}

#[tokio::test]
async fn an_unknown_log_format_fails_naming_the_variable() {
    let report = check(&[("LOG_FORMAT", "yaml")]).await;
    assert!(!report.passed);
    assert_eq!(report.stdout.lines().count(), 1, "{}", report.stdout);
    assert!(
        report
            .stdout
            .starts_with("FAIL configuration: LOG_FORMAT must be \"text\" or \"json\""),
        "{}",
        report.stdout
    );
}
