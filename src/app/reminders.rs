//! The daily reminder, the evening nudge, and pauses for a holiday.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::{Coach, ReminderView, Reply, Visit};
use crate::coach::decide::next_reminder_sent;
use crate::coach::plan::Pause;
use crate::coach::schedule::reminders_between;
use crate::coach::{LocalTime, Timezone};
use crate::error::{Result, UserError};
use crate::store::timeline::{NewSend, SendKind};
use crate::store::UserSettings;

/// The longest holiday pause, in days.
pub const MAX_PAUSE_DAYS: u64 = 366;

const DAILY: [SendKind; 2] = [SendKind::Reminder, SendKind::Followup];

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
        }
    }

    pub(crate) async fn remind_off(&self, visit: &mut Visit) -> Result<Reply> {
        visit.remember().await?;
        let was_on = self.store.clear_reminder(visit.user()).await?;
        self.store
            .reschedule_daily(visit.user(), &DAILY, &[])
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

    /// Replaces the person's pending reminder and nudge with the next ones.
    async fn schedule_reminders(&self, settings: &UserSettings, now: DateTime<Utc>) -> Result<()> {
        let tz = settings.timezone_or_utc();
        let mut sends = Vec::new();
        if let Some(at) = settings.remind_at.filter(|_| !settings.dm_blocked) {
            for (kind, time) in [
                (SendKind::Reminder, Some(at)),
                (SendKind::Followup, settings.followup_at),
            ] {
                let Some(time) = time else { continue };
                if let Some((local_date, due_at)) =
                    reminders_between(tz, time, now, 1).first().copied()
                {
                    sends.push(NewSend {
                        user: settings.id,
                        kind,
                        due_at,
                        local_date,
                        session: None,
                        cue: 0,
                    });
                }
            }
        }
        self.store
            .reschedule_daily(settings.id, &DAILY, &sends)
            .await?;
        Ok(())
    }
}
