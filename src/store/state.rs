//! A person's state for one action, read in one statement, and what that
//! action writes, in one transaction: the round trips of the bot's most
//! common answers ("done", /routine today) are counted in tests.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::pool::PoolConnection;
use sqlx::types::Json;
use sqlx::Postgres;

use super::logs::{LogRow, LogWrite, NewLogEntry};
use super::sessions::{state_column, SessionRow};
use super::timeline::{NewSend, WAKE_CHANNEL};
use super::users::SettingsRow;
use super::{Store, UserId};
use crate::coach::progress::LogEntry;
use crate::coach::progression::{LevelReason, LevelRecord};
use crate::coach::session::{GuidedSession, SessionState};
use crate::coach::user::UserSettings;
use crate::coach::PainLevel;

/// Everything one action may need to know about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub settings: UserSettings,
    pub welcomed: bool,
    /// Their guided session still marked active, if any.
    pub session: Option<GuidedSession>,
    /// Their log from the day asked for (or all of it), oldest day first.
    pub log: Vec<LogEntry>,
    /// Their level changes, oldest first.
    pub level_changes: Vec<LevelRecord>,
}

/// How a level change's reason is stored: the `level_reason` type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, sqlx::Type)]
#[sqlx(type_name = "level_reason", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum StoredReason {
    Pain,
    Progress,
    Asked,
}

impl StoredReason {
    pub fn of(reason: LevelReason) -> (StoredReason, Option<i16>) {
        match reason {
            LevelReason::Pain(p) => (StoredReason::Pain, Some(i16::from(p.get()))),
            LevelReason::Progress => (StoredReason::Progress, None),
            LevelReason::Asked => (StoredReason::Asked, None),
        }
    }

    pub fn reason(self, pain: Option<i16>) -> LevelReason {
        match (
            self,
            pain.and_then(|p| PainLevel::new(p.clamp(0, 10) as u8).ok()),
        ) {
            (StoredReason::Pain, Some(p)) => LevelReason::Pain(p),
            // The table's check keeps pain with its level; an easier reading than an error.
            (StoredReason::Pain, None) | (StoredReason::Asked, _) => LevelReason::Asked,
            (StoredReason::Progress, _) => LevelReason::Progress,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct LevelRow {
    at: DateTime<Utc>,
    from_level: i16,
    to_level: i16,
    reason: StoredReason,
    pain: Option<i16>,
}

impl LevelRow {
    pub(super) fn record(self) -> LevelRecord {
        LevelRecord {
            at: self.at,
            from: self.from_level.clamp(0, 255) as u8,
            to: self.to_level.clamp(0, 255) as u8,
            reason: self.reason.reason(self.pain),
        }
    }
}

/// What to remember about the person with this action: their row is
/// created when missing, so nothing recorded for a newcomer is lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Touch {
    pub create: bool,
    pub welcomed: bool,
    /// The server channel where they used the bot.
    pub last_channel: Option<i64>,
    /// Their DM channel with the bot.
    pub dm_channel: Option<i64>,
}

impl Touch {
    fn is_empty(self) -> bool {
        self == Touch::default()
    }
}

/// A guided session moving on with a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionWrite {
    /// To step `to`, if it is still on `from`, with the prompt after it.
    Advance {
        id: i64,
        from: u16,
        to: u16,
        step_due_at: DateTime<Utc>,
        /// The prompt after it, then its cues.
        sends: Vec<NewSend>,
    },
    /// Ended (finished or stopped) at `at`; its pending prompts are cancelled.
    End {
        id: i64,
        state: SessionState,
        at: DateTime<Utc>,
    },
}

/// What one action writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes<'a> {
    pub user: UserId,
    pub touch: Touch,
    pub log: Option<NewLogEntry<'a>>,
    pub level: Option<LevelRecord>,
    pub session: Option<SessionWrite>,
}

impl<'a> Changes<'a> {
    pub fn new(user: UserId, touch: Touch) -> Self {
        Changes {
            user,
            touch,
            log: None,
            level: None,
            session: None,
        }
    }

    fn statements(&self) -> usize {
        usize::from(!self.touch.is_empty())
            + usize::from(self.log.is_some())
            + usize::from(self.level.is_some())
            + usize::from(self.session.is_some())
    }
}

/// What the writes did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// This write welcomed the person: their very first contact.
    pub welcomed: bool,
    pub log: Option<LogWrite>,
    /// The session moved (or ended) as asked: no other reply got there first.
    pub session_moved: bool,
}

/// One pooled connection held for a whole action: its read and its write
/// take one trip through the pool, and sqlx pings a connection each time it
/// goes back.
pub struct Conn(PoolConnection<Postgres>);

/// How long a person's command waits for a connection before the database
/// counts as unreachable: an answer must reach Discord within 3 s, and the
/// pool's own timeout (10 s) is for work nobody is waiting on.
const QUICK_ACQUIRE: Duration = Duration::from_millis(1000);

impl Store {
    /// A connection for a person's command, or `PoolTimedOut` within
    /// [`QUICK_ACQUIRE`] when the database is not answering. When every
    /// connection is merely busy it waits on: that is load, not an outage,
    /// and a slow answer is deferred.
    pub async fn conn(&self) -> Result<Conn, sqlx::Error> {
        let acquire = self.pool.acquire();
        tokio::pin!(acquire);
        match tokio::time::timeout(QUICK_ACQUIRE, &mut acquire).await {
            Ok(conn) => Ok(Conn(conn?)),
            Err(_) if self.pool_is_busy() => Ok(Conn(acquire.await?)),
            Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// Every connection open and in use.
    fn pool_is_busy(&self) -> bool {
        self.pool.num_idle() == 0 && self.pool.size() >= self.pool.options().get_max_connections()
    }

    /// [`Conn::user_state`] on a connection of its own.
    pub async fn user_state(
        &self,
        id: UserId,
        log_since: Option<NaiveDate>,
    ) -> Result<Option<UserState>, sqlx::Error> {
        self.conn().await?.user_state(id, log_since).await
    }
}

impl Conn {
    /// One round trip, to see that the database answers.
    pub async fn ping(&mut self) -> Result<(), sqlx::Error> {
        sqlx::Connection::ping(&mut *self.0).await
    }

    /// The person's state, with their log from `log_since` (all of it when
    /// `None`); `None` for someone the bot has never seen. One statement.
    pub async fn user_state(
        &mut self,
        id: UserId,
        log_since: Option<NaiveDate>,
    ) -> Result<Option<UserState>, sqlx::Error> {
        let row = sqlx::query!(
            r#"
            SELECT u.id, u.timezone, u.remind_minute, u.rest_days, u.paused_from, u.paused_until,
                   u.dm_channel_id, u.followup_minute, u.dm_blocked_at, u.last_channel_id,
                   u.level, u.ask_pain, u.routine_minutes, u.equipment, u.weekly_day,
                   u.welcomed_at IS NOT NULL AS "welcomed!",
                   (SELECT row_to_json(s) FROM (
                        SELECT id, user_id, local_date, routine_id, current_step, step_due_at,
                               state, started_at, level, step_channel_id, step_message_id,
                               step_message_step, step_message_text, step_message_webhook
                        FROM guided_sessions WHERE user_id = u.id AND state = 'active') s
                   ) AS "session: Json<SessionRow>",
                   (SELECT coalesce(json_agg(a ORDER BY a.local_date, a.step, a.logged_at), '[]') FROM (
                        SELECT user_id, local_date, routine_id, step, outcome, pain, source, logged_at
                        FROM activity_log
                        WHERE user_id = u.id AND ($2::date IS NULL OR local_date >= $2)) a
                   ) AS "log!: Json<Vec<LogRow>>",
                   (SELECT coalesce(json_agg(l ORDER BY l.at, l.id), '[]') FROM (
                        SELECT id, at, from_level, to_level, reason, pain
                        FROM level_changes WHERE user_id = u.id) l
                   ) AS "levels!: Json<Vec<LevelRow>>"
            FROM users u WHERE u.id = $1
            "#,
            id.0,
            log_since,
        )
        .fetch_optional(&mut *self.0)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let settings = SettingsRow {
            id: row.id,
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
        .into();
        let session = row.session.map(|Json(s)| GuidedSession::from(s));
        let log = row
            .log
            .0
            .into_iter()
            .map(LogEntry::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let level_changes = row.levels.0.into_iter().map(LevelRow::record).collect();
        Ok(Some(UserState {
            settings,
            welcomed: row.welcomed,
            session,
            log,
            level_changes,
        }))
    }

    /// Writes what an action changed: one statement needs no transaction,
    /// several share one.
    pub async fn apply(&mut self, changes: &Changes<'_>) -> Result<Applied, sqlx::Error> {
        match changes.statements() {
            0 => Ok(Applied::default()),
            1 => apply_on(&mut self.0, changes).await,
            _ => {
                let mut tx = sqlx::Connection::begin(&mut *self.0).await?;
                let applied = apply_on(&mut tx, changes).await?;
                tx.commit().await?;
                Ok(applied)
            }
        }
    }
}

impl Store {
    /// The person's level changes, oldest first.
    pub async fn level_changes(&self, id: UserId) -> Result<Vec<LevelRecord>, sqlx::Error> {
        let rows = sqlx::query_as!(
            LevelRow,
            r#"SELECT at, from_level, to_level, reason AS "reason: StoredReason", pain
               FROM level_changes WHERE user_id = $1 ORDER BY at, id"#,
            id.0
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(LevelRow::record).collect())
    }
}

async fn apply_on(
    conn: &mut sqlx::PgConnection,
    changes: &Changes<'_>,
) -> Result<Applied, sqlx::Error> {
    let user = changes.user.0;
    let mut applied = Applied::default();
    let touch = changes.touch;
    if !touch.is_empty() {
        // Of two first contacts at once, only the write that set
        // welcomed_at (to its own transaction's now()) welcomes.
        applied.welcomed = sqlx::query_scalar!(
            r#"INSERT INTO users (id, welcomed_at, last_channel_id, dm_channel_id)
               VALUES ($1, CASE WHEN $2 THEN now() END, $3, $4)
               ON CONFLICT (id) DO UPDATE SET
                  welcomed_at = coalesce(users.welcomed_at, EXCLUDED.welcomed_at),
                  last_channel_id = coalesce(EXCLUDED.last_channel_id, users.last_channel_id),
                  dm_channel_id = coalesce(EXCLUDED.dm_channel_id, users.dm_channel_id)
               RETURNING coalesce($2 AND welcomed_at = now(), false) AS "welcomed!""#,
            user,
            touch.welcomed,
            touch.last_channel,
            touch.dm_channel,
        )
        .fetch_one(&mut *conn)
        .await?;
    }
    if let Some(entry) = &changes.log {
        applied.log = Some(super::logs::log_on(&mut *conn, entry).await?);
    }
    if let Some(change) = &changes.level {
        let (reason, pain) = StoredReason::of(change.reason);
        sqlx::query!(
            "WITH moved AS (UPDATE users SET level = $3, updated_at = now() WHERE id = $1)
             INSERT INTO level_changes (user_id, at, from_level, to_level, reason, pain)
             VALUES ($1, $2, $4, $3, $5, $6)",
            user,
            change.at,
            i16::from(change.to),
            i16::from(change.from),
            reason as StoredReason,
            pain,
        )
        .execute(&mut *conn)
        .await?;
    }
    match &changes.session {
        None => {}
        Some(SessionWrite::Advance {
            id,
            from,
            to,
            step_due_at,
            sends,
        }) => {
            let due: Vec<DateTime<Utc>> = sends.iter().map(|s| s.due_at).collect();
            let steps: Vec<i16> = sends
                .iter()
                .map(|s| s.session.map_or(0, |(_, step)| step as i16))
                .collect();
            let cues: Vec<i16> = sends.iter().map(|s| s.cue as i16).collect();
            // Moving on and rescheduling what follows are one statement.
            applied.session_moved = sqlx::query_scalar!(
                r#"
                WITH moved AS (
                    UPDATE guided_sessions SET current_step = $3, step_due_at = $4
                    WHERE id = $1 AND current_step = $2 AND state = 'active'
                    RETURNING id, user_id, local_date
                ), cancelled AS (
                    UPDATE timeline SET state = 'cancelled', claim_token = NULL
                    WHERE session_id = (SELECT id FROM moved) AND state = 'pending'
                      AND (step, cue) NOT IN (SELECT s, c FROM unnest($6::smallint[], $7::smallint[]) AS n(s, c))
                ), added AS (
                    INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date, session_id, step, cue)
                    SELECT m.user_id, 'prompt', n.d, n.d, m.local_date, m.id, n.s, n.c
                    FROM moved m, unnest($5::timestamptz[], $6::smallint[], $7::smallint[]) AS n(d, s, c)
                    ON CONFLICT (session_id, step, cue) WHERE kind = 'prompt' DO UPDATE
                        SET due_at = EXCLUDED.due_at, ready_at = EXCLUDED.ready_at,
                            state = 'pending', claim_token = NULL
                        WHERE timeline.state IN ('pending', 'cancelled')
                    RETURNING 1
                )
                SELECT EXISTS (SELECT 1 FROM moved) AS "moved!" FROM pg_notify($8, '')
                "#,
                id,
                *from as i16,
                *to as i16,
                step_due_at,
                &due,
                &steps,
                &cues,
                WAKE_CHANNEL,
            )
            .fetch_one(&mut *conn)
            .await?;
        }
        Some(SessionWrite::End { id, state, at }) => {
            let state = state_column(*state);
            applied.session_moved = sqlx::query_scalar!(
                r#"
                WITH ended AS (
                    UPDATE guided_sessions SET state = $2, ended_at = $3
                    WHERE id = $1 AND state = 'active'
                    RETURNING id
                ), cancelled AS (
                    UPDATE timeline SET state = 'cancelled', claim_token = NULL
                    WHERE session_id = $1 AND state = 'pending'
                )
                SELECT EXISTS (SELECT 1 FROM ended) AS "ended!"
                "#,
                id,
                state,
                at,
            )
            .fetch_one(&mut *conn)
            .await?;
        }
    }
    Ok(applied)
}
