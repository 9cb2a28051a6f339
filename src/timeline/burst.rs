//! Sending a claim: each row at its due instant, many requests in flight at
//! once (the messenger paces them), so one slow request holds up only its
//! own row; outcomes recorded as they come in, and the claim's lease renewed
//! while it holds rows.
//!
//! Exactly once: a send starts only while at least half a lease is left, and
//! another worker takes a row only after its lease lapsed, so two workers
//! never start the same row; a renewal says which rows are still held, and a
//! row lost meanwhile is not sent. Completed sends are recorded within
//! `FLUSH_EVERY`, so after a crash only the sends of that last moment go out
//! again, and Discord's nonce turns those into the first message.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::time::Instant;

use super::worker::{backoff, chrono_of, Claim, Scheduler, MAX_ATTEMPTS};
use super::{Delivery, Messenger, Outbound};
use crate::app::timed::Planned;
use crate::error::{Error, Result};
use crate::store::timeline::{BatchOutcome, DueSend, NewSend, Resolution, SendKind, SessionMove};
use crate::store::StepMessage;

/// Requests in flight at once: at 50 a second, a few stuck for the full
/// 10 s timeout still leave the rest of a burst its schedule.
const MAX_IN_FLIGHT: usize = 64;
/// Completed sends are recorded at least this often.
const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// Batches of sent rows that may wait to be recorded before sends pause.
const UNRECORDED_BATCHES: usize = 8;
/// A failed renewal is tried again this soon.
const RENEW_RETRY: Duration = Duration::from_millis(500);

/// A write of the claim's to the database, running beside its sends.
type Write<T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send>>;

/// The write under way, or never when there is none.
async fn pending_write<T>(write: &mut Option<Write<T>>) -> Result<T, sqlx::Error> {
    match write {
        Some(w) => w.await,
        None => std::future::pending().await,
    }
}

/// A planned send waiting for its request.
struct Ready {
    out: Outbound,
    kind: SendKind,
    attempts: u16,
    known_channel: Option<i64>,
    last_channel: Option<i64>,
    late: bool,
    follow_ups: Vec<NewSend>,
    session_move: Option<SessionMove>,
}

impl<M: Messenger> Scheduler<M> {
    /// Sends the claimed `rows` (in due order), each at its instant, and
    /// records what became of them. Times come from the Coach's clock, never
    /// before `floor` (the instant `run_due_once` was given).
    pub(super) async fn send_claim(
        &self,
        rows: Vec<DueSend>,
        mut claim: Claim,
        floor: DateTime<Utc>,
    ) -> Result<()> {
        let lease = self.lease();
        let margin = lease / 2;
        let renew_every = self.options.lease / 4;
        let now = || self.coach.now().max(floor);
        let batch = self.options.batch_size.max(1) as usize;
        // rows[..planned] are planned; those to send wait in `queue`.
        let mut planned = 0;
        let mut queue: VecDeque<Ready> = VecDeque::new();
        let mut in_flight = FuturesUnordered::new();
        let mut outcome = BatchOutcome::default();
        let mut flushed = Instant::now();
        let mut next_renewal = Instant::now() + renew_every;
        let mut renewed_ok = true;
        let mut failure: Option<Error> = None;
        // The claim's writes run beside the sends, one of each kind at a
        // time, so a slow write never holds up the requests.
        let mut renewal: Option<Write<(DateTime<Utc>, Vec<i64>)>> = None;
        let mut flush: Option<Write<()>> = None;
        loop {
            let unsafe_now = now() + margin >= claim.expiry;
            if renewal.is_none()
                && (Instant::now() >= next_renewal
                    || (unsafe_now && renewed_ok && failure.is_none()))
            {
                let expiry = (now() + lease).max(claim.expiry);
                let (store, token) = (self.store.clone(), claim.token);
                renewal = Some(Box::pin(async move {
                    store
                        .renew_claim(token, expiry)
                        .await
                        .map(|held| (expiry, held))
                }));
            }
            if failure.is_some() {
                // Whatever is not in flight is left to the next claim.
                queue.clear();
                planned = rows.len();
            }

            // Plan what is due, a batch at a time, once the queue ran dry.
            let t = now();
            if queue.is_empty() && planned < rows.len() && rows[planned].due_at <= t {
                let due = rows[planned..].iter().take_while(|r| r.due_at <= t);
                let end = planned + due.count().min(batch);
                match self.coach.plan_sends(&rows[planned..end], t).await {
                    Ok(plans) => {
                        for (row, plan) in rows[planned..end].iter().zip(plans) {
                            stage(row, plan, &mut queue, &mut outcome);
                        }
                        planned = end;
                    }
                    Err(e) => failure = Some(e),
                }
            }

            // Sends wait while this many batches' outcomes are not yet
            // recorded: memory stays bounded, and so does what a crash
            // would resend.
            while in_flight.len() < MAX_IN_FLIGHT
                && now() + margin < claim.expiry
                && outcome.resolved.len() + in_flight.len() < UNRECORDED_BATCHES * batch
            {
                let Some(ready) = queue.pop_front() else {
                    break;
                };
                // Rescheduled, or taken after a lapse: no longer this claim's.
                if claim.holds(ready.out.row_id) {
                    in_flight.push(self.send(ready));
                }
            }

            let done = planned == rows.len() && queue.is_empty() && in_flight.is_empty();
            if flush.is_none()
                && (outcome.resolved.len() >= batch
                    || (!outcome.resolved.is_empty()
                        && (in_flight.is_empty() || flushed.elapsed() >= FLUSH_EVERY)))
            {
                let taken = std::mem::take(&mut outcome);
                let (store, token, at) = (self.store.clone(), claim.token, now());
                flush = Some(Box::pin(async move {
                    store.complete_batch(token, at, &taken).await
                }));
                flushed = Instant::now();
            }
            if done && outcome.resolved.is_empty() && flush.is_none() {
                break;
            }

            // A write under way wakes the loop itself when it is done.
            let mut wake = Instant::now() + self.options.lease;
            if renewal.is_none() {
                wake = wake.min(next_renewal);
            }
            if flush.is_none() && !outcome.resolved.is_empty() {
                wake = wake.min(flushed + FLUSH_EVERY);
            }
            if queue.is_empty() && planned < rows.len() {
                let wait = (rows[planned].due_at - now()).to_std().unwrap_or_default();
                wake = wake.min(Instant::now() + wait);
            }
            tokio::select! {
                Some((ready, delivery)) = in_flight.next(), if !in_flight.is_empty() => {
                    settle(ready, delivery, now(), &mut outcome);
                }
                written = pending_write(&mut flush) => {
                    flush = None;
                    written?;
                }
                renewed = pending_write(&mut renewal) => {
                    renewal = None;
                    match renewed {
                        Ok((expiry, held)) => {
                            claim.expiry = expiry;
                            claim.held = Some(held.into_iter().collect());
                            renewed_ok = true;
                            next_renewal = Instant::now() + renew_every;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "could not renew a claim's lease");
                            renewed_ok = false;
                            next_renewal = Instant::now() + RENEW_RETRY;
                            // Lapsed: another worker may take the rows now.
                            if now() >= claim.expiry && failure.is_none() {
                                failure = Some(e.into());
                            }
                        }
                    }
                }
                () = tokio::time::sleep_until(wake) => {}
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// One request, and the message in the server when DMs are closed.
    async fn send(&self, ready: Ready) -> (Ready, Delivery) {
        let delivery = self.messenger.deliver(&ready.out).await;
        if let (Delivery::Unreachable(_), Some(channel)) = (&delivery, ready.last_channel) {
            self.messenger
                .tell_unreachable(ready.out.user, channel)
                .await;
        }
        (ready, delivery)
    }
}

/// Queues a planned send, or records why there is none.
fn stage(row: &DueSend, plan: Planned, queue: &mut VecDeque<Ready>, outcome: &mut BatchOutcome) {
    let late = plan.late();
    match plan.send {
        Ok(notice) => queue.push_back(Ready {
            out: Outbound {
                row_id: row.id,
                user: row.user,
                due_at: row.due_at,
                dm_channel: row.settings.dm_channel_id,
                nonce: format!("fc{}-{}", row.id, row.snoozes),
                notice,
            },
            kind: row.kind,
            attempts: row.attempts,
            known_channel: row.settings.dm_channel_id,
            last_channel: row.settings.last_channel_id,
            late,
            follow_ups: plan.follow_ups,
            session_move: plan.session_move,
        }),
        Err(why) => {
            outcome
                .resolved
                .push((row.id, Resolution::Skipped(why.as_str().to_owned())));
            outcome.follow_ups.extend(plan.follow_ups);
        }
    }
}

/// Records how a send went.
fn settle(r: Ready, delivery: Delivery, now: DateTime<Utc>, outcome: &mut BatchOutcome) {
    let (row, user, kind) = (r.out.row_id, r.out.user, r.kind.as_str());
    let (result, late) = match &delivery {
        Delivery::Sent { .. } => ("sent", (now - r.out.due_at).to_std().ok()),
        Delivery::Unreachable(_) => ("unreachable", None),
        Delivery::Transient { .. } => ("retry", None),
        Delivery::Rejected(_) => ("rejected", None),
    };
    crate::telemetry::sent(kind, result, late);
    match delivery {
        Delivery::Sent {
            dm_channel,
            message,
        } => {
            if let Some(c) = dm_channel.filter(|c| Some(*c) != r.known_channel) {
                outcome.dm_channels.push((user, c));
            }
            outcome
                .resolved
                .push((row, Resolution::Sent { late: r.late }));
            outcome.follow_ups.extend(r.follow_ups);
            // A posted prompt's cues edit it where it was posted.
            let posted = message.map(|message| StepMessage {
                channel: dm_channel.unwrap_or_default(),
                message,
            });
            outcome
                .session_moves
                .extend(r.session_move.map(|m| SessionMove { posted, ..m }));
        }
        Delivery::Unreachable(error) => {
            tracing::warn!(row, user = user.0, kind, %error, "user cannot be messaged; pausing their reminders");
            outcome.resolved.push((row, Resolution::Failed(error)));
            // Nothing that would have followed is scheduled for a blocked user.
            outcome.blocked.push(user);
        }
        // A retry replaces whatever this send would have led to.
        Delivery::Transient { retry_after, error } => {
            let resolution = if r.attempts >= MAX_ATTEMPTS {
                tracing::error!(row, user = user.0, kind, attempts = r.attempts, %error, "giving up on a send");
                // Giving up on today's reminder is no reason to miss tomorrow's.
                outcome.follow_ups.extend(
                    r.follow_ups
                        .into_iter()
                        .filter(|f| f.kind != SendKind::Prompt),
                );
                Resolution::Failed(error)
            } else {
                let wait = retry_after.unwrap_or_else(|| backoff(r.attempts));
                tracing::warn!(row, user = user.0, kind, attempts = r.attempts, %error, retry_in_ms = wait.as_millis() as u64, "send failed; will retry");
                Resolution::Retry {
                    at: now + chrono_of(wait),
                    error,
                }
            };
            outcome.resolved.push((row, resolution));
        }
        Delivery::Rejected(error) => {
            tracing::error!(row, user = user.0, kind, %error, "send refused");
            outcome.resolved.push((row, Resolution::Failed(error)));
            outcome.follow_ups.extend(r.follow_ups);
            outcome.session_moves.extend(r.session_move);
        }
    }
}
