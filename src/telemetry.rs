//! What an operator watches from outside: Prometheus metrics at `/metrics`
//! and a health answer at `/healthz`, served on `METRICS_ADDR`.
//!
//! Metrics go through the `metrics` facade, so the code that counts does not
//! know the exporter; the Prometheus exporter renders them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::store::Store;

/// Seconds: an answer within Discord's 3 s, a send from on time to late.
const ANSWER_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
const LATENESS_BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0, 3600.0];

/// How long the database may take to answer the health check.
const DB_CHECK: Duration = Duration::from_secs(2);

/// The process's recorder, installed once (tests start many bots in one
/// process, and the facade takes one global recorder).
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("footcoach_answer_seconds".into()),
                &ANSWER_BUCKETS,
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("footcoach_send_lateness_seconds".into()),
                    &LATENESS_BUCKETS,
                )
            })
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Someone else installed a recorder first: theirs counts, and this
        // handle renders nothing, which the scrape shows plainly.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The gateway's shards, for the health answer and the gauge.
#[derive(Debug, Default)]
pub struct Shards {
    /// Shards this process runs; 0 for a process without a gateway.
    expected: AtomicU32,
    connected: AtomicU32,
}

impl Shards {
    pub fn expect(&self, shards: u32) {
        self.expected.store(shards, Ordering::Relaxed);
    }

    /// Raises the count expected to `shards` (a shard's READY tells the total).
    pub fn expect_at_least(&self, shards: u32) {
        self.expected.fetch_max(shards, Ordering::Relaxed);
    }

    /// How many of the shards are connected now.
    pub fn set_connected(&self, n: u32) {
        self.connected.store(n, Ordering::Relaxed);
        metrics::gauge!("footcoach_shards_connected").set(f64::from(n));
    }

    /// Why the gateway is not healthy, if it is not.
    fn trouble(&self) -> Option<String> {
        let expected = self.expected.load(Ordering::Relaxed);
        let connected = self.connected.load(Ordering::Relaxed);
        (connected < expected)
            .then(|| format!("{connected} of {expected} shards connected to Discord"))
    }
}

/// What the two pages read.
#[derive(Clone)]
struct Watched {
    store: Store,
    shards: Arc<Shards>,
}

/// Serves `/metrics` and `/healthz` on `listener` (bound to METRICS_ADDR)
/// until the task is dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    shards: Arc<Shards>,
) -> std::io::Result<()> {
    recorder();
    let app = Router::new()
        .route("/metrics", get(scrape))
        .route("/healthz", get(health))
        .with_state(Watched { store, shards });
    axum::serve(listener, app).await
}

/// Prometheus text; the gauges read from the database are read now.
async fn scrape(State(Watched { store, .. }): State<Watched>) -> String {
    let pool = store.pool();
    let idle = pool.num_idle() as f64;
    metrics::gauge!("footcoach_db_connections", "state" => "idle").set(idle);
    metrics::gauge!("footcoach_db_connections", "state" => "busy")
        .set(f64::from(pool.size()) - idle);
    match tokio::time::timeout(DB_CHECK, store.due_unsent()).await {
        Ok(Ok(n)) => metrics::gauge!("footcoach_due_unsent").set(n as f64),
        Ok(Err(e)) => tracing::warn!(error = %e, "could not count the due sends"),
        Err(_) => tracing::warn!("counting the due sends took too long"),
    }
    recorder().render()
}

/// 200 when the database answers and every shard is connected; 503 with the
/// reason otherwise.
async fn health(State(Watched { store, shards }): State<Watched>) -> (StatusCode, String) {
    let database = match tokio::time::timeout(DB_CHECK, store.ping()).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("the database does not answer: {e}")),
        Err(_) => Some("the database does not answer".to_owned()),
    };
    let troubles: Vec<String> = database.into_iter().chain(shards.trouble()).collect();
    if troubles.is_empty() {
        (StatusCode::OK, "ok\n".to_owned())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{}\n", troubles.join("; ")),
        )
    }
}

/// An interaction answered: its kind (command, button, setup, form), how it
/// went, and how long the answer took.
pub fn answered(kind: &'static str, outcome: &'static str, took: Duration) {
    metrics::counter!("footcoach_interactions_total", "kind" => kind, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("footcoach_answer_seconds", "kind" => kind).record(took.as_secs_f64());
}

/// An interaction from an older version of the commands or buttons, answered.
pub fn stale(kind: &'static str) {
    metrics::counter!("footcoach_interactions_total", "kind" => kind, "outcome" => "stale")
        .increment(1);
}

/// A DM (or a reply in a server) answered: what it said, and how it went.
pub fn dm_reply(kind: &'static str, outcome: &'static str, took: Duration) {
    metrics::counter!("footcoach_dm_replies_total", "kind" => kind, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("footcoach_answer_seconds", "kind" => "dm").record(took.as_secs_f64());
}

/// A timed send done: its kind, how it went, and for one delivered, how late.
pub fn sent(kind: &'static str, outcome: &'static str, late: Option<Duration>) {
    metrics::counter!("footcoach_sends_total", "kind" => kind, "outcome" => outcome).increment(1);
    if let Some(late) = late {
        metrics::histogram!("footcoach_send_lateness_seconds", "kind" => kind)
            .record(late.as_secs_f64());
    }
}

/// Discord answered 429, for one route's bucket or for everything.
pub fn rate_limited(scope: &'static str) {
    metrics::counter!("footcoach_rate_limited_total", "scope" => scope).increment(1);
}
