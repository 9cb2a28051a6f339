//! Shards and roles: the shards Discord recommends in one process, shards
//! split across processes, and a gateway and a sender side by side.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;
use tokio::process::{Child, Command};

use crate::support::app::users_due;
use crate::support::bot::{self, config_for, saturday_noon};
use crate::support::chat::{callback, is_put_commands, posts_in, sub, WAIT};
use crate::support::db;
use crate::support::fake_discord::{FakeDiscord, Interaction};
use crate::{ALICE, BOB};
use footcoach::discord::Role;

/// Identifies of a second shard wait out Discord's 5 s spacing.
const SHARDS_UP: Duration = Duration::from_secs(30);

/// A server whose events go to `shard` of `total`, and a channel in it.
fn server_on(shard: u64, total: u64, fake: &FakeDiscord) -> (u64, u64) {
    let guild = (0..)
        .map(|i| 1_300_000_000_000_001_000 + (i << 22))
        .find(|g| (g >> 22) % total == shard)
        .unwrap();
    let channel = guild + 1;
    fake.add_guild_channel(guild, channel);
    (guild, channel)
}

/// `user` runs /routine today in `channel` of `guild`; waits for the answer.
async fn answered_in(fake: &FakeDiscord, user: u64, guild: u64, channel: u64) {
    let ix: Interaction = sub("routine", "today", json!([])).in_server(user, guild, channel);
    assert_eq!(fake.dispatch_interaction(&ix).await, 1, "one shard gets it");
    let answer = callback(fake, &ix).await;
    assert!(answer.status < 300, "{}", fake.describe_calls());
}

fn shard_ids(fake: &FakeDiscord) -> Vec<(u64, u64)> {
    let mut ids: Vec<(u64, u64)> = fake.identifies().iter().filter_map(|i| i.shard).collect();
    ids.sort_unstable();
    ids
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_shards_discord_recommends_all_run_in_one_process(pool: PgPool) {
    bot::init_tracing();
    let fake = FakeDiscord::start().await;
    fake.recommend_shards(2);
    let running = bot::start(&pool, &fake, None, saturday_noon());
    fake.wait_for_identifies(2, SHARDS_UP).await;
    assert_eq!(shard_ids(&fake), [(0, 2), (1, 2)]);
    let (first, second) = {
        let mut at: Vec<_> = fake.identifies().iter().map(|i| i.at).collect();
        at.sort();
        (at[0], at[1])
    };
    println!("second IDENTIFY {:?} after the first", second - first);
    assert!(
        second - first >= Duration::from_secs(5),
        "Discord's spacing"
    );
    for shard in 0..2 {
        let (guild, channel) = server_on(shard, 2, &fake);
        answered_in(&fake, ALICE, guild, channel).await;
    }
    assert_eq!(
        fake.calls().iter().filter(|c| is_put_commands(c)).count(),
        1
    );
    running.stop_clean(&fake).await;
}

/// `footcoach gateway` as its own process, running `shards` (DISCORD_SHARDS).
fn gateway_process(fake: &FakeDiscord, url: &str, shards: &str, log: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_footcoach"))
        .arg("gateway")
        .env("DATABASE_URL", url)
        .env("DISCORD_TOKEN", "fake-token-from-env")
        .env("DISCORD_API_URL", fake.api_url())
        .env("DISCORD_SHARDS", shards)
        .env_remove("DISCORD_GUILD_ID")
        .env_remove("METRICS_ADDR")
        .stdout(Stdio::null())
        // A file: an unread pipe would fill and block the bot.
        .stderr(std::fs::File::create(log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn two_processes_split_the_shards_and_register_the_commands_once(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let url = db::url_for(&db::current_database(&pool).await);
    let logs = std::env::temp_dir();
    let zero = gateway_process(&fake, &url, "0-0/2", &logs.join("footcoach-shard-0.log"));
    let one = gateway_process(&fake, &url, "1-1/2", &logs.join("footcoach-shard-1.log"));
    fake.wait_for_identifies(2, SHARDS_UP).await;
    assert_eq!(shard_ids(&fake), [(0, 2), (1, 2)]);
    fake.wait_for_call(is_put_commands, WAIT).await;
    // Each process answers what its shard receives; DMs go to shard 0.
    for shard in 0..2 {
        let (guild, channel) = server_on(shard, 2, &fake);
        answered_in(&fake, BOB, guild, channel).await;
    }
    let dm = sub("routine", "today", json!([])).in_dm(&fake, ALICE);
    assert_eq!(fake.dispatch_interaction(&dm).await, 1);
    callback(&fake, &dm).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fake.calls().iter().filter(|c| is_put_commands(c)).count(),
        1,
        "only the process with shard 0 registers"
    );
    drop((zero, one));
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_gateway_and_a_sender_share_one_database(pool: PgPool) {
    bot::init_tracing();
    let fake = FakeDiscord::start().await;
    users_due(&pool, ALICE as i64, 1, saturday_noon()).await;
    let sender = bot::start_as(
        &pool,
        config_for(&fake, None),
        Role::Sender,
        saturday_noon(),
    );
    // The sender alone sends the reminder, with no gateway connection.
    posts_in(&fake, fake.dm_channel_for(ALICE), 1).await;
    assert_eq!(fake.identify_count(), 0);
    let gateway = bot::start_as(
        &pool,
        config_for(&fake, None),
        Role::Gateway,
        saturday_noon(),
    );
    fake.wait_for_call(is_put_commands, WAIT).await;
    let (guild, channel) = server_on(0, 1, &fake);
    answered_in(&fake, BOB, guild, channel).await;
    assert_eq!(fake.identify_count(), 1);
    // The gateway sends nothing timed: one reminder in all.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.messages_in(fake.dm_channel_for(ALICE)).len(), 1);
    sender.stop().await.unwrap();
    gateway.stop().await.unwrap();
}
