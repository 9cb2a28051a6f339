//! Servers with a coach channel, and their streak board opt-ins.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

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

const COLUMNS: &str = "guild_id, channel_id, post_minute, timezone, next_date, next_due_at, last_posted_date, last_error";

fn settings_from_row(row: &sqlx::postgres::PgRow) -> Result<ServerSettings, sqlx::Error> {
    let minute: i16 = row.try_get("post_minute")?;
    let tz: String = row.try_get("timezone")?;
    Ok(ServerSettings {
        guild_id: row.try_get("guild_id")?,
        channel_id: row.try_get("channel_id")?,
        post_at: LocalTime::from_minutes_of_day(minute.into())
            .ok_or_else(|| sqlx::Error::Decode(format!("post_minute {minute}").into()))?,
        // A name chrono-tz no longer knows falls back to UTC rather than stopping the posts.
        timezone: tz.parse().unwrap_or(Timezone::UTC),
        next_date: row.try_get("next_date")?,
        next_due_at: row.try_get("next_due_at")?,
        last_posted_date: row.try_get("last_posted_date")?,
        last_error: row.try_get("last_error")?,
    })
}

impl Store {
    pub async fn server(&self, guild_id: i64) -> Result<Option<ServerSettings>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM servers WHERE guild_id = $1"
        ))
        .bind(guild_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(settings_from_row).transpose()
    }

    /// Sets (or moves) a server's daily post; a claim in flight is dropped,
    /// so the worker picks up the new time.
    pub async fn set_server(&self, s: &ServerSettings) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO servers (guild_id, channel_id, post_minute, timezone, next_date, next_due_at, ready_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)
             ON CONFLICT (guild_id) DO UPDATE SET
                channel_id = EXCLUDED.channel_id, post_minute = EXCLUDED.post_minute,
                timezone = EXCLUDED.timezone, next_date = EXCLUDED.next_date,
                next_due_at = EXCLUDED.next_due_at, ready_at = EXCLUDED.ready_at,
                claim_token = NULL, attempts = 0, last_error = NULL, updated_at = now()",
        )
        .bind(s.guild_id)
        .bind(s.channel_id)
        .bind(s.post_at.minutes_of_day() as i16)
        .bind(s.timezone.name())
        .bind(s.next_date)
        .bind(s.next_due_at)
        .execute(&mut *tx)
        .await?;
        super::timeline::wake(&mut tx).await?;
        tx.commit().await
    }

    /// Stops a server's daily post; true when there was one.
    pub async fn remove_server(&self, guild_id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM servers WHERE guild_id = $1")
            .bind(guild_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The bot left the server: its settings and board opt-ins go.
    pub async fn forget_server(&self, guild_id: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for table in ["servers", "board_members"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE guild_id = $1"))
                .bind(guild_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// The channel was deleted: a daily post there stops.
    pub async fn channel_deleted(&self, channel_id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM servers WHERE channel_id = $1")
            .bind(channel_id)
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
        let rows = sqlx::query(
            "WITH due AS (
                SELECT guild_id FROM servers WHERE ready_at <= $1
                ORDER BY ready_at LIMIT $4
                FOR UPDATE SKIP LOCKED
             )
             UPDATE servers s SET ready_at = $2, claim_token = $3, attempts = s.attempts + 1
             FROM due WHERE s.guild_id = due.guild_id
             RETURNING s.*",
        )
        .bind(now)
        .bind(lease_until)
        .bind(token)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let attempts: i16 = row.try_get("attempts")?;
                Ok(DuePost {
                    settings: settings_from_row(row)?,
                    attempts: attempts.max(0) as u16,
                })
            })
            .collect()
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
                sqlx::query(
                    "UPDATE servers SET next_date = $3, next_due_at = $4, ready_at = $4,
                        claim_token = NULL, attempts = 0, last_error = $5,
                        last_posted_date = CASE WHEN $6 THEN next_date ELSE last_posted_date END
                     WHERE guild_id = $1 AND claim_token = $2",
                )
                .bind(guild_id)
                .bind(token)
                .bind(next_date)
                .bind(next_due_at)
                .bind(error)
                .bind(posted)
                .execute(&self.pool)
                .await?
            }
            PostResolution::Retry { at, error } => {
                sqlx::query(
                    "UPDATE servers SET ready_at = $3, claim_token = NULL, last_error = $4
                     WHERE guild_id = $1 AND claim_token = $2",
                )
                .bind(guild_id)
                .bind(token)
                .bind(at)
                .bind(error)
                .execute(&self.pool)
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    pub async fn next_post_ready_at(&self) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        sqlx::query_scalar("SELECT min(ready_at) FROM servers")
            .fetch_one(&self.pool)
            .await
    }

    /// Puts the user on a server's board; false when they already were.
    pub async fn join_board(&self, guild_id: i64, user: UserId) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO users (id) VALUES ($1) ON CONFLICT (id) DO NOTHING")
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        let added = sqlx::query(
            "INSERT INTO board_members (guild_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(guild_id)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(added.rows_affected() == 1)
    }

    /// Takes the user off a server's board; false when they were not on it.
    pub async fn leave_board(&self, guild_id: i64, user: UserId) -> Result<bool, sqlx::Error> {
        let gone = sqlx::query("DELETE FROM board_members WHERE guild_id = $1 AND user_id = $2")
            .bind(guild_id)
            .bind(user.0)
            .execute(&self.pool)
            .await?;
        Ok(gone.rows_affected() == 1)
    }

    /// How many members opted in to a server's board.
    pub async fn board_size(&self, guild_id: i64) -> Result<usize, sqlx::Error> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM board_members WHERE guild_id = $1")
            .bind(guild_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n as usize)
    }

    /// The servers whose board the user is on, with when they joined.
    pub async fn boards_of(&self, user: UserId) -> Result<Vec<(i64, DateTime<Utc>)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT guild_id, joined_at FROM board_members WHERE user_id = $1 ORDER BY joined_at",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("guild_id")?, r.try_get("joined_at")?)))
            .collect()
    }
}
