//! Claiming due rows for a worker, and renewing the claim's lease.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Audience, DueSend, SendKind};
use crate::store::users::SettingsRow;
use crate::store::{Store, UserId};

/// A claimed timeline row joined with its user's columns, as both claim
/// queries spell them out.
struct DueRow {
    id: i64,
    user_id: i64,
    kind: String,
    due_at: DateTime<Utc>,
    local_date: NaiveDate,
    session_id: Option<i64>,
    step: Option<i16>,
    cue: i16,
    attempts: i16,
    snoozes: i16,
    timezone: Option<String>,
    remind_minute: Option<i16>,
    followup_minute: Option<i16>,
    rest_days: i16,
    paused_from: Option<NaiveDate>,
    paused_until: Option<NaiveDate>,
    dm_channel_id: Option<i64>,
    dm_blocked_at: Option<DateTime<Utc>>,
    last_channel_id: Option<i64>,
    level: Option<i16>,
    ask_pain: bool,
    routine_minutes: Option<i16>,
    equipment: Option<i16>,
    weekly_day: Option<i16>,
}

impl TryFrom<DueRow> for DueSend {
    type Error = sqlx::Error;

    fn try_from(row: DueRow) -> Result<Self, sqlx::Error> {
        let kind = row.kind;
        Ok(DueSend {
            id: row.id,
            user: UserId(row.user_id),
            kind: SendKind::parse(&kind)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown send kind {kind:?}").into()))?,
            due_at: row.due_at,
            local_date: row.local_date,
            session: row.session_id.zip(row.step.map(|s| s.max(0) as u16)),
            cue: row.cue.max(0) as u16,
            attempts: row.attempts.max(0) as u16,
            snoozes: row.snoozes.max(0) as u16,
            settings: SettingsRow {
                id: row.user_id,
                timezone: row.timezone,
                remind_minute: row.remind_minute,
                rest_days: row.rest_days,
                paused_from: row.paused_from,
                paused_until: row.paused_until,
                dm_channel_id: row.dm_channel_id,
                followup_minute: row.followup_minute,
                dm_blocked_at: row.dm_blocked_at,
                last_channel_id: row.last_channel_id,
                level: row.level,
                ask_pain: row.ask_pain,
                routine_minutes: row.routine_minutes,
                equipment: row.equipment,
                weekly_day: row.weekly_day,
            }
            .into(),
        })
    }
}

impl Store {
    /// Claims up to `limit` rows ready by `until` (claiming ahead), until
    /// `lease_until`; the claim is committed when this returns. A row another
    /// claim holds is taken only once its lease lapsed at `now`, not ahead:
    /// its holder may send it until then. The two audiences' queries differ
    /// only in the condition on `user_id` (see [`Audience`]).
    pub async fn claim_due(
        &self,
        audience: Audience,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        token: i64,
        limit: i64,
    ) -> Result<Vec<DueSend>, sqlx::Error> {
        let rows = match audience {
            // `user_id > 0` stays a literal for the planner: see [`Audience`].
            Audience::Discord => {
                sqlx::query_as!(
                    DueRow,
                    "WITH due AS (
                        SELECT id FROM timeline
                        WHERE state = 'pending' AND ready_at <= $1 AND user_id > 0
                            AND (claim_token IS NULL OR ready_at <= $5)
                        ORDER BY ready_at
                        LIMIT $4
                        FOR UPDATE SKIP LOCKED
                     ), c AS (
                        UPDATE timeline t SET ready_at = $2, claim_token = $3, attempts = t.attempts + 1
                        FROM due WHERE t.id = due.id
                        RETURNING t.*
                     )
                     SELECT c.id, c.user_id, c.kind, c.due_at, c.local_date, c.session_id, c.step,
                        c.cue, c.attempts, c.snoozes, u.timezone, u.remind_minute, u.followup_minute,
                        u.rest_days, u.paused_from, u.paused_until, u.dm_channel_id,
                        u.dm_blocked_at, u.last_channel_id, u.level, u.ask_pain,
                        u.routine_minutes, u.equipment, u.weekly_day
                     FROM c JOIN users u ON u.id = c.user_id",
                    until,
                    lease_until,
                    token,
                    limit,
                    now,
                )
                .fetch_all(&self.pool)
                .await?
            }
            Audience::Console(user) => {
                sqlx::query_as!(
                    DueRow,
                    "WITH due AS (
                        SELECT id FROM timeline
                        WHERE state = 'pending' AND ready_at <= $1 AND user_id = $5
                            AND (claim_token IS NULL OR ready_at <= $6)
                        ORDER BY ready_at
                        LIMIT $4
                        FOR UPDATE SKIP LOCKED
                     ), c AS (
                        UPDATE timeline t SET ready_at = $2, claim_token = $3, attempts = t.attempts + 1
                        FROM due WHERE t.id = due.id
                        RETURNING t.*
                     )
                     SELECT c.id, c.user_id, c.kind, c.due_at, c.local_date, c.session_id, c.step,
                        c.cue, c.attempts, c.snoozes, u.timezone, u.remind_minute, u.followup_minute,
                        u.rest_days, u.paused_from, u.paused_until, u.dm_channel_id,
                        u.dm_blocked_at, u.last_channel_id, u.level, u.ask_pain,
                        u.routine_minutes, u.equipment, u.weekly_day
                     FROM c JOIN users u ON u.id = c.user_id",
                    until,
                    lease_until,
                    token,
                    limit,
                    user.0,
                    now,
                )
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.into_iter().map(DueSend::try_from).collect()
    }

    /// Extends the lease of claim `token` to `lease_until`, and returns the
    /// rows it still holds: a row missing was completed, rescheduled or taken
    /// by another worker after the lease lapsed, and must not be sent.
    pub async fn renew_claim(
        &self,
        token: i64,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar!(
            "UPDATE timeline SET ready_at = $2 WHERE claim_token = $1 AND state = 'pending' RETURNING id",
            token,
            lease_until,
        )
        .fetch_all(&self.pool)
        .await
    }
}
