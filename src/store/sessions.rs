//! Guided sessions: which step of which routine a user is on.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::{Store, UserId};
pub use crate::coach::session::{GuidedSession, SessionState};

fn state_column(state: SessionState) -> &'static str {
    match state {
        SessionState::Active => "active",
        SessionState::Finished => "finished",
        SessionState::Stopped => "stopped",
    }
}

const SESSION_COLUMNS: &str =
    "id, user_id, local_date, routine_id, current_step, step_due_at, state, started_at, level";

fn session_from_row(row: &sqlx::postgres::PgRow) -> Result<GuidedSession, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let step: i16 = row.try_get("current_step")?;
    Ok(GuidedSession {
        id: row.try_get("id")?,
        user: UserId(row.try_get("user_id")?),
        local_date: row.try_get("local_date")?,
        routine_id: row.try_get("routine_id")?,
        current_step: step.max(1) as u16,
        step_due_at: row.try_get("step_due_at")?,
        state: match state.as_str() {
            "active" => SessionState::Active,
            "finished" => SessionState::Finished,
            _ => SessionState::Stopped,
        },
        started_at: row.try_get("started_at")?,
        level: row.try_get::<i16, _>("level")?.clamp(0, 255) as u8,
    })
}

impl Store {
    /// Starts a session, stopping any session the user still had running.
    pub async fn start_session(
        &self,
        user: UserId,
        local_date: NaiveDate,
        routine_id: &str,
        level: u8,
        first_step_due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<GuidedSession, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE guided_sessions SET state = 'stopped', ended_at = $2
             WHERE user_id = $1 AND state = 'active'",
        )
        .bind(user.0)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(&format!(
            "INSERT INTO guided_sessions (user_id, local_date, routine_id, step_due_at, started_at, level)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING {SESSION_COLUMNS}"
        ))
        .bind(user.0)
        .bind(local_date)
        .bind(routine_id)
        .bind(first_step_due)
        .bind(now)
        .bind(i16::from(level))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        session_from_row(&row)
    }

    pub async fn active_session(&self, user: UserId) -> Result<Option<GuidedSession>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM guided_sessions WHERE user_id = $1 AND state = 'active'"
        ))
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Moves an active session from `from_step` to `to_step`. Returns false when the
    /// session was no longer on `from_step` (a concurrent reply got there first).
    pub async fn advance_session(
        &self,
        session_id: i64,
        from_step: u16,
        to_step: u16,
        step_due_at: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE guided_sessions SET current_step = $3, step_due_at = $4
             WHERE id = $1 AND current_step = $2 AND state = 'active'",
        )
        .bind(session_id)
        .bind(from_step as i16)
        .bind(to_step as i16)
        .bind(step_due_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends an active session; false when it had already ended.
    pub async fn end_session(
        &self,
        session_id: i64,
        state: SessionState,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE guided_sessions SET state = $2, ended_at = $3
             WHERE id = $1 AND state = 'active'",
        )
        .bind(session_id)
        .bind(state_column(state))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The sessions with these ids, for a batch of prompts.
    pub async fn sessions_by_id(&self, ids: &[i64]) -> Result<Vec<GuidedSession>, sqlx::Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM guided_sessions WHERE id = ANY($1)"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(session_from_row).collect()
    }

    /// All sessions of a user, newest first.
    pub async fn sessions(&self, user: UserId) -> Result<Vec<GuidedSession>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM guided_sessions WHERE user_id = $1 ORDER BY started_at DESC, id DESC"
        ))
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(session_from_row).collect()
    }
}
