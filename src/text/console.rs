//! Words only the console says: how each command is typed there, since a
//! terminal has no slash-command menu.

/// The commands, for an unknown one.
pub const COMMANDS: &str = "/routine today, /routine start, /remind set 07:30 Europe/Berlin, /remind show, /remind off, /progress, /help";

pub const ROUTINE: &str = "Type /routine today or /routine start";
pub const REMIND_SET: &str =
    "Type /remind set HH:MM and your zone, like /remind set 07:30 Europe/Berlin";
pub const REMIND_PAUSE: &str = "Type /remind pause YYYY-MM-DD, like /remind pause 2027-01-05";
pub const REMIND: &str = "Type /remind set 07:30 Europe/Berlin, /remind show or /remind off";
pub const FOLLOWUP: &str = "Type /settings followup 19:00 (or off)";
pub const RESTDAYS: &str = "Type /settings restdays sat sun, or none";
pub const PAINPROMPT: &str = "Type /settings painprompt on or /settings painprompt off";
pub const LENGTH: &str = "Type /settings length 5 or /settings length 10";
pub const EQUIPMENT: &str = "Type /settings equipment and what you have, like /settings equipment tennis ball, towel (or none)";
pub const SETTINGS: &str = "Type /settings followup 19:00 (or off), /settings restdays sat sun (or none), /settings length 5|10, /settings equipment tennis ball, towel (or none), /settings painprompt on|off, or /settings weekly sunday (or off)";
pub const WEEKLY: &str = "Type /settings weekly and a day, like /settings weekly sunday, or off";
pub const LEVEL: &str = "Type /level down";
pub const MYDATA: &str = "Type /mydata export or /mydata delete";
pub const COACH: &str = "Type /coach channel, /coach show, /coach off, or /coach board on (or off)";

/// A mistake in a console line, said as Discord says it, with how the
/// command is typed.
pub fn mistake(problem: &crate::error::UserError, usage: &str) -> String {
    format!("{} {usage}", super::refused(problem))
}

pub fn unknown(line: &str) -> String {
    let shown: String = line.chars().take(30).collect();
    format!("Unknown command \"{shown}\". Try {COMMANDS}")
}

/// The longest console name, in characters.
pub const MAX_NAME: usize = 64;

pub fn bad_name() -> String {
    format!("--user takes a name of 1 to {MAX_NAME} characters, like --user alex")
}

/// When the console lost a line to a failure of ours.
pub const LINE_LOST: &str =
    "Something went wrong on my side and nothing was saved for that line; please try again.";

pub const BYE: &str = "Bye. Everything is saved.";
