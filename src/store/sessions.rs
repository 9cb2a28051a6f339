//! Guided sessions: which step of which routine a user is on.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Store, UserId};

pub use crate::coach::session::{GuidedSession, SessionState, StepMessage};

pub(super) fn state_column(state: SessionState) -> &'static str {
    match state {
        SessionState::Active => "active",
        SessionState::Finished => "finished",
        SessionState::Stopped => "stopped",
    }
}

/// The guided_sessions columns behind a [`GuidedSession`], as every query
/// reading them spells them out.
#[derive(Debug, serde::Deserialize)]
pub(super) struct SessionRow {
    id: i64,
    user_id: i64,
    local_date: NaiveDate,
    routine_id: String,
    current_step: i16,
    step_due_at: DateTime<Utc>,
    state: String,
    started_at: DateTime<Utc>,
    level: i16,
    #[serde(default)]
    step_channel_id: Option<i64>,
    #[serde(default)]
    step_message_id: Option<i64>,
    #[serde(default)]
    step_message_step: Option<i16>,
    #[serde(default)]
    step_message_text: Option<String>,
    #[serde(default)]
    step_message_webhook: Option<String>,
}

impl From<SessionRow> for GuidedSession {
    fn from(row: SessionRow) -> Self {
        let this_step = row.step_message_step == Some(row.current_step);
        GuidedSession {
            id: row.id,
            user: UserId(row.user_id),
            local_date: row.local_date,
            routine_id: row.routine_id,
            current_step: row.current_step.max(1) as u16,
            step_due_at: row.step_due_at,
            state: match row.state.as_str() {
                "active" => SessionState::Active,
                "finished" => SessionState::Finished,
                _ => SessionState::Stopped,
            },
            started_at: row.started_at,
            level: row.level.clamp(0, 255) as u8,
            // A message of an earlier step is no place for this step's cues.
            step_message: match (row.step_channel_id, row.step_message_id) {
                (Some(channel), Some(message)) if this_step => {
                    Some(StepMessage { channel, message })
                }
                _ => None,
            },
            step_message_text: row.step_message_text.filter(|_| this_step),
            step_message_webhook: row.step_message_webhook.filter(|_| this_step),
        }
    }
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
        sqlx::query!(
            "UPDATE guided_sessions SET state = 'stopped', ended_at = $2
             WHERE user_id = $1 AND state = 'active'",
            user.0,
            now,
        )
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query_as!(
            SessionRow,
            "INSERT INTO guided_sessions (user_id, local_date, routine_id, step_due_at, started_at, level)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id, user_id, local_date, routine_id, current_step, step_due_at, state, started_at, level,
                step_channel_id, step_message_id, step_message_step, step_message_text,
                step_message_webhook",
            user.0,
            local_date,
            routine_id,
            first_step_due,
            now,
            i16::from(level),
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn active_session(&self, user: UserId) -> Result<Option<GuidedSession>, sqlx::Error> {
        let row = sqlx::query_as!(
            SessionRow,
            "SELECT id, user_id, local_date, routine_id, current_step, step_due_at, state, started_at, level,
                step_channel_id, step_message_id, step_message_step, step_message_text,
                step_message_webhook
             FROM guided_sessions WHERE user_id = $1 AND state = 'active'",
            user.0,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(GuidedSession::from))
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
        let done = sqlx::query!(
            "UPDATE guided_sessions SET current_step = $3, step_due_at = $4
             WHERE id = $1 AND current_step = $2 AND state = 'active'",
            session_id,
            (from_step as i16),
            (to_step as i16),
            step_due_at,
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Remembers where step `step`'s prompt was posted, while the session
    /// is still on it, so the step's cues can edit that message.
    pub async fn record_step_message(
        &self,
        session_id: i64,
        step: u16,
        at: StepMessage,
        text: Option<&str>,
        webhook: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "UPDATE guided_sessions
             SET step_channel_id = $3, step_message_id = $4, step_message_step = $2,
                 step_message_text = $5, step_message_webhook = $6
             WHERE id = $1 AND current_step = $2 AND state = 'active'",
            session_id,
            step as i16,
            at.channel,
            at.message,
            text,
            webhook,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends an active session; false when it had already ended.
    pub async fn end_session(
        &self,
        session_id: i64,
        state: SessionState,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query!(
            "UPDATE guided_sessions SET state = $2, ended_at = $3
             WHERE id = $1 AND state = 'active'",
            session_id,
            state_column(state),
            now,
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The sessions with these ids, for a batch of prompts.
    pub async fn sessions_by_id(&self, ids: &[i64]) -> Result<Vec<GuidedSession>, sqlx::Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query_as!(
            SessionRow,
            "SELECT id, user_id, local_date, routine_id, current_step, step_due_at, state, started_at, level,
                step_channel_id, step_message_id, step_message_step, step_message_text,
                step_message_webhook
             FROM guided_sessions WHERE id = ANY($1)",
            ids,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(GuidedSession::from).collect())
    }

    /// All sessions of a user, newest first.
    pub async fn sessions(&self, user: UserId) -> Result<Vec<GuidedSession>, sqlx::Error> {
        let rows = sqlx::query_as!(
            SessionRow,
            "SELECT id, user_id, local_date, routine_id, current_step, step_due_at, state, started_at, level,
                step_channel_id, step_message_id, step_message_step, step_message_text,
                step_message_webhook
             FROM guided_sessions WHERE user_id = $1 ORDER BY started_at DESC, id DESC",
            user.0,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(GuidedSession::from).collect())
    }
}
