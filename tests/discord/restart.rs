//! `kill -9` in the middle of a burst, then a restart: the real binary
//! (`footcoach run`) against the fake Discord, each user's reminder posted
//! once, and the rest of the burst seconds late, not minutes.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::PgPool;
use tokio::process::{Child, Command};

use crate::support::app::users_due;
use crate::support::db;
use crate::support::fake_discord::{path_matches, Call, FakeDiscord};

const FIRST: u64 = 1_500_000_000_000_000_001;
const USERS: u64 = 300;
/// What the issue asks of a restart: the rest of the burst within this.
const AFTER_RESTART: Duration = Duration::from_secs(15);

fn reminder_post(c: &Call) -> bool {
    c.method == "POST" && path_matches("/channels/*/messages", &c.path) && c.status == 200
}

fn footcoach_run(fake: &FakeDiscord, url: &str, log: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_footcoach"))
        .arg("run")
        .env("DATABASE_URL", url)
        .env("DISCORD_TOKEN", "fake-token-from-env")
        .env("DISCORD_API_URL", fake.api_url())
        .env_remove("DISCORD_GUILD_ID")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        // A file: an unread pipe would fill and block the bot.
        .stderr(std::fs::File::create(log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_kill_mid_burst_delays_the_rest_by_seconds_and_posts_each_once(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    // Due just after the binary is up; DM channels known, so one request each.
    let due = Utc::now() + chrono::Duration::seconds(2);
    users_due(&pool, FIRST as i64, USERS as i64, due).await;
    let users: Vec<i64> = (FIRST..FIRST + USERS).map(|u| u as i64).collect();
    let channels: Vec<i64> = (FIRST..FIRST + USERS)
        .map(|u| fake.dm_channel_for(u) as i64)
        .collect();
    sqlx::query(
        "UPDATE users u SET dm_channel_id = n.c FROM unnest($1::bigint[], $2::bigint[]) AS n(id, c) WHERE u.id = n.id",
    )
    .bind(&users)
    .bind(&channels)
    .execute(&pool)
    .await
    .unwrap();
    let url = db::url_for(&db::current_database(&pool).await);
    let log = |n: u32| {
        std::env::temp_dir().join(format!("footcoach-kill-{}-{n}.log", std::process::id()))
    };

    let mut first = footcoach_run(&fake, &url, &log(0));
    fake.wait_for_calls(reminder_post, 100, Duration::from_secs(60))
        .await;
    first.start_kill().unwrap(); // SIGKILL
    first.wait().await.unwrap();
    let killed = Instant::now();
    let before: Vec<Call> = fake.calls().into_iter().filter(reminder_post).collect();
    let recorded = db::count(&pool, "timeline WHERE state = 'sent'").await;

    let mut second = footcoach_run(&fake, &url, &log(1));
    let restarted = Instant::now();
    let mut posted: HashMap<u64, usize> = HashMap::new();
    let deadline = restarted + AFTER_RESTART;
    loop {
        posted.clear();
        for m in fake.messages() {
            *posted.entry(m.channel_id).or_default() += 1;
        }
        if posted.len() as u64 == USERS || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let done = restarted.elapsed();
    let all: Vec<Call> = fake.calls().into_iter().filter(reminder_post).collect();
    let after = &all[before.len()..];
    let lateness = |c: &Call| c.at.saturating_duration_since(restarted);
    let resent = fake
        .messages()
        .iter()
        .map(|m| m.nonce_repeats)
        .sum::<usize>();
    println!(
        "kill -9 after {} reminder posts ({recorded} recorded as sent); restart {:?} after the kill; \
         {} posts after the restart, the first {:?} and the last {:?} after it; {resent} answered by nonce; \
         every user had one after {done:?}",
        before.len(),
        restarted - killed,
        after.len(),
        after.first().map(lateness),
        after.last().map(lateness),
    );
    assert_eq!(
        posted.len() as u64,
        USERS,
        "every user's reminder within {AFTER_RESTART:?} of the restart (logs: {:?})",
        log(1)
    );
    assert!(posted.values().all(|n| *n == 1), "one message each");
    assert_eq!(fake.messages().len() as u64, USERS);
    // At 50 a second, 200 ms of sends are 10: 20, under half a second's
    // worth, is a bound a loaded machine keeps, and nothing like the burst.
    assert!(
        recorded as usize + 20 >= before.len(),
        "sends were recorded as they went out, not at the end of the burst"
    );
    db::wait_for_count(
        &pool,
        "timeline WHERE state = 'sent'",
        USERS as i64,
        Duration::from_secs(5),
    )
    .await;
    second.start_kill().unwrap();
    second.wait().await.unwrap();
    assert!(fake.unexpected_calls().is_empty());
    std::fs::remove_file(log(0)).ok();
    std::fs::remove_file(log(1)).ok();
}
