//! What the Coach answers: typed replies that each front end renders in its
//! own medium (through `text`, which owns the words).

use chrono::{DateTime, NaiveDate, Utc, Weekday};

use crate::coach::fit::{fit, Change, Kit, RoutineLength};
use crate::coach::plan::{Pause, RestDays};
use crate::coach::progress::{DayStatus, LogOutcome, Progress};
use crate::coach::progression::{LevelChange, PainAdvice};
use crate::coach::review::WeekReview;
use crate::coach::session::{SessionSummary, StepMessage, TimedStep};
use crate::coach::{LocalTime, PainLevel, Timezone};
use crate::content::{Content, Gear, Routine, StepView};
use crate::error::UserError;
use crate::pictures::Png;
use crate::store::LogWrite;

/// One line of a routine as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLine {
    pub number: u32,
    pub exercise_id: String,
    pub name: String,
    pub dose: String,
    pub equipment: String,
    pub seconds: u32,
}

impl StepLine {
    pub fn new(step: &StepView<'_>) -> Self {
        StepLine {
            number: step.number,
            exercise_id: step.exercise.id.clone(),
            name: step.exercise.name.clone(),
            dose: step.dose.to_string(),
            equipment: step.exercise.equipment_text(),
            seconds: step.seconds(),
        }
    }
}

/// A planned exercise the person's equipment changed: done as another, or
/// left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitNote {
    pub planned: String,
    /// The exercise done instead; `None` when it is left out.
    pub instead: Option<String>,
    /// What the person lacks for the planned one.
    pub lacking: Vec<Gear>,
}

impl FitNote {
    fn new(change: &Change<'_>) -> Self {
        match change {
            Change::Swapped {
                planned,
                instead,
                lacking,
            } => FitNote {
                planned: planned.name.clone(),
                instead: Some(instead.name.clone()),
                lacking: lacking.clone(),
            },
            Change::LeftOut { planned, lacking } => FitNote {
                planned: planned.name.clone(),
                instead: None,
                lacking: lacking.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutineCard {
    pub routine_id: String,
    pub name: String,
    pub summary: String,
    /// Minutes at this level, by the steps' own numbers.
    pub minutes: u32,
    pub steps: Vec<StepLine>,
    pub level: u8,
    pub levels: u8,
    /// The plan's routine when the person's chosen length made it this one.
    pub shortened: Option<(String, RoutineLength)>,
    /// What the person's equipment changed.
    pub fit: Vec<FitNote>,
}

impl RoutineCard {
    /// The routine as written, for everyone (a server's post).
    pub fn new(content: &Content, routine: &Routine, level: u8) -> Self {
        Self::fitted(content, routine, level, Kit::ALL)
    }

    /// The routine as a person with `kit` does it.
    pub fn fitted(content: &Content, routine: &Routine, level: u8, kit: Kit) -> Self {
        let fitted = fit(content, routine, level, kit);
        RoutineCard {
            routine_id: routine.id.clone(),
            name: routine.name.clone(),
            summary: routine.summary.clone(),
            // The promised length as written; levels and equipment change it.
            minutes: if routine.level_percent(level) == 100 && fitted.changes.is_empty() {
                routine.minutes
            } else {
                (fitted.seconds() + 30) / 60
            },
            steps: fitted.steps.iter().map(StepLine::new).collect(),
            level,
            levels: routine.top_level(),
            shortened: None,
            fit: fitted.changes.iter().map(FitNote::new).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TodayPlan {
    Train(RoutineCard),
    Rest {
        routine: RoutineCard,
    },
    Paused {
        until: NaiveDate,
        routine: RoutineCard,
    },
}

impl TodayPlan {
    pub fn card(&self) -> &RoutineCard {
        match self {
            TodayPlan::Train(card)
            | TodayPlan::Rest { routine: card }
            | TodayPlan::Paused { routine: card, .. } => card,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodayView {
    pub date: NaiveDate,
    pub timezone: Timezone,
    /// False until the user has told us their timezone (UTC is assumed).
    pub timezone_set: bool,
    pub plan: TodayPlan,
    /// How today has gone so far, when anything is logged.
    pub status: Option<DayStatus>,
    /// The day's exercises as one numbered picture, where it is shown.
    pub sheet: Option<Png>,
}

/// The prompt for one step of a guided session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPrompt {
    pub session_id: i64,
    pub line: StepLine,
    pub of: u32,
    pub instructions: Vec<String>,
    pub safety: String,
    pub due: DateTime<Utc>,
    /// When its time is up and the next prompt comes.
    pub ends: DateTime<Utc>,
    /// The exercise's drawing.
    pub picture: Option<Png>,
    /// The name of the step after this one; `None` for the last.
    pub next_up: Option<String>,
}

impl StepPrompt {
    /// The prompt of `timed`, one of the fitted `steps` of a session.
    pub fn new(
        content: &Content,
        session_id: i64,
        steps: &[StepView<'_>],
        timed: &TimedStep<'_>,
    ) -> Self {
        let step = &timed.step;
        StepPrompt {
            session_id,
            line: StepLine::new(step),
            of: steps.len() as u32,
            instructions: step.exercise.steps.clone(),
            safety: step.exercise.safety.clone(),
            due: timed.due,
            ends: timed.ends,
            picture: content.pictures().of(&step.exercise.id).cloned(),
            next_up: steps
                .get(step.number as usize)
                .map(|next| next.exercise.name.clone()),
        }
    }
}

/// A moment within a guided step, said by editing the step's own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueNotice {
    /// The step's message.
    pub at: StepMessage,
    /// Its words above the prompt, which stay under the cue.
    pub lead: Option<String>,
    /// The interaction it answered ("application id/token"), through which
    /// it is edited; `None` for a message edited by its channel.
    pub webhook: Option<String>,
    pub step_name: String,
    /// The set now starting, of `sets`.
    pub set: u32,
    pub sets: u32,
    /// The second side of the set starts (else the first side of a new set).
    pub other_side: bool,
    /// The step is done on each side.
    pub per_side: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub session_id: i64,
    pub card: RoutineCard,
    /// Every step with the instant its prompt is due.
    pub schedule: Vec<(StepLine, DateTime<Utc>)>,
    pub first: StepPrompt,
    /// Ask for today's pain before the first step.
    pub ask_pain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderView {
    pub at: LocalTime,
    pub timezone: Timezone,
    /// The next reminder that will really be sent, if one is coming.
    pub next: Option<DateTime<Utc>>,
}

/// What a logged reply was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logged {
    Day { routine_name: String },
    Step { number: u32, of: u32, name: String },
}

/// What a timed send says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The morning reminder; `late` when sent after downtime.
    Reminder { today: TodayView, late: bool },
    /// The evening nudge on a day not done yet.
    Followup { today: TodayView },
    /// The next step of a guided session.
    Prompt(StepPrompt),
    /// The other side or the next set, within a step.
    Cue(CueNotice),
    /// The last step's time is up.
    SessionOver {
        routine_name: String,
        summary: SessionSummary,
    },
    /// The week in review.
    Weekly(WeekReview),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Today(TodayView),
    SessionStarted(SessionView),
    ReminderSet(ReminderView),
    /// The next reminder, if one is set, at the new local time.
    TimezoneSet {
        timezone: Timezone,
        next: Option<DateTime<Utc>>,
    },
    ReminderShow {
        reminder: Option<ReminderView>,
        timezone: Option<Timezone>,
        /// A pause still running or to come.
        pause: Option<Pause>,
        followup: Option<LocalTime>,
        rest_days: RestDays,
        /// Discord refused to DM the user, so reminders are paused.
        dm_blocked: bool,
        /// Minutes a day, when chosen.
        length: Option<RoutineLength>,
        /// Their equipment, when they said.
        equipment: Option<Kit>,
        /// The weekday of their week in review; `None` is off.
        weekly: Option<Weekday>,
    },
    ReminderOff {
        was_on: bool,
    },
    Progress(Progress),
    Help,
    Logged {
        what: Logged,
        outcome: LogOutcome,
        write: LogWrite,
        /// The next prompt when a guided session moved on.
        next: Option<StepPrompt>,
        /// How the guided session went, when this reply ended it.
        session: Option<SessionSummary>,
        current_streak: Option<u32>,
        /// Steady progress moved the user up a level.
        level_change: Option<LevelChange>,
    },
    Pain {
        level: PainLevel,
        advice: PainAdvice,
        /// The pain made the coming sessions gentler.
        level_change: Option<LevelChange>,
    },
    SessionStopped {
        at_step: u32,
        of: u32,
    },
    NothingToStop,
    /// "This evening" asked for once the evening has begun.
    EveningPassed {
        at: LocalTime,
    },
    NothingToSnooze,
    Snoozed {
        until: DateTime<Utc>,
        count: u16,
    },
    SnoozeLimit,
    FollowupSet {
        at: Option<LocalTime>,
    },
    Paused(Pause),
    Resumed {
        was_paused: bool,
    },
    RestDaysSet(RestDays),
    RoutineLengthSet(RoutineLength),
    EquipmentSet(Kit),
    Export(serde_json::Value),
    DeleteAsk,
    Deleted {
        anything: bool,
    },
    LevelChanged(LevelChange),
    PainPromptSet(bool),
    /// The week in review's day, or off (`None`).
    WeeklySet {
        day: Option<Weekday>,
        /// The person's reminder time: reviews come at it.
        reminder: Option<LocalTime>,
        /// The next review, if one is coming.
        next: Option<DateTime<Utc>>,
    },
    NotUnderstood,
    /// A mistake the person made: nothing was changed.
    Refused(UserError),
}

impl Reply {
    /// The step prompt this reply posts, if it posts one.
    pub fn step_prompt(&self) -> Option<&StepPrompt> {
        match self {
            Reply::SessionStarted(s) => Some(&s.first),
            Reply::Logged { next: Some(p), .. } => Some(p),
            _ => None,
        }
    }
}
