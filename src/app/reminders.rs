//! The daily reminder, the evening nudge, and pauses for a holiday.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::{Coach, ReminderView, Reply, Visit};
use crate::coach::decide::next_reminder_sent;
use crate::coach::plan::Pause;
use crate::coach::review::next_review;
use crate::coach::schedule::reminders_between;
use crate::coach::{LocalTime, Timezone};
use crate::error::{Result, UserError};
use crate::store::timeline::{NewSend, SendKind};
use crate::store::UserSettings;

/// The longest holiday pause, in days.
pub const MAX_PAUSE_DAYS: u64 = 366;

/// The sends that follow the reminder time: the week in review comes at it too.
const DAILY: [SendKind; 3] = [SendKind::Reminder, SendKind::Followup, SendKind::Weekly];

impl Coach {
    pub(crate) async fn remind_set(
        &self,
        visit: &mut Visit,
        time: LocalTime,
        timezone: Option<Timezone>,
    ) -> Result<Reply> {
        let Some(timezone) = timezone.or(visit.settings().timezone) else {
            return Err(UserError::NeedTimezone { time }.into());
        };
        visit.remember().await?;
        let updated = self
            .store
            .set_reminder(visit.user(), time, timezone)
            .await?;
        self.schedule_reminders(&updated, visit.now).await?;
        visit.state.settings = updated;
        Ok(Reply::ReminderSet(ReminderView {
            at: time,
            timezone,
            next: self.next_reminder(visit),
        }))
    }

    /// Sets the person's timezone; a reminder they have moves with it.
    pub(crate) async fn timezone_set(
        &self,
        visit: &mut Visit,
        timezone: Timezone,
    ) -> Result<Reply> {
        visit.remember().await?;
        self.store.set_timezone(visit.user(), timezone).await?;
        visit.state.settings.timezone = Some(timezone);
        if visit.settings().remind_at.is_some() {
            self.schedule_reminders(visit.settings(), visit.now).await?;
        }
        Ok(Reply::TimezoneSet {
            timezone,
            next: self.next_reminder(visit),
        })
    }

    pub(crate) fn remind_show(&self, visit: &Visit) -> Reply {
        let settings = visit.settings();
        Reply::ReminderShow {
            reminder: settings.remind_at.map(|at| ReminderView {
                at,
                timezone: settings.timezone_or_utc(),
                next: self.next_reminder(visit),
            }),
            timezone: settings.timezone,
            pause: settings.pause.filter(|p| p.until >= visit.today()),
            followup: settings.followup_at,
            rest_days: settings.rest_days,
            dm_blocked: settings.dm_blocked,
            length: settings.length,
            equipment: settings.equipment,
            weekly: settings.weekly_day,
        }
    }

    pub(crate) async fn remind_off(&self, visit: &mut Visit) -> Result<Reply> {
        visit.remember().await?;
        let was_on = self.store.clear_reminder(visit.user()).await?;
        self.store
            .reschedule_daily(visit.user(), &DAILY, &[], &[])
            .await?;
        Ok(Reply::ReminderOff { was_on })
    }

    pub(crate) async fn followup_set(
        &self,
        visit: &mut Visit,
        at: Option<LocalTime>,
    ) -> Result<Reply> {
        visit.remember().await?;
        self.store.set_followup(visit.user(), at).await?;
        let settings = UserSettings {
            followup_at: at,
            ..visit.settings().clone()
        };
        self.schedule_reminders(&settings, visit.now).await?;
        Ok(Reply::FollowupSet { at })
    }

    pub(crate) async fn pause(&self, visit: &mut Visit, until: NaiveDate) -> Result<Reply> {
        let today = visit.today();
        if until < today {
            return Err(UserError::PauseOver {
                until,
                example: today + Days::new(7),
            }
            .into());
        }
        if until > today + Days::new(MAX_PAUSE_DAYS) {
            return Err(UserError::PauseTooLong.into());
        }
        visit.remember().await?;
        let pause = Pause { from: today, until };
        self.store.set_pause(visit.user(), Some(pause)).await?;
        Ok(Reply::Paused(pause))
    }

    pub(crate) async fn resume(&self, visit: &mut Visit) -> Result<Reply> {
        let today = visit.today();
        let pause = visit.settings().pause;
        let was_paused = pause.is_some_and(|p| p.until >= today);
        // Keep the days already paused so they stay neutral in the streak.
        let kept = pause.filter(|p| p.from < today).map(|p| Pause {
            from: p.from,
            until: (today - Days::new(1)).min(p.until),
        });
        visit.remember().await?;
        self.store.set_pause(visit.user(), kept).await?;
        Ok(Reply::Resumed { was_paused })
    }

    /// The next reminder that will really come, by the rules that send it.
    fn next_reminder(&self, visit: &Visit) -> Option<DateTime<Utc>> {
        next_reminder_sent(&self.content, visit.settings(), &visit.state.log, visit.now)
    }

    /// Replaces the person's pending reminder, nudge and week in review
    /// with the next ones.
    async fn schedule_reminders(&self, settings: &UserSettings, now: DateTime<Utc>) -> Result<()> {
        self.schedule(settings, now, &DAILY).await
    }

    /// Replaces the person's pending week in review with the next one.
    pub(crate) async fn schedule_weekly(
        &self,
        settings: &UserSettings,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.schedule(settings, now, &[SendKind::Weekly]).await
    }

    async fn schedule(
        &self,
        settings: &UserSettings,
        now: DateTime<Utc>,
        kinds: &[SendKind],
    ) -> Result<()> {
        let tz = settings.timezone_or_utc();
        let mut sends = Vec::new();
        let mut fallbacks = Vec::new();
        if let Some(at) = settings.remind_at.filter(|_| !settings.dm_blocked) {
            for kind in kinds {
                // The next two: the second stands in when the first's date
                // already had its send.
                let next: Vec<(NaiveDate, DateTime<Utc>)> = match kind {
                    SendKind::Reminder => reminders_between(tz, at, now, 2),
                    SendKind::Followup => settings
                        .followup_at
                        .map(|time| reminders_between(tz, time, now, 2))
                        .unwrap_or_default(),
                    SendKind::Weekly => next_review(settings, now)
                        .into_iter()
                        .flat_map(|first| [Some(first), next_review(settings, first.due_at)])
                        .flatten()
                        .map(|n| (n.local_date, n.due_at))
                        .collect(),
                    SendKind::Prompt => Vec::new(),
                };
                let send = |(local_date, due_at): (NaiveDate, DateTime<Utc>)| {
                    NewSend::daily(settings.id, *kind, due_at, local_date)
                };
                sends.extend(next.first().copied().map(send));
                fallbacks.extend(next.get(1).copied().map(send));
            }
        }
        self.store
            .reschedule_daily(settings.id, kinds, &sends, &fallbacks)
            .await?;
        Ok(())
    }
}
