//! The timeline: every timed send, claimed by workers with
//! `FOR UPDATE SKIP LOCKED` so several instances never send a row twice.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Store, UserId, UserSettings};

mod claim;
mod complete;

pub use complete::{BatchOutcome, Resolution, SessionMove};

/// Channel that tells every worker the timeline changed.
pub const WAKE_CHANNEL: &str = "footcoach_timeline";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendKind {
    Reminder,
    Followup,
    Prompt,
    /// The week in review.
    Weekly,
}

impl SendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SendKind::Reminder => "reminder",
            SendKind::Followup => "followup",
            SendKind::Prompt => "prompt",
            SendKind::Weekly => "weekly",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "reminder" => Some(SendKind::Reminder),
            "followup" => Some(SendKind::Followup),
            "prompt" => Some(SendKind::Prompt),
            "weekly" => Some(SendKind::Weekly),
            _ => None,
        }
    }
}

/// Which users a worker serves: Discord users or one console user.
///
/// Each audience has its own static queries rather than one query with a
/// range of parameters: PostgreSQL's generic plan for a parameter range picks
/// the per-user index and sorts every due row (measured: 300 ms a batch), so
/// the Discord queries spell out `user_id > 0` for the planner to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Discord,
    Console(UserId),
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
    /// For a cue within that step, its number; 0 for the prompt itself.
    pub cue: u16,
}

impl NewSend {
    /// A send of `kind` that belongs to a day rather than a session.
    pub fn daily(
        user: UserId,
        kind: SendKind,
        due_at: DateTime<Utc>,
        local_date: NaiveDate,
    ) -> Self {
        NewSend {
            user,
            kind,
            due_at,
            local_date,
            session: None,
            cue: 0,
        }
    }
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
    /// A cue within the step (see [`NewSend::cue`]); 0 for a prompt.
    pub cue: u16,
    /// Attempts including this one.
    pub attempts: u16,
    pub snoozes: u16,
    /// The person's settings as the row was claimed.
    pub settings: UserSettings,
}

/// Inserts rows; a daily send for a date that already has one replaces it
/// only while that one is still pending or was cancelled.
async fn insert_sends(conn: &mut sqlx::PgConnection, sends: &[NewSend]) -> Result<(), sqlx::Error> {
    let (daily, prompts): (Vec<&NewSend>, Vec<&NewSend>) =
        sends.iter().partition(|s| s.kind != SendKind::Prompt);
    if !daily.is_empty() {
        let kinds: Vec<&str> = daily.iter().map(|s| s.kind.as_str()).collect();
        sqlx::query!(
            "INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date)
             SELECT u, k, d, d, l FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::date[]) AS n(u, k, d, l)
             ON CONFLICT (user_id, local_date, kind) WHERE kind <> 'prompt' DO UPDATE
                SET due_at = EXCLUDED.due_at, ready_at = EXCLUDED.ready_at, state = 'pending',
                    claim_token = NULL, attempts = 0, snoozes = 0, late = false, last_error = NULL
                WHERE timeline.state IN ('pending', 'cancelled')",
            &daily.iter().map(|s| s.user.0).collect::<Vec<_>>(),
            &kinds as &[&str],
            &daily.iter().map(|s| s.due_at).collect::<Vec<_>>(),
            &daily.iter().map(|s| s.local_date).collect::<Vec<_>>(),
        )
        .execute(&mut *conn)
        .await?;
    }
    if !prompts.is_empty() {
        sqlx::query!(
            "INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date, session_id, step, cue)
             SELECT u, 'prompt', d, d, l, s, p, c
             FROM unnest($1::bigint[], $2::timestamptz[], $3::date[], $4::bigint[], $5::smallint[], $6::smallint[]) AS n(u, d, l, s, p, c)
             ON CONFLICT (session_id, step, cue) WHERE kind = 'prompt' DO UPDATE
                SET due_at = EXCLUDED.due_at, ready_at = EXCLUDED.ready_at, state = 'pending', claim_token = NULL
                WHERE timeline.state IN ('pending', 'cancelled')",
            &prompts.iter().map(|s| s.user.0).collect::<Vec<_>>(),
            &prompts.iter().map(|s| s.due_at).collect::<Vec<_>>(),
            &prompts.iter().map(|s| s.local_date).collect::<Vec<_>>(),
            &prompts.iter().map(|s| s.session.map_or(0, |(id, _)| id)).collect::<Vec<_>>(),
            &prompts.iter().map(|s| s.session.map_or(0, |(_, step)| step as i16)).collect::<Vec<_>>(),
            &prompts.iter().map(|s| s.cue as i16).collect::<Vec<_>>(),
        )
        .execute(&mut *conn)
        .await?;
    }
    wake(conn).await
}

pub(crate) async fn wake(conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_notify($1, '')", WAKE_CHANNEL)
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Replaces the user's pending daily sends of `kinds` with `sends`. A
    /// send whose local date already had its send (sent or skipped: once a
    /// date) gives way to its `fallbacks` entry of the same kind, the next
    /// one; without this a time moved later on a day already served would
    /// leave nothing pending at all.
    pub async fn reschedule_daily(
        &self,
        user: UserId,
        kinds: &[SendKind],
        sends: &[NewSend],
        fallbacks: &[NewSend],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        sqlx::query!(
            "UPDATE timeline SET state = 'cancelled', claim_token = NULL
             WHERE user_id = $1 AND state = 'pending' AND kind = ANY($2)",
            user.0,
            &kinds as &[&str],
        )
        .execute(&mut *tx)
        .await?;
        insert_sends(&mut tx, sends).await?;
        if !fallbacks.is_empty() {
            let kinds: Vec<&str> = fallbacks.iter().map(|s| s.kind.as_str()).collect();
            sqlx::query!(
                "INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date)
                 SELECT u, k, d, d, l FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::date[]) AS n(u, k, d, l)
                 WHERE NOT EXISTS (
                    SELECT 1 FROM timeline t WHERE t.user_id = n.u AND t.kind = n.k AND t.state = 'pending')
                 ON CONFLICT (user_id, local_date, kind) WHERE kind <> 'prompt' DO UPDATE
                    SET due_at = EXCLUDED.due_at, ready_at = EXCLUDED.ready_at, state = 'pending',
                        claim_token = NULL, attempts = 0, snoozes = 0, late = false, last_error = NULL
                    WHERE timeline.state IN ('pending', 'cancelled')",
                &fallbacks.iter().map(|s| s.user.0).collect::<Vec<_>>(),
                &kinds as &[&str],
                &fallbacks.iter().map(|s| s.due_at).collect::<Vec<_>>(),
                &fallbacks.iter().map(|s| s.local_date).collect::<Vec<_>>(),
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Cancels the pending prompts (and cues) of a session and schedules `next`.
    pub async fn reschedule_prompts(
        &self,
        session_id: i64,
        next: &[NewSend],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            "UPDATE timeline SET state = 'cancelled', claim_token = NULL
             WHERE session_id = $1 AND state = 'pending'",
            session_id,
        )
        .execute(&mut *tx)
        .await?;
        if !next.is_empty() {
            insert_sends(&mut tx, next).await?;
        }
        tx.commit().await
    }

    /// Rows due by now and not sent yet, whoever holds them.
    pub async fn due_unsent(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM timeline WHERE state = 'pending' AND due_at <= now()"#
        )
        .fetch_one(&self.pool)
        .await
    }

    /// When the next row becomes ready, if any.
    pub async fn next_ready_at(
        &self,
        audience: Audience,
    ) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        match audience {
            // `user_id > 0` stays a literal for the planner: see [`Audience`].
            Audience::Discord => {
                sqlx::query_scalar!(
                    "SELECT min(ready_at) FROM timeline WHERE state = 'pending' AND user_id > 0"
                )
                .fetch_one(&self.pool)
                .await
            }
            Audience::Console(user) => {
                sqlx::query_scalar!(
                    "SELECT min(ready_at) FROM timeline WHERE state = 'pending' AND user_id = $1",
                    user.0,
                )
                .fetch_one(&self.pool)
                .await
            }
        }
    }

    /// Moves today's reminder to `new_due`, counting snoozes, and cancels
    /// today's evening nudge when the reminder comes `instead_of_nudge`;
    /// returns the count, or `None` when there is none to move or the limit
    /// is reached.
    pub async fn snooze_reminder(
        &self,
        user: UserId,
        local_date: NaiveDate,
        new_due: DateTime<Utc>,
        max_snoozes: u16,
        instead_of_nudge: bool,
    ) -> Result<Option<u16>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let snoozes = sqlx::query_scalar!(
            "UPDATE timeline SET due_at = $3, ready_at = $3, state = 'pending', claim_token = NULL,
                    snoozes = snoozes + 1, attempts = 0
             WHERE user_id = $1 AND local_date = $2 AND kind = 'reminder'
               AND state IN ('pending', 'sent') AND snoozes < $4
             RETURNING snoozes",
            user.0,
            local_date,
            new_due,
            (max_snoozes as i16),
        )
        .fetch_optional(&mut *tx)
        .await?;
        if snoozes.is_some() && instead_of_nudge {
            sqlx::query!(
                "UPDATE timeline SET state = 'cancelled', claim_token = NULL
                 WHERE user_id = $1 AND local_date = $2 AND kind = 'followup' AND state = 'pending'",
                user.0,
                local_date,
            )
            .execute(&mut *tx)
            .await?;
        }
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
        let n = sqlx::query_scalar!(
            "SELECT snoozes FROM timeline WHERE user_id = $1 AND local_date = $2 AND kind = 'reminder'",
            user.0,
            local_date,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(n.map(|n| n.max(0) as u16))
    }

    /// The user's rows, newest due first (for tests, export and `/remind show`).
    pub async fn timeline_of(
        &self,
        user: UserId,
    ) -> Result<Vec<(SendKind, DateTime<Utc>, NaiveDate, String)>, sqlx::Error> {
        let rows = sqlx::query!(
            "SELECT kind, due_at, local_date, state FROM timeline WHERE user_id = $1 ORDER BY due_at DESC, id DESC",
            user.0,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    SendKind::parse(&r.kind).unwrap_or(SendKind::Reminder),
                    r.due_at,
                    r.local_date,
                    r.state,
                )
            })
            .collect())
    }
}
