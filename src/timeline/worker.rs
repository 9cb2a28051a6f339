//! The worker: claims due rows with a lease, stages a burst ahead of time,
//! sends each at its instant, and completes them in batches. It only moves
//! rows; what a row sends is the Coach's decision.

use std::collections::HashSet;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgListener;

use super::Messenger;
use crate::app::Coach;
use crate::error::Result;
use crate::store::timeline::{Audience, DueSend, WAKE_CHANNEL};
use crate::store::Store;

/// Server posts claimed at once: few servers, each one request.
pub(super) const POSTS_PER_CLAIM: i64 = 50;

/// Transient failures are retried this many times in all.
pub(super) const MAX_ATTEMPTS: u16 = 5;

#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    pub audience: Audience,
    /// Rows claimed at once.
    pub batch_size: i64,
    /// How long a claim holds before another worker may take the row. The
    /// worker renews it every quarter lease while it holds rows, and starts
    /// no send with less than half a lease left (see `burst`).
    pub lease: Duration,
    /// The longest sleep without a wake-up, as a safety net for missed notifications.
    pub max_sleep: Duration,
    /// Rows due this soon are claimed ahead, so a burst goes out on time.
    pub lookahead: Duration,
    /// At most this many rows are held at once.
    pub max_staged: usize,
}

impl SchedulerOptions {
    pub fn discord() -> Self {
        SchedulerOptions {
            audience: Audience::Discord,
            batch_size: 100,
            // Short, so a crash delays the rows it held by seconds; renewed
            // while held, so a long burst keeps them.
            lease: Duration::from_secs(6),
            max_sleep: Duration::from_secs(300),
            lookahead: Duration::from_secs(5),
            // 40 s of sends at Discord's 50 a second.
            max_staged: 2000,
        }
    }
}

pub struct Scheduler<M> {
    pub(super) coach: Coach,
    pub(super) store: Store,
    pub(super) messenger: M,
    pub(super) options: SchedulerOptions,
    token_seed: u64,
    claims: AtomicU64,
}

pub(super) fn backoff(attempts: u16) -> Duration {
    Duration::from_secs(15u64.saturating_mul(1 << attempts.min(6)).min(600))
}

/// `wait` as a chrono duration, a minute when it does not fit.
pub(super) fn chrono_of(wait: Duration) -> chrono::Duration {
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60))
}

impl<M: Messenger> Scheduler<M> {
    /// A worker that claims rows in `store` and asks `coach` what they send.
    pub fn new(coach: Coach, store: Store, messenger: M, options: SchedulerOptions) -> Self {
        Scheduler {
            coach,
            store,
            messenger,
            options,
            token_seed: std::collections::hash_map::RandomState::new().hash_one(std::process::id()),
            claims: AtomicU64::new(0),
        }
    }

    pub fn messenger(&self) -> &M {
        &self.messenger
    }

    pub(super) fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.options.lease).unwrap_or(chrono::Duration::minutes(2))
    }

    pub(super) fn next_token(&self) -> i64 {
        let n = self.claims.fetch_add(1, Ordering::Relaxed);
        (self
            .token_seed
            .wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            >> 1) as i64
    }

    /// Claims one batch of rows due at `now`, sends them and records the
    /// outcome. Returns how many rows it handled.
    pub async fn run_due_once(&self, now: DateTime<Utc>) -> Result<usize> {
        let token = self.next_token();
        let rows = self
            .store
            .claim_due(
                self.options.audience,
                now,
                now,
                now + self.lease(),
                token,
                self.options.batch_size,
            )
            .await?;
        let n = rows.len();
        if n > 0 {
            self.send_claim(rows, Claim::new(token, now + self.lease()), now)
                .await?;
        }
        Ok(n)
    }

    /// Claims the rows ready within `horizon` (at most `max_staged`), sends
    /// each at its due instant, and records the outcomes as the sends
    /// complete. Returns how many rows it handled.
    ///
    /// Claiming ahead is what keeps a burst on time: the claims, not the
    /// sends, are the slow part.
    pub async fn run_window(&self, horizon: Duration) -> Result<usize> {
        let now = self.coach.now();
        let until = now + chrono_of(horizon);
        // Short, and renewed while the rows are held: rows left by a worker
        // that died are taken again within seconds.
        let lease_until = now + self.lease();
        let token = self.next_token();
        let mut staged: Vec<DueSend> = Vec::new();
        while staged.len() < self.options.max_staged {
            let limit = self
                .options
                .batch_size
                .min((self.options.max_staged - staged.len()) as i64);
            let rows = self
                .store
                .claim_due(self.options.audience, now, until, lease_until, token, limit)
                .await?;
            let full = rows.len() as i64 >= limit;
            staged.extend(rows);
            if !full {
                break;
            }
        }
        let n = staged.len();
        if n > 0 {
            staged.sort_by_key(|r| r.due_at);
            self.send_claim(staged, Claim::new(token, lease_until), now)
                .await?;
        }
        Ok(n)
    }

    /// Works until `shutdown`: runs what is due, then sleeps until the next
    /// row is ready or the timeline changes (PostgreSQL NOTIFY).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut listener = None;
        loop {
            let worked = {
                let work = self.work(&mut listener);
                tokio::pin!(work);
                tokio::select! {
                    worked = &mut work => worked,
                    () = &mut shutdown => {
                        // Sends under way get a moment to finish and be
                        // recorded; rows claimed ahead and not yet due are
                        // left to their lease, for the next worker.
                        let _ = tokio::time::timeout(STOP_GRACE, work).await;
                        return;
                    }
                }
            };
            let wait = match worked {
                Ok(wait) => wait,
                Err(e) => {
                    // The database went away: keep the bot up and try again soon.
                    tracing::error!(error = %e, "timeline worker failed; retrying in 5 s");
                    listener = None;
                    Duration::from_secs(5)
                }
            };
            let woken = async {
                match listener.as_mut() {
                    Some(l) => l.recv().await.map(drop),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(wait) => {}
                woke = woken => {
                    if let Err(e) = woke {
                        tracing::warn!(error = %e, "lost the timeline wake-up channel; reconnecting");
                        listener = None;
                    }
                }
            }
        }
    }

    /// Runs everything due now and says how long to sleep.
    async fn work(&self, listener: &mut Option<PgListener>) -> Result<Duration> {
        if listener.is_none() {
            let mut l = PgListener::connect_with(self.store.pool()).await?;
            l.listen(WAKE_CHANNEL).await?;
            *listener = Some(l);
        }
        while self.run_window(self.options.lookahead).await? >= self.options.max_staged {}
        let mut next = self.store.next_ready_at(self.options.audience).await?;
        if self.options.audience == Audience::Discord {
            while self.run_server_posts_once(self.coach.now()).await? as i64 >= POSTS_PER_CLAIM {}
            if let Some(at) = self.store.next_post_ready_at().await? {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        Ok(next
            .map(|at| (at - self.coach.now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(self.options.max_sleep)
            .min(self.options.max_sleep))
    }
}

/// A claim's lease as the database last confirmed it.
pub(super) struct Claim {
    pub(super) token: i64,
    pub(super) expiry: DateTime<Utc>,
    /// The rows held at the last renewal; `None` before the first.
    pub(super) held: Option<HashSet<i64>>,
}

impl Claim {
    pub(super) fn new(token: i64, expiry: DateTime<Utc>) -> Claim {
        Claim {
            token,
            expiry,
            held: None,
        }
    }

    pub(super) fn holds(&self, row: i64) -> bool {
        self.held.as_ref().is_none_or(|h| h.contains(&row))
    }
}

/// How long a stopping worker lets its sends under way finish.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// A scheduler running in its own task.
pub struct Worker {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Stops the worker after the batch it is on, and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl<M: Messenger> Scheduler<M> {
    /// Runs the scheduler in a task until `Worker::stop`.
    pub fn spawn(self) -> Worker {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            self.run(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await;
        });
        Worker { stop, task }
    }
}
