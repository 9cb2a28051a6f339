//! What an operator sees: Prometheus text at /metrics whose counters move
//! with a command, a DM and a sent reminder, and /healthz turning 503 when
//! the gateway is cut.

use std::net::SocketAddr;
use std::time::Duration;

use prometheus_parse::{Scrape, Value};
use serde_json::json;
use sqlx::PgPool;

use crate::support::app::users_due;
use crate::support::bot::{self, config_for, saturday_noon};
use crate::support::chat::{command, dm, is_put_commands, posts_in, sub, WAIT};
use crate::support::fake_discord::FakeDiscord;
use crate::{ALICE, BOB};
use footcoach::discord::Role;

fn free_addr() -> SocketAddr {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap()
}

async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The scrape, parsed as Prometheus text.
async fn scrape(addr: SocketAddr) -> Scrape {
    let (status, text) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("Prometheus text")
}

/// The sum of `metric`'s counters (or histogram counts) whose labels
/// include `labels`.
fn total(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Value::Counter(n) | Value::Gauge(n) | Value::Untyped(n) => *n,
            Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            Value::Summary(_) => 0.0,
        })
        .sum()
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn counters_move_with_a_command_a_dm_and_a_reminder_and_health_follows_the_gateway(
    pool: PgPool,
) {
    bot::init_tracing();
    let fake = FakeDiscord::start().await;
    let addr = free_addr();
    let mut config = config_for(&fake, None);
    config.metrics_addr = Some(addr);
    let running = bot::start_as(&pool, config, Role::Both, saturday_noon());
    fake.wait_for_call(is_put_commands, WAIT).await;
    let before = scrape(addr).await;

    command(&fake, ALICE, sub("routine", "today", json!([]))).await;
    dm(&fake, ALICE, "done").await;
    users_due(&pool, BOB as i64, 1, saturday_noon()).await;
    sqlx::query("SELECT pg_notify('footcoach_timeline', '')")
        .execute(&pool)
        .await
        .unwrap();
    posts_in(&fake, fake.dm_channel_for(BOB), 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let after = scrape(addr).await;
    let moved = |metric: &str, labels: &[(&str, &str)]| {
        total(&after, metric, labels) - total(&before, metric, labels)
    };
    let command_ok = [("kind", "command"), ("outcome", "ok")];
    assert!(moved("footcoach_interactions_total", &command_ok) >= 1.0);
    assert!(
        moved(
            "footcoach_dm_replies_total",
            &[("kind", "done"), ("outcome", "ok")]
        ) >= 1.0
    );
    let reminder = [("kind", "reminder"), ("outcome", "sent")];
    assert!(moved("footcoach_sends_total", &reminder) >= 1.0);
    assert!(moved("footcoach_send_lateness_seconds", &[("kind", "reminder")]) >= 1.0);
    assert!(moved("footcoach_answer_seconds", &[("kind", "command")]) >= 1.0);
    // Gauges are the process's: other tests' bots set them too.
    assert!(after
        .samples
        .iter()
        .any(|s| s.metric == "footcoach_shards_connected"));
    assert!(after
        .samples
        .iter()
        .any(|s| s.metric == "footcoach_due_unsent"));
    assert!(after
        .samples
        .iter()
        .any(|s| s.metric == "footcoach_db_connections"));
    let (_, text) = get(addr, "/metrics").await;
    let ours: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("footcoach_"))
        .collect();
    println!("a sample of /metrics:\n{}", ours.join("\n"));

    // Connected: 200 (the shards are looked at twice a second).
    let health = health_turns(addr, 200).await;
    assert_eq!(health.0, 200, "{health:?}");
    // The gateway cut: 503, saying why.
    fake.gateway_down();
    let health = health_turns(addr, 503).await;
    assert_eq!(health.0, 503, "{health:?}");
    assert!(health.1.contains("0 of 1 shards connected"), "{health:?}");
    println!("/healthz with the gateway cut: {}", health.1.trim());
    fake.gateway_up();
    running.stop().await.unwrap();
}

/// /healthz once it answers `status`, or as it stands after 10 s.
async fn health_turns(addr: SocketAddr, status: u16) -> (u16, String) {
    let mut health = get(addr, "/healthz").await;
    for _ in 0..100 {
        if health.0 == status {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        health = get(addr, "/healthz").await;
    }
    health
}
