//! The words of the Coach's replies.

use crate::app::data::EXPORT_VERSION;
use crate::app::logging::MAX_SNOOZES;
use crate::app::{Logged, ReminderView, Reply};
use crate::coach::fit::{Kit, RoutineLength};
use crate::coach::progress::{LogOutcome, Progress};
use crate::coach::progression::{LevelChange, PainAdvice};
use crate::coach::session::SessionSummary;
use crate::store::LogWrite;

use super::routine::{self, status_word, streak};
use super::{at, plural, relative, Text, REPLY_WORDS};

fn reminder_line(r: &ReminderView) -> Text {
    let line = Text::from(format!("Reminder every day at {} ({}).", r.at, r.timezone));
    match r.next {
        Some(next) => line + Text::from(" Next: ") + at(next),
        None => line,
    }
}

pub fn progress(p: &Progress) -> String {
    let week: Vec<String> = p
        .week
        .iter()
        .map(|(d, s)| format!("{} {}", d.format("%a"), s.map_or("-", status_word)))
        .collect();
    format!(
        "Current streak: {} day{}. Best: {}. Days done: {}. Minutes logged: {}.\nThis week: {}",
        p.current_streak,
        plural(p.current_streak),
        p.best_streak,
        p.days_done,
        p.total_minutes,
        week.join(", ")
    )
}

/// Where the progress picture went, in the console.
/// What a screen reader says for the progress picture.
pub const CALENDAR_ALT: &str =
    "Calendar of the last 12 weeks, one square per day, coloured by how the day went";

pub fn calendar_file(path: &str) -> String {
    format!("Your calendar of the last 12 weeks: {path}")
}

pub fn sheet_file(path: &str) -> String {
    format!("Today's exercises as pictures: {path}")
}

/// A level change in words.
pub fn level_change(c: &LevelChange) -> String {
    if c.to > c.from {
        format!(
            "Steady work with little pain: you move up to level {} of {}, so holds and repetitions grow. /level down goes back.",
            c.to, c.levels
        )
    } else {
        format!(
            "Your sessions are now gentler: level {} of {}, with shorter holds and fewer repetitions.",
            c.to, c.levels
        )
    }
}

/// A logged reply, without the next prompt of a session.
pub fn logged(
    what: &Logged,
    outcome: LogOutcome,
    write: LogWrite,
    session: Option<&SessionSummary>,
    current_streak: Option<u32>,
    level_change: Option<&LevelChange>,
) -> String {
    let verb = match outcome {
        LogOutcome::Done => "done",
        LogOutcome::Skip => "skipped",
        LogOutcome::Pain(_) => "noted",
    };
    let subject = match what {
        Logged::Day { routine_name } => format!("Today's {routine_name}"),
        Logged::Step { number, of, name } => format!("Step {number} of {of} ({name})"),
    };
    let mut out = vec![match write {
        LogWrite::Unchanged => format!("{subject} was already logged as {verb}."),
        _ => format!("{subject}: {verb}. Logged."),
    }];
    match session {
        Some(summary) => {
            out.push("That was the last step: session complete. Well done!".to_owned());
            out.extend(routine::session_summary(summary));
        }
        None => out.extend(current_streak.filter(|d| *d > 0).map(streak)),
    }
    if let Some(c) = level_change {
        out.push(self::level_change(c));
    }
    out.join("\n")
}

/// A reply that is words alone. Replies with their own layout (today's
/// card, a session's start, a prompt) take their parts from `routine`.
pub fn reply(reply: &Reply) -> Text {
    match reply {
        Reply::Today(view) => {
            let t = routine::today(view);
            Text::from(format!("{}: {}", t.date, t.card.heading))
        }
        Reply::SessionStarted(s) => routine::session_started(s),
        Reply::ReminderSet(r) => Text::from("Done. ") + reminder_line(r),
        Reply::TimezoneSet { timezone, next } => {
            let line = Text::from(format!("Your timezone: {timezone}."));
            match next {
                Some(next) => line + Text::from(" Next reminder: ") + at(*next),
                None => line,
            }
        }
        Reply::ReminderShow {
            reminder,
            timezone,
            pause,
            followup,
            rest_days,
            dm_blocked,
            length,
            equipment,
            weekly,
        } => {
            let mut out = vec![match reminder {
                Some(r) => reminder_line(r),
                None => Text::from(
                    "No daily reminder is set. Set one with /remind set 07:30 Europe/Berlin",
                ),
            }];
            match (reminder, timezone) {
                (None, Some(tz)) => out.push(Text::from(format!("Your timezone: {tz}."))),
                (Some(_), _) => out.push(Text::from(match followup {
                    Some(t) => format!(
                        "Evening nudge at {t} on days not done yet (/settings followup off to stop it)."
                    ),
                    None => "No evening nudge.".to_owned(),
                })),
                (None, None) => {}
            }
            if !rest_days.is_empty() {
                out.push(Text::from(format!("Rest days: {rest_days}.")));
            }
            if let Some(length) = length {
                out.push(Text::from(format!("Routine length: {length} a day.")));
            }
            if let Some(kit) = equipment {
                out.push(Text::from(format!("Your equipment: {kit}.")));
            }
            out.push(Text::from(super::review::weekly_setting(*weekly)));
            if let Some(p) = pause {
                out.push(Text::from(format!(
                    "Paused from {} until {}.",
                    p.from.format("%-d %B %Y"),
                    p.until.format("%-d %B %Y")
                )));
            }
            if *dm_blocked {
                out.push(Text::from(DMS_CLOSED));
            }
            Text::lines(out)
        }
        Reply::ReminderOff { was_on: true } => {
            Text::from("Reminder off. Turn it back on with /remind set 07:30")
        }
        Reply::ReminderOff { was_on: false } => Text::from("There was no reminder to turn off."),
        Reply::Progress(p) => Text::from(progress(p)),
        Reply::Help => Text::from(super::help()),
        Reply::Logged {
            what,
            outcome,
            write,
            next,
            session,
            current_streak,
            level_change,
        } => {
            // A session's next prompt follows in its own layout.
            let _ = next;
            Text::from(logged(
                what,
                *outcome,
                *write,
                session.as_ref(),
                *current_streak,
                level_change.as_ref(),
            ))
        }
        Reply::Pain {
            level,
            advice,
            level_change,
        } => {
            let mut out = match advice {
                PainAdvice::Fine => {
                    format!("Pain {level} noted. Go gently, and stop if anything hurts sharply.")
                }
                PainAdvice::SeeClinician => format!(
                    "Pain {level} noted. Please stop the exercises that hurt, and see a clinician (a doctor or physiotherapist) about it before you carry on: pain this high, or pain that keeps coming back, needs a proper look."
                ),
            };
            if let Some(c) = level_change {
                out.push(' ');
                out.push_str(&self::level_change(c));
            }
            Text::from(out)
        }
        Reply::LevelChanged(c) => Text::from(level_change(c)),
        Reply::PainPromptSet(true) => Text::from(
            "Before each guided session I will ask how your foot feels (pain 0-10).",
        ),
        Reply::PainPromptSet(false) => Text::from(
            "I will not ask about pain before sessions; you can still say \"pain N\" any time.",
        ),
        Reply::SessionStopped { at_step, of } => Text::from(format!(
            "Session stopped at step {at_step} of {of}. What you logged is kept."
        )),
        Reply::NothingToStop => {
            Text::from("No guided session is running. Start one with /routine start")
        }
        Reply::NothingToSnooze => Text::from("There is no reminder today to snooze."),
        Reply::EveningPassed { at } => Text::from(format!(
            "It is past {at} already, so this evening has begun. Snooze for 10 minutes, 30 minutes or an hour instead."
        )),
        Reply::Snoozed { until, count } => {
            Text::from("Snoozed: I will remind you again ")
                + relative(*until)
                + format!(" (snooze {count} of {MAX_SNOOZES}).")
        }
        Reply::SnoozeLimit => Text::from(format!(
            "Today's reminder was already snoozed {MAX_SNOOZES} times; that is the limit. Say done when you have done it."
        )),
        Reply::FollowupSet { at: Some(at) } => Text::from(format!(
            "Evening nudge set for {at}, on days the routine is not done yet."
        )),
        Reply::FollowupSet { at: None } => Text::from("Evening nudge off."),
        Reply::Export(data) => Text::from(format!(
            "Your data: {} log entries, {} sessions (JSON, format version {EXPORT_VERSION}).",
            data["log"].as_array().map_or(0, Vec::len),
            data["sessions"].as_array().map_or(0, Vec::len),
        )),
        Reply::DeleteAsk => Text::from("This deletes everything footcoach keeps about you: settings, reminders, every log entry and session. It cannot be undone."),
        Reply::Deleted { anything: true } => Text::from("Done: everything about you is deleted and no reminder will come. If you talk to me again, I start fresh."),
        Reply::Deleted { anything: false } => Text::from("There was nothing stored about you."),
        Reply::Paused(p) => Text::from(format!(
            "Paused until {} (inclusive): no reminders or nudges, and these days neither break nor extend your streak. Back early? /remind resume",
            p.until.format("%A %-d %B %Y")
        )),
        Reply::Resumed { was_paused: true } => {
            Text::from("Welcome back: reminders are on again from today.")
        }
        Reply::Resumed { was_paused: false } => {
            Text::from("You were not paused; nothing changed.")
        }
        Reply::RestDaysSet(days) if days.is_empty() => {
            Text::from("No weekly rest days: every day has its routine.")
        }
        Reply::RestDaysSet(days) => Text::from(format!(
            "Rest days: {days}. No reminders on them, and they neither break nor extend your streak."
        )),
        Reply::RoutineLengthSet(length) => Text::from(match length {
            RoutineLength::Five => format!(
                "Routine length: {length} a day. Longer days get their short routine."
            ),
            RoutineLength::Ten => format!("Routine length: {length} a day, the full routine."),
        }),
        Reply::EquipmentSet(kit) if *kit == Kit::ALL => Text::from(format!(
            "Your equipment: {kit}. Every exercise is on."
        )),
        Reply::EquipmentSet(kit) => Text::from(format!(
            "Your equipment: {kit}. Exercises needing anything else are swapped or left out; /routine today shows which."
        )),
        Reply::WeeklySet {
            day,
            reminder,
            next,
        } => super::review::weekly_set(*day, *reminder, *next),
        Reply::Refused(mistake) => Text::from(super::refused(mistake)),
        Reply::NotUnderstood => Text::from(format!(
            "I did not catch that. You can answer with: {REPLY_WORDS}. Or type /help."
        )),
    }
}

/// How the console confirms a deletion.
pub const DELETE_CONFIRM_HOW: &str = "Type /mydata delete confirm to go ahead.";

/// The button that confirms a deletion.
pub const DELETE_BUTTON: &str = "Delete everything";

/// Where an export went, in the console.
pub fn export_file(path: &str) -> String {
    format!("Your data is in {path} (JSON, format version {EXPORT_VERSION}).")
}

/// A file the console could not write.
pub fn file_not_written(path: &str, error: &std::io::Error) -> String {
    format!("Could not write {path}: {error}. Nothing else changed.")
}

/// Someone pressing a button made for another person.
/// Told in any answer while Discord refuses the person's DMs.
pub const DMS_CLOSED: &str = "Reminders are paused: I could not send you a direct message. Allow DMs from server members, then /remind set again.";

pub const NOT_YOURS: &str = "This one is not yours: run /routine today to get your own buttons.";
