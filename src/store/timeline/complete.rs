//! Completing a claimed batch: what each row became, the sends that follow,
//! sessions that moved on, blocked users and learned DM channels, all in one
//! transaction that only touches rows this worker's claim still holds.

use chrono::{DateTime, Utc};

use super::{insert_sends, NewSend};
use crate::store::{StepMessage, Store, UserId};

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
    /// Where the prompt of `to_step` was posted, for its cues.
    pub posted: Option<StepMessage>,
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

impl Store {
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
        let mut closed_states: Vec<&str> = Vec::new();
        let mut closed_errors = Vec::new();
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
                    closed_errors.push(why.clone());
                }
                Resolution::Failed(why) => {
                    closed_ids.push(*id);
                    closed_states.push("failed");
                    closed_errors.push(why.clone());
                }
                Resolution::Retry { at, error } => {
                    retry_ids.push(*id);
                    retry_at.push(*at);
                    retry_errors.push(error.clone());
                }
            }
        }
        if !sent.is_empty() {
            sqlx::query!(
                "UPDATE timeline t SET state = 'sent', sent_at = $3, late = n.late, claim_token = NULL, last_error = NULL
                 FROM unnest($1::bigint[], $2::bool[]) AS n(id, late)
                 WHERE t.id = n.id AND t.claim_token = $4 AND t.state = 'pending'",
                &sent,
                &late,
                now,
                token,
            )
            .execute(&mut *tx)
            .await?;
        }
        if !closed_ids.is_empty() {
            sqlx::query!(
                "UPDATE timeline t SET state = n.state, last_error = n.error, claim_token = NULL
                 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS n(id, state, error)
                 WHERE t.id = n.id AND t.claim_token = $4 AND t.state = 'pending'",
                &closed_ids,
                &closed_states as &[&str],
                &closed_errors,
                token,
            )
            .execute(&mut *tx)
            .await?;
        }
        if !retry_ids.is_empty() {
            sqlx::query!(
                "UPDATE timeline t SET ready_at = n.at, last_error = n.error, claim_token = NULL
                 FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS n(id, at, error)
                 WHERE t.id = n.id AND t.claim_token = $4 AND t.state = 'pending'",
                &retry_ids,
                &retry_at,
                &retry_errors,
                token,
            )
            .execute(&mut *tx)
            .await?;
        }
        for m in &outcome.session_moves {
            sqlx::query!(
                "UPDATE guided_sessions
                 SET current_step = $3, step_due_at = $4,
                     state = CASE WHEN $5 THEN 'finished' ELSE state END,
                     ended_at = CASE WHEN $5 THEN $6 ELSE ended_at END,
                     step_channel_id = $7, step_message_id = $8,
                     step_message_step = $9, step_message_text = NULL,
                     step_message_webhook = NULL
                 WHERE id = $1 AND current_step = $2 AND state = 'active'",
                m.session_id,
                (m.from_step as i16),
                (m.to_step as i16),
                m.step_due_at,
                m.finished,
                now,
                m.posted.map(|p| p.channel),
                m.posted.map(|p| p.message),
                m.posted.map(|_| m.to_step as i16),
            )
            .execute(&mut *tx)
            .await?;
        }
        if !outcome.blocked.is_empty() {
            let ids: Vec<i64> = outcome.blocked.iter().map(|u| u.0).collect();
            sqlx::query!(
                "UPDATE users SET dm_blocked_at = $2 WHERE id = ANY($1)",
                &ids,
                now,
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "UPDATE timeline SET state = 'cancelled', claim_token = NULL
                 WHERE user_id = ANY($1) AND state = 'pending'",
                &ids,
            )
            .execute(&mut *tx)
            .await?;
        }
        if !outcome.dm_channels.is_empty() {
            let (users, channels): (Vec<i64>, Vec<i64>) =
                outcome.dm_channels.iter().map(|(u, c)| (u.0, *c)).unzip();
            sqlx::query!(
                "UPDATE users u SET dm_channel_id = n.channel
                 FROM unnest($1::bigint[], $2::bigint[]) AS n(id, channel)
                 WHERE u.id = n.id",
                &users,
                &channels,
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
}
