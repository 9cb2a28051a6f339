//! Timeline throughput: 1,000,000 users with reminders across their
//! timezones, 100,000 of them due in the same minute. Prints rows per second
//! claimed, sent (to a messenger that accepts at once) and marked, the
//! lateness of each send, the worker's peak memory, and the floor: a bare
//! batched `UPDATE ... WHERE id = ANY($1)` over the same rows.
//!
//! Run: cargo bench --bench timeline   (USERS and BURST override the sizes)

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::Utc;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Executor};

use footcoach::app::Coach;
use footcoach::clock::SystemClock;
use footcoach::content::Content;
use footcoach::store::timeline::Audience;
use footcoach::store::{Store, UserId, MIGRATOR};
use footcoach::timeline::{Delivery, Messenger, Outbound, Scheduler, SchedulerOptions};

/// Accepts every send at once and notes how late it was.
#[derive(Clone, Default)]
struct Sink {
    lateness_ms: Arc<Mutex<Vec<f64>>>,
}

impl Messenger for Sink {
    async fn deliver(&self, out: &Outbound) -> Delivery {
        let late = Utc::now() - out.due_at;
        self.lateness_ms
            .lock()
            .unwrap()
            .push(late.num_microseconds().unwrap_or(0) as f64 / 1000.0);
        Delivery::Sent {
            dm_channel: Some(1),
            message: None,
        }
    }

    async fn tell_unreachable(&self, _user: UserId, _channel: i64) {}
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let users = env_usize("USERS", 1_000_000);
    let burst = env_usize("BURST", 100_000).min(users);
    let batch = env_usize("BATCH", 1000) as i64;

    let server: PgConnectOptions = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .parse()?;
    let name = format!("footcoach_bench_{}", std::process::id());
    let mut admin = server.clone().database("postgres").connect().await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(server.clone().database(&name))
        .await?;
    MIGRATOR.run(&pool).await?;

    let setup = Instant::now();
    // Users spread over every timezone; 1 in users/burst due in the burst minute.
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
    sqlx::query(
        "INSERT INTO users (id, timezone, remind_minute, followup_minute)
         SELECT g, ($1::text[])[1 + g % array_length($1::text[], 1)], (g * 7) % 1440, NULL
         FROM generate_series(1, $2::bigint) AS g",
    )
    .bind(&zones)
    .bind(users as i64)
    .execute(&pool)
    .await?;
    let burst_at = Utc::now() + chrono::Duration::seconds(20);
    // The burst rows are due at `burst_at`; the rest over the next day.
    sqlx::query(
        "INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date)
         SELECT g, 'reminder', d, d, (d AT TIME ZONE 'UTC')::date
         FROM (SELECT g, CASE WHEN g <= $2 THEN $1
                              ELSE $1 + make_interval(mins => 1 + (g % 1439)::int) END AS d
               FROM generate_series(1, $3::bigint) AS g) AS s",
    )
    .bind(burst_at)
    .bind(burst as i64)
    .bind(users as i64)
    .execute(&pool)
    .await?;
    pool.execute("VACUUM ANALYZE timeline").await?;
    pool.execute("VACUUM ANALYZE users").await?;
    println!(
        "setup: {users} users, {burst} due at one instant, {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let sink = Sink::default();
    let rss_before = peak_rss_mib();

    let content = Arc::new(Content::embedded().map_err(|e| anyhow::anyhow!("{e}"))?);
    let store = Store::new(pool.clone());
    let coach = Coach::new(store.clone(), content, Arc::new(SystemClock));
    let scheduler = Scheduler::new(
        coach,
        store,
        sink.clone(),
        SchedulerOptions {
            audience: Audience::Discord,
            batch_size: batch,
            lease: std::time::Duration::from_secs(120),
            max_sleep: std::time::Duration::from_secs(1),
            lookahead: std::time::Duration::from_secs(30),
            max_staged: burst,
        },
    );
    // Start claiming 15 s ahead, as the worker's loop does when the next row is near.
    let lead = chrono::Duration::seconds(15);
    let wait = (burst_at - lead - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait).await;

    let started = Instant::now();
    let idle = (burst_at - Utc::now()).to_std().unwrap_or_default();
    let handled = scheduler
        .run_window(std::time::Duration::from_secs(30))
        .await?;
    // Work time: everything but the wait for the due instant.
    let worker_secs = (started.elapsed().saturating_sub(idle)).as_secs_f64();
    let rate = handled as f64 / worker_secs;
    let mut late = sink.lateness_ms.lock().unwrap().clone();
    late.sort_by(f64::total_cmp);

    // The floor: the same rows marked by a bare batched UPDATE, nothing else.
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM timeline WHERE due_at = $1 ORDER BY id")
        .bind(burst_at)
        .fetch_all(&pool)
        .await?;
    let floor_started = Instant::now();
    for chunk in ids.chunks(batch as usize) {
        sqlx::query("UPDATE timeline SET state = 'skipped' WHERE id = ANY($1)")
            .bind(chunk)
            .execute(&pool)
            .await?;
    }
    let floor_rate = ids.len() as f64 / floor_started.elapsed().as_secs_f64();

    println!(
        "worker: {handled} rows claimed, sent and marked in {worker_secs:.2} s of work = {rate:.0} rows/s (batch {batch}, claimed up to 15 s ahead)"
    );
    println!(
        "lateness (send instant - due instant): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms over {} sends",
        percentile(&late, 0.5),
        percentile(&late, 0.99),
        late.last().copied().unwrap_or(0.0),
        late.len()
    );
    println!("floor: bare UPDATE ... WHERE id = ANY($1) in batches of {batch}: {floor_rate:.0} rows/s; worker/floor = 1/{:.2}", floor_rate / rate);
    println!(
        "peak memory: {:.1} MiB before the worker, {:.1} MiB after",
        rss_before,
        peak_rss_mib()
    );

    pool.close().await;
    admin
        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
        .await?;
    Ok(())
}
