//! The first-run setup in the console: the same four questions as on
//! Discord, asked in plain words; each answer is saved at once, and an
//! empty line (or "skip") skips a question.

use crate::app::setup::SetupStep;
use crate::app::{Coach, Command};
use crate::coach::fit::{Kit, RoutineLength};
use crate::coach::user::UserId;
use crate::coach::{LocalTime, Timezone};
use crate::error::{Error, UserError};
use crate::text::{self, setup as words};

/// A setup under way: the question the next line answers.
pub(super) struct Setup {
    step: SetupStep,
}

impl Setup {
    /// Starts the setup: it and its first question.
    pub(super) fn start() -> (Setup, String) {
        let step = SetupStep::Timezone;
        (Setup { step }, format!("{}\n{}", words::OFFER, ask(step)))
    }

    /// Takes `line` as the answer to the current question. Returns what to
    /// print, and whether the setup is over.
    pub(super) async fn answer(
        &mut self,
        coach: &Coach,
        user: UserId,
        name: &str,
        line: &str,
    ) -> (String, bool) {
        let line = line.trim();
        if line.is_empty() || line.eq_ignore_ascii_case("skip") {
            return self.advance(None);
        }
        let command = match self.command(line, coach) {
            Ok(command) => command,
            Err(note) => return (format!("{note}\n{}", ask(self.step)), false),
        };
        match super::answer(coach, user, name, command).await {
            Ok((text, _)) => self.advance(Some(text)),
            Err(Error::User(mistake)) => (
                format!("{}\n{}", text::refused(&mistake), ask(self.step)),
                false,
            ),
            Err(e) => {
                tracing::error!(error = %e, "console setup answer failed");
                (
                    format!("{}\n{}", text::console::LINE_LOST, ask(self.step)),
                    false,
                )
            }
        }
    }

    /// The command a line answers the current question with, or what to
    /// say before asking again.
    fn command(&self, line: &str, coach: &Coach) -> Result<Command, String> {
        let refused = |e: UserError| text::refused(&e);
        Ok(match self.step {
            SetupStep::Timezone => {
                // The time on their clock finds the zones showing it.
                if let Ok(time) = line.parse::<LocalTime>() {
                    let zones = Timezone::showing(time, coach.now());
                    let note = if zones.is_empty() {
                        words::NO_ZONE_SHOWS.to_owned()
                    } else {
                        let names: Vec<&str> = zones.iter().take(8).map(|z| z.name()).collect();
                        format!("{} {}", words::zones_showing(time), names.join(", "))
                    };
                    return Err(note);
                }
                let zone = Timezone::read(line, coach.now()).map_err(|e| refused(e.into()))?;
                Command::TimezoneSet(zone)
            }
            SetupStep::ReminderTime => Command::RemindSet {
                time: line
                    .parse()
                    .map_err(|e: crate::coach::BadTime| refused(e.into()))?,
                timezone: None,
            },
            SetupStep::Length => Command::RoutineLength(
                line.parse::<RoutineLength>()
                    .map_err(|e| refused(e.into()))?,
            ),
            SetupStep::Equipment => {
                Command::Equipment(Kit::parse_list(line).map_err(|e| refused(e.into()))?)
            }
        })
    }

    /// On to the next question, after what the last answer did.
    fn advance(&mut self, done: Option<String>) -> (String, bool) {
        let next = match self.step.next() {
            Some(step) => {
                self.step = step;
                (ask(step), false)
            }
            None => (words::DONE.to_owned(), true),
        };
        match done {
            Some(text) => (format!("{text}\n{}", next.0), next.1),
            None => next,
        }
    }
}

/// A question as the console asks it.
fn ask(step: SetupStep) -> String {
    format!("{} {}", words::question(step), words::console_hint(step))
}
