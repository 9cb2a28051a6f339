//! Latency of the real bot through the fake Discord: for `/routine today` and
//! for a DM "done", the time from the gateway event leaving the fake to the
//! bot's REST answer arriving, p50 / p99 over REQUESTS (2,000) events sent at
//! a steady RATE (200) a second.
//!
//! Run: cargo bench --bench discord_latency

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Executor};

use footcoach::store::MIGRATOR;
use support::fake_discord::{self as fake, FakeDiscord};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn report(name: &str, mut latencies: Vec<Duration>, sent: usize, elapsed: Duration) {
    latencies.sort();
    let pick = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!(
        "{name:<15} {} of {sent} answered, sent over {:.1} s: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
}

/// Sends `make(i)` events at `rate` a second and measures each to the REST
/// call `answer_path(i)`.
async fn run<F, P>(fake: &FakeDiscord, n: usize, rate: usize, name: &str, make: F, answer_path: P)
where
    F: Fn(usize) -> (&'static str, serde_json::Value),
    P: Fn(usize) -> String,
{
    let mut sent_at = Vec::with_capacity(n);
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate as u32);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    for i in 0..n {
        tick.tick().await;
        let (event, data) = make(i);
        sent_at.push(Instant::now());
        fake.dispatch(event, data).await;
    }
    let elapsed = started.elapsed();
    let mut latencies = Vec::with_capacity(n);
    for (i, at) in sent_at.iter().enumerate() {
        let path = answer_path(i);
        let call = fake
            .wait_for_call(|c| c.path == path, Duration::from_secs(30))
            .await;
        latencies.push(call.at.saturating_duration_since(*at));
    }
    report(name, latencies, n, elapsed);
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = env_usize("REQUESTS", 2000);
    let rate = env_usize("RATE", 200);
    let server: PgConnectOptions = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .parse()?;
    let name = format!("footcoach_latency_{}", std::process::id());
    let mut admin = server.clone().database("postgres").connect().await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect_with(server.clone().database(&name))
        .await?;
    MIGRATOR.run(&pool).await?;

    let fake = FakeDiscord::start().await;
    let bot = support::bot::start(&pool, &fake, None, chrono::Utc::now());
    fake.wait_for_call(
        |c| c.method == "PUT" && c.path.ends_with("/commands"),
        Duration::from_secs(30),
    )
    .await;

    let users: Vec<u64> = (0..n as u64)
        .map(|i| 1_500_000_000_000_000_000 + i)
        .collect();
    let interactions: Vec<fake::Interaction> = users
        .iter()
        .map(|u| {
            fake::slash_command(
                *u,
                None,
                fake.dm_channel_for(*u),
                "routine",
                json!([{"name": "today", "type": 1, "options": []}]),
            )
        })
        .collect();
    run(
        &fake,
        n,
        rate,
        "/routine today",
        |i| ("INTERACTION_CREATE", interactions[i].payload.clone()),
        |i| fake::callback_path(&interactions[i]),
    )
    .await;

    let channels: Vec<u64> = users.iter().map(|u| fake.dm_channel_for(*u)).collect();
    run(
        &fake,
        n,
        rate,
        "DM \"done\"",
        |i| {
            (
                "MESSAGE_CREATE",
                fake::message_create(channels[i], None, users[i], false, "done", None),
            )
        },
        |i| format!("/api/v10/channels/{}/messages", channels[i]),
    )
    .await;

    bot.stop().await?;
    pool.close().await;
    admin
        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
        .await?;
    Ok(())
}
