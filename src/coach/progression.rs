//! Levels and pain: when to suggest a clinician, when sessions get gentler,
//! and when steady work moves a person up. Pure rules over their log, their
//! level history and today; the service stores what these decide.

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::progress::{Calendar, DayStatus, LogEntry, LogOutcome};
use super::schedule::local_date;
use super::{PainLevel, Timezone};
use crate::content::Routine;

/// Pain at or below this counts as low for moving up a level.
pub const LOW_PAIN: u8 = 3;
/// Pain at or above this on `REPEATED_PAIN_DAYS` days of a week suggests a clinician.
pub const REPEATED_PAIN: u8 = 4;
pub const REPEATED_PAIN_DAYS: usize = 3;
/// How far back pain reports count for the advice.
pub const PAIN_WINDOW_DAYS: u64 = 30;

/// Why a level changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelReason {
    /// Pain of 7 or more, or pain rising over three days.
    Pain(PainLevel),
    /// Enough done days with low pain since the last change.
    Progress,
    /// The person asked for easier sessions.
    Asked,
}

impl fmt::Display for LevelReason {
    /// As the data export has always written it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LevelReason::Pain(level) => write!(f, "pain {level}"),
            LevelReason::Progress => f.write_str("steady progress with low pain"),
            LevelReason::Asked => f.write_str("asked"),
        }
    }
}

/// One recorded level change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelRecord {
    pub at: DateTime<Utc>,
    pub from: u8,
    pub to: u8,
    pub reason: LevelReason,
}

/// A move between levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelChange {
    pub from: u8,
    pub to: u8,
    pub levels: u8,
    pub reason: LevelReason,
}

impl LevelChange {
    /// The change as recorded at `at`.
    pub fn record(self, at: DateTime<Utc>) -> LevelRecord {
        LevelRecord {
            at,
            from: self.from,
            to: self.to,
            reason: self.reason,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PainAdvice {
    /// Low pain: carry on gently.
    Fine,
    /// High pain now, or pain reported again and again: see a clinician.
    SeeClinician,
}

/// What a pain report means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PainVerdict {
    pub advice: PainAdvice,
    /// Make the coming sessions one level gentler.
    pub gentler: bool,
}

/// The person's level for `routine`, within the levels it has.
pub fn level_of(level: Option<u8>, routine: &Routine) -> u8 {
    level
        .unwrap_or_else(|| routine.standard_level())
        .clamp(1, routine.top_level())
}

/// Pain of 7 or more, or pain rising over the last three days it was
/// reported, suggests a clinician and makes sessions gentler; pain of 4 or
/// more on three days of the last week suggests a clinician.
///
/// `history` is the log, oldest day first, already holding the new report.
pub fn pain_verdict(history: &[LogEntry], level: PainLevel, today: NaiveDate) -> PainVerdict {
    let since = today - Days::new(PAIN_WINDOW_DAYS);
    // The last pain of each day, oldest day first.
    let mut by_day: Vec<(NaiveDate, u8)> = Vec::new();
    for e in history.iter().filter(|e| e.local_date >= since) {
        if let LogOutcome::Pain(p) = e.outcome {
            match by_day.last_mut() {
                Some((d, v)) if *d == e.local_date => *v = p.get(),
                _ => by_day.push((e.local_date, p.get())),
            }
        }
    }
    let rising = by_day.len() >= 3
        && by_day[by_day.len() - 3..]
            .windows(2)
            .all(|w| w[0].1 < w[1].1);
    if level.is_high() || rising {
        return PainVerdict {
            advice: PainAdvice::SeeClinician,
            gentler: true,
        };
    }
    let week_ago = today - Days::new(7);
    let painful_days: BTreeSet<NaiveDate> = history
        .iter()
        .filter(|e| e.local_date >= week_ago)
        .filter(|e| matches!(e.outcome, LogOutcome::Pain(p) if p.get() >= REPEATED_PAIN))
        .map(|e| e.local_date)
        .collect();
    let painful_days = painful_days.len();
    PainVerdict {
        advice: if painful_days >= REPEATED_PAIN_DAYS {
            PainAdvice::SeeClinician
        } else {
            PainAdvice::Fine
        },
        gentler: false,
    }
}

/// One level easier for `routine`, or `None` at the easiest. Pain steps down
/// at most once a local day, however often it is reported.
pub fn level_down(
    routine: &Routine,
    level: Option<u8>,
    reason: LevelReason,
    changes: &[LevelRecord],
    timezone: Timezone,
    today: NaiveDate,
) -> Option<LevelChange> {
    let from = level_of(level, routine);
    if from <= 1 {
        return None;
    }
    if matches!(reason, LevelReason::Pain(_)) {
        let stepped_today = changes.iter().any(|c| {
            matches!(c.reason, LevelReason::Pain(_)) && local_date(timezone, c.at) == today
        });
        if stepped_today {
            return None;
        }
    }
    Some(LevelChange {
        from,
        to: from - 1,
        levels: routine.top_level(),
        reason,
    })
}

/// One level up once `routine.level_up_after` done days with low pain (3 or
/// less) have passed since the last change.
///
/// `history` is the whole log, oldest day first; `calendar` the person's.
pub fn level_up(
    calendar: &Calendar<'_>,
    routine: &Routine,
    level: Option<u8>,
    history: &[LogEntry],
    last_change: Option<DateTime<Utc>>,
) -> Option<LevelChange> {
    let from = level_of(level, routine);
    if from >= routine.top_level() {
        return None;
    }
    let recent: Vec<&LogEntry> = history
        .iter()
        .filter(|e| last_change.is_none_or(|s| e.at > s))
        .collect();
    let painful: HashSet<NaiveDate> = recent
        .iter()
        .filter(|e| matches!(e.outcome, LogOutcome::Pain(p) if p.get() > LOW_PAIN))
        .map(|e| e.local_date)
        .collect();
    let days: BTreeSet<NaiveDate> = recent.iter().map(|e| e.local_date).collect();
    let (first, last) = (days.first()?, days.last()?);
    // One pass over the days since the last change, not one per day.
    let good = calendar
        .statuses(history, *first, *last)
        .into_iter()
        .filter(|(d, s)| *s == DayStatus::Done && days.contains(d) && !painful.contains(d))
        .count() as u32;
    (good >= routine.level_up_after).then(|| LevelChange {
        from,
        to: from + 1,
        levels: routine.top_level(),
        reason: LevelReason::Progress,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coach::plan::RestDays;
    use crate::content::Content;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn d(day: u32) -> NaiveDate {
        // March 2027: the 1st is a Monday.
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    fn entry(day: u32, outcome: LogOutcome) -> LogEntry {
        LogEntry {
            local_date: d(day),
            routine_id: "morning".into(),
            step: 0,
            outcome,
            source: "test".into(),
            at: Utc
                .with_ymd_and_hms(2027, 3, day, 9, 0, 0)
                .single()
                .unwrap(),
        }
    }

    fn pain(day: u32, level: u8) -> LogEntry {
        entry(day, LogOutcome::Pain(PainLevel::new(level).unwrap()))
    }

    fn p(level: u8) -> PainLevel {
        PainLevel::new(level).unwrap()
    }

    fn content() -> Content {
        Content::embedded().expect("the real content loads")
    }

    fn leveled(content: &Content) -> &Routine {
        content
            .routines()
            .find(|r| r.top_level() > 2)
            .expect("a routine with levels")
    }

    #[test]
    fn high_pain_suggests_a_clinician_and_gentler_sessions() {
        let v = pain_verdict(&[pain(10, 8)], p(8), d(10));
        assert_eq!(v.advice, PainAdvice::SeeClinician);
        assert!(v.gentler);
        let v = pain_verdict(&[pain(10, 2)], p(2), d(10));
        assert_eq!(
            v,
            PainVerdict {
                advice: PainAdvice::Fine,
                gentler: false
            }
        );
    }

    #[test]
    fn pain_rising_over_three_days_is_gentler_but_steady_pain_is_not() {
        let rising = [pain(8, 1), pain(9, 2), pain(10, 3)];
        assert!(pain_verdict(&rising, p(3), d(10)).gentler);
        let steady = [pain(8, 2), pain(9, 2), pain(10, 2)];
        assert!(!pain_verdict(&steady, p(2), d(10)).gentler);
        // Rising reports more than a month apart do not count as rising.
        let old = [pain(1, 1), pain(2, 2)];
        let today = d(2) + Days::new(PAIN_WINDOW_DAYS + 1);
        let mut history = old.to_vec();
        history.push(LogEntry {
            local_date: today,
            ..pain(3, 3)
        });
        assert!(!pain_verdict(&history, p(3), today).gentler);
    }

    #[test]
    fn moderate_pain_on_three_days_of_a_week_suggests_a_clinician_only() {
        let history = [pain(5, 5), pain(7, 4), pain(9, 5), pain(10, 4)];
        let v = pain_verdict(&history, p(4), d(10));
        assert_eq!(v.advice, PainAdvice::SeeClinician);
        assert!(!v.gentler);
        // Two painful days of the last week are not enough.
        let v = pain_verdict(&[pain(9, 5), pain(10, 4)], p(4), d(10));
        assert_eq!(v.advice, PainAdvice::Fine);
    }

    #[test]
    fn pain_steps_down_once_a_day_and_asking_always_does() {
        let content = content();
        let routine = leveled(&content);
        let top = routine.top_level();
        let tz = Timezone::UTC;
        let change = level_down(routine, Some(top), LevelReason::Pain(p(8)), &[], tz, d(10))
            .expect("one level down");
        assert_eq!((change.from, change.to), (top, top - 1));
        let record = LevelRecord {
            at: entry(10, LogOutcome::Done).at,
            from: top,
            to: top - 1,
            reason: change.reason,
        };
        let again = level_down(
            routine,
            Some(top - 1),
            LevelReason::Pain(p(9)),
            &[record],
            tz,
            d(10),
        );
        assert_eq!(again, None, "pain steps down once a day");
        let asked = level_down(
            routine,
            Some(top - 1),
            LevelReason::Asked,
            &[record],
            tz,
            d(10),
        );
        assert_eq!(asked.map(|c| c.to), Some(top - 2));
        let tomorrow = level_down(
            routine,
            Some(top - 1),
            LevelReason::Pain(p(9)),
            &[record],
            tz,
            d(11),
        );
        assert_eq!(tomorrow.map(|c| c.to), Some(top - 2));
        assert_eq!(
            level_down(routine, Some(1), LevelReason::Asked, &[], tz, d(10)),
            None
        );
    }

    #[test]
    fn steady_low_pain_days_move_up_and_painful_days_do_not_count() {
        let content = content();
        let routine = leveled(&content);
        let calendar = Calendar {
            content: &content,
            rest_days: RestDays::NONE,
            pause: None,
            kit: crate::coach::fit::Kit::ALL,
        };
        let need = routine.level_up_after;
        let mut history: Vec<LogEntry> = (1..=need)
            .map(|day| LogEntry {
                routine_id: routine.id.clone(),
                ..entry(day, LogOutcome::Done)
            })
            .collect();
        let change = level_up(&calendar, routine, Some(1), &history, None).expect("level up");
        assert_eq!((change.from, change.to), (1, 2));
        assert_eq!(change.reason, LevelReason::Progress);
        // The same days before the last change do not count again.
        let after = history.last().unwrap().at;
        assert_eq!(
            level_up(&calendar, routine, Some(2), &history, Some(after)),
            None
        );
        // A painful day among them is not a good day.
        history.push(pain(1, 6));
        history.sort_by_key(|e| e.local_date);
        assert_eq!(level_up(&calendar, routine, Some(1), &history, None), None);
        // Nobody moves past the top.
        let top = routine.top_level();
        assert_eq!(
            level_up(&calendar, routine, Some(top), &history, None),
            None
        );
    }

    #[test]
    fn the_stored_reason_reads_as_before() {
        assert_eq!(LevelReason::Pain(p(8)).to_string(), "pain 8/10");
        assert_eq!(LevelReason::Asked.to_string(), "asked");
        assert_eq!(
            LevelReason::Progress.to_string(),
            "steady progress with low pain"
        );
    }

    proptest! {
        /// Whatever the history, advice never panics, high pain is always
        /// referred, and gentler always comes with a referral.
        #[test]
        fn pain_rules_hold_for_any_history(
            reports in proptest::collection::vec((1u32..=28, 0u8..=10), 0..40),
            now in 0u8..=10,
        ) {
            let mut history: Vec<LogEntry> = reports.iter().map(|(day, lvl)| pain(*day, *lvl)).collect();
            history.push(pain(28, now));
            history.sort_by_key(|e| e.local_date);
            let v = pain_verdict(&history, p(now), d(28));
            if p(now).is_high() {
                prop_assert!(v.gentler);
            }
            if v.gentler {
                prop_assert_eq!(v.advice, PainAdvice::SeeClinician);
            }
        }

        /// A level change moves exactly one level, within the routine's levels.
        #[test]
        fn level_changes_move_one_level_within_bounds(level in 0u8..=12, asked in any::<bool>()) {
            let content = content();
            let routine = leveled(&content);
            let reason = if asked { LevelReason::Asked } else { LevelReason::Pain(p(9)) };
            if let Some(c) = level_down(routine, Some(level), reason, &[], Timezone::UTC, d(10)) {
                prop_assert_eq!(c.to + 1, c.from);
                prop_assert!(c.to >= 1 && c.from <= routine.top_level());
            }
        }
    }
}
