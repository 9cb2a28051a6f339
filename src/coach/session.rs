//! The steps of a guided session and the instant each prompt is due.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::fit::{fit, Kit};
use super::user::UserId;
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
