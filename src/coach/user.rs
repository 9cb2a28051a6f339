//! Who a person is to the coach, and their settings.

use chrono::Weekday;

use crate::coach::fit::{Kit, RoutineLength};
use crate::coach::plan::{Pause, RestDays};
use crate::coach::{LocalTime, Timezone};

/// A Discord user id, or a negative id for a console user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

/// Everything about a user the coach needs to decide what today holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSettings {
    pub id: UserId,
    /// `None` until the user sets one; the coach assumes UTC meanwhile.
    pub timezone: Option<Timezone>,
    pub remind_at: Option<LocalTime>,
    pub rest_days: RestDays,
    pub pause: Option<Pause>,
    pub dm_channel_id: Option<i64>,
    /// The evening nudge; `None` is off.
    pub followup_at: Option<LocalTime>,
    /// Discord refused to DM this user: reminders are paused.
    pub dm_blocked: bool,
    /// The server channel where the user last used the bot.
    pub last_channel_id: Option<i64>,
    /// 1-based level; `None` is each routine's standard level.
    pub level: Option<u8>,
    /// Ask for pain before a guided session.
    pub ask_pain: bool,
    /// Minutes a day; `None` (not chosen) is each routine as planned.
    pub length: Option<RoutineLength>,
    /// What they have; `None` (never asked) is everything, so nothing changes
    /// for people who have not said.
    pub equipment: Option<Kit>,
    /// The weekday of the week in review; `None` is off.
    pub weekly_day: Option<Weekday>,
}

impl UserSettings {
    pub fn timezone_or_utc(&self) -> Timezone {
        self.timezone.unwrap_or(Timezone::UTC)
    }

    pub fn kit(&self) -> Kit {
        self.equipment.unwrap_or(Kit::ALL)
    }
}
