//! The users table: who someone is and their reminder settings.

use chrono::{DateTime, NaiveDate, Utc, Weekday};

use super::Store;
use crate::coach::fit::{Kit, RoutineLength};
use crate::coach::plan::{Pause, RestDays};
use crate::coach::{LocalTime, Timezone};

pub use crate::coach::user::{UserId, UserSettings};

/// The users columns behind a [`UserSettings`], as every query reading
/// them spells them out.
pub(super) struct SettingsRow {
    pub(super) id: i64,
    pub(super) timezone: Option<String>,
    pub(super) remind_minute: Option<i16>,
    pub(super) rest_days: i16,
    pub(super) paused_from: Option<NaiveDate>,
    pub(super) paused_until: Option<NaiveDate>,
    pub(super) dm_channel_id: Option<i64>,
    pub(super) followup_minute: Option<i16>,
    pub(super) dm_blocked_at: Option<DateTime<Utc>>,
    pub(super) last_channel_id: Option<i64>,
    pub(super) level: Option<i16>,
    pub(super) ask_pain: bool,
    pub(super) routine_minutes: Option<i16>,
    pub(super) equipment: Option<i16>,
    pub(super) weekly_day: Option<i16>,
}

impl From<SettingsRow> for UserSettings {
    fn from(row: SettingsRow) -> Self {
        UserSettings {
            id: UserId(row.id),
            timezone: timezone(row.timezone),
            remind_at: local_time(row.remind_minute),
            rest_days: rest_days(row.rest_days),
            pause: pause(row.paused_from, row.paused_until),
            dm_channel_id: row.dm_channel_id,
            followup_at: local_time(row.followup_minute),
            dm_blocked: row.dm_blocked_at.is_some(),
            last_channel_id: row.last_channel_id,
            level: level(row.level),
            ask_pain: row.ask_pain,
            length: row.routine_minutes.and_then(RoutineLength::from_minutes),
            equipment: row.equipment.map(|bits| Kit::from_bits(bits as u8)),
            weekly_day: weekday(row.weekly_day),
        }
    }
}

// Decoding of the users columns, shared with the timeline's claimed rows.

/// A name chrono-tz no longer knows reads as unset (UTC) rather than locking
/// the user out.
pub(super) fn timezone(name: Option<String>) -> Option<Timezone> {
    name.and_then(|name| Timezone::named(&name))
}

/// Minutes after local midnight.
pub(super) fn local_time(minute: Option<i16>) -> Option<LocalTime> {
    minute.and_then(|m| LocalTime::from_minutes_of_day(m.into()))
}

pub(super) fn rest_days(bits: i16) -> RestDays {
    RestDays::from_bits(bits as u8)
}

pub(super) fn pause(from: Option<NaiveDate>, until: Option<NaiveDate>) -> Option<Pause> {
    match (from, until) {
        (Some(from), Some(until)) => Some(Pause { from, until }),
        _ => None,
    }
}

/// 0 = Sunday, as stored; anything else reads as off.
pub(super) fn weekday(day: Option<i16>) -> Option<Weekday> {
    let day = u8::try_from(day?).ok().filter(|d| *d < 7)?;
    Weekday::try_from((day + 6) % 7).ok()
}

/// As stored: 0 = Sunday.
pub(super) fn weekday_column(day: Option<Weekday>) -> Option<i16> {
    day.map(|d| d.num_days_from_sunday() as i16)
}

pub(super) fn level(level: Option<i16>) -> Option<u8> {
    level.map(|l| l.clamp(1, 255) as u8)
}

impl Store {
    /// The user's settings, creating the user on first contact.
    pub async fn user(&self, id: UserId) -> Result<UserSettings, sqlx::Error> {
        // Read first: nearly every call finds the user, and a read writes no WAL.
        if let Some(found) = self.find_user(id).await? {
            return Ok(found);
        }
        let row = sqlx::query_as!(
            SettingsRow,
            "INSERT INTO users (id) VALUES ($1)
             ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
             RETURNING id, timezone, remind_minute, rest_days, paused_from, paused_until,
                dm_channel_id, followup_minute, dm_blocked_at, last_channel_id, level, ask_pain,
                routine_minutes, equipment, weekly_day",
            id.0,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    /// The user's settings if they have ever talked to the coach.
    pub async fn find_user(&self, id: UserId) -> Result<Option<UserSettings>, sqlx::Error> {
        let row = sqlx::query_as!(
            SettingsRow,
            "SELECT id, timezone, remind_minute, rest_days, paused_from, paused_until,
                dm_channel_id, followup_minute, dm_blocked_at, last_channel_id, level, ask_pain,
                routine_minutes, equipment, weekly_day
             FROM users WHERE id = $1",
            id.0,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(UserSettings::from))
    }

    /// The settings of everyone on a server's streak board, earliest to join first.
    pub async fn board_settings(&self, guild_id: i64) -> Result<Vec<UserSettings>, sqlx::Error> {
        let rows = sqlx::query_as!(
            SettingsRow,
            "SELECT id, timezone, remind_minute, rest_days, paused_from, paused_until,
                dm_channel_id, followup_minute, dm_blocked_at, last_channel_id, level, ask_pain,
                routine_minutes, equipment, weekly_day
             FROM users JOIN board_members b ON b.user_id = users.id
             WHERE b.guild_id = $1 ORDER BY b.joined_at, users.id",
            guild_id,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(UserSettings::from).collect())
    }

    /// The id of the console user with this name, created on first use.
    pub async fn console_user(&self, name: &str) -> Result<UserId, sqlx::Error> {
        let id = sqlx::query_scalar!(
            "INSERT INTO users (id, console_name) VALUES (nextval('console_user_ids'), $1)
             ON CONFLICT (console_name) DO UPDATE SET console_name = EXCLUDED.console_name
             RETURNING id",
            name,
        )
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
        let row = sqlx::query_as!(
            SettingsRow,
            "INSERT INTO users (id, timezone, remind_minute) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE
                SET timezone = EXCLUDED.timezone, remind_minute = EXCLUDED.remind_minute,
                    dm_blocked_at = NULL, updated_at = now()
             RETURNING id, timezone, remind_minute, rest_days, paused_from, paused_until,
                dm_channel_id, followup_minute, dm_blocked_at, last_channel_id, level, ask_pain,
                routine_minutes, equipment, weekly_day",
            id.0,
            timezone.name(),
            (at.minutes_of_day() as i16),
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    /// Sets the person's timezone; their row exists.
    pub async fn set_timezone(&self, id: UserId, timezone: Timezone) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "UPDATE users SET timezone = $2, updated_at = now() WHERE id = $1",
            id.0,
            timezone.name(),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Turns the reminder off; returns whether one was on.
    pub async fn clear_reminder(&self, id: UserId) -> Result<bool, sqlx::Error> {
        let changed = sqlx::query!(
            "UPDATE users SET remind_minute = NULL, updated_at = now()
             WHERE id = $1 AND remind_minute IS NOT NULL",
            id.0,
        )
        .execute(&self.pool)
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    /// Sets the evening nudge time, or turns it off.
    pub async fn set_followup(&self, id: UserId, at: Option<LocalTime>) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "INSERT INTO users (id, followup_minute) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET followup_minute = EXCLUDED.followup_minute, updated_at = now()",
            id.0,
            at.map(|t| t.minutes_of_day() as i16),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Remembers the server channel where the user last used the bot.
    pub async fn set_last_channel(&self, id: UserId, channel: i64) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "UPDATE users SET last_channel_id = $2 WHERE id = $1 AND last_channel_id IS DISTINCT FROM $2",
            id.0,
            channel,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_ask_pain(&self, id: UserId, ask: bool) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "UPDATE users SET ask_pain = $2, updated_at = now() WHERE id = $1",
            id.0,
            ask,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The minutes a day the person chose.
    pub async fn set_routine_length(
        &self,
        id: UserId,
        length: RoutineLength,
    ) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "INSERT INTO users (id, routine_minutes) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET routine_minutes = EXCLUDED.routine_minutes, updated_at = now()",
            id.0,
            length.minutes() as i16,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The weekday of the week in review, or off.
    pub async fn set_weekly_day(
        &self,
        id: UserId,
        day: Option<Weekday>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "INSERT INTO users (id, weekly_day) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET weekly_day = EXCLUDED.weekly_day, updated_at = now()",
            id.0,
            weekday_column(day),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The equipment the person has.
    pub async fn set_equipment(&self, id: UserId, kit: Kit) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "INSERT INTO users (id, equipment) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET equipment = EXCLUDED.equipment, updated_at = now()",
            id.0,
            i16::from(kit.bits()),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that the user was welcomed; true only the first time.
    pub async fn mark_welcomed(&self, id: UserId) -> Result<bool, sqlx::Error> {
        let done = sqlx::query!(
            "INSERT INTO users (id, welcomed_at) VALUES ($1, now())
             ON CONFLICT (id) DO UPDATE SET welcomed_at = now() WHERE users.welcomed_at IS NULL",
            id.0,
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes every row about the user, in one transaction; pending sends go
    /// with them. Returns whether there was anything.
    pub async fn delete_user(&self, id: UserId) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!("DELETE FROM timeline WHERE user_id = $1", id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query!("DELETE FROM activity_log WHERE user_id = $1", id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query!("DELETE FROM guided_sessions WHERE user_id = $1", id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query!("DELETE FROM level_changes WHERE user_id = $1", id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query!("DELETE FROM board_members WHERE user_id = $1", id.0)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query!("DELETE FROM users WHERE id = $1", id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(gone.rows_affected() == 1)
    }

    pub async fn set_rest_days(&self, id: UserId, days: RestDays) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "INSERT INTO users (id, rest_days) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET rest_days = EXCLUDED.rest_days, updated_at = now()",
            id.0,
            (days.bits() as i16),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Pauses for a holiday; `None` resumes.
    pub async fn set_pause(&self, id: UserId, pause: Option<Pause>) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "INSERT INTO users (id, paused_from, paused_until) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE
                SET paused_from = EXCLUDED.paused_from, paused_until = EXCLUDED.paused_until, updated_at = now()",
            id.0,
            pause.map(|p| p.from),
            pause.map(|p| p.until),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_dm_channel(&self, id: UserId, channel: i64) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "UPDATE users SET dm_channel_id = $2 WHERE id = $1 AND dm_channel_id IS DISTINCT FROM $2",
            id.0,
            channel,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
