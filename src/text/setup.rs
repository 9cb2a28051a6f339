//! The words of the first-run setup.

use crate::app::setup::SetupStep;
use crate::coach::LocalTime;

/// Offered beside a person's very first answer.
pub const OFFER: &str = "Quick setup, four questions. Each answer is saved at once; skip any, and change them later with /settings and /remind set.";

/// The question of each step.
pub fn question(step: SetupStep) -> String {
    let asked = match step {
        SetupStep::Timezone => "Your timezone, so reminders come at your local time?",
        SetupStep::ReminderTime => "When should I remind you each day?",
        SetupStep::Length => "How long a routine suits your day?",
        SetupStep::Equipment => "Which of these do you have? Pick all you have, or none.",
    };
    format!("{} of {}: {asked}", step.number(), SetupStep::ALL.len())
}

pub const DONE: &str =
    "All set. /routine today shows your routine; /settings and /remind set change your answers.";

pub const SKIP: &str = "Skip";
pub const PICK_ZONE: &str = "Pick your timezone";
pub const FIND_BY_CLOCK: &str = "Find mine by the time";
pub const PICK_TIME: &str = "Pick a time";
pub const OTHER_TIME: &str = "Another time…";
pub const NO_REMINDER: &str = "No reminder";
pub const PICK_LENGTH: &str = "Pick a length";
pub const PICK_KIT: &str = "Pick what you have";
pub const NO_KIT: &str = "I have none of these";

/// The form that finds a timezone from the person's clock.
pub const CLOCK_TITLE: &str = "Find your timezone";
pub const CLOCK_LABEL: &str = "What time is it for you now?";
/// The form for a reminder time not in the list.
pub const TIME_TITLE: &str = "Your reminder time";
pub const TIME_LABEL: &str = "Time on a 24-hour clock";

/// A length as offered.
pub fn minutes(m: u32) -> String {
    format!("{m} minutes a day")
}

/// Above the zones whose clock shows what the person said.
pub fn zones_showing(time: LocalTime) -> String {
    format!("Where it is {time} now, you are probably in one of these:")
}

pub const NO_ZONE_SHOWS: &str =
    "No timezone shows that time right now: check the time, on a 24-hour clock, and try again.";

/// How to answer a question in the console.
pub fn console_hint(step: SetupStep) -> &'static str {
    match step {
        SetupStep::Timezone => {
            "Type your city, like Berlin, or the time on your clock, like 14:35 (Enter to skip):"
        }
        SetupStep::ReminderTime => "Type a time like 07:30 (Enter for no reminder):",
        SetupStep::Length => "Type 5 or 10 (Enter to skip):",
        SetupStep::Equipment => {
            "Type what you have of tennis ball, golf ball, towel, chair, step, or none (Enter to skip):"
        }
    }
}

/// Said once to a newcomer in the console.
pub const CONSOLE_OFFER: &str = "New here? Type /setup for four quick questions: your timezone, a reminder, how long and what you have.";
