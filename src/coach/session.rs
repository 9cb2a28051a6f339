//! The steps of a guided session and the instant each prompt is due.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::fit::{fit, Kit};
use super::progress::{LogEntry, LogOutcome};
use super::user::UserId;
use super::PainLevel;
use crate::content::{Content, Routine, StepView};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Active,
    Finished,
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidedSession {
    pub id: i64,
    pub user: UserId,
    pub local_date: NaiveDate,
    pub routine_id: String,
    /// 1-based.
    pub current_step: u16,
    pub step_due_at: DateTime<Utc>,
    pub state: SessionState,
    pub started_at: DateTime<Utc>,
    /// The level it was started at; 0 is the routine's standard level.
    pub level: u8,
    /// Where the current step's prompt was posted, once known.
    pub step_message: Option<StepMessage>,
    /// The words that message had above the prompt.
    pub step_message_text: Option<String>,
    /// For a message that answered an interaction: that interaction's
    /// webhook ("application id/token"), through which it is edited.
    pub step_message_webhook: Option<String>,
}

/// A posted message: its channel and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepMessage {
    pub channel: i64,
    pub message: i64,
}

/// One prompt of a guided session.
#[derive(Debug, Clone)]
pub struct TimedStep<'a> {
    pub step: StepView<'a>,
    /// When this step's prompt is posted.
    pub due: DateTime<Utc>,
    /// When its time (work and rest) is up, and the next prompt is due.
    pub ends: DateTime<Utc>,
}

/// Every step of `routine` at `level`, fitted to `kit`, back to back from `start`.
pub fn timed_steps<'a>(
    content: &'a Content,
    routine: &'a Routine,
    level: u8,
    kit: Kit,
    start: DateTime<Utc>,
) -> Vec<TimedStep<'a>> {
    let mut due = start;
    fit(content, routine, level, kit)
        .steps
        .into_iter()
        .map(|step| {
            let ends = due + Duration::seconds(step.seconds().into());
            let timed = TimedStep { step, due, ends };
            due = ends;
            timed
        })
        .collect()
}

/// The step with number `number` (1-based) at `level`, fitted to `kit`,
/// when it starts at `start`.
pub fn step_at<'a>(
    content: &'a Content,
    routine: &'a Routine,
    level: u8,
    kit: Kit,
    number: u16,
    start: DateTime<Utc>,
) -> Option<TimedStep<'a>> {
    let step = fit(content, routine, level, kit)
        .steps
        .into_iter()
        .nth(usize::from(number).checked_sub(1)?)?;
    let ends = start + Duration::seconds(step.seconds().into());
    Some(TimedStep {
        step,
        due: start,
        ends,
    })
}

/// How a guided session went, for the words that end it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionSummary {
    pub done: u32,
    pub skipped: u32,
    /// Steps in the session.
    pub of: u32,
    /// Minutes of the steps done, by their own numbers.
    pub minutes: u32,
    /// The current streak, where it is known.
    pub streak: Option<u32>,
    /// The last pain reported that day.
    pub pain: Option<PainLevel>,
}

/// The summary of a session of `steps` of `routine_id` on `date`, from the
/// person's log (each step's last done or skip counts).
pub fn summarise(
    steps: &[StepView<'_>],
    routine_id: &str,
    date: NaiveDate,
    log: &[LogEntry],
) -> SessionSummary {
    // The latest entries are last: read backwards.
    let of_day = || log.iter().rev().filter(|e| e.local_date == date);
    let mut summary = SessionSummary {
        done: 0,
        skipped: 0,
        of: steps.len() as u32,
        minutes: 0,
        streak: None,
        pain: of_day()
            .filter_map(|e| match e.outcome {
                LogOutcome::Pain(level) => Some(level),
                _ => None,
            })
            .next(),
    };
    let mut seconds = 0;
    for step in steps {
        let last = of_day()
            .filter(|e| e.routine_id == routine_id && u32::from(e.step) == step.number)
            .find(|e| matches!(e.outcome, LogOutcome::Done | LogOutcome::Skip));
        match last.map(|e| e.outcome) {
            Some(LogOutcome::Done) => {
                summary.done += 1;
                seconds += step.dose.work_seconds();
            }
            Some(LogOutcome::Skip) => summary.skipped += 1,
            _ => {}
        }
    }
    summary.minutes = (seconds + 30) / 60;
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;

    fn entry(date: NaiveDate, step: u16, outcome: LogOutcome) -> LogEntry {
        LogEntry {
            local_date: date,
            routine_id: "morning".to_owned(),
            step,
            outcome,
            source: "test".to_owned(),
            at: DateTime::<Utc>::MIN_UTC,
        }
    }

    #[test]
    fn summary_counts_each_steps_last_answer_and_the_days_last_pain() {
        let content = Content::embedded().unwrap();
        let routine = content.routine("morning").unwrap();
        let steps = content.steps(routine);
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let pain = |n| LogOutcome::Pain(PainLevel::new(n).unwrap());
        let log = [
            entry(day, 1, LogOutcome::Skip),
            entry(day, 1, LogOutcome::Done),
            entry(day, 2, LogOutcome::Skip),
            entry(day, 0, pain(4)),
            entry(day, 3, pain(2)),
            // Another day counts for nothing.
            entry(day.pred_opt().unwrap(), 3, LogOutcome::Done),
        ];
        let s = summarise(&steps, "morning", day, &log);
        assert_eq!((s.done, s.skipped, s.of), (1, 1, steps.len() as u32));
        assert_eq!(s.minutes, (steps[0].dose.work_seconds() + 30) / 60);
        assert_eq!(s.pain, PainLevel::new(2).ok());
        assert_eq!(s.streak, None);
    }
}
