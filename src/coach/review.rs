//! The week in review: once a week, at the person's reminder time on the
//! weekday they chose, what the seven local days before it held. Decided
//! once per due row, from the row, the person's settings, their log of the
//! four weeks before and their level changes.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

use super::decide::{NextDaily, Skip};
use super::plan::{day_plan, DayPlan};
use super::progress::{Calendar, DayStatus, LogEntry, LogOutcome};
use super::progression::LevelRecord;
use super::schedule::{local_date, reminders_between};
use super::user::UserSettings;
use super::PainLevel;
use crate::content::Content;

/// Days in the week reviewed.
pub const WEEK_DAYS: u64 = 7;
/// Nothing logged for this many days before a review: it is skipped.
pub const IDLE_DAYS: u64 = 28;

/// Which way pain went over the week, first report to last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PainDirection {
    Better,
    Worse,
    Same,
}

/// The pain reported in the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PainTrend {
    pub first: PainLevel,
    pub last: PainLevel,
    /// Days with a report.
    pub reports: u32,
}

impl PainTrend {
    pub fn direction(&self) -> PainDirection {
        match self.last.get().cmp(&self.first.get()) {
            std::cmp::Ordering::Less => PainDirection::Better,
            std::cmp::Ordering::Greater => PainDirection::Worse,
            std::cmp::Ordering::Equal => PainDirection::Same,
        }
    }
}

/// What a week held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekReview {
    /// The seven local days, oldest first, each with how it went.
    pub days: Vec<(NaiveDate, DayStatus)>,
    /// Training days: not rest days, not paused.
    pub planned: u32,
    /// Training days done in full.
    pub done: u32,
    /// Training days partly done.
    pub partial: u32,
    /// Minutes of exercise logged done.
    pub minutes: u32,
    /// `None` when no pain was reported.
    pub pain: Option<PainTrend>,
    /// Level changes in the week, oldest first.
    pub level_changes: Vec<LevelRecord>,
}

impl WeekReview {
    pub fn first_day(&self) -> Option<NaiveDate> {
        self.days.first().map(|(d, _)| *d)
    }

    pub fn last_day(&self) -> Option<NaiveDate> {
        self.days.last().map(|(d, _)| *d)
    }
}

/// A review that came due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueWeekly {
    /// The person's local date of the review; the week is the 7 days before.
    pub local_date: NaiveDate,
    pub due_at: DateTime<Utc>,
}

/// What a due review does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeeklyDecision {
    Send(WeekReview),
    Skip(Skip),
}

/// The local dates a review on `local_date` reads: from the first of the
/// four weeks before it, up to (not including) the review's own day.
pub fn log_span(local_date: NaiveDate) -> (NaiveDate, NaiveDate) {
    (local_date - Days::new(IDLE_DAYS), local_date)
}

/// The first review strictly after `after`: the person's reminder time on
/// their weekday, resolved by the reminders' rules (a time in a gap moves
/// forward, a time that happens twice is the first). `None` without a
/// reminder, with DMs closed, or with reviews off.
pub fn next_review(settings: &UserSettings, after: DateTime<Utc>) -> Option<NextDaily> {
    let time = settings.remind_at.filter(|_| !settings.dm_blocked)?;
    let day = settings.weekly_day?;
    // A week and a day: room for a local date a timezone skipped.
    reminders_between(settings.timezone_or_utc(), time, after, 8)
        .into_iter()
        .find(|(date, _)| date.weekday() == day)
        .map(|(local_date, due_at)| NextDaily { local_date, due_at })
}

/// Decides a due review and schedules the next one. `entries` hold the
/// person's log over [`log_span`] of the review's date (pain included);
/// `level_changes` at least those of the week.
pub fn decide_weekly(
    content: &Content,
    settings: &UserSettings,
    due: &DueWeekly,
    entries: &[LogEntry],
    level_changes: &[LevelRecord],
    now: DateTime<Utc>,
) -> (WeeklyDecision, Option<NextDaily>) {
    // The next one comes after this one, and after now when this one is late.
    let Some(next) = next_review(settings, due.due_at.max(now)) else {
        return (WeeklyDecision::Skip(Skip::TurnedOff), None);
    };
    let next = Some(next);
    // Rows made before the person chose their day (see migration 0011).
    if settings.weekly_day != Some(due.local_date.weekday()) {
        return (WeeklyDecision::Skip(Skip::OtherDay), next);
    }
    let timezone = settings.timezone_or_utc();
    if due.local_date < local_date(timezone, now) {
        return (WeeklyDecision::Skip(Skip::DayOver), next);
    }
    if settings.pause.is_some_and(|p| p.covers(due.local_date)) {
        return (WeeklyDecision::Skip(Skip::Paused), next);
    }
    let (since, until) = log_span(due.local_date);
    let in_span = |e: &&LogEntry| (since..until).contains(&e.local_date);
    if !entries.iter().any(|e| in_span(&e)) {
        return (WeeklyDecision::Skip(Skip::Idle), next);
    }
    let first = due.local_date - Days::new(WEEK_DAYS);
    let last = due.local_date - Days::new(1);
    let calendar = Calendar {
        content,
        rest_days: settings.rest_days,
        pause: settings.pause,
        kit: settings.kit(),
    };
    let days = calendar.statuses(entries, first, last);
    let training: Vec<DayStatus> = days
        .iter()
        .filter(|(d, _)| {
            matches!(
                day_plan(content, settings.rest_days, settings.pause, *d),
                DayPlan::Train(_)
            )
        })
        .map(|(_, s)| *s)
        .collect();
    let count = |status| training.iter().filter(|s| **s == status).count() as u32;
    let mut pains: Vec<(NaiveDate, DateTime<Utc>, PainLevel)> = entries
        .iter()
        .filter(|e| (first..=last).contains(&e.local_date))
        .filter_map(|e| match e.outcome {
            LogOutcome::Pain(p) => Some((e.local_date, e.at, p)),
            _ => None,
        })
        .collect();
    pains.sort_by_key(|(d, at, _)| (*d, *at));
    let pain = match (pains.first(), pains.last()) {
        (Some(f), Some(l)) => Some(PainTrend {
            first: f.2,
            last: l.2,
            reports: pains.len() as u32,
        }),
        _ => None,
    };
    let level_changes = level_changes
        .iter()
        .filter(|c| (first..=last).contains(&local_date(timezone, c.at)))
        .copied()
        .collect();
    let review = WeekReview {
        planned: training.len() as u32,
        done: count(DayStatus::Done),
        partial: count(DayStatus::Partial),
        minutes: (calendar.seconds_done(entries, first, last) + 30) / 60,
        pain,
        level_changes,
        days,
    };
    (WeeklyDecision::Send(review), next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coach::plan::{Pause, RestDays};
    use crate::coach::progression::LevelReason;
    use crate::coach::user::UserId;
    use crate::coach::{LocalTime, Timezone};
    use chrono::{Duration, TimeZone, Weekday};

    fn content() -> Content {
        Content::embedded().expect("the real content loads")
    }

    fn new_york() -> Timezone {
        "America/New_York".parse().unwrap()
    }

    fn settings() -> UserSettings {
        UserSettings {
            id: UserId(1),
            timezone: Some(new_york()),
            remind_at: LocalTime::new(7, 0),
            rest_days: RestDays::NONE,
            pause: None,
            dm_channel_id: None,
            followup_at: None,
            dm_blocked: false,
            last_channel_id: None,
            level: None,
            ask_pain: true,
            length: None,
            equipment: None,
            weekly_day: Some(Weekday::Sun),
        }
    }

    /// March 2027: the 1st is a Monday, the 14th a Sunday (New York springs forward).
    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, day, hour, 0, 0).unwrap()
    }

    fn entry(day: u32, step: u16, outcome: LogOutcome) -> LogEntry {
        LogEntry {
            local_date: date(day),
            routine_id: content().planned_routine(date(day).weekday()).id.clone(),
            step,
            outcome,
            source: "test".into(),
            at: at(day, 15),
        }
    }

    fn done(day: u32) -> LogEntry {
        entry(day, 0, LogOutcome::Done)
    }

    fn pain(day: u32, level: u8) -> LogEntry {
        entry(day, 0, LogOutcome::Pain(PainLevel::new(level).unwrap()))
    }

    /// The review due on Sunday the 21st at 07:00 EDT.
    fn due() -> DueWeekly {
        DueWeekly {
            local_date: date(21),
            due_at: at(21, 11),
        }
    }

    fn review(settings: &UserSettings, entries: &[LogEntry], levels: &[LevelRecord]) -> WeekReview {
        let due = due();
        match decide_weekly(&content(), settings, &due, entries, levels, due.due_at).0 {
            WeeklyDecision::Send(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_week_is_the_seven_days_before_the_review() {
        // The 13th is before the week, the 21st is the review's own day.
        let r = review(&settings(), &[done(13), done(14), done(20), done(21)], &[]);
        assert_eq!(r.first_day(), Some(date(14)));
        assert_eq!(r.last_day(), Some(date(20)));
        assert_eq!(r.days.len(), 7);
        assert_eq!(r.days[0], (date(14), DayStatus::Done));
        assert_eq!(r.days[6], (date(20), DayStatus::Done));
        assert_eq!(r.days[1], (date(15), DayStatus::Missed));
        assert_eq!((r.done, r.planned), (2, 7));
    }

    #[test]
    fn planned_days_leave_out_rest_days_and_a_pause_and_count_partial_days() {
        let s = UserSettings {
            rest_days: RestDays::NONE.with(Weekday::Sat),
            pause: Some(Pause {
                from: date(15),
                until: date(16),
            }),
            ..settings()
        };
        let entries = [done(14), entry(17, 1, LogOutcome::Done), done(20)];
        let r = review(&s, &entries, &[]);
        // 14..20 less Saturday the 20th and the paused 15th and 16th.
        assert_eq!(r.planned, 4);
        // Done on the rest day counts in minutes, not in days done.
        assert_eq!((r.done, r.partial), (1, 1));
        assert_eq!(r.days[6], (date(20), DayStatus::Done));
    }

    #[test]
    fn minutes_count_whole_days_and_steps_done() {
        let content = content();
        let calendar = Calendar {
            content: &content,
            rest_days: RestDays::NONE,
            pause: None,
            kit: crate::coach::fit::Kit::ALL,
        };
        let one_step = [entry(17, 1, LogOutcome::Done)];
        let step_seconds = calendar.seconds_done(&one_step, date(17), date(17));
        assert!(step_seconds > 0);
        let whole = calendar.seconds_done(&[done(18)], date(18), date(18));
        let r = review(&settings(), &[one_step[0].clone(), done(18)], &[]);
        assert_eq!(r.minutes, (step_seconds + whole + 30) / 60);
        // A skipped day adds nothing.
        let r2 = review(
            &settings(),
            &[
                one_step[0].clone(),
                done(18),
                entry(19, 0, LogOutcome::Skip),
            ],
            &[],
        );
        assert_eq!(r2.minutes, r.minutes);
    }

    #[test]
    fn pain_goes_from_the_first_report_to_the_last() {
        let r = review(&settings(), &[pain(12, 1), pain(15, 6), pain(19, 3)], &[]);
        let p = r.pain.unwrap();
        // The 12th is before the week.
        assert_eq!((p.first.get(), p.last.get(), p.reports), (6, 3, 2));
        assert_eq!(p.direction(), PainDirection::Better);
        let r = review(&settings(), &[pain(15, 2), pain(19, 5)], &[]);
        assert_eq!(r.pain.unwrap().direction(), PainDirection::Worse);
        let r = review(&settings(), &[pain(19, 4)], &[]);
        assert_eq!(r.pain.unwrap().direction(), PainDirection::Same);
        let r = review(&settings(), &[done(19)], &[]);
        assert_eq!(r.pain, None);
    }

    #[test]
    fn level_changes_of_the_week_in_local_days() {
        let record = |at| LevelRecord {
            at,
            from: 2,
            to: 1,
            reason: LevelReason::Pain(PainLevel::new(8).unwrap()),
        };
        // 02:00 UTC on the 14th is still the 13th in New York; 03:00 UTC on
        // the 21st is the 20th there.
        let before = record(at(14, 2));
        let inside = record(at(21, 3));
        let after = record(at(21, 12));
        let r = review(&settings(), &[done(20)], &[before, inside, after]);
        assert_eq!(r.level_changes, vec![inside]);
    }

    #[test]
    fn four_idle_weeks_skip_but_the_next_review_is_scheduled() {
        let content = content();
        let due = due();
        // The last entry 29 days before the review: idle.
        let old = LogEntry {
            local_date: date(21) - Days::new(29),
            ..done(1)
        };
        let (d, next) = decide_weekly(&content, &settings(), &due, &[old], &[], due.due_at);
        assert_eq!(d, WeeklyDecision::Skip(Skip::Idle));
        assert_eq!(next.unwrap().local_date, date(28));
        // 28 days before is not idle yet.
        let recent = LogEntry {
            local_date: date(21) - Days::new(28),
            ..done(1)
        };
        let (d, _) = decide_weekly(&content, &settings(), &due, &[recent], &[], due.due_at);
        assert!(matches!(d, WeeklyDecision::Send(_)), "{d:?}");
    }

    #[test]
    fn paused_late_and_turned_off() {
        let content = content();
        let due = due();
        let entries = [done(20)];
        let paused = UserSettings {
            pause: Some(Pause {
                from: date(21),
                until: date(25),
            }),
            ..settings()
        };
        let (d, next) = decide_weekly(&content, &paused, &due, &entries, &[], due.due_at);
        assert_eq!(d, WeeklyDecision::Skip(Skip::Paused));
        assert_eq!(next.unwrap().local_date, date(28));
        // The next day: over; the next one is the coming Sunday.
        let (d, next) = decide_weekly(
            &content,
            &settings(),
            &due,
            &entries,
            &[],
            due.due_at + Duration::days(1),
        );
        assert_eq!(d, WeeklyDecision::Skip(Skip::DayOver));
        assert_eq!(next.unwrap().local_date, date(28));
        // Ten days late: the next is the Sunday after that.
        let (_, next) = decide_weekly(
            &content,
            &settings(),
            &due,
            &entries,
            &[],
            due.due_at + Duration::days(10),
        );
        assert_eq!(
            next.unwrap().local_date,
            NaiveDate::from_ymd_opt(2027, 4, 4).unwrap()
        );
        for off in [
            UserSettings {
                weekly_day: None,
                ..settings()
            },
            UserSettings {
                remind_at: None,
                ..settings()
            },
            UserSettings {
                dm_blocked: true,
                ..settings()
            },
        ] {
            assert_eq!(
                decide_weekly(&content, &off, &due, &entries, &[], due.due_at),
                (WeeklyDecision::Skip(Skip::TurnedOff), None)
            );
        }
    }

    #[test]
    fn the_next_review_is_on_the_weekday_at_the_reminder_time_across_clock_changes() {
        // 02:30 on Sunday 14 March 2027 does not exist in New York: 03:30 EDT.
        let s = UserSettings {
            remind_at: LocalTime::new(2, 30),
            ..settings()
        };
        let next = next_review(&s, at(10, 12)).unwrap();
        assert_eq!(next.local_date, date(14));
        assert_eq!(next.due_at, at(14, 7) + Duration::minutes(30));
        // 01:30 on Sunday 1 November 2026 happens twice: the first, EDT.
        let s = UserSettings {
            remind_at: LocalTime::new(1, 30),
            ..settings()
        };
        let fall = Utc.with_ymd_and_hms(2026, 10, 28, 12, 0, 0).unwrap();
        let next = next_review(&s, fall).unwrap();
        assert_eq!(
            next.local_date,
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
        assert_eq!(
            next.due_at,
            Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap()
        );
        // Strictly after: from the due instant itself, the week after.
        let after = next_review(&s, next.due_at).unwrap();
        assert_eq!(
            after.local_date,
            NaiveDate::from_ymd_opt(2026, 11, 8).unwrap()
        );
        assert_eq!(
            after.due_at,
            Utc.with_ymd_and_hms(2026, 11, 8, 6, 30, 0).unwrap()
        );
        // A row on another day (as the migration makes them) moves to the day.
        let monday = DueWeekly {
            local_date: date(15),
            due_at: at(15, 11),
        };
        let (d, next) = decide_weekly(&content(), &s, &monday, &[], &[], monday.due_at);
        assert_eq!(d, WeeklyDecision::Skip(Skip::OtherDay));
        assert_eq!(next.unwrap().local_date, date(21));
        // Another weekday.
        let wed = UserSettings {
            weekly_day: Some(Weekday::Wed),
            ..settings()
        };
        assert_eq!(next_review(&wed, at(10, 12)).unwrap().local_date, date(17));
    }
}
