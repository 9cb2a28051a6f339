//! Start-up and shutdown: the bot registers its commands once, with
//! non-privileged intents, in a server when told to; a refused registration
//! or a missing database ends start-up with one line; the binary stops
//! cleanly on SIGTERM and SIGINT.

use serde_json::json;
use sqlx::PgPool;

use crate::support::bot::{self, saturday_noon};
use crate::support::chat::{
    assert_no_unexpected, command, is_put_commands, names, slash, text, WAIT,
};
use crate::support::db;
use crate::support::fake_discord::{self as fake, FakeDiscord};
use crate::{ALICE, GUILD};

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn start_up_registers_once_with_non_privileged_intents(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let first = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let identify = fake.wait_for_identify(WAIT).await;
    // guilds, guild messages, direct messages: nothing privileged.
    assert_eq!(identify.intents, 1 | (1 << 9) | (1 << 12));
    let put = fake.calls().into_iter().find(is_put_commands).unwrap();
    assert_eq!(
        put.path,
        format!("/api/v10/applications/{}/commands", fake::APPLICATION_ID)
    );
    let mut registered = names(&put.body);
    registered.sort();
    assert_eq!(
        registered,
        ["coach", "help", "level", "mydata", "progress", "remind", "routine", "settings"]
    );
    let remind = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "remind")
        .unwrap();
    assert_eq!(
        names(&remind["options"]),
        ["set", "show", "off", "pause", "resume"]
    );
    let set = &remind["options"][0]["options"];
    assert_eq!(set[0]["name"], "time");
    assert_eq!(set[1]["name"], "timezone");
    assert_eq!(set[1]["autocomplete"], true);
    first.stop().await.unwrap();

    // A second start with the same command set does not register again.
    let second = bot::start(&pool, &fake, None, saturday_noon());
    fake.wait_for_identifies(2, WAIT).await;
    let body = command(&fake, ALICE, slash("help")).await;
    assert!(text(&body).contains("not medical advice"), "{body}");
    assert_eq!(
        fake.calls().iter().filter(|c| is_put_commands(c)).count(),
        1
    );
    second.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_guild_id_registers_in_that_guild(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, Some(GUILD), saturday_noon()).await;
    let put = fake.wait_for_call(is_put_commands, WAIT).await;
    assert_eq!(
        put.path,
        format!(
            "/api/v10/applications/{}/guilds/{GUILD}/commands",
            fake::APPLICATION_ID
        )
    );
    running.stop().await.unwrap();
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_refused_registration_ends_start_up_with_an_error(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    bot::init_tracing();
    fake.fail_next(
        "PUT",
        "/applications/*/commands",
        403,
        json!({"message": "Missing Access", "code": 50001}),
        1,
    );
    let running = bot::start(&pool, &fake, None, saturday_noon());
    let err = running.ended().await.unwrap_err().to_string();
    assert!(err.contains("start-up failed"), "{err}");
    assert!(!err.contains("fake-token"), "never the token: {err}");
}

/// `footcoach run`, the binary, against the fake: it connects, registers,
/// answers, and stops cleanly on SIGTERM and on SIGINT.
#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_binary_runs_the_bot_and_stops_on_signals(pool: PgPool) {
    let url = db::url_for(&db::current_database(&pool).await);
    let fake = FakeDiscord::start().await;
    for (run, signal) in ["-TERM", "-INT"].into_iter().enumerate() {
        let log_path =
            std::env::temp_dir().join(format!("footcoach-run-{}-{run}.log", std::process::id()));
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_footcoach"))
            .arg("run")
            .env("DATABASE_URL", &url)
            .env("DISCORD_TOKEN", "fake-token-from-env")
            .env("DISCORD_API_URL", fake.api_url())
            .env_remove("DISCORD_GUILD_ID")
            .env("RUST_LOG", "debug")
            // Debug logs go to a file: an unread pipe would fill and block the bot.
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        fake.wait_for_identifies(run + 1, WAIT).await;
        fake.wait_for_call(is_put_commands, WAIT).await;
        let body = command(&fake, ALICE, slash("help")).await;
        assert!(text(&body).contains("not medical advice"), "{body}");
        let pid = child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success());
        let out = tokio::time::timeout(WAIT, child.wait_with_output())
            .await
            .expect("stops in time")
            .unwrap();
        assert!(out.status.success(), "{signal}: {:?}", out.status);
        let logs = std::fs::read_to_string(&log_path).unwrap();
        std::fs::remove_file(&log_path).ok();
        assert!(logs.contains("DEBUG"), "debug logging was on");
        assert!(
            !logs.contains("fake-token-from-env"),
            "the token never appears in logs, even at debug"
        );
    }
    assert_eq!(
        fake.calls().iter().filter(|c| is_put_commands(c)).count(),
        1,
        "registered once"
    );
    assert_no_unexpected(&fake);
}

#[tokio::test]
async fn the_binary_stops_with_one_line_when_the_database_is_gone() {
    let fake = FakeDiscord::start().await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_footcoach"))
        .arg("run")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/footcoach")
        .env("DISCORD_TOKEN", "fake-token")
        .env("DISCORD_API_URL", fake.api_url())
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}
