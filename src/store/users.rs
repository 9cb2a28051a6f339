//! The users table: who someone is and their reminder settings.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::Store;
use crate::coach::plan::{Pause, RestDays};
pub use crate::coach::user::{UserId, UserSettings};
use crate::coach::{LocalTime, Timezone};

const SETTINGS_COLUMNS: &str =
    "id, timezone, remind_minute, rest_days, paused_from, paused_until, dm_channel_id, followup_minute, dm_blocked_at, last_channel_id, level, ask_pain";

fn settings_from_row(row: &sqlx::postgres::PgRow) -> Result<UserSettings, sqlx::Error> {
    let tz: Option<String> = row.try_get("timezone")?;
    let minute: Option<i16> = row.try_get("remind_minute")?;
    let rest: i16 = row.try_get("rest_days")?;
    Ok(UserSettings {
        id: UserId(row.try_get("id")?),
        // A name chrono-tz no longer knows falls back to UTC rather than locking the user out.
        timezone: tz.and_then(|name| name.parse().ok()),
        remind_at: minute.and_then(|m| LocalTime::from_minutes_of_day(m.into())),
        rest_days: RestDays::from_bits(rest as u8),
        pause: match (row.try_get("paused_from")?, row.try_get("paused_until")?) {
            (Some(from), Some(until)) => Some(Pause { from, until }),
            _ => None,
        },
        dm_channel_id: row.try_get("dm_channel_id")?,
        followup_at: row
            .try_get::<Option<i16>, _>("followup_minute")?
            .and_then(|m| LocalTime::from_minutes_of_day(m.into())),
        dm_blocked: row
            .try_get::<Option<DateTime<Utc>>, _>("dm_blocked_at")?
            .is_some(),
        last_channel_id: row.try_get("last_channel_id")?,
        level: row
            .try_get::<Option<i16>, _>("level")?
            .map(|l| l.clamp(1, 255) as u8),
        ask_pain: row.try_get("ask_pain")?,
    })
}

impl Store {
    /// The user's settings, creating the user on first contact.
    pub async fn user(&self, id: UserId) -> Result<UserSettings, sqlx::Error> {
        // Read first: nearly every call finds the user, and a read writes no WAL.
        if let Some(found) = self.find_user(id).await? {
            return Ok(found);
        }
        let row = sqlx::query(&format!(
            "INSERT INTO users (id) VALUES ($1)
             ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
             RETURNING {SETTINGS_COLUMNS}"
        ))
        .bind(id.0)
        .fetch_one(&self.pool)
        .await?;
        settings_from_row(&row)
    }

    /// The user's settings if they have ever talked to the coach.
    pub async fn find_user(&self, id: UserId) -> Result<Option<UserSettings>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {SETTINGS_COLUMNS} FROM users WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(settings_from_row).transpose()
    }

    /// The settings of everyone on a server's streak board, earliest to join first.
    pub async fn board_settings(&self, guild_id: i64) -> Result<Vec<UserSettings>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {SETTINGS_COLUMNS} FROM users JOIN board_members b ON b.user_id = users.id
             WHERE b.guild_id = $1 ORDER BY b.joined_at, users.id"
        ))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(settings_from_row).collect()
    }

    /// The id of the console user with this name, created on first use.
    pub async fn console_user(&self, name: &str) -> Result<UserId, sqlx::Error> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (id, console_name) VALUES (nextval('console_user_ids'), $1)
             ON CONFLICT (console_name) DO UPDATE SET console_name = EXCLUDED.console_name
             RETURNING id",
        )
        .bind(name)
        .fetch_one(&self.pool)
        .await?;
        Ok(UserId(id))
    }

    /// Turns the daily reminder on at `at`, in `timezone`.
    pub async fn set_reminder(
        &self,
        id: UserId,
        at: LocalTime,
        timezone: Timezone,
    ) -> Result<UserSettings, sqlx::Error> {
        let row = sqlx::query(&format!(
            "INSERT INTO users (id, timezone, remind_minute) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE
                SET timezone = EXCLUDED.timezone, remind_minute = EXCLUDED.remind_minute,
                    dm_blocked_at = NULL, updated_at = now()
             RETURNING {SETTINGS_COLUMNS}"
        ))
        .bind(id.0)
        .bind(timezone.name())
        .bind(at.minutes_of_day() as i16)
        .fetch_one(&self.pool)
        .await?;
        settings_from_row(&row)
    }

    /// Turns the reminder off; returns whether one was on.
    pub async fn clear_reminder(&self, id: UserId) -> Result<bool, sqlx::Error> {
        let changed = sqlx::query(
            "UPDATE users SET remind_minute = NULL, updated_at = now()
             WHERE id = $1 AND remind_minute IS NOT NULL",
        )
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    /// Sets the evening nudge time, or turns it off.
    pub async fn set_followup(&self, id: UserId, at: Option<LocalTime>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO users (id, followup_minute) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET followup_minute = EXCLUDED.followup_minute, updated_at = now()",
        )
        .bind(id.0)
        .bind(at.map(|t| t.minutes_of_day() as i16))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Remembers the server channel where the user last used the bot.
    pub async fn set_last_channel(&self, id: UserId, channel: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE users SET last_channel_id = $2 WHERE id = $1 AND last_channel_id IS DISTINCT FROM $2")
            .bind(id.0)
            .bind(channel)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_ask_pain(&self, id: UserId, ask: bool) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE users SET ask_pain = $2, updated_at = now() WHERE id = $1")
            .bind(id.0)
            .bind(ask)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that the user was welcomed; true only the first time.
    pub async fn mark_welcomed(&self, id: UserId) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO users (id, welcomed_at) VALUES ($1, now())
             ON CONFLICT (id) DO UPDATE SET welcomed_at = now() WHERE users.welcomed_at IS NULL",
        )
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes every row about the user, in one transaction; pending sends go
    /// with them. Returns whether there was anything.
    pub async fn delete_user(&self, id: UserId) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for table in [
            "timeline",
            "activity_log",
            "guided_sessions",
            "level_changes",
            "board_members",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        let gone = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(gone.rows_affected() == 1)
    }

    pub async fn set_rest_days(&self, id: UserId, days: RestDays) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO users (id, rest_days) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET rest_days = EXCLUDED.rest_days, updated_at = now()",
        )
        .bind(id.0)
        .bind(days.bits() as i16)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Pauses for a holiday; `None` resumes.
    pub async fn set_pause(&self, id: UserId, pause: Option<Pause>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO users (id, paused_from, paused_until) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE
                SET paused_from = EXCLUDED.paused_from, paused_until = EXCLUDED.paused_until, updated_at = now()",
        )
        .bind(id.0)
        .bind(pause.map(|p| p.from))
        .bind(pause.map(|p| p.until))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_dm_channel(&self, id: UserId, channel: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE users SET dm_channel_id = $2 WHERE id = $1 AND dm_channel_id IS DISTINCT FROM $2")
            .bind(id.0)
            .bind(channel)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
