//! Servers with a coach channel, and their streak board opt-ins.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Store, UserId};
use crate::coach::{LocalTime, Timezone};

/// A server's daily post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    pub guild_id: i64,
    pub channel_id: i64,
    pub post_at: LocalTime,
    pub timezone: Timezone,
    /// The next post: the server's local date and its due instant.
    pub next_date: NaiveDate,
    pub next_due_at: DateTime<Utc>,
    pub last_posted_date: Option<NaiveDate>,
    pub last_error: Option<String>,
}

/// A claimed daily post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuePost {
    pub settings: ServerSettings,
    /// Attempts including this one.
    pub attempts: u16,
}

/// What became of a claimed post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostResolution {
    /// Posted (or skipped, `posted: false`); the next one is `next_date` at `next_due_at`.
    Next {
        posted: bool,
        next_date: NaiveDate,
        next_due_at: DateTime<Utc>,
        error: Option<String>,
    },
    /// Try the same post again at `at`.
    Retry { at: DateTime<Utc>, error: String },
}

/// The servers columns behind a [`ServerSettings`], and the attempts of a
/// claimed post, as every query reading them spells them out.
struct ServerRow {
    guild_id: i64,
    channel_id: i64,
    post_minute: i16,
    timezone: String,
    next_date: NaiveDate,
    next_due_at: DateTime<Utc>,
    last_posted_date: Option<NaiveDate>,
    last_error: Option<String>,
    attempts: i16,
}

impl TryFrom<ServerRow> for ServerSettings {
    type Error = sqlx::Error;

    fn try_from(row: ServerRow) -> Result<Self, sqlx::Error> {
        let minute = row.post_minute;
        Ok(ServerSettings {
            guild_id: row.guild_id,
            channel_id: row.channel_id,
            post_at: LocalTime::from_minutes_of_day(minute.into())
                .ok_or_else(|| sqlx::Error::Decode(format!("post_minute {minute}").into()))?,
            // A name chrono-tz no longer knows falls back to UTC rather than stopping the posts.
            timezone: Timezone::named(&row.timezone).unwrap_or(Timezone::UTC),
            next_date: row.next_date,
            next_due_at: row.next_due_at,
            last_posted_date: row.last_posted_date,
            last_error: row.last_error,
        })
    }
}

impl TryFrom<ServerRow> for DuePost {
    type Error = sqlx::Error;

    fn try_from(row: ServerRow) -> Result<Self, sqlx::Error> {
        let attempts = row.attempts.max(0) as u16;
        Ok(DuePost {
            settings: row.try_into()?,
            attempts,
        })
    }
}

impl Store {
    pub async fn server(&self, guild_id: i64) -> Result<Option<ServerSettings>, sqlx::Error> {
        let row = sqlx::query_as!(
            ServerRow,
            "SELECT guild_id, channel_id, post_minute, timezone, next_date, next_due_at,
                last_posted_date, last_error, attempts
             FROM servers WHERE guild_id = $1",
            guild_id,
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(ServerSettings::try_from).transpose()
    }

    /// Sets (or moves) a server's daily post; a claim in flight is dropped,
    /// so the worker picks up the new time.
    pub async fn set_server(&self, s: &ServerSettings) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            "INSERT INTO servers (guild_id, channel_id, post_minute, timezone, next_date, next_due_at, ready_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)
             ON CONFLICT (guild_id) DO UPDATE SET
                channel_id = EXCLUDED.channel_id, post_minute = EXCLUDED.post_minute,
                timezone = EXCLUDED.timezone, next_date = EXCLUDED.next_date,
                next_due_at = EXCLUDED.next_due_at, ready_at = EXCLUDED.ready_at,
                claim_token = NULL, attempts = 0, last_error = NULL, updated_at = now()",
            s.guild_id,
            s.channel_id,
            (s.post_at.minutes_of_day() as i16),
            s.timezone.name(),
            s.next_date,
            s.next_due_at,
        )
        .execute(&mut *tx)
        .await?;
        super::timeline::wake(&mut tx).await?;
        tx.commit().await
    }

    /// Stops a server's daily post; true when there was one.
    pub async fn remove_server(&self, guild_id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query!("DELETE FROM servers WHERE guild_id = $1", guild_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The bot left the server: its settings and board opt-ins go.
    pub async fn forget_server(&self, guild_id: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!("DELETE FROM servers WHERE guild_id = $1", guild_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query!("DELETE FROM board_members WHERE guild_id = $1", guild_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// The channel was deleted: a daily post there stops.
    pub async fn channel_deleted(&self, channel_id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query!("DELETE FROM servers WHERE channel_id = $1", channel_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Claims up to `limit` posts ready at `now` until `lease_until`.
    pub async fn claim_due_posts(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        token: i64,
        limit: i64,
    ) -> Result<Vec<DuePost>, sqlx::Error> {
        let rows = sqlx::query_as!(
            ServerRow,
            "WITH due AS (
                SELECT guild_id FROM servers WHERE ready_at <= $1
                ORDER BY ready_at LIMIT $4
                FOR UPDATE SKIP LOCKED
             )
             UPDATE servers s SET ready_at = $2, claim_token = $3, attempts = s.attempts + 1
             FROM due WHERE s.guild_id = due.guild_id
             RETURNING s.guild_id, s.channel_id, s.post_minute, s.timezone, s.next_date, s.next_due_at,
                s.last_posted_date, s.last_error, s.attempts",
            now,
            lease_until,
            token,
            limit,
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(DuePost::try_from).collect()
    }

    /// Records what became of a claimed post; a claim lost to a newer
    /// setting (or another worker) changes nothing.
    pub async fn complete_post(
        &self,
        guild_id: i64,
        token: i64,
        resolution: &PostResolution,
    ) -> Result<bool, sqlx::Error> {
        let done = match resolution {
            PostResolution::Next {
                posted,
                next_date,
                next_due_at,
                error,
            } => {
                sqlx::query!(
                    "UPDATE servers SET next_date = $3, next_due_at = $4, ready_at = $4,
                        claim_token = NULL, attempts = 0, last_error = $5,
                        last_posted_date = CASE WHEN $6 THEN next_date ELSE last_posted_date END
                     WHERE guild_id = $1 AND claim_token = $2",
                    guild_id,
                    token,
                    next_date,
                    next_due_at,
                    error.as_deref(),
                    posted,
                )
                .execute(&self.pool)
                .await?
            }
            PostResolution::Retry { at, error } => {
                sqlx::query!(
                    "UPDATE servers SET ready_at = $3, claim_token = NULL, last_error = $4
                     WHERE guild_id = $1 AND claim_token = $2",
                    guild_id,
                    token,
                    at,
                    error,
                )
                .execute(&self.pool)
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    /// Extends the lease of post claim `token`; returns the servers it still
    /// holds (one missing was reset by a new setting, or taken after a lapse).
    pub async fn renew_post_claim(
        &self,
        token: i64,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar!(
            "UPDATE servers SET ready_at = $2 WHERE claim_token = $1 RETURNING guild_id",
            token,
            lease_until,
        )
        .fetch_all(&self.pool)
        .await
    }

    pub async fn next_post_ready_at(&self) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        sqlx::query_scalar!("SELECT min(ready_at) FROM servers")
            .fetch_one(&self.pool)
            .await
    }

    /// Puts the user on a server's board; false when they already were.
    pub async fn join_board(&self, guild_id: i64, user: UserId) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            "INSERT INTO users (id) VALUES ($1) ON CONFLICT (id) DO NOTHING",
            user.0,
        )
        .execute(&mut *tx)
        .await?;
        let added = sqlx::query!(
            "INSERT INTO board_members (guild_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            guild_id,
            user.0,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(added.rows_affected() == 1)
    }

    /// Takes the user off a server's board; false when they were not on it.
    pub async fn leave_board(&self, guild_id: i64, user: UserId) -> Result<bool, sqlx::Error> {
        let gone = sqlx::query!(
            "DELETE FROM board_members WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user.0,
        )
        .execute(&self.pool)
        .await?;
        Ok(gone.rows_affected() == 1)
    }

    /// How many members opted in to a server's board.
    pub async fn board_size(&self, guild_id: i64) -> Result<usize, sqlx::Error> {
        let n = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM board_members WHERE guild_id = $1"#,
            guild_id,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n as usize)
    }

    /// The servers whose board the user is on, with when they joined.
    pub async fn boards_of(&self, user: UserId) -> Result<Vec<(i64, DateTime<Utc>)>, sqlx::Error> {
        let rows = sqlx::query!(
            "SELECT guild_id, joined_at FROM board_members WHERE user_id = $1 ORDER BY joined_at",
            user.0,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.guild_id, r.joined_at))
            .collect())
    }
}
