//! Timed sends within Discord's limits: a channel's bucket as the answers'
//! headers state it, and the global budget shared by every sender on one
//! database, measured at the fake Discord.

use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::delivery::{cache_dm_channels, due, fake_and_users_due, ALICE};
use crate::support::app::App;
use crate::support::bot::{messenger, messenger_at};
use crate::support::fake_discord::FakeDiscord;

/// The bot's global budget in these tests: Discord's own 50 a second.
const BUDGET: usize = 50;

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_fake_answers_a_sixth_create_in_a_channel_within_5_s_with_a_429(pool: PgPool) {
    let fake = fake_and_users_due(&pool, 0).await;
    let url = format!(
        "{}/api/v10/channels/{}/messages",
        fake.api_url(),
        fake.dm_channel_for(ALICE)
    );
    let client = reqwest::Client::new();
    let mut answers = Vec::new();
    for i in 0..6 {
        let r = client
            .post(&url)
            .header("authorization", "Bot fake-token")
            .header("content-type", "application/json")
            .body(serde_json::json!({ "content": format!("message {i}") }).to_string())
            .send()
            .await
            .unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        answers.push((
            r.status().as_u16(),
            header("x-ratelimit-remaining"),
            header("x-ratelimit-scope"),
            header("x-ratelimit-bucket").is_some(),
            header("retry-after").is_some(),
        ));
    }
    let remaining: Vec<_> = answers.iter().map(|a| a.1.as_deref()).collect();
    assert_eq!(
        remaining,
        [
            Some("4"),
            Some("3"),
            Some("2"),
            Some("1"),
            Some("0"),
            Some("0")
        ]
    );
    assert!(answers[..5].iter().all(|a| a.0 == 200 && !a.4));
    assert_eq!(answers[5].0, 429);
    assert_eq!(answers[5].2.as_deref(), Some("user"));
    assert!(answers[5].3 && answers[5].4, "bucket and Retry-After");
    assert_eq!(fake.messages().len(), 5);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_burst_to_one_channel_follows_its_bucket_without_a_429(pool: PgPool) {
    let fake = fake_and_users_due(&pool, 7).await;
    // Seven reminders to one channel: five fit the bucket's window of 5 s.
    sqlx::query("UPDATE users SET dm_channel_id = $1")
        .bind(fake.dm_channel_for(ALICE) as i64)
        .execute(&pool)
        .await
        .unwrap();
    let worker = App::new(&pool, due()).scheduler(messenger(&fake, &pool));
    assert_eq!(worker.run_due_once(due()).await.unwrap(), 7);

    let posts = fake.calls_to("POST", "/channels/*/messages");
    assert_eq!(posts.len(), 7, "no 429 to retry: {}", fake.describe_calls());
    assert!(posts.iter().all(|c| c.status == 200));
    // The first five within the window, the other two after its reset.
    assert!(posts[5].at - posts[0].at >= Duration::from_millis(4900));
    assert_eq!(fake.messages().len(), 7);
}

/// What the fake saw of a burst: requests, how long it took, the most in
/// any one second and the mean rate.
struct Figures {
    requests: usize,
    took: Duration,
    max_in_a_second: usize,
    mean_per_second: f64,
    claims: u64,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests in {:.2?}: at most {} in any 1 s window, {:.1}/s on average; \
             {} budget claims ({:.2} per request)",
            self.requests,
            self.took,
            self.max_in_a_second,
            self.mean_per_second,
            self.claims,
            self.claims as f64 / self.requests as f64
        )
    }
}

fn figures(fake: &FakeDiscord, claims: u64) -> Figures {
    let mut at: Vec<Instant> = fake.calls().iter().map(|c| c.at).collect();
    at.sort();
    let mut max_in_a_second = 0;
    let mut end = 0;
    for start in 0..at.len() {
        while end < at.len() && at[end] - at[start] < Duration::from_secs(1) {
            end += 1;
        }
        max_in_a_second = max_in_a_second.max(end - start);
    }
    let took = *at.last().unwrap() - at[0];
    Figures {
        requests: at.len(),
        took,
        max_in_a_second,
        mean_per_second: (at.len() - 1) as f64 / took.as_secs_f64(),
        claims,
    }
}

/// 300 reminders due at once, sent by `senders` workers on one database,
/// each with its own messenger and the budget of [`BUDGET`].
async fn burst(pool: &PgPool, senders: usize) -> Figures {
    let n = 300;
    let fake = fake_and_users_due(pool, n).await;
    cache_dm_channels(pool, &fake, n).await;
    let workers: Vec<_> = (0..senders)
        .map(|_| App::new(pool, due()).scheduler(messenger_at(&fake, pool, BUDGET as u32)))
        .collect();
    let runs = workers.iter().map(|w| async move {
        let mut sent = 0;
        loop {
            match w.run_due_once(due()).await.unwrap() {
                0 => return sent,
                k => sent += k,
            }
        }
    });
    let sent: Vec<usize> = futures_util::future::join_all(runs).await;
    assert_eq!(sent.iter().sum::<usize>(), n as usize);
    if senders > 1 {
        assert!(sent.iter().all(|s| *s > 0), "every sender sent: {sent:?}");
    }
    assert_eq!(fake.messages().len(), n as usize);
    assert!(fake.calls().iter().all(|c| c.status == 200));
    let claims = workers
        .iter()
        .map(|w| w.messenger().budget().claims())
        .sum();
    figures(&fake, claims)
}

/// Within the budget in every second, with room for the network's jitter:
/// a request leaves within its 20 ms place, and arrives a little later.
fn assert_within_budget(f: &Figures) {
    assert!(
        f.max_in_a_second <= BUDGET + BUDGET / 10 + 1,
        "over the budget of {BUDGET}: {f}"
    );
    assert!(f.mean_per_second <= BUDGET as f64 * 1.05, "{f}");
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn two_senders_on_one_database_share_the_global_budget(pool: PgPool) {
    let f = burst(&pool, 2).await;
    println!("two senders, budget {BUDGET}/s: {f}");
    assert_within_budget(&f);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn one_sender_keeps_to_the_global_budget(pool: PgPool) {
    let f = burst(&pool, 1).await;
    println!("one sender, budget {BUDGET}/s: {f}");
    assert_within_budget(&f);
}
