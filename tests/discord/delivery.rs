//! Timed sends through the real Discord messenger against the fake Discord:
//! nonces after a crash, per-route and global 429s, stuck requests, and
//! users who cannot be messaged.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::support::app::{users_due, App};
use crate::support::bot::{init_tracing, messenger};
use crate::support::db;
use crate::support::fake_discord::FakeDiscord;
use footcoach::discord::messenger::DiscordMessenger;
use footcoach::store::UserId;
use footcoach::timeline::{Delivery, Messenger, Outbound};

pub(crate) const ALICE: u64 = 1_400_000_000_000_000_001;

pub(crate) fn due() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 6, 1, 7, 0, 0).unwrap()
}

/// The fake Discord, and `n` users from ALICE on with a reminder due at
/// `due()`, their DM channels not yet known.
pub(crate) async fn fake_and_users_due(pool: &PgPool, n: u64) -> FakeDiscord {
    init_tracing();
    let fake = FakeDiscord::start().await;
    users_due(pool, ALICE as i64, n as i64, due()).await;
    fake
}

/// DM channels are cached: one request per reminder.
pub(crate) async fn cache_dm_channels(pool: &PgPool, fake: &FakeDiscord, n: u64) {
    for user in ALICE..ALICE + n {
        sqlx::query("UPDATE users SET dm_channel_id = $2 WHERE id = $1")
            .bind(user as i64)
            .bind(fake.dm_channel_for(user) as i64)
            .execute(pool)
            .await
            .unwrap();
    }
}

/// Sends, then hangs as a process that died before marking the row would.
struct DiesAfterSending(DiscordMessenger);

impl Messenger for DiesAfterSending {
    async fn deliver(&self, out: &Outbound) -> Delivery {
        self.0.deliver(out).await;
        std::future::pending().await
    }

    async fn tell_unreachable(&self, _user: UserId, _channel: i64) {}
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_send_repeated_after_a_crash_posts_once(pool: PgPool) {
    let fake = fake_and_users_due(&pool, 1).await;
    let app = App::new(&pool, due());

    let crashed = app.scheduler(DiesAfterSending(messenger(&fake, &pool)));
    let run = tokio::time::timeout(Duration::from_secs(2), crashed.run_due_once(due())).await;
    assert!(run.is_err(), "the first worker never finished");
    assert_eq!(fake.messages().len(), 1, "it did post");

    // After the claim expires a second worker sends the row again: same nonce,
    // so Discord answers with the first message instead of posting twice.
    let later = due() + chrono::Duration::minutes(3);
    let second = app.scheduler(messenger(&fake, &pool));
    assert_eq!(second.run_due_once(later).await.unwrap(), 1);
    let messages = fake.messages();
    assert_eq!(messages.len(), 1, "{}", fake.describe_calls());
    assert_eq!(messages[0].nonce_repeats, 1);
    let posts = fake.calls_to("POST", "/channels/*/messages");
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].body["nonce"], posts[1].body["nonce"]);
    assert_eq!(posts[0].body["enforce_nonce"], true);
    let state: String =
        sqlx::query_scalar("SELECT state FROM timeline WHERE local_date = '2027-06-01'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(state, "sent");
    assert!(fake.unexpected_calls().is_empty());
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_per_route_429_holds_only_its_channel_for_its_retry_after(pool: PgPool) {
    let fake = fake_and_users_due(&pool, 20).await;
    cache_dm_channels(&pool, &fake, 20).await;
    let alice = format!("/channels/{}/messages", fake.dm_channel_for(ALICE));
    fake.rate_limit_next("POST", &alice, 1.5, 1);
    let worker = App::new(&pool, due()).scheduler(messenger(&fake, &pool));
    assert_eq!(worker.run_due_once(due()).await.unwrap(), 20);

    let posts = fake.calls_to("POST", "/channels/*/messages");
    assert_eq!(posts.len(), 21, "20 sends and one retried after the 429");
    assert_eq!(posts.iter().filter(|c| c.status == 429).count(), 1);
    let to_alice: Vec<_> = posts.iter().filter(|c| c.path.ends_with(&alice)).collect();
    assert_eq!(to_alice.len(), 2);
    assert_eq!(to_alice[0].status, 429);
    assert!(
        to_alice[1].at - to_alice[0].at >= Duration::from_millis(1500),
        "her channel held for retry_after"
    );
    // The other channels' buckets were not held: all went before her retry.
    assert!(
        posts.last().unwrap().path.ends_with(&alice),
        "{}",
        fake.describe_calls()
    );
    assert_eq!(fake.messages().len(), 20);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_global_429_holds_every_request_for_its_retry_after(pool: PgPool) {
    let fake = fake_and_users_due(&pool, 20).await;
    cache_dm_channels(&pool, &fake, 20).await;
    fake.rate_limit_global_next("POST", "/channels/*/messages", 1.0, 1);
    let worker = App::new(&pool, due()).scheduler(messenger(&fake, &pool));
    assert_eq!(worker.run_due_once(due()).await.unwrap(), 20);

    let posts = fake.calls_to("POST", "/channels/*/messages");
    assert_eq!(posts.len(), 21, "20 sends and one retried after the 429");
    assert_eq!(posts[0].status, 429);
    assert_eq!(posts.iter().filter(|c| c.status == 429).count(), 1);
    // Sends run concurrently: one already past its checks when the 429's
    // answer came back may still go out; no other leaves within the hold,
    // whatever its channel.
    let early = posts[1..]
        .iter()
        .filter(|c| c.at - posts[0].at < Duration::from_millis(950))
        .count();
    assert!(early <= 1, "held for retry_after: {early} went out early");
    assert_eq!(fake.messages().len(), 20);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_user_who_closed_dms_is_told_in_the_server_and_not_retried(pool: PgPool) {
    let fake = fake_and_users_due(&pool, 1).await;
    let channel = 1_400_000_000_000_000_300_u64;
    fake.add_guild_channel(1_400_000_000_000_000_200, channel);
    sqlx::query("UPDATE users SET last_channel_id = $1")
        .bind(channel as i64)
        .execute(&pool)
        .await
        .unwrap();
    let dm_messages = format!("/channels/{}/messages", fake.dm_channel_for(ALICE));
    fake.fail_next(
        "POST",
        &dm_messages,
        403,
        json!({"message": "Cannot send messages to this user", "code": 50007}),
        1,
    );
    let worker = App::new(&pool, due()).scheduler(messenger(&fake, &pool));
    worker.run_due_once(due()).await.unwrap();
    for minutes in [5, 60, 24 * 60] {
        worker
            .run_due_once(due() + chrono::Duration::minutes(minutes))
            .await
            .unwrap();
    }
    let dm_posts = fake.calls_to("POST", &dm_messages);
    assert_eq!(dm_posts.len(), 1, "never retried");
    let told = fake.messages_in(channel);
    assert_eq!(told.len(), 1);
    assert!(
        told[0].content().contains(&format!("<@{ALICE}>")) && told[0].content().contains("paused")
    );
    let blocked: bool = sqlx::query_scalar("SELECT dm_blocked_at IS NOT NULL FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(blocked);
    assert_eq!(
        db::count(&pool, "timeline WHERE state = 'pending'").await,
        0
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_stuck_request_holds_up_only_its_own_reminder(pool: PgPool) {
    let fake = fake_and_users_due(&pool, 10).await;
    cache_dm_channels(&pool, &fake, 10).await;
    // Discord posts the first three but their answers come after the
    // messenger's 10 s timeout.
    fake.hold_next("POST", "/channels/*/messages", Duration::from_secs(20), 3);
    let app = App::new(&pool, due());
    let worker = app.scheduler(messenger(&fake, &pool));
    let started = std::time::Instant::now();
    let run = tokio::spawn(async move { worker.run_due_once(due()).await });

    // The other seven are sent and recorded while the three are still stuck.
    let sent = "timeline WHERE state = 'sent'";
    db::wait_for_count(&pool, sent, 7, Duration::from_secs(9)).await;
    let seven_recorded = started.elapsed();
    assert!(!run.is_finished(), "recorded before the stuck ones gave up");
    let posts = fake.calls_to("POST", "/channels/*/messages");
    assert_eq!(posts.len(), 10, "every request left without waiting");
    let spread = posts.last().unwrap().at - posts[0].at;

    assert_eq!(run.await.unwrap().unwrap(), 10);
    let run_took = started.elapsed();
    assert_eq!(db::count(&pool, sent).await, 7);
    let errors: Vec<String> = sqlx::query_scalar(
        "SELECT last_error FROM timeline WHERE state = 'pending' AND due_at = $1",
    )
    .bind(due())
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors.iter().all(|e| e.contains("request failed")),
        "{errors:?}"
    );

    // Retried after the backoff: Discord answers with the messages it made.
    let retry = app.scheduler(messenger(&fake, &pool));
    let later = due() + chrono::Duration::minutes(5);
    assert_eq!(retry.run_due_once(later).await.unwrap(), 3);
    assert_eq!(db::count(&pool, sent).await, 10);
    let messages = fake.messages();
    assert_eq!(messages.len(), 10, "{}", fake.describe_calls());
    for user in ALICE..ALICE + 10 {
        assert_eq!(fake.messages_in(fake.dm_channel_for(user)).len(), 1);
    }
    let repeats: usize = messages.iter().map(|m| m.nonce_repeats).sum();
    assert_eq!(repeats, 3, "the three retries were answered by nonce");
    println!(
        "stuck requests: 10 requests left within {spread:?}; the other 7 recorded after {seven_recorded:?}; \
         the run ended after {run_took:?} (the stuck ones timing out)"
    );
    assert!(fake.unexpected_calls().is_empty());
}
