//! Everything that happens at a time. A worker claims due rows of the
//! timeline, sends them through a front end's `Messenger`, then marks them
//! and schedules what follows in one transaction. The table is the truth:
//! a worker that dies loses nothing, and several workers share one database.

use std::collections::HashMap;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Days, Utc};
use sqlx::postgres::PgListener;

use crate::app::servers::ServerPost;
use crate::app::{Coach, StepPrompt, TodayView};
use crate::coach::plan::{day_plan, DayPlan};
use crate::coach::progress::{Calendar, DayStatus, LogEntry};
use crate::coach::schedule::{local_date, resolve_local};
use crate::coach::session::step_at;
use crate::store::servers::PostResolution;
use crate::store::timeline::{
    Audience, BatchOutcome, DueSend, NewSend, Resolution, SendKind, SessionMove, WAKE_CHANNEL,
};
use crate::store::{GuidedSession, SessionState, UserId, UserSettings};

/// What a timed send says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The morning reminder; `late` when sent after downtime.
    Reminder { today: TodayView, late: bool },
    /// The evening nudge on a day not done yet.
    Followup { today: TodayView },
    /// The next step of a guided session.
    Prompt(StepPrompt),
    /// The last step's time is up.
    SessionOver { routine_name: String },
}

/// One send, ready for a messenger.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub row_id: i64,
    pub user: UserId,
    /// When the send was due.
    pub due_at: DateTime<Utc>,
    /// The cached DM channel, when known.
    pub dm_channel: Option<i64>,
    /// Stable for the row (and its snooze count), so a send repeated after a
    /// crash is recognised by Discord and not posted twice.
    pub nonce: String,
    pub notice: Notice,
}

/// How a send went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Delivered; the DM channel used, to cache it.
    Sent { dm_channel: Option<i64> },
    /// The user cannot be messaged (Discord 50007): never retried.
    Unreachable(String),
    /// Worth another try (5xx, timeout, 429).
    Transient {
        retry_after: Option<Duration>,
        error: String,
    },
    /// Refused for good (4xx other than the above).
    Rejected(String),
}

/// A front end that can deliver timed sends.
pub trait Messenger: Send + Sync + 'static {
    fn deliver(&self, out: &Outbound) -> impl Future<Output = Delivery> + Send;

    /// Tells a user, in the server channel where they last used the bot, that
    /// their DMs are closed and reminders are paused.
    fn tell_unreachable(&self, user: UserId, channel: i64) -> impl Future<Output = ()> + Send;

    /// Posts a server's daily post in its channel; only Discord has servers.
    fn post_to_channel(
        &self,
        _channel: i64,
        _nonce: &str,
        _post: &ServerPost,
    ) -> impl Future<Output = Delivery> + Send {
        async { Delivery::Rejected("this front end has no server channels".into()) }
    }
}

/// Server posts claimed at once: few servers, each one request.
const POSTS_PER_CLAIM: i64 = 50;

/// A reminder counts as late once it is this far behind its due instant.
const LATE_AFTER: chrono::Duration = chrono::Duration::minutes(2);
/// Transient failures are retried this many times in all.
const MAX_ATTEMPTS: u16 = 5;

#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    pub audience: Audience,
    /// Rows claimed at once.
    pub batch_size: i64,
    /// How long a claim holds before another worker may take the row.
    pub lease: Duration,
    /// The longest sleep without a wake-up, as a safety net for missed notifications.
    pub max_sleep: Duration,
    /// Rows due this soon are claimed ahead, so a burst goes out on time.
    pub lookahead: Duration,
    /// At most this many rows are held at once; with a paced messenger keep
    /// it below what can be sent within the lease.
    pub max_staged: usize,
}

impl SchedulerOptions {
    pub fn discord() -> Self {
        SchedulerOptions {
            audience: Audience::Discord,
            batch_size: 100,
            lease: Duration::from_secs(120),
            max_sleep: Duration::from_secs(300),
            lookahead: Duration::from_secs(5),
            // 50 s of sends at 40 a second: well inside the lease.
            max_staged: 2000,
        }
    }
}

pub struct Scheduler<M> {
    coach: Coach,
    messenger: M,
    options: SchedulerOptions,
    token_seed: u64,
    claims: AtomicU64,
}

fn backoff(attempts: u16) -> Duration {
    Duration::from_secs(15u64.saturating_mul(1 << attempts.min(6)).min(600))
}

impl<M: Messenger> Scheduler<M> {
    pub fn new(coach: Coach, messenger: M, options: SchedulerOptions) -> Self {
        Scheduler {
            coach,
            messenger,
            options,
            token_seed: std::collections::hash_map::RandomState::new().hash_one(std::process::id()),
            claims: AtomicU64::new(0),
        }
    }

    pub fn messenger(&self) -> &M {
        &self.messenger
    }

    fn next_token(&self) -> i64 {
        let n = self.claims.fetch_add(1, Ordering::Relaxed);
        (self
            .token_seed
            .wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            >> 1) as i64
    }

    /// Claims one batch of rows due at `now`, sends them and records the
    /// outcome. Returns how many rows it handled.
    pub async fn run_due_once(&self, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
        let store = self.coach.store();
        let token = self.next_token();
        let lease =
            chrono::Duration::from_std(self.options.lease).unwrap_or(chrono::Duration::minutes(2));
        let rows = store
            .claim_due(
                self.options.audience,
                now,
                now + lease,
                token,
                self.options.batch_size,
            )
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let outcome = self.handle_batch(&rows, now).await?;
        store.complete_batch(token, now, &outcome).await?;
        Ok(rows.len())
    }

    /// Claims the rows ready within `horizon` (at most `max_staged`), sends
    /// each at its due instant, and records the outcomes once the sends that
    /// are due have gone out. Returns how many rows it handled.
    ///
    /// Claiming ahead is what keeps a burst on time: the claims, not the
    /// sends, are the slow part.
    pub async fn run_window(&self, horizon: Duration) -> Result<usize, sqlx::Error> {
        let store = self.coach.store();
        let now = self.coach.now();
        let to_chrono =
            |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::minutes(2));
        let until = now + to_chrono(horizon);
        let lease_until = until + to_chrono(self.options.lease);
        let token = self.next_token();
        let mut staged: Vec<DueSend> = Vec::new();
        while staged.len() < self.options.max_staged {
            let limit = self
                .options
                .batch_size
                .min((self.options.max_staged - staged.len()) as i64);
            let rows = store
                .claim_due(self.options.audience, until, lease_until, token, limit)
                .await?;
            let full = rows.len() as i64 >= limit;
            staged.extend(rows);
            if !full {
                break;
            }
        }
        staged.sort_by_key(|r| r.due_at);
        let batch = self.options.batch_size.max(1) as usize;
        let mut outcomes = Vec::new();
        let mut start = 0;
        while start < staged.len() {
            let wait = (staged[start].due_at - self.coach.now())
                .to_std()
                .unwrap_or(Duration::ZERO);
            if !wait.is_zero() {
                // Record what went out before waiting for the next instant.
                self.complete_all(token, &mut outcomes).await?;
                tokio::time::sleep(wait).await;
            }
            let now = self.coach.now();
            let due_now = staged[start..]
                .iter()
                .take_while(|r| r.due_at <= now)
                .count()
                .max(1);
            let end = start + due_now.min(batch);
            outcomes.push(self.handle_batch(&staged[start..end], now).await?);
            start = end;
        }
        self.complete_all(token, &mut outcomes).await?;
        Ok(staged.len())
    }

    async fn complete_all(
        &self,
        token: i64,
        outcomes: &mut Vec<BatchOutcome>,
    ) -> Result<(), sqlx::Error> {
        let now = self.coach.now();
        for outcome in outcomes.drain(..) {
            self.coach
                .store()
                .complete_batch(token, now, &outcome)
                .await?;
        }
        Ok(())
    }

    async fn handle_batch(
        &self,
        rows: &[DueSend],
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome, sqlx::Error> {
        let store = self.coach.store();
        // One query each for the day logs and sessions the whole batch needs.
        let days: Vec<(UserId, chrono::NaiveDate)> = rows
            .iter()
            .filter(|r| r.kind != SendKind::Prompt)
            .map(|r| (r.user, r.local_date))
            .collect();
        let mut logs: HashMap<(UserId, chrono::NaiveDate), Vec<LogEntry>> = HashMap::new();
        for (user, entry) in store.day_logs(&days).await? {
            logs.entry((user, entry.local_date))
                .or_default()
                .push(entry);
        }
        let session_ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.session.map(|(id, _)| id))
            .collect();
        let sessions: HashMap<i64, GuidedSession> = store
            .sessions_by_id(&session_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();

        let mut outcome = BatchOutcome::default();
        for row in rows {
            let settings = settings_of(row);
            let plan = match row.kind {
                SendKind::Reminder | SendKind::Followup => {
                    let entries = logs
                        .get(&(row.user, row.local_date))
                        .map_or(&[][..], Vec::as_slice);
                    self.plan_daily(row, &settings, entries, now, &mut outcome)
                }
                SendKind::Prompt => self.plan_prompt(
                    row,
                    sessions.get(&row.session.map_or(0, |(id, _)| id)),
                    now,
                    &mut outcome,
                ),
            };
            let Some(notice) = plan else { continue };
            let out = Outbound {
                row_id: row.id,
                user: row.user,
                due_at: row.due_at,
                dm_channel: row.dm_channel_id,
                nonce: format!("fc{}-{}", row.id, row.snoozes),
                notice,
            };
            let late = matches!(out.notice, Notice::Reminder { late: true, .. });
            match self.messenger.deliver(&out).await {
                Delivery::Sent { dm_channel } => {
                    if let Some(c) = dm_channel.filter(|c| Some(*c) != row.dm_channel_id) {
                        outcome.dm_channels.push((row.user, c));
                    }
                    outcome.resolved.push((row.id, Resolution::Sent { late }));
                }
                Delivery::Unreachable(error) => {
                    tracing::warn!(row = row.id, user = row.user.0, kind = row.kind.as_str(), %error, "user cannot be messaged; pausing their reminders");
                    outcome.resolved.push((row.id, Resolution::Failed(error)));
                    outcome.blocked.push(row.user);
                    // What would have followed is not scheduled for a blocked user.
                    outcome
                        .session_moves
                        .retain(|m| Some(m.session_id) != row.session.map(|(id, _)| id));
                    if let Some(channel) = row.last_channel_id {
                        self.messenger.tell_unreachable(row.user, channel).await;
                    }
                }
                Delivery::Transient { retry_after, error } => {
                    // A retry replaces whatever this send would have led to.
                    outcome
                        .follow_ups
                        .retain(|f| !(f.user == row.user && f.kind == row.kind));
                    outcome
                        .session_moves
                        .retain(|m| Some(m.session_id) != row.session.map(|(id, _)| id));
                    let resolution = if row.attempts >= MAX_ATTEMPTS {
                        tracing::error!(row = row.id, user = row.user.0, kind = row.kind.as_str(), attempts = row.attempts, %error, "giving up on a send");
                        Resolution::Failed(error)
                    } else {
                        let wait = retry_after.unwrap_or_else(|| backoff(row.attempts));
                        tracing::warn!(row = row.id, user = row.user.0, kind = row.kind.as_str(), attempts = row.attempts, %error, retry_in_ms = wait.as_millis() as u64, "send failed; will retry");
                        Resolution::Retry {
                            at: now
                                + chrono::Duration::from_std(wait)
                                    .unwrap_or(chrono::Duration::seconds(60)),
                            error,
                        }
                    };
                    outcome.resolved.push((row.id, resolution));
                }
                Delivery::Rejected(error) => {
                    tracing::error!(row = row.id, user = row.user.0, kind = row.kind.as_str(), %error, "send refused");
                    outcome.resolved.push((row.id, Resolution::Failed(error)));
                }
            }
        }
        Ok(outcome)
    }

    /// Decides a reminder or follow-up: what to send, if anything, and the next one.
    fn plan_daily(
        &self,
        row: &DueSend,
        settings: &UserSettings,
        entries: &[LogEntry],
        now: DateTime<Utc>,
        outcome: &mut BatchOutcome,
    ) -> Option<Notice> {
        let time = match row.kind {
            SendKind::Reminder => row.remind_at,
            _ => row.remind_at.and(row.followup_at),
        };
        let Some(time) = time.filter(|_| !row.dm_blocked) else {
            outcome
                .resolved
                .push((row.id, Resolution::Skipped("turned off".into())));
            return None;
        };
        let today = local_date(row.timezone, now);
        // The next one: the following local day, or today when this one is from an earlier day.
        let next_date = (row.local_date + Days::new(1)).max(today);
        outcome.follow_ups.push(NewSend {
            user: row.user,
            kind: row.kind,
            due_at: resolve_local(row.timezone, next_date, time),
            local_date: next_date,
            session: None,
        });
        let skip = |why: &str, outcome: &mut BatchOutcome| {
            outcome
                .resolved
                .push((row.id, Resolution::Skipped(why.to_owned())));
            None
        };
        if row.local_date < today {
            return skip("missed: that day is over", outcome);
        }
        match day_plan(
            self.coach.content(),
            row.rest_days,
            row.pause,
            row.local_date,
        ) {
            DayPlan::Rest => return skip("rest day", outcome),
            DayPlan::Paused { .. } => return skip("paused", outcome),
            DayPlan::Train(_) => {}
        }
        let calendar = Calendar {
            content: self.coach.content(),
            rest_days: row.rest_days,
            pause: row.pause,
        };
        let status = calendar
            .statuses(entries, row.local_date, row.local_date)
            .first()
            .map(|(_, s)| *s);
        if status == Some(DayStatus::Done) {
            return skip("already done", outcome);
        }
        let today_view = self.coach.today_view(settings, row.local_date, entries);
        Some(match row.kind {
            SendKind::Reminder => Notice::Reminder {
                today: today_view,
                late: row.snoozes == 0 && now - row.due_at > LATE_AFTER,
            },
            _ => Notice::Followup { today: today_view },
        })
    }

    /// Decides a guided-session prompt: the session moves on as it goes out.
    fn plan_prompt(
        &self,
        row: &DueSend,
        session: Option<&GuidedSession>,
        now: DateTime<Utc>,
        outcome: &mut BatchOutcome,
    ) -> Option<Notice> {
        let (session_id, step) = row.session?;
        let live =
            session.filter(|s| s.state == SessionState::Active && s.current_step + 1 == step);
        let Some(session) = live else {
            outcome
                .resolved
                .push((row.id, Resolution::Skipped("the session moved on".into())));
            return None;
        };
        let Some(routine) = self.coach.content().routine(&session.routine_id) else {
            outcome.resolved.push((
                row.id,
                Resolution::Skipped("routine no longer exists".into()),
            ));
            return None;
        };
        let of = routine.steps.len() as u32;
        let level = routine.level_or_standard(session.level);
        match step_at(self.coach.content(), routine, level, step, now) {
            Some(timed) => {
                outcome.session_moves.push(SessionMove {
                    session_id,
                    from_step: step - 1,
                    to_step: step,
                    step_due_at: timed.ends,
                    finished: false,
                });
                outcome.follow_ups.push(NewSend {
                    user: row.user,
                    kind: SendKind::Prompt,
                    due_at: timed.ends,
                    local_date: row.local_date,
                    session: Some((session_id, step + 1)),
                });
                Some(Notice::Prompt(crate::app::step_prompt(
                    &timed.step,
                    of,
                    timed.due,
                    timed.ends,
                )))
            }
            None => {
                outcome.session_moves.push(SessionMove {
                    session_id,
                    from_step: step - 1,
                    to_step: step - 1,
                    step_due_at: now,
                    finished: true,
                });
                Some(Notice::SessionOver {
                    routine_name: routine.name.clone(),
                })
            }
        }
    }

    /// Works until `shutdown`: runs what is due, then sleeps until the next
    /// row is ready or the timeline changes (PostgreSQL NOTIFY).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut listener = None;
        loop {
            let wait = match self.work(&mut listener).await {
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
    async fn work(&self, listener: &mut Option<PgListener>) -> Result<Duration, sqlx::Error> {
        let store = self.coach.store();
        if listener.is_none() {
            let mut l = PgListener::connect_with(store.pool()).await?;
            l.listen(WAKE_CHANNEL).await?;
            *listener = Some(l);
        }
        while self.run_window(self.options.lookahead).await? >= self.options.max_staged {}
        let mut next = store.next_ready_at(self.options.audience).await?;
        if self.options.audience == Audience::Discord {
            while self.run_server_posts_once(self.coach.now()).await? as i64 >= POSTS_PER_CLAIM {}
            if let Some(at) = store.next_post_ready_at().await? {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        Ok(next
            .map(|at| (at - self.coach.now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(self.options.max_sleep)
            .min(self.options.max_sleep))
    }
}

impl<M: Messenger> Scheduler<M> {
    /// Claims the server posts due at `now`, posts them and records each.
    /// Returns how many it handled.
    ///
    /// A post belongs to the server's local date: after downtime it goes out
    /// late on that day, and a day that is over is skipped, never piled up.
    pub async fn run_server_posts_once(&self, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
        let store = self.coach.store();
        let token = self.next_token();
        let lease =
            chrono::Duration::from_std(self.options.lease).unwrap_or(chrono::Duration::minutes(2));
        let due = store
            .claim_due_posts(now, now + lease, token, POSTS_PER_CLAIM)
            .await?;
        for post in &due {
            let s = &post.settings;
            let today = local_date(s.timezone, now);
            let next_after = |date: chrono::NaiveDate| {
                let next_date = (date + Days::new(1)).max(today);
                (next_date, resolve_local(s.timezone, next_date, s.post_at))
            };
            let resolution = if s.next_date < today {
                let (next_date, next_due_at) = next_after(today - Days::new(1));
                tracing::info!(guild = s.guild_id, date = %s.next_date, "server post missed while down; that day is over");
                // Not the server's doing, so nothing for /coach show to warn about.
                PostResolution::Next {
                    posted: false,
                    next_date,
                    next_due_at,
                    error: None,
                }
            } else {
                let late = now - s.next_due_at > LATE_AFTER;
                let message = self.coach.server_post(s, late).await?;
                let nonce = post_nonce(s.guild_id, s.next_date);
                let (next_date, next_due_at) = next_after(s.next_date);
                match self
                    .messenger
                    .post_to_channel(s.channel_id, &nonce, &message)
                    .await
                {
                    Delivery::Sent { .. } => PostResolution::Next {
                        posted: true,
                        next_date,
                        next_due_at,
                        error: None,
                    },
                    Delivery::Transient { retry_after, error } if post.attempts < MAX_ATTEMPTS => {
                        let wait = retry_after.unwrap_or_else(|| backoff(post.attempts));
                        tracing::warn!(guild = s.guild_id, attempts = post.attempts, %error, "server post failed; will retry");
                        PostResolution::Retry {
                            at: now
                                + chrono::Duration::from_std(wait)
                                    .unwrap_or(chrono::Duration::seconds(60)),
                            error,
                        }
                    }
                    // Refused (no access to the channel, or it is gone): try
                    // again tomorrow, in case an admin fixes it, but never today.
                    Delivery::Transient { error, .. }
                    | Delivery::Rejected(error)
                    | Delivery::Unreachable(error) => {
                        tracing::warn!(guild = s.guild_id, channel = s.channel_id, %error, "server post not delivered");
                        PostResolution::Next {
                            posted: false,
                            next_date,
                            next_due_at,
                            error: Some(error),
                        }
                    }
                }
            };
            store.complete_post(s.guild_id, token, &resolution).await?;
        }
        Ok(due.len())
    }
}

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

/// The nonce of a server's post for a date: the same for a repeated send, so
/// Discord posts it once; at most 25 characters, as Discord requires.
fn post_nonce(guild: i64, date: chrono::NaiveDate) -> String {
    fn base36(mut n: u64) -> String {
        let mut digits = Vec::new();
        loop {
            digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
            n /= 36;
            if n == 0 {
                break;
            }
        }
        digits.iter().rev().collect()
    }
    let day = date
        .signed_duration_since(chrono::NaiveDate::default())
        .num_days()
        .max(0) as u64;
    format!("fs{}-{}", base36(guild as u64), base36(day))
}

/// The user settings carried on a claimed row.
fn settings_of(row: &DueSend) -> UserSettings {
    UserSettings {
        id: row.user,
        timezone: Some(row.timezone),
        remind_at: row.remind_at,
        rest_days: row.rest_days,
        pause: row.pause,
        dm_channel_id: row.dm_channel_id,
        followup_at: row.followup_at,
        dm_blocked: row.dm_blocked,
        last_channel_id: row.last_channel_id,
        level: row.level,
        ask_pain: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_nonces_fit_discord_and_differ_by_server_and_day() {
        let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 14).unwrap();
        let nonce = post_nonce(i64::MAX, day);
        assert!(nonce.len() <= 25, "{nonce}");
        assert_ne!(nonce, post_nonce(i64::MAX - 1, day));
        assert_ne!(nonce, post_nonce(i64::MAX, day.succ_opt().unwrap()));
        assert_eq!(nonce, post_nonce(i64::MAX, day));
    }
}
