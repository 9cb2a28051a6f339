//! The timeline: every timed send, claimed by workers with
//! `FOR UPDATE SKIP LOCKED` so several instances never send a row twice.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::{Store, UserId, UserSettings};
use crate::coach::plan::{Pause, RestDays};
use crate::coach::LocalTime;

/// Channel that tells every worker the timeline changed.
pub const WAKE_CHANNEL: &str = "footcoach_timeline";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendKind {
    Reminder,
    Followup,
    Prompt,
}

impl SendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SendKind::Reminder => "reminder",
            SendKind::Followup => "followup",
            SendKind::Prompt => "prompt",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "reminder" => Some(SendKind::Reminder),
            "followup" => Some(SendKind::Followup),
            "prompt" => Some(SendKind::Prompt),
            _ => None,
        }
    }
}

/// Which users a worker serves: Discord users or one console user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Discord,
    Console(UserId),
}

impl Audience {
    /// The SQL condition on `user_id`. Spelled out rather than a range of
    /// parameters: PostgreSQL's generic plan for a parameter range picks the
    /// per-user index and sorts every due row (measured: 300 ms a batch).
    fn filter(self) -> &'static str {
        match self {
            Audience::Discord => "user_id > 0 AND $5::bigint IS NULL",
            Audience::Console(_) => "user_id = $5",
        }
    }

    fn user_param(self) -> Option<i64> {
        match self {
            Audience::Discord => None,
            Audience::Console(u) => Some(u.0),
        }
    }
}

/// A row to add to the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSend {
    pub user: UserId,
    pub kind: SendKind,
    pub due_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    /// For prompts: the session and the step the prompt opens.
    pub session: Option<(i64, u16)>,
}

/// A claimed row with what the worker needs to know about its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSend {
    pub id: i64,
    pub user: UserId,
    pub kind: SendKind,
    pub due_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub session: Option<(i64, u16)>,
    /// Attempts including this one.
    pub attempts: u16,
    pub snoozes: u16,
    /// The person's settings as the row was claimed.
    pub settings: UserSettings,
}

/// What became of a claimed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Sent {
        late: bool,
    },
    /// Nothing to send (rest day, done already, day over): not an error.
    Skipped(String),
    /// Try again at `at`.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    Failed(String),
}

/// A session that moves to its next step as its prompt goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionMove {
    pub session_id: i64,
    pub from_step: u16,
    pub to_step: u16,
    pub step_due_at: DateTime<Utc>,
    pub finished: bool,
}

/// Everything one batch's outcome writes, applied in one transaction.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub resolved: Vec<(i64, Resolution)>,
    pub follow_ups: Vec<NewSend>,
    pub session_moves: Vec<SessionMove>,
    /// Users Discord will not let us DM: their reminders pause.
    pub blocked: Vec<UserId>,
    /// DM channels learned while sending, cached on the user row.
    pub dm_channels: Vec<(UserId, i64)>,
}

const DUE_COLUMNS: &str =
    "c.id, c.user_id, c.kind, c.due_at, c.local_date, c.session_id, c.step, c.attempts, c.snoozes,
    u.timezone, u.remind_minute, u.followup_minute, u.rest_days, u.paused_from, u.paused_until,
    u.dm_channel_id, u.dm_blocked_at, u.last_channel_id, u.level, u.ask_pain";

fn due_from_row(row: &PgRow) -> Result<DueSend, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let session_id: Option<i64> = row.try_get("session_id")?;
    let step: Option<i16> = row.try_get("step")?;
    let tz: Option<String> = row.try_get("timezone")?;
    let minute = |name: &str| -> Result<Option<LocalTime>, sqlx::Error> {
        let m: Option<i16> = row.try_get(name)?;
        Ok(m.and_then(|m| LocalTime::from_minutes_of_day(m.into())))
    };
    let rest: i16 = row.try_get("rest_days")?;
    let attempts: i16 = row.try_get("attempts")?;
    let snoozes: i16 = row.try_get("snoozes")?;
    let blocked: Option<DateTime<Utc>> = row.try_get("dm_blocked_at")?;
    Ok(DueSend {
        id: row.try_get("id")?,
        user: UserId(row.try_get("user_id")?),
        kind: SendKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown send kind {kind:?}").into()))?,
        due_at: row.try_get("due_at")?,
        local_date: row.try_get("local_date")?,
        session: session_id.zip(step.map(|s| s.max(0) as u16)),
        attempts: attempts.max(0) as u16,
        snoozes: snoozes.max(0) as u16,
        settings: UserSettings {
            id: UserId(row.try_get("user_id")?),
            timezone: tz.and_then(|n| n.parse().ok()),
            remind_at: minute("remind_minute")?,
            followup_at: minute("followup_minute")?,
            rest_days: RestDays::from_bits(rest as u8),
            pause: match (row.try_get("paused_from")?, row.try_get("paused_until")?) {
                (Some(from), Some(until)) => Some(Pause { from, until }),
                _ => None,
            },
            dm_channel_id: row.try_get("dm_channel_id")?,
            dm_blocked: blocked.is_some(),
            last_channel_id: row.try_get("last_channel_id")?,
            level: row
                .try_get::<Option<i16>, _>("level")?
                .map(|l| l.clamp(1, 255) as u8),
            ask_pain: row.try_get("ask_pain")?,
        },
    })
}

/// Inserts rows; a daily send for a date that already has one replaces it
/// only while that one is still pending or was cancelled.
async fn insert_sends(conn: &mut sqlx::PgConnection, sends: &[NewSend]) -> Result<(), sqlx::Error> {
    let (daily, prompts): (Vec<&NewSend>, Vec<&NewSend>) =
        sends.iter().partition(|s| s.kind != SendKind::Prompt);
    if !daily.is_empty() {
        sqlx::query(
            "INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date)
             SELECT u, k, d, d, l FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::date[]) AS n(u, k, d, l)
             ON CONFLICT (user_id, local_date, kind) WHERE kind <> 'prompt' DO UPDATE
                SET due_at = EXCLUDED.due_at, ready_at = EXCLUDED.ready_at, state = 'pending',
                    claim_token = NULL, attempts = 0, snoozes = 0, late = false, last_error = NULL
                WHERE timeline.state IN ('pending', 'cancelled')",
        )
        .bind(daily.iter().map(|s| s.user.0).collect::<Vec<_>>())
        .bind(daily.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>())
        .bind(daily.iter().map(|s| s.due_at).collect::<Vec<_>>())
        .bind(daily.iter().map(|s| s.local_date).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    if !prompts.is_empty() {
        sqlx::query(
            "INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date, session_id, step)
             SELECT u, 'prompt', d, d, l, s, p
             FROM unnest($1::bigint[], $2::timestamptz[], $3::date[], $4::bigint[], $5::smallint[]) AS n(u, d, l, s, p)
             ON CONFLICT (session_id, step) WHERE kind = 'prompt' DO UPDATE
                SET due_at = EXCLUDED.due_at, ready_at = EXCLUDED.ready_at, state = 'pending', claim_token = NULL
                WHERE timeline.state IN ('pending', 'cancelled')",
        )
        .bind(prompts.iter().map(|s| s.user.0).collect::<Vec<_>>())
        .bind(prompts.iter().map(|s| s.due_at).collect::<Vec<_>>())
        .bind(prompts.iter().map(|s| s.local_date).collect::<Vec<_>>())
        .bind(prompts.iter().map(|s| s.session.map_or(0, |(id, _)| id)).collect::<Vec<_>>())
        .bind(prompts.iter().map(|s| s.session.map_or(0, |(_, step)| step as i16)).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    wake(conn).await
}

pub(crate) async fn wake(conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(WAKE_CHANNEL)
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Replaces the user's pending daily sends of `kinds` with `sends`.
    pub async fn reschedule_daily(
        &self,
        user: UserId,
        kinds: &[SendKind],
        sends: &[NewSend],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE timeline SET state = 'cancelled', claim_token = NULL
             WHERE user_id = $1 AND state = 'pending' AND kind = ANY($2)",
        )
        .bind(user.0)
        .bind(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        insert_sends(&mut tx, sends).await?;
        tx.commit().await
    }

    /// Cancels the pending prompts of a session and schedules `next`, if any.
    pub async fn reschedule_prompts(
        &self,
        session_id: i64,
        next: Option<&NewSend>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE timeline SET state = 'cancelled', claim_token = NULL
             WHERE session_id = $1 AND state = 'pending'",
        )
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
        if let Some(next) = next {
            insert_sends(&mut tx, std::slice::from_ref(next)).await?;
        }
        tx.commit().await
    }

    /// Claims up to `limit` rows ready at `now` for `lease`; the claim is
    /// committed when this returns.
    pub async fn claim_due(
        &self,
        audience: Audience,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        token: i64,
        limit: i64,
    ) -> Result<Vec<DueSend>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "WITH due AS (
                SELECT id FROM timeline
                WHERE state = 'pending' AND ready_at <= $1 AND {audience}
                ORDER BY ready_at
                LIMIT $4
                FOR UPDATE SKIP LOCKED
             ), c AS (
                UPDATE timeline t SET ready_at = $2, claim_token = $3, attempts = t.attempts + 1
                FROM due WHERE t.id = due.id
                RETURNING t.*
             )
             SELECT {DUE_COLUMNS} FROM c JOIN users u ON u.id = c.user_id",
            audience = audience.filter()
        ))
        .bind(now)
        .bind(lease_until)
        .bind(token)
        .bind(limit)
        .bind(audience.user_param())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(due_from_row).collect()
    }

    /// When the next row becomes ready, if any.
    pub async fn next_ready_at(
        &self,
        audience: Audience,
    ) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        sqlx::query_scalar(&format!(
            "SELECT min(ready_at) FROM timeline WHERE state = 'pending' AND {}",
            audience.filter().replace("$5", "$1")
        ))
        .bind(audience.user_param())
        .fetch_one(&self.pool)
        .await
    }

    /// Applies a batch's outcome in one transaction; rows whose claim was
    /// lost to another worker (token changed) are left alone.
    pub async fn complete_batch(
        &self,
        token: i64,
        now: DateTime<Utc>,
        outcome: &BatchOutcome,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let mut sent = Vec::new();
        let mut late = Vec::new();
        let mut closed_ids = Vec::new();
        let mut closed_states = Vec::new();
        let mut closed_errors: Vec<Option<String>> = Vec::new();
        let mut retry_ids = Vec::new();
        let mut retry_at = Vec::new();
        let mut retry_errors = Vec::new();
        for (id, r) in &outcome.resolved {
            match r {
                Resolution::Sent { late: l } => {
                    sent.push(*id);
                    late.push(*l);
                }
                Resolution::Skipped(why) => {
                    closed_ids.push(*id);
                    closed_states.push("skipped");
                    closed_errors.push(Some(why.clone()));
                }
                Resolution::Failed(why) => {
                    closed_ids.push(*id);
                    closed_states.push("failed");
                    closed_errors.push(Some(why.clone()));
                }
                Resolution::Retry { at, error } => {
                    retry_ids.push(*id);
                    retry_at.push(*at);
                    retry_errors.push(error.clone());
                }
            }
        }
        if !sent.is_empty() {
            sqlx::query(
                "UPDATE timeline t SET state = 'sent', sent_at = $3, late = n.late, claim_token = NULL, last_error = NULL
                 FROM unnest($1::bigint[], $2::bool[]) AS n(id, late)
                 WHERE t.id = n.id AND t.claim_token = $4 AND t.state = 'pending'",
            )
            .bind(&sent)
            .bind(&late)
            .bind(now)
            .bind(token)
            .execute(&mut *tx)
            .await?;
        }
        if !closed_ids.is_empty() {
            sqlx::query(
                "UPDATE timeline t SET state = n.state, last_error = n.error, claim_token = NULL
                 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS n(id, state, error)
                 WHERE t.id = n.id AND t.claim_token = $4 AND t.state = 'pending'",
            )
            .bind(&closed_ids)
            .bind(&closed_states)
            .bind(&closed_errors)
            .bind(token)
            .execute(&mut *tx)
            .await?;
        }
        if !retry_ids.is_empty() {
            sqlx::query(
                "UPDATE timeline t SET ready_at = n.at, last_error = n.error, claim_token = NULL
                 FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS n(id, at, error)
                 WHERE t.id = n.id AND t.claim_token = $4 AND t.state = 'pending'",
            )
            .bind(&retry_ids)
            .bind(&retry_at)
            .bind(&retry_errors)
            .bind(token)
            .execute(&mut *tx)
            .await?;
        }
        for m in &outcome.session_moves {
            sqlx::query(
                "UPDATE guided_sessions
                 SET current_step = $3, step_due_at = $4,
                     state = CASE WHEN $5 THEN 'finished' ELSE state END,
                     ended_at = CASE WHEN $5 THEN $6 ELSE ended_at END
                 WHERE id = $1 AND current_step = $2 AND state = 'active'",
            )
            .bind(m.session_id)
            .bind(m.from_step as i16)
            .bind(m.to_step as i16)
            .bind(m.step_due_at)
            .bind(m.finished)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if !outcome.blocked.is_empty() {
            let ids: Vec<i64> = outcome.blocked.iter().map(|u| u.0).collect();
            sqlx::query("UPDATE users SET dm_blocked_at = $2 WHERE id = ANY($1)")
                .bind(&ids)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE timeline SET state = 'cancelled', claim_token = NULL WHERE user_id = ANY($1) AND state = 'pending'")
                .bind(&ids)
                .execute(&mut *tx)
                .await?;
        }
        if !outcome.dm_channels.is_empty() {
            sqlx::query(
                "UPDATE users u SET dm_channel_id = n.channel
                 FROM unnest($1::bigint[], $2::bigint[]) AS n(id, channel)
                 WHERE u.id = n.id",
            )
            .bind(
                outcome
                    .dm_channels
                    .iter()
                    .map(|(u, _)| u.0)
                    .collect::<Vec<_>>(),
            )
            .bind(
                outcome
                    .dm_channels
                    .iter()
                    .map(|(_, c)| *c)
                    .collect::<Vec<_>>(),
            )
            .execute(&mut *tx)
            .await?;
        }
        let follow_ups: Vec<NewSend> = outcome
            .follow_ups
            .iter()
            .filter(|f| !outcome.blocked.contains(&f.user))
            .cloned()
            .collect();
        if !follow_ups.is_empty() {
            insert_sends(&mut tx, &follow_ups).await?;
        }
        tx.commit().await
    }

    /// Moves today's reminder `by` later, counting snoozes; returns the new
    /// due instant and the count, or `None` when there is none to move or
    /// the limit is reached.
    pub async fn snooze_reminder(
        &self,
        user: UserId,
        local_date: NaiveDate,
        new_due: DateTime<Utc>,
        max_snoozes: u16,
    ) -> Result<Option<u16>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let snoozes: Option<i16> = sqlx::query_scalar(
            "UPDATE timeline SET due_at = $3, ready_at = $3, state = 'pending', claim_token = NULL,
                    snoozes = snoozes + 1, attempts = 0
             WHERE user_id = $1 AND local_date = $2 AND kind = 'reminder'
               AND state IN ('pending', 'sent') AND snoozes < $4
             RETURNING snoozes",
        )
        .bind(user.0)
        .bind(local_date)
        .bind(new_due)
        .bind(max_snoozes as i16)
        .fetch_optional(&mut *tx)
        .await?;
        wake(&mut tx).await?;
        tx.commit().await?;
        Ok(snoozes.map(|s| s.max(0) as u16))
    }

    /// How often today's reminder was snoozed, if there is one.
    pub async fn reminder_snoozes(
        &self,
        user: UserId,
        local_date: NaiveDate,
    ) -> Result<Option<u16>, sqlx::Error> {
        let n: Option<i16> = sqlx::query_scalar(
            "SELECT snoozes FROM timeline WHERE user_id = $1 AND local_date = $2 AND kind = 'reminder'",
        )
        .bind(user.0)
        .bind(local_date)
        .fetch_optional(&self.pool)
        .await?;
        Ok(n.map(|n| n.max(0) as u16))
    }

    /// The user's rows, newest due first (for tests, export and `/remind show`).
    pub async fn timeline_of(
        &self,
        user: UserId,
    ) -> Result<Vec<(SendKind, DateTime<Utc>, NaiveDate, String)>, sqlx::Error> {
        let rows = sqlx::query("SELECT kind, due_at, local_date, state FROM timeline WHERE user_id = $1 ORDER BY due_at DESC, id DESC")
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok((
                    SendKind::parse(&kind).unwrap_or(SendKind::Reminder),
                    r.try_get("due_at")?,
                    r.try_get("local_date")?,
                    r.try_get("state")?,
                ))
            })
            .collect()
    }
}
