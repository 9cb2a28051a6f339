//! The Coach service: turns a command from any front end into store calls
//! and a `Reply`. Discord and the console both go through here, so the two
//! can never drift apart.

pub mod export;
pub mod servers;
pub mod text;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::Clock;
use crate::coach::plan::{day_plan, DayPlan, Pause, RestDays};
use crate::coach::progress::{Calendar, DayStatus, LogEntry, LogOutcome, Progress};
use crate::coach::reply::Intent;
use crate::coach::schedule::{local_date, next_reminder, reminders_between};
use crate::coach::session::{step_at, timed_steps};
use crate::coach::{LocalTime, PainLevel, Timezone};
use crate::content::{Content, Routine, StepView};
use crate::store::timeline::{NewSend, SendKind};
use crate::store::{
    GuidedSession, LogWrite, NewLogEntry, SessionState, Store, UserId, UserSettings,
};

/// Where a command came from; stored with every log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Console,
    DiscordCommand,
    DiscordDm,
    DiscordReply,
    DiscordButton,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Console => "console",
            Source::DiscordCommand => "discord-command",
            Source::DiscordDm => "discord-dm",
            Source::DiscordReply => "discord-reply",
            Source::DiscordButton => "discord-button",
        }
    }
}

/// What a person asked for, with its arguments already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    RoutineToday,
    RoutineStart,
    /// `timezone: None` reuses the one the user set before.
    RemindSet {
        time: LocalTime,
        timezone: Option<Timezone>,
    },
    RemindShow,
    RemindOff,
    /// The evening nudge time, or `None` to turn it off.
    FollowupSet(Option<LocalTime>),
    /// A holiday: no reminders from today through `until`.
    Pause {
        until: NaiveDate,
    },
    Resume,
    RestDays(RestDays),
    /// Everything stored about the user, as JSON.
    Export,
    /// Asks for confirmation before deleting.
    DeleteAsk,
    DeleteConfirmed,
    /// One level easier.
    LevelDown,
    /// Whether to ask for pain before a guided session.
    PainPrompt(bool),
    Progress,
    Help,
    /// A reply: typed text already parsed, or a button.
    Reply(Intent),
}

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
    fn new(step: &StepView<'_>) -> Self {
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
}

impl RoutineCard {
    fn new(content: &Content, routine: &Routine, level: u8) -> Self {
        let steps = content.steps_at(routine, level);
        RoutineCard {
            routine_id: routine.id.clone(),
            name: routine.name.clone(),
            summary: routine.summary.clone(),
            // The promised length at the standard level; levels change it.
            minutes: if routine.level_percent(level) == 100 {
                routine.minutes
            } else {
                (steps.iter().map(StepView::seconds).sum::<u32>() + 30) / 60
            },
            steps: steps.iter().map(StepLine::new).collect(),
            level,
            levels: routine.top_level(),
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodayView {
    pub date: NaiveDate,
    pub timezone: Timezone,
    /// False until the user has told us their timezone (UTC is assumed).
    pub timezone_set: bool,
    pub plan: TodayPlan,
    /// How today has gone so far, when anything is logged.
    pub status: Option<DayStatus>,
}

/// The prompt for one step of a guided session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPrompt {
    pub line: StepLine,
    pub of: u32,
    pub instructions: Vec<String>,
    pub safety: String,
    pub due: DateTime<Utc>,
    /// When its time is up and the next prompt comes.
    pub ends: DateTime<Utc>,
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
    pub next: DateTime<Utc>,
}

/// What a logged reply was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logged {
    Day { routine_name: String },
    Step { number: u32, of: u32, name: String },
}

/// A move between levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelChange {
    pub from: u8,
    pub to: u8,
    pub levels: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PainAdvice {
    /// Low pain: carry on gently.
    Fine,
    /// High pain now, or pain reported again and again: see a clinician.
    SeeClinician,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Today(TodayView),
    SessionStarted(SessionView),
    ReminderSet(ReminderView),
    ReminderShow {
        reminder: Option<ReminderView>,
        timezone: Option<Timezone>,
        /// A pause still running or to come.
        pause: Option<Pause>,
        followup: Option<LocalTime>,
        rest_days: RestDays,
        /// Discord refused to DM the user, so reminders are paused.
        dm_blocked: bool,
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
        /// True when this reply ended a guided session.
        session_finished: bool,
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
    Export(serde_json::Value),
    DeleteAsk,
    Deleted {
        anything: bool,
    },
    LevelChanged(LevelChange),
    PainPromptSet(bool),
    NotUnderstood,
    /// Something the user must do differently; changes nothing.
    Problem(String),
}

#[derive(Debug, thiserror::Error)]
pub enum CoachError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<CoachError> for sqlx::Error {
    fn from(e: CoachError) -> Self {
        match e {
            CoachError::Database(e) => e,
        }
    }
}

/// The longest holiday pause, in days.
pub const MAX_PAUSE_DAYS: u64 = 366;

/// A snooze moves today's reminder this much later, at most `MAX_SNOOZES` times a day.
pub const SNOOZE_MINUTES: i64 = 30;
pub const MAX_SNOOZES: u16 = 3;

/// How a level change for pain is recorded: "pain 8/10".
const PAIN_REASON: &str = "pain ";

/// Pain at or below this counts as low for moving up a level.
const LOW_PAIN: u8 = 3;

/// Pain at or above this on several recent days suggests a clinician too.
const REPEATED_PAIN: u8 = 4;
const REPEATED_PAIN_DAYS: usize = 3;

#[derive(Clone)]
pub struct Coach {
    store: Store,
    content: Arc<Content>,
    clock: Arc<dyn Clock>,
}

impl Coach {
    pub fn new(store: Store, content: Arc<Content>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            content,
            clock,
        }
    }

    /// The introduction for a user's very first message, once.
    pub async fn welcome_once(&self, user: UserId) -> Result<Option<&'static str>, CoachError> {
        Ok(self
            .store
            .mark_welcomed(user)
            .await?
            .then_some(text::WELCOME))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn content(&self) -> &Content {
        &self.content
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub async fn handle(
        &self,
        user: UserId,
        source: Source,
        command: Command,
    ) -> Result<Reply, CoachError> {
        let settings = self.store.user(user).await?;
        let now = self.clock.now();
        match command {
            Command::RoutineToday => self.today(&settings, now).await,
            Command::RoutineStart => self.start(&settings, now).await,
            Command::RemindSet { time, timezone } => {
                self.remind_set(&settings, time, timezone, now).await
            }
            Command::RemindShow => Ok(Reply::ReminderShow {
                reminder: reminder_view(&settings, now),
                timezone: settings.timezone,
                pause: settings
                    .pause
                    .filter(|p| p.until >= self.today_of(&settings, now)),
                followup: settings.followup_at,
                rest_days: settings.rest_days,
                dm_blocked: settings.dm_blocked,
            }),
            Command::RemindOff => {
                let was_on = self.store.clear_reminder(user).await?;
                self.store
                    .reschedule_daily(user, &[SendKind::Reminder, SendKind::Followup], &[])
                    .await?;
                Ok(Reply::ReminderOff { was_on })
            }
            Command::FollowupSet(at) => {
                self.store.set_followup(user, at).await?;
                let settings = self.store.user(user).await?;
                self.schedule_reminders(&settings, now).await?;
                Ok(Reply::FollowupSet { at })
            }
            Command::Pause { until } => {
                let today = self.today_of(&settings, now);
                if until < today {
                    return Ok(Reply::Problem(format!(
                        "{} has passed. Give a date from today on, like /remind pause until:{}",
                        until.format("%Y-%m-%d"),
                        (today + chrono::Days::new(7)).format("%Y-%m-%d")
                    )));
                }
                if until > today + chrono::Days::new(MAX_PAUSE_DAYS) {
                    return Ok(Reply::Problem(
                        "A pause can last up to a year. To stop reminders for good, use /remind off.".to_owned(),
                    ));
                }
                let pause = Pause { from: today, until };
                self.store.set_pause(user, Some(pause)).await?;
                Ok(Reply::Paused(pause))
            }
            Command::Resume => {
                let today = self.today_of(&settings, now);
                let was_paused = settings.pause.is_some_and(|p| p.until >= today);
                // Keep the days already paused so they stay neutral in the streak.
                let kept = settings.pause.filter(|p| p.from < today).map(|p| Pause {
                    from: p.from,
                    until: (today - chrono::Days::new(1)).min(p.until),
                });
                self.store.set_pause(user, kept).await?;
                Ok(Reply::Resumed { was_paused })
            }
            Command::RestDays(days) => {
                self.store.set_rest_days(user, days).await?;
                Ok(Reply::RestDaysSet(days))
            }
            Command::Export => Ok(Reply::Export(self.export(user, now).await?)),
            Command::DeleteAsk => Ok(Reply::DeleteAsk),
            Command::LevelDown => {
                let today = self.today_of(&settings, now);
                Ok(
                    match self.level_down(&settings, today, "asked", now).await? {
                        Some(change) => Reply::LevelChanged(change),
                        None => Reply::Problem("You are at the easiest level already.".to_owned()),
                    },
                )
            }
            Command::PainPrompt(ask) => {
                self.store.set_ask_pain(user, ask).await?;
                Ok(Reply::PainPromptSet(ask))
            }
            Command::DeleteConfirmed => Ok(Reply::Deleted {
                anything: self.store.delete_user(user).await?,
            }),
            Command::Progress => Ok(Reply::Progress(self.progress(&settings, now).await?)),
            Command::Help => Ok(Reply::Help),
            Command::Reply(intent) => self.reply(&settings, source, intent, now).await,
        }
    }

    /// The user's local date now.
    pub fn today_of(&self, settings: &UserSettings, now: DateTime<Utc>) -> NaiveDate {
        local_date(settings.timezone_or_utc(), now)
    }

    fn plan_for(&self, settings: &UserSettings, date: NaiveDate) -> DayPlan<'_> {
        day_plan(&self.content, settings.rest_days, settings.pause, date)
    }

    fn calendar(&self, settings: &UserSettings) -> Calendar<'_> {
        Calendar {
            content: &self.content,
            rest_days: settings.rest_days,
            pause: settings.pause,
        }
    }

    async fn today(
        &self,
        settings: &UserSettings,
        now: DateTime<Utc>,
    ) -> Result<Reply, CoachError> {
        let date = self.today_of(settings, now);
        let entries = self.store.day_log(settings.id, date).await?;
        Ok(Reply::Today(self.today_view(settings, date, &entries)))
    }

    /// What `date` holds for the user, given that day's log entries.
    pub fn today_view(
        &self,
        settings: &UserSettings,
        date: NaiveDate,
        entries: &[LogEntry],
    ) -> TodayView {
        let routine = self
            .content
            .planned_routine(chrono::Datelike::weekday(&date));
        let card = RoutineCard::new(&self.content, routine, level_of(settings, routine));
        let plan = match self.plan_for(settings, date) {
            DayPlan::Train(_) => TodayPlan::Train(card),
            DayPlan::Rest => TodayPlan::Rest { routine: card },
            DayPlan::Paused { until } => TodayPlan::Paused {
                until,
                routine: card,
            },
        };
        let status = if entries
            .iter()
            .any(|e| !matches!(e.outcome, LogOutcome::Pain(_)))
        {
            self.calendar(settings)
                .statuses(entries, date, date)
                .first()
                .map(|(_, s)| *s)
        } else {
            None
        };
        TodayView {
            date,
            timezone: settings.timezone_or_utc(),
            timezone_set: settings.timezone.is_some(),
            plan,
            status,
        }
    }

    /// Replaces the user's pending reminder and follow-up with the next ones.
    async fn schedule_reminders(
        &self,
        settings: &UserSettings,
        now: DateTime<Utc>,
    ) -> Result<(), CoachError> {
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
                    });
                }
            }
        }
        self.store
            .reschedule_daily(
                settings.id,
                &[SendKind::Reminder, SendKind::Followup],
                &sends,
            )
            .await?;
        Ok(())
    }

    /// Schedules the prompt that follows step `number` of a session when its time is up.
    async fn schedule_next_prompt(
        &self,
        session: &GuidedSession,
        number: u16,
        due_at: DateTime<Utc>,
    ) -> Result<(), CoachError> {
        let next = NewSend {
            user: session.user,
            kind: SendKind::Prompt,
            due_at,
            local_date: session.local_date,
            session: Some((session.id, number + 1)),
        };
        self.store
            .reschedule_prompts(session.id, Some(&next))
            .await?;
        Ok(())
    }

    async fn start(
        &self,
        settings: &UserSettings,
        now: DateTime<Utc>,
    ) -> Result<Reply, CoachError> {
        let date = self.today_of(settings, now);
        // On a rest day or a pause, asking to start still gets the day's routine.
        let routine = self
            .content
            .planned_routine(chrono::Datelike::weekday(&date));
        let level = level_of(settings, routine);
        let steps = timed_steps(&self.content, routine, level, now);
        let Some(first) = steps.first() else {
            return Ok(Reply::Problem("Today's routine has no steps.".to_owned()));
        };
        let session = self
            .store
            .start_session(settings.id, date, &routine.id, level, first.ends, now)
            .await?;
        let of = steps.len() as u32;
        self.schedule_next_prompt(&session, 1, first.ends).await?;
        Ok(Reply::SessionStarted(SessionView {
            session_id: session.id,
            card: RoutineCard::new(&self.content, routine, level),
            schedule: steps
                .iter()
                .map(|t| (StepLine::new(&t.step), t.due))
                .collect(),
            first: step_prompt(&first.step, of, first.due, first.ends),
            ask_pain: settings.ask_pain
                && !self
                    .store
                    .day_log(settings.id, date)
                    .await?
                    .iter()
                    .any(|e| matches!(e.outcome, LogOutcome::Pain(_))),
        }))
    }

    async fn remind_set(
        &self,
        settings: &UserSettings,
        time: LocalTime,
        timezone: Option<Timezone>,
        now: DateTime<Utc>,
    ) -> Result<Reply, CoachError> {
        let Some(timezone) = timezone.or(settings.timezone) else {
            return Ok(Reply::Problem(format!(
                "Which timezone are you in? Add it once, like: /remind set {time} Europe/Berlin"
            )));
        };
        let updated = self.store.set_reminder(settings.id, time, timezone).await?;
        self.schedule_reminders(&updated, now).await?;
        Ok(Reply::ReminderSet(ReminderView {
            at: time,
            timezone,
            next: next_reminder(timezone, time, now),
        }))
    }

    pub async fn progress(
        &self,
        settings: &UserSettings,
        now: DateTime<Utc>,
    ) -> Result<Progress, CoachError> {
        let entries = self.store.history(settings.id).await?;
        let today = self.today_of(settings, now);
        Ok(self.calendar(settings).progress(&entries, today))
    }

    /// The user's active session, ending it first if it belongs to an earlier day.
    async fn live_session(
        &self,
        settings: &UserSettings,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Option<GuidedSession>, CoachError> {
        match self.store.active_session(settings.id).await? {
            Some(s) if s.local_date != today => {
                self.store
                    .end_session(s.id, SessionState::Stopped, now)
                    .await?;
                Ok(None)
            }
            other => Ok(other),
        }
    }

    async fn reply(
        &self,
        settings: &UserSettings,
        source: Source,
        intent: Intent,
        now: DateTime<Utc>,
    ) -> Result<Reply, CoachError> {
        let today = self.today_of(settings, now);
        let session = self.live_session(settings, today, now).await?;
        match intent {
            Intent::Done | Intent::Skip => {
                let outcome = if intent == Intent::Done {
                    LogOutcome::Done
                } else {
                    LogOutcome::Skip
                };
                match session {
                    Some(s) => {
                        self.log_session_step(settings, source, s, outcome, now)
                            .await
                    }
                    None => self.log_day(settings, source, today, outcome, now).await,
                }
            }
            Intent::Pain(level) => {
                let (routine_id, step) = match &session {
                    Some(s) => (s.routine_id.clone(), s.current_step),
                    None => (
                        self.content
                            .planned_routine(chrono::Datelike::weekday(&today))
                            .id
                            .clone(),
                        0,
                    ),
                };
                self.store
                    .log(&NewLogEntry {
                        user: settings.id,
                        local_date: today,
                        routine_id: &routine_id,
                        step,
                        outcome: LogOutcome::Pain(level),
                        source: source.as_str(),
                        at: now,
                    })
                    .await?;
                let (advice, gentler) = self.pain_advice(settings, level).await?;
                let level_change = if gentler {
                    self.level_down(settings, today, &format!("{PAIN_REASON}{level}"), now)
                        .await?
                } else {
                    None
                };
                Ok(Reply::Pain {
                    level,
                    advice,
                    level_change,
                })
            }
            Intent::Stop => match session {
                Some(s) => {
                    self.store
                        .end_session(s.id, SessionState::Stopped, now)
                        .await?;
                    self.store.reschedule_prompts(s.id, None).await?;
                    let of = self
                        .content
                        .routine(&s.routine_id)
                        .map_or(0, |r| r.steps.len() as u32);
                    Ok(Reply::SessionStopped {
                        at_step: u32::from(s.current_step),
                        of,
                    })
                }
                None => Ok(Reply::NothingToStop),
            },
            Intent::Snooze => {
                if settings.remind_at.is_none() {
                    return Ok(Reply::NothingToSnooze);
                }
                let until = now + chrono::Duration::minutes(SNOOZE_MINUTES);
                match self
                    .store
                    .snooze_reminder(settings.id, today, until, MAX_SNOOZES)
                    .await?
                {
                    Some(count) => Ok(Reply::Snoozed { until, count }),
                    None if self.store.reminder_snoozes(settings.id, today).await?
                        >= Some(MAX_SNOOZES) =>
                    {
                        Ok(Reply::SnoozeLimit)
                    }
                    None => Ok(Reply::NothingToSnooze),
                }
            }
            Intent::NotUnderstood => Ok(Reply::NotUnderstood),
        }
    }

    async fn log_day(
        &self,
        settings: &UserSettings,
        source: Source,
        today: NaiveDate,
        outcome: LogOutcome,
        now: DateTime<Utc>,
    ) -> Result<Reply, CoachError> {
        let routine = self
            .content
            .planned_routine(chrono::Datelike::weekday(&today));
        let write = self
            .store
            .log(&NewLogEntry {
                user: settings.id,
                local_date: today,
                routine_id: &routine.id,
                step: 0,
                outcome,
                source: source.as_str(),
                at: now,
            })
            .await?;
        let streak = self.progress(settings, now).await?.current_streak;
        let level_change = if outcome == LogOutcome::Done && write != LogWrite::Unchanged {
            self.maybe_level_up(settings, today, now).await?
        } else {
            None
        };
        Ok(Reply::Logged {
            what: Logged::Day {
                routine_name: routine.name.clone(),
            },
            outcome,
            write,
            next: None,
            session_finished: false,
            current_streak: Some(streak),
            level_change,
        })
    }

    async fn log_session_step(
        &self,
        settings: &UserSettings,
        source: Source,
        session: GuidedSession,
        outcome: LogOutcome,
        now: DateTime<Utc>,
    ) -> Result<Reply, CoachError> {
        let Some(routine) = self.content.routine(&session.routine_id) else {
            // The content changed under a running session: end it rather than guess.
            self.store
                .end_session(session.id, SessionState::Stopped, now)
                .await?;
            return self
                .log_day(settings, source, session.local_date, outcome, now)
                .await;
        };
        let of = routine.steps.len() as u32;
        let number = session.current_step;
        let level = routine.level_or_standard(session.level);
        let name = step_at(&self.content, routine, level, number, now)
            .map_or_else(String::new, |t| t.step.exercise.name.clone());
        let write = self
            .store
            .log(&NewLogEntry {
                user: settings.id,
                local_date: session.local_date,
                routine_id: &routine.id,
                step: number,
                outcome,
                source: source.as_str(),
                at: now,
            })
            .await?;
        let next = step_at(&self.content, routine, level, number + 1, now);
        let mut finished = false;
        match &next {
            Some(t) => {
                if self
                    .store
                    .advance_session(session.id, number, number + 1, t.ends)
                    .await?
                {
                    self.schedule_next_prompt(&session, number + 1, t.ends)
                        .await?;
                }
            }
            None => {
                finished = self
                    .store
                    .end_session(session.id, SessionState::Finished, now)
                    .await?;
                self.store.reschedule_prompts(session.id, None).await?;
            }
        }
        let current_streak = if finished {
            Some(self.progress(settings, now).await?.current_streak)
        } else {
            None
        };
        let level_change = if finished {
            self.maybe_level_up(settings, session.local_date, now)
                .await?
        } else {
            None
        };
        Ok(Reply::Logged {
            what: Logged::Step {
                number: u32::from(number),
                of,
                name,
            },
            outcome,
            write,
            next: next.map(|t| step_prompt(&t.step, of, t.due, t.ends)),
            session_finished: finished,
            current_streak,
            level_change,
        })
    }

    /// Whether to suggest a clinician, and whether to make sessions gentler:
    /// pain of 7 or more, or pain rising over the last three days it was
    /// reported, does both; pain of 4 or more on three days in a week
    /// suggests a clinician.
    async fn pain_advice(
        &self,
        settings: &UserSettings,
        level: PainLevel,
    ) -> Result<(PainAdvice, bool), CoachError> {
        let since = self.today_of(settings, self.clock.now()) - chrono::Days::new(30);
        let entries = self.store.history_since(settings.id, since).await?;
        // The last pain of each day, oldest day first.
        let mut by_day: Vec<(NaiveDate, u8)> = Vec::new();
        for e in &entries {
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
            return Ok((PainAdvice::SeeClinician, true));
        }
        let week_ago = self.today_of(settings, self.clock.now()) - chrono::Days::new(7);
        let entries: Vec<_> = entries
            .into_iter()
            .filter(|e| e.local_date >= week_ago)
            .collect();
        let mut painful_days: Vec<NaiveDate> = entries
            .iter()
            .filter(|e| matches!(e.outcome, LogOutcome::Pain(p) if p.get() >= REPEATED_PAIN))
            .map(|e| e.local_date)
            .collect();
        painful_days.dedup();
        Ok((
            if painful_days.len() >= REPEATED_PAIN_DAYS {
                PainAdvice::SeeClinician
            } else {
                PainAdvice::Fine
            },
            false,
        ))
    }

    /// One level easier for today's routine, recorded with `reason`; at most
    /// one step down a day for pain.
    async fn level_down(
        &self,
        settings: &UserSettings,
        today: NaiveDate,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<LevelChange>, CoachError> {
        let routine = self
            .content
            .planned_routine(chrono::Datelike::weekday(&today));
        let from = level_of(settings, routine);
        if from <= 1 {
            return Ok(None);
        }
        if reason.starts_with(PAIN_REASON) {
            // Pain steps down once a day, however often it is reported.
            let tz = settings.timezone_or_utc();
            let stepped_today =
                self.store
                    .level_changes(settings.id)
                    .await?
                    .iter()
                    .any(|(at, _, _, why)| {
                        local_date(tz, *at) == today && why.starts_with(PAIN_REASON)
                    });
            if stepped_today {
                return Ok(None);
            }
        }
        self.store
            .change_level(settings.id, from, from - 1, reason, now)
            .await?;
        Ok(Some(LevelChange {
            from,
            to: from - 1,
            levels: routine.top_level(),
        }))
    }

    /// One level up once the routine's number of completed days with low
    /// pain (3 or less) has passed since the last change.
    async fn maybe_level_up(
        &self,
        settings: &UserSettings,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Option<LevelChange>, CoachError> {
        let routine = self
            .content
            .planned_routine(chrono::Datelike::weekday(&today));
        let from = level_of(settings, routine);
        if from >= routine.top_level() {
            return Ok(None);
        }
        let since = self
            .store
            .level_changes(settings.id)
            .await?
            .last()
            .map(|(at, ..)| *at);
        let entries = self.store.history(settings.id).await?;
        let recent: Vec<_> = entries
            .iter()
            .filter(|e| since.is_none_or(|s| e.at > s))
            .collect();
        let painful: std::collections::HashSet<NaiveDate> = recent
            .iter()
            .filter(|e| matches!(e.outcome, LogOutcome::Pain(p) if p.get() > LOW_PAIN))
            .map(|e| e.local_date)
            .collect();
        let days: std::collections::BTreeSet<NaiveDate> =
            recent.iter().map(|e| e.local_date).collect();
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Ok(None);
        };
        // One pass over the days since the last change, not one per day.
        let good = self
            .calendar(settings)
            .statuses(&entries, *first, *last)
            .into_iter()
            .filter(|(d, s)| *s == DayStatus::Done && days.contains(d) && !painful.contains(d))
            .count() as u32;
        if good < routine.level_up_after {
            return Ok(None);
        }
        self.store
            .change_level(
                settings.id,
                from,
                from + 1,
                "steady progress with low pain",
                now,
            )
            .await?;
        Ok(Some(LevelChange {
            from,
            to: from + 1,
            levels: routine.top_level(),
        }))
    }
}

/// The user's level for `routine`, within the levels it has.
pub fn level_of(settings: &UserSettings, routine: &Routine) -> u8 {
    settings
        .level
        .unwrap_or_else(|| routine.standard_level())
        .clamp(1, routine.top_level())
}

fn reminder_view(settings: &UserSettings, now: DateTime<Utc>) -> Option<ReminderView> {
    let at = settings.remind_at?;
    let timezone = settings.timezone_or_utc();
    Some(ReminderView {
        at,
        timezone,
        next: next_reminder(timezone, at, now),
    })
}

pub fn step_prompt(
    step: &StepView<'_>,
    of: u32,
    due: DateTime<Utc>,
    ends: DateTime<Utc>,
) -> StepPrompt {
    StepPrompt {
        line: StepLine::new(step),
        of,
        instructions: step.exercise.steps.clone(),
        safety: step.exercise.safety.clone(),
        due,
        ends,
    }
}
