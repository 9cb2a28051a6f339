//! Streaks and the shape of a user's days, counted in their local days.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};

use super::fit::{fit, Kit};
use super::plan::{day_plan, DayPlan, Pause, RestDays};
use crate::content::Content;
use chrono::{DateTime, Utc};

use super::PainLevel;

/// What a user reported for a step (0 = the whole routine) of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOutcome {
    Done,
    Skip,
    Pain(PainLevel),
}

/// One entry of the log, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub local_date: NaiveDate,
    pub routine_id: String,
    pub step: u16,
    pub outcome: LogOutcome,
    pub source: String,
    pub at: DateTime<Utc>,
}

/// What a log entry does to the log: the same step of the same day holds one
/// done-or-skip and one pain report, so a new one replaces the old. Returns
/// whether anything changed (`None`: the same was already there; `Some(true)`:
/// a new row; `Some(false)`: a changed one), as the database would.
pub fn record(history: &mut Vec<LogEntry>, entry: LogEntry) -> Option<bool> {
    let is_pain = |e: &LogEntry| matches!(e.outcome, LogOutcome::Pain(_));
    let same = |e: &LogEntry| {
        e.local_date == entry.local_date && e.step == entry.step && is_pain(e) == is_pain(&entry)
    };
    if let Some(i) = history.iter().position(same) {
        if history[i].outcome == entry.outcome {
            return None;
        }
        history.remove(i);
        insert_sorted(history, entry);
        return Some(false);
    }
    insert_sorted(history, entry);
    Some(true)
}

/// Keeps the log in its stored order: day, step, then time.
fn insert_sorted(history: &mut Vec<LogEntry>, entry: LogEntry) {
    let key = |e: &LogEntry| (e.local_date, e.step, e.at);
    let at = history.partition_point(|e| key(e) <= key(&entry));
    history.insert(at, entry);
}

/// Weeks shown in the progress picture.
pub const RECENT_WEEKS: u64 = 12;

/// How a local day went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayStatus {
    /// The whole routine, or every step of it, was done.
    Done,
    /// Some steps were done.
    Partial,
    /// Skipped, with nothing done.
    Skipped,
    /// A weekly rest day with nothing logged.
    Rest,
    /// A paused day with nothing logged.
    Paused,
    /// Nothing logged on a training day.
    Missed,
}

impl DayStatus {
    /// Counts towards a streak.
    pub fn extends_streak(self) -> bool {
        matches!(self, DayStatus::Done | DayStatus::Partial)
    }

    /// Neither breaks nor extends a streak.
    pub fn is_neutral(self) -> bool {
        matches!(self, DayStatus::Rest | DayStatus::Paused)
    }
}

/// The user's settings that shape their calendar.
#[derive(Debug, Clone, Copy)]
pub struct Calendar<'a> {
    pub content: &'a Content,
    pub rest_days: RestDays,
    pub pause: Option<Pause>,
    /// Their equipment today: logged steps are counted against the routine
    /// as fitted to it (a past day fitted to other equipment is read the same).
    pub kit: Kit,
}

/// What one day's log entries add up to.
#[derive(Debug, Clone, Default)]
struct DayLog {
    whole: Option<LogOutcome>,
    steps_done: u32,
    steps_skipped: u32,
    routine_id: String,
    done_seconds: u32,
}

fn summarise(content: &Content, kit: Kit, entries: &[LogEntry]) -> BTreeMap<NaiveDate, DayLog> {
    let mut days: BTreeMap<NaiveDate, DayLog> = BTreeMap::new();
    for e in entries {
        let day = days.entry(e.local_date).or_default();
        day.routine_id.clone_from(&e.routine_id);
        let routine = content.routine(&e.routine_id);
        match (e.step, e.outcome) {
            (_, LogOutcome::Pain(_)) => {}
            (0, outcome) => day.whole = Some(outcome),
            (n, LogOutcome::Done) => {
                day.steps_done += 1;
                if let Some(r) = routine {
                    let fitted = fit(content, r, r.standard_level(), kit);
                    if let Some(step) = fitted.steps.get(usize::from(n) - 1) {
                        day.done_seconds += step.seconds();
                    }
                }
            }
            (_, LogOutcome::Skip) => day.steps_skipped += 1,
        }
    }
    days
}

impl DayLog {
    fn status(&self, content: &Content, kit: Kit) -> Option<DayStatus> {
        let steps_total = content
            .routine(&self.routine_id)
            .map(|r| fit(content, r, r.standard_level(), kit).steps.len() as u32);
        match self.whole {
            Some(LogOutcome::Done) => return Some(DayStatus::Done),
            _ if steps_total.is_some_and(|n| n > 0 && self.steps_done >= n) => {
                return Some(DayStatus::Done)
            }
            _ if self.steps_done > 0 => return Some(DayStatus::Partial),
            Some(LogOutcome::Skip) => return Some(DayStatus::Skipped),
            _ => {}
        }
        (self.steps_skipped > 0).then_some(DayStatus::Skipped)
    }

    fn minutes_seconds(&self, content: &Content, kit: Kit) -> u32 {
        match self.whole {
            Some(LogOutcome::Done) => content
                .routine(&self.routine_id)
                .map_or(0, |r| fit(content, r, r.standard_level(), kit).seconds()),
            _ => self.done_seconds,
        }
    }
}

/// A user's progress as of a local date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub today: NaiveDate,
    pub current_streak: u32,
    pub best_streak: u32,
    /// Monday to Sunday of the week holding `today`; days after today are `None`.
    pub week: Vec<(NaiveDate, Option<DayStatus>)>,
    /// The last `RECENT_WEEKS` weeks, Monday first, the same way.
    pub recent: Vec<(NaiveDate, Option<DayStatus>)>,
    /// Minutes of exercise logged, all time.
    pub total_minutes: u32,
    pub days_done: u32,
}

impl Calendar<'_> {
    fn planned(&self, date: NaiveDate) -> Option<DayStatus> {
        match day_plan(self.content, self.rest_days, self.pause, date) {
            DayPlan::Rest => Some(DayStatus::Rest),
            DayPlan::Paused { .. } => Some(DayStatus::Paused),
            DayPlan::Train(_) => None,
        }
    }

    /// The status of each day from `from` to `to` inclusive.
    pub fn statuses(
        &self,
        entries: &[LogEntry],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<(NaiveDate, DayStatus)> {
        let days = summarise(self.content, self.kit, entries);
        from.iter_days()
            .take_while(|d| *d <= to)
            .map(|date| {
                let logged = days
                    .get(&date)
                    .and_then(|d| d.status(self.content, self.kit));
                let status = logged
                    .or_else(|| self.planned(date))
                    .unwrap_or(DayStatus::Missed);
                (date, status)
            })
            .collect()
    }

    /// Seconds of exercise logged done from `from` to `to` inclusive: a
    /// whole day done counts its routine's time, steps their own.
    pub fn seconds_done(&self, entries: &[LogEntry], from: NaiveDate, to: NaiveDate) -> u32 {
        summarise(self.content, self.kit, entries)
            .range(from..=to)
            .map(|(_, d)| d.minutes_seconds(self.content, self.kit))
            .sum()
    }

    /// How `date` has gone so far: `None` until a done or skip is logged.
    pub fn day_status(&self, entries: &[LogEntry], date: NaiveDate) -> Option<DayStatus> {
        entries
            .iter()
            .any(|e| e.local_date == date && !matches!(e.outcome, LogOutcome::Pain(_)))
            .then(|| self.statuses(entries, date, date).first().map(|(_, s)| *s))
            .flatten()
    }

    /// Streaks, this week and totals, as of the local date `today`.
    ///
    /// Today only counts once something is logged: an unfinished today never
    /// breaks the streak.
    pub fn progress(&self, entries: &[LogEntry], today: NaiveDate) -> Progress {
        let days = summarise(self.content, self.kit, entries);
        let first = entries
            .iter()
            .map(|e| e.local_date)
            .min()
            .unwrap_or(today)
            .min(today);
        let statuses = self.statuses(entries, first, today);

        let mut best = 0;
        let mut run = 0;
        for (_, status) in &statuses {
            if status.extends_streak() {
                run += 1;
                best = best.max(run);
            } else if !status.is_neutral() {
                run = 0;
            }
        }
        // Walk back from today to find the run still alive.
        let mut current = 0;
        for (i, (_, status)) in statuses.iter().enumerate().rev() {
            let is_today = i + 1 == statuses.len();
            if status.extends_streak() {
                current += 1;
            } else if status.is_neutral() || (is_today && *status == DayStatus::Missed) {
                continue;
            } else {
                break;
            }
        }

        // The last RECENT_WEEKS weeks, Monday first, ending with this week's Sunday.
        let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
        let start = monday - Days::new(7 * (RECENT_WEEKS - 1));
        let known = self.statuses(entries, start.max(first), today);
        let recent: Vec<(NaiveDate, Option<DayStatus>)> = (0..7 * RECENT_WEEKS)
            .map(|i| {
                let date = start + Days::new(i);
                // Days before the first entry are blank, not "missed"; so are days to come.
                let status = known.iter().find(|(d, _)| *d == date).map(|(_, s)| *s);
                (date, status)
            })
            .collect();
        let week = recent[recent.len() - 7..].to_vec();

        let total_seconds: u32 = days
            .values()
            .map(|d| d.minutes_seconds(self.content, self.kit))
            .sum();
        Progress {
            today,
            current_streak: current,
            best_streak: best,
            week,
            recent,
            total_minutes: (total_seconds + 30) / 60,
            days_done: statuses.iter().filter(|(_, s)| s.extends_streak()).count() as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn d(day: u32) -> NaiveDate {
        // March 2027: the 1st is a Monday.
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    fn done(day: u32) -> LogEntry {
        LogEntry {
            local_date: d(day),
            routine_id: "morning".into(),
            step: 0,
            outcome: LogOutcome::Done,
            source: "test".into(),
            at: Utc::now(),
        }
    }

    fn step(day: u32, step: u16, outcome: LogOutcome) -> LogEntry {
        LogEntry {
            step,
            outcome,
            ..done(day)
        }
    }

    fn content() -> Content {
        Content::embedded().expect("the real content loads")
    }

    #[test]
    fn consecutive_days_make_a_streak_and_a_missed_day_breaks_it() {
        let content = content();
        let cal = Calendar {
            content: &content,
            rest_days: RestDays::NONE,
            pause: None,
            kit: Kit::ALL,
        };
        let entries = vec![done(1), done(2), done(3), done(5), done(6)];
        let p = cal.progress(&entries, d(6));
        assert_eq!((p.current_streak, p.best_streak), (2, 3));
        // Today not yet done does not break the streak ...
        let p = cal.progress(&entries, d(7));
        assert_eq!(p.current_streak, 2);
        // ... but a whole missed day does.
        let p = cal.progress(&entries, d(8));
        assert_eq!((p.current_streak, p.best_streak), (0, 3));
    }

    #[test]
    fn rest_and_paused_days_neither_break_nor_extend() {
        let content = content();
        let rest = RestDays::NONE.with(Weekday::Sat).with(Weekday::Sun);
        let cal = Calendar {
            content: &content,
            rest_days: rest,
            kit: Kit::ALL,
            pause: Some(Pause {
                from: d(9),
                until: d(10),
            }),
        };
        // Thu 4, Fri 5, (Sat 6, Sun 7 rest), Mon 8, (Tue 9, Wed 10 paused), Thu 11.
        let entries = vec![done(4), done(5), done(8), done(11)];
        let p = cal.progress(&entries, d(11));
        assert_eq!((p.current_streak, p.best_streak), (4, 4));
        let statuses = cal.statuses(&entries, d(6), d(10));
        let kinds: Vec<DayStatus> = statuses.iter().map(|(_, s)| *s).collect();
        assert_eq!(
            kinds,
            vec![
                DayStatus::Rest,
                DayStatus::Rest,
                DayStatus::Done,
                DayStatus::Paused,
                DayStatus::Paused
            ]
        );
    }

    #[test]
    fn partial_and_skipped_days() {
        let content = content();
        let cal = Calendar {
            content: &content,
            rest_days: RestDays::NONE,
            pause: None,
            kit: Kit::ALL,
        };
        let morning_steps = content.routine("morning").unwrap().steps.len() as u16;
        let mut all_steps: Vec<LogEntry> = (1..=morning_steps)
            .map(|n| step(1, n, LogOutcome::Done))
            .collect();
        all_steps.push(step(2, 1, LogOutcome::Done));
        all_steps.push(step(2, 2, LogOutcome::Skip));
        all_steps.push(step(3, 0, LogOutcome::Skip));
        all_steps.push(step(3, 0, LogOutcome::Pain(PainLevel::new(2).unwrap())));
        let s: Vec<DayStatus> = cal
            .statuses(&all_steps, d(1), d(4))
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(
            s,
            vec![
                DayStatus::Done,
                DayStatus::Partial,
                DayStatus::Skipped,
                DayStatus::Missed
            ]
        );
        let p = cal.progress(&all_steps, d(3));
        assert_eq!((p.current_streak, p.best_streak), (0, 2));
        assert_eq!(
            p.total_minutes,
            10 + (content.steps(content.routine("morning").unwrap())[0].seconds() + 30) / 60
        );
    }

    #[test]
    fn every_fitted_step_done_is_a_day_done() {
        let content = content();
        // Without a golf ball the morning routine has seven steps, not eight.
        let cal = Calendar {
            content: &content,
            rest_days: RestDays::NONE,
            pause: None,
            kit: Kit::parse_list("tennis ball, towel, chair, step").unwrap(),
        };
        let seven: Vec<LogEntry> = (1..=7).map(|n| step(1, n, LogOutcome::Done)).collect();
        assert_eq!(cal.day_status(&seven, d(1)), Some(DayStatus::Done));
        let everything = Calendar {
            kit: Kit::ALL,
            ..cal
        };
        assert_eq!(
            everything.day_status(&seven, d(1)),
            Some(DayStatus::Partial)
        );
        // A whole day done counts the minutes of the routine as fitted: 500 s.
        assert_eq!(cal.progress(&[done(1)], d(1)).total_minutes, 8);
    }

    #[test]
    fn the_week_runs_monday_to_sunday_and_leaves_the_future_blank() {
        let content = content();
        let cal = Calendar {
            content: &content,
            rest_days: RestDays::NONE,
            pause: None,
            kit: Kit::ALL,
        };
        let p = cal.progress(&[done(2), done(3)], d(3));
        let week: Vec<Option<DayStatus>> = p.week.iter().map(|(_, s)| *s).collect();
        assert_eq!(week[0], None, "before the first entry is blank, not missed");
        assert_eq!(week[1..3], [Some(DayStatus::Done), Some(DayStatus::Done)]);
        assert!(week[3..].iter().all(Option::is_none));
        assert_eq!(p.week[0].0, d(1));
    }

    #[test]
    fn recording_keeps_one_entry_per_step_and_kind_as_the_table_does() {
        let mut history = vec![done(2), step(3, 1, LogOutcome::Done)];
        assert_eq!(record(&mut history, done(2)), None);
        assert_eq!(
            record(&mut history, step(2, 0, LogOutcome::Skip)),
            Some(false)
        );
        assert_eq!(history[0].outcome, LogOutcome::Skip);
        let pain = LogOutcome::Pain(PainLevel::new(4).unwrap());
        assert_eq!(record(&mut history, step(2, 0, pain)), Some(true));
        assert_eq!(record(&mut history, done(1)), Some(true));
        let days: Vec<NaiveDate> = history.iter().map(|e| e.local_date).collect();
        assert_eq!(days, vec![d(1), d(2), d(2), d(3)], "kept in day order");
        assert_eq!(history.len(), 4);
    }
}
