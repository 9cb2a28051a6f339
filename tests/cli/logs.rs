//! `LOG_FORMAT=json`: what the binary writes on stderr is one JSON object
//! per line, and never the token.

use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;

use crate::support::chat::{is_put_commands, WAIT};
use crate::support::db::{current_database, url_for};
use crate::support::fake_discord::FakeDiscord;

const TOKEN: &str = "fake-token-from-env-json";

/// Every line of `stderr` as a JSON object with tracing's fields.
fn json_lines(stderr: &str) -> Vec<Value> {
    assert!(!stderr.contains(TOKEN), "the token never appears in logs");
    stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            for field in ["timestamp", "level", "target", "fields"] {
                assert!(v.get(field).is_some(), "no {field} in {l}");
            }
            v
        })
        .collect()
}

fn message(line: &Value) -> &str {
    line["fields"]["message"].as_str().unwrap_or_default()
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_bot_logs_json_at_debug_without_the_token(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    fake.require_token(TOKEN);
    let log_path = std::env::temp_dir().join(format!("footcoach-json-{}.log", std::process::id()));
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_footcoach"))
        .arg("run")
        .current_dir(std::env::temp_dir())
        .env("DATABASE_URL", url_for(&current_database(&pool).await))
        .env("DISCORD_TOKEN", TOKEN)
        .env("DISCORD_API_URL", fake.api_url())
        .env_remove("DISCORD_GUILD_ID")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        // A file: an unread pipe would fill and block the bot.
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    fake.wait_for_call(is_put_commands, WAIT).await;
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("stops in time")
        .unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    let logs = std::fs::read_to_string(&log_path).unwrap();
    std::fs::remove_file(&log_path).ok();
    let lines = json_lines(&logs);
    assert!(
        lines.iter().any(|l| l["level"] == "DEBUG"),
        "debug logging was on"
    );
    assert!(
        lines
            .iter()
            .any(|l| message(l) == "registered slash commands" && l["fields"]["scope"] == "global"),
        "{logs}"
    );
    assert!(fake.calls_to("*", "/").iter().all(|c| c.status != 401));
}

#[tokio::test]
async fn a_fatal_error_is_a_json_line_too() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_footcoach"))
        .arg("run")
        .current_dir(std::env::temp_dir())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/footcoach")
        .env("DISCORD_TOKEN", TOKEN)
        .env("DISCORD_API_URL", "http://127.0.0.1:9")
        .env("LOG_FORMAT", "json")
        .env_remove("RUST_LOG")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines = json_lines(&stderr);
    assert_eq!(lines.len(), 1, "{stderr}");
    assert_eq!(lines[0]["level"], "ERROR");
    assert!(message(&lines[0]).contains("DATABASE_URL"), "{stderr}");
}
