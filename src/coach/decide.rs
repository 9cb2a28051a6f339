//! What a due timeline row sends: a reminder (on time or late), the evening
//! nudge, the next prompt of a guided session, the end of a session, or
//! nothing, and what comes after it. Decided once per row, from the row, the
//! person's settings and that day's log.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::cues::{cue, Cue};
use super::fit::{fit, Kit};
use super::plan::{day_plan, DayPlan};
use super::progress::{Calendar, DayStatus, LogEntry};
use super::schedule::{local_date, reminders_between, resolve_local};
use super::session::{step_at, GuidedSession, SessionState, StepMessage, TimedStep};
use super::user::UserSettings;
use crate::content::{Content, Routine, StepView};

/// A reminder counts as late once it is this far behind its due instant.
pub const LATE_AFTER: chrono::Duration = chrono::Duration::minutes(2);

/// The two sends that come every day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daily {
    /// The morning reminder.
    Reminder,
    /// The evening nudge on a day not done yet.
    Followup,
}

/// A daily send that came due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueDaily {
    pub kind: Daily,
    /// The person's local date the send belongs to.
    pub local_date: NaiveDate,
    pub due_at: DateTime<Utc>,
    /// A snoozed reminder is not late: the person asked for it then.
    pub snoozes: u16,
}

/// Why a due row sends nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    TurnedOff,
    DayOver,
    RestDay,
    Paused,
    AlreadyDone,
    SessionMovedOn,
    RoutineGone,
    /// A cue's step was posted where it cannot be edited (or not yet known).
    NoStepMessage,
    /// A week in review for someone who logged nothing for four weeks.
    Idle,
    /// A week in review on another day than the one chosen: it moves there.
    OtherDay,
}

impl Skip {
    /// As recorded on the timeline row.
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::TurnedOff => "turned off",
            Skip::DayOver => "missed: that day is over",
            Skip::RestDay => "rest day",
            Skip::Paused => "paused",
            Skip::AlreadyDone => "already done",
            Skip::SessionMovedOn => "the session moved on",
            Skip::RoutineGone => "routine no longer exists",
            Skip::NoStepMessage => "the step's message is not known",
            Skip::Idle => "nothing logged for four weeks",
            Skip::OtherDay => "not the review day: moved to it",
        }
    }
}

/// What a due daily send does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DailyDecision<'a> {
    /// Send the day's routine; `status` is how the day has gone so far.
    Send {
        late: bool,
        routine: &'a Routine,
        status: Option<DayStatus>,
    },
    Skip(Skip),
}

/// The same daily send on a later local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextDaily {
    pub local_date: NaiveDate,
    pub due_at: DateTime<Utc>,
}

/// Decides a due reminder or nudge and schedules the next one. `entries`
/// are the person's log entries of `due.local_date`.
pub fn decide_daily<'a>(
    content: &'a Content,
    settings: &UserSettings,
    due: &DueDaily,
    entries: &[LogEntry],
    now: DateTime<Utc>,
) -> (DailyDecision<'a>, Option<NextDaily>) {
    let time = match due.kind {
        Daily::Reminder => settings.remind_at,
        // The nudge comes only with a reminder.
        Daily::Followup => settings.remind_at.and(settings.followup_at),
    };
    let Some(time) = time.filter(|_| !settings.dm_blocked) else {
        return (DailyDecision::Skip(Skip::TurnedOff), None);
    };
    let timezone = settings.timezone_or_utc();
    let today = local_date(timezone, now);
    // The following local day, or today when this one is from an earlier day.
    let next_date = (due.local_date + Days::new(1)).max(today);
    let next = Some(NextDaily {
        local_date: next_date,
        due_at: resolve_local(timezone, next_date, time),
    });
    if due.local_date < today {
        return (DailyDecision::Skip(Skip::DayOver), next);
    }
    let routine = match day_plan(content, settings.rest_days, settings.pause, due.local_date) {
        DayPlan::Rest => return (DailyDecision::Skip(Skip::RestDay), next),
        DayPlan::Paused { .. } => return (DailyDecision::Skip(Skip::Paused), next),
        DayPlan::Train(routine) => routine,
    };
    let calendar = Calendar {
        content,
        rest_days: settings.rest_days,
        pause: settings.pause,
        kit: settings.kit(),
    };
    let status = calendar.day_status(entries, due.local_date);
    if status == Some(DayStatus::Done) {
        return (DailyDecision::Skip(Skip::AlreadyDone), next);
    }
    let late = match due.kind {
        Daily::Reminder => due.snoozes == 0 && now - due.due_at > LATE_AFTER,
        Daily::Followup => false,
    };
    (
        DailyDecision::Send {
            late,
            routine,
            status,
        },
        next,
    )
}

/// Days looked ahead for the next reminder: the longest pause and a week.
const LOOK_AHEAD_DAYS: usize = 366 + 7;

/// The next reminder that will really be sent after `now`, by the same rules
/// as [`decide_daily`]: rest days, a pause and a day already done send none.
/// `None` when none is coming (turned off, DMs closed, every day a rest day).
pub fn next_reminder_sent(
    content: &Content,
    settings: &UserSettings,
    entries: &[LogEntry],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let time = settings.remind_at.filter(|_| !settings.dm_blocked)?;
    let timezone = settings.timezone_or_utc();
    reminders_between(timezone, time, now, LOOK_AHEAD_DAYS)
        .into_iter()
        .find_map(|(local_date, due_at)| {
            let due = DueDaily {
                kind: Daily::Reminder,
                local_date,
                due_at,
                snoozes: 0,
            };
            let (decision, _) = decide_daily(content, settings, &due, entries, due_at);
            matches!(decision, DailyDecision::Send { .. }).then_some(due_at)
        })
}

/// What a due prompt of a guided session does.
#[derive(Debug, Clone)]
pub enum PromptDecision<'a> {
    /// Post step `step.step.number`; the session moves to it, and the
    /// prompt after it is due when its time is up (`step.ends`).
    Step {
        routine: &'a Routine,
        step: TimedStep<'a>,
        /// Every step of the session, as fitted.
        steps: Vec<StepView<'a>>,
    },
    /// The last step's time is up: the session is finished.
    Over {
        routine: &'a Routine,
    },
    Skip(Skip),
}

/// Decides the prompt that opens step `number` (1-based) of `session`,
/// whose steps are fitted to `kit`.
pub fn decide_prompt<'a>(
    content: &'a Content,
    session: Option<&GuidedSession>,
    kit: Kit,
    number: u16,
    now: DateTime<Utc>,
) -> PromptDecision<'a> {
    let live = session.filter(|s| s.state == SessionState::Active && s.current_step + 1 == number);
    let Some(session) = live else {
        return PromptDecision::Skip(Skip::SessionMovedOn);
    };
    let Some(routine) = content.routine(&session.routine_id) else {
        return PromptDecision::Skip(Skip::RoutineGone);
    };
    let level = routine.level_or_standard(session.level);
    match step_at(content, routine, level, kit, number, now) {
        Some(step) => PromptDecision::Step {
            routine,
            step,
            steps: fit(content, routine, level, kit).steps,
        },
        None => PromptDecision::Over { routine },
    }
}

/// How long after it was posted an answer to an interaction can still be
/// edited through it: Discord's 15 minutes, less a margin for the way.
pub const INTERACTION_EDIT_SECONDS: u32 = 14 * 60;

/// What a due cue does.
#[derive(Debug, Clone)]
pub enum CueDecision<'a> {
    /// Edit the step's message at `at` to say `cue`.
    Cue {
        step: StepView<'a>,
        cue: Cue,
        at: StepMessage,
    },
    Skip(Skip),
}

/// Cue `number` of step `number` is given only while the session is still
/// on that step and its message is known.
pub fn decide_cue<'a>(
    content: &'a Content,
    session: Option<&GuidedSession>,
    kit: Kit,
    step: u16,
    number: u16,
) -> CueDecision<'a> {
    let live = session.filter(|s| s.state == SessionState::Active && s.current_step == step);
    let Some(session) = live else {
        return CueDecision::Skip(Skip::SessionMovedOn);
    };
    let Some(routine) = content.routine(&session.routine_id) else {
        return CueDecision::Skip(Skip::RoutineGone);
    };
    let Some(at) = session.step_message else {
        return CueDecision::Skip(Skip::NoStepMessage);
    };
    let level = routine.level_or_standard(session.level);
    let found = step_at(content, routine, level, kit, step, session.step_due_at)
        .and_then(|t| cue(&t.step.dose, number).map(|c| (t.step, c)));
    match found {
        // An interaction's answer is editable through it for a while only.
        Some((_, cue))
            if session.step_message_webhook.is_some()
                && cue.after_seconds >= INTERACTION_EDIT_SECONDS =>
        {
            CueDecision::Skip(Skip::NoStepMessage)
        }
        Some((step, cue)) => CueDecision::Cue { step, cue, at },
        None => CueDecision::Skip(Skip::SessionMovedOn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coach::cues::cues as cue_list;
    use crate::coach::plan::{Pause, RestDays};
    use crate::coach::progress::LogOutcome;
    use crate::coach::user::UserId;
    use crate::coach::{LocalTime, Timezone};
    use chrono::{Datelike, TimeZone};
    use proptest::prelude::*;

    fn content() -> Content {
        Content::embedded().expect("the real content loads")
    }

    fn berlin() -> Timezone {
        "Europe/Berlin".parse().unwrap()
    }

    fn settings() -> UserSettings {
        UserSettings {
            id: UserId(1),
            timezone: Some(berlin()),
            remind_at: LocalTime::new(7, 30),
            rest_days: RestDays::NONE,
            pause: None,
            dm_channel_id: None,
            followup_at: LocalTime::new(19, 0),
            dm_blocked: false,
            last_channel_id: None,
            level: None,
            ask_pain: true,
            length: None,
            equipment: None,
            weekly_day: Some(chrono::Weekday::Sun),
        }
    }

    fn date(day: u32) -> NaiveDate {
        // March 2027: the 1st is a Monday; Europe/Berlin moves to summer time on the 28th.
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    fn reminder(day: u32) -> DueDaily {
        DueDaily {
            kind: Daily::Reminder,
            local_date: date(day),
            due_at: resolve_local(berlin(), date(day), LocalTime::new(7, 30).unwrap()),
            snoozes: 0,
        }
    }

    fn done(day: u32) -> LogEntry {
        LogEntry {
            local_date: date(day),
            routine_id: "morning".into(),
            step: 0,
            outcome: LogOutcome::Done,
            source: "test".into(),
            at: Utc::now(),
        }
    }

    #[test]
    fn a_reminder_on_time_sends_and_schedules_the_next_local_day() {
        let content = content();
        let due = reminder(27);
        let (decision, next) = decide_daily(&content, &settings(), &due, &[], due.due_at);
        assert!(matches!(
            decision,
            DailyDecision::Send {
                late: false,
                status: None,
                ..
            }
        ));
        // Across the change to summer time: still 07:30 local, 23 hours later.
        let next = next.unwrap();
        assert_eq!(next.local_date, date(28));
        assert_eq!(next.due_at - due.due_at, chrono::Duration::hours(23));
    }

    #[test]
    fn late_done_rest_paused_and_over_days() {
        let content = content();
        let due = reminder(10);
        let later = due.due_at + chrono::Duration::minutes(30);
        let (d, _) = decide_daily(&content, &settings(), &due, &[], later);
        assert!(matches!(d, DailyDecision::Send { late: true, .. }));
        let snoozed = DueDaily { snoozes: 1, ..due };
        let (d, _) = decide_daily(&content, &settings(), &snoozed, &[], later);
        assert!(matches!(d, DailyDecision::Send { late: false, .. }));

        let (d, _) = decide_daily(&content, &settings(), &due, &[done(10)], due.due_at);
        assert_eq!(d, DailyDecision::Skip(Skip::AlreadyDone));

        let rest = UserSettings {
            rest_days: RestDays::NONE.with(date(10).weekday()),
            ..settings()
        };
        let (d, next) = decide_daily(&content, &rest, &due, &[], due.due_at);
        assert_eq!(d, DailyDecision::Skip(Skip::RestDay));
        assert_eq!(next.unwrap().local_date, date(11));

        let paused = UserSettings {
            pause: Some(Pause {
                from: date(9),
                until: date(12),
            }),
            ..settings()
        };
        let (d, _) = decide_daily(&content, &paused, &due, &[], due.due_at);
        assert_eq!(d, DailyDecision::Skip(Skip::Paused));

        // Two days late: that day is over, and the next one is today's.
        let (d, next) = decide_daily(
            &content,
            &settings(),
            &due,
            &[],
            due.due_at + chrono::Duration::days(2),
        );
        assert_eq!(d, DailyDecision::Skip(Skip::DayOver));
        assert_eq!(next.unwrap().local_date, date(12));
    }

    #[test]
    fn nothing_is_sent_or_scheduled_when_turned_off_or_dms_are_closed() {
        let content = content();
        let due = reminder(10);
        for s in [
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
                decide_daily(&content, &s, &due, &[], due.due_at),
                (DailyDecision::Skip(Skip::TurnedOff), None)
            );
        }
        // The nudge needs a reminder too.
        let nudge = DueDaily {
            kind: Daily::Followup,
            ..due
        };
        let s = UserSettings {
            remind_at: None,
            ..settings()
        };
        assert_eq!(
            decide_daily(&content, &s, &nudge, &[], due.due_at).0,
            DailyDecision::Skip(Skip::TurnedOff)
        );
    }

    fn session(step: u16, state: SessionState) -> GuidedSession {
        GuidedSession {
            id: 7,
            user: UserId(1),
            local_date: date(10),
            routine_id: "morning".into(),
            current_step: step,
            step_due_at: Utc::now(),
            state,
            started_at: Utc::now(),
            level: 0,
            step_message: None,
            step_message_text: None,
            step_message_webhook: None,
        }
    }

    #[test]
    fn prompts_follow_the_session_and_end_it() {
        let content = content();
        let now = Utc.with_ymd_and_hms(2027, 3, 10, 8, 0, 0).unwrap();
        let s = session(1, SessionState::Active);
        match decide_prompt(&content, Some(&s), Kit::ALL, 2, now) {
            PromptDecision::Step { step, .. } => {
                assert_eq!(step.step.number, 2);
                assert_eq!(step.due, now);
                assert!(step.ends > now);
            }
            other => panic!("{other:?}"),
        }
        let steps = content.routine("morning").unwrap().steps.len() as u16;
        let last = session(steps, SessionState::Active);
        assert!(matches!(
            decide_prompt(&content, Some(&last), Kit::ALL, steps + 1, now),
            PromptDecision::Over { .. }
        ));
        for (s, n) in [
            (session(1, SessionState::Stopped), 2),
            (session(2, SessionState::Active), 2),
        ] {
            assert!(matches!(
                decide_prompt(&content, Some(&s), Kit::ALL, n, now),
                PromptDecision::Skip(Skip::SessionMovedOn)
            ));
        }
        assert!(matches!(
            decide_prompt(&content, None, Kit::ALL, 2, now),
            PromptDecision::Skip(Skip::SessionMovedOn)
        ));
        let gone = GuidedSession {
            routine_id: "no-such-routine".into(),
            ..s
        };
        assert!(matches!(
            decide_prompt(&content, Some(&gone), Kit::ALL, 2, now),
            PromptDecision::Skip(Skip::RoutineGone)
        ));
    }

    #[test]
    fn a_cue_edits_the_steps_message_only_while_the_session_is_on_that_step() {
        let content = content();
        let routine = content.routine("morning").unwrap();
        let steps = fit(&content, routine, routine.standard_level(), Kit::ALL).steps;
        // The first step with a cue.
        let (number, step) = steps
            .iter()
            .find_map(|s| (!cue_list(&s.dose).is_empty()).then_some((s.number as u16, s)))
            .expect("the morning routine has a step with sides or sets");
        let at = StepMessage {
            channel: 7,
            message: 9,
        };
        let on_it = GuidedSession {
            step_message: Some(at),
            ..session(number, SessionState::Active)
        };
        match decide_cue(&content, Some(&on_it), Kit::ALL, number, 1) {
            CueDecision::Cue {
                step: s,
                cue,
                at: a,
            } => {
                assert_eq!(s.exercise.id, step.exercise.id);
                assert_eq!(cue.number, 1);
                assert_eq!(a, at);
            }
            other => panic!("{other:?}"),
        }
        let unknown = GuidedSession {
            step_message: None,
            ..on_it.clone()
        };
        assert!(matches!(
            decide_cue(&content, Some(&unknown), Kit::ALL, number, 1),
            CueDecision::Skip(Skip::NoStepMessage)
        ));
        for (s, step, cue) in [
            (on_it.clone(), number + 1, 1),
            (on_it.clone(), number, 99),
            (
                GuidedSession {
                    state: SessionState::Stopped,
                    ..on_it.clone()
                },
                number,
                1,
            ),
        ] {
            assert!(matches!(
                decide_cue(&content, Some(&s), Kit::ALL, step, cue),
                CueDecision::Skip(Skip::SessionMovedOn)
            ));
        }
    }

    proptest! {
        /// The next daily send is always on a later local day than the one
        /// due (or today), at the person's local time, and never in the past.
        #[test]
        fn the_next_daily_send_is_never_behind(day in 1u32..=28, hours_late in 0i64..96) {
            let content = content();
            let due = reminder(day);
            let now = due.due_at + chrono::Duration::hours(hours_late);
            let (_, next) = decide_daily(&content, &settings(), &due, &[], now);
            let next = next.unwrap();
            prop_assert!(next.local_date > due.local_date || next.local_date == local_date(berlin(), now));
            prop_assert!(next.local_date >= local_date(berlin(), now));
            let local = next.due_at.with_timezone(&berlin().tz());
            prop_assert_eq!(local.date_naive(), next.local_date);
        }
    }
}
