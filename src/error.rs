//! The crate's two kinds of failure: a mistake the person made (`UserError`,
//! whose message says what to type instead, and which changes nothing) and
//! everything else (`Error`), which is ours.

use chrono::NaiveDate;

use crate::coach::fit::{BadGear, BadLength};
use crate::coach::plan::{BadDate, BadWeekday};
use crate::coach::{BadTime, BadTimezone, LocalTime};

/// A mistake a person made. Its message says what to type instead; nothing
/// was changed. Every front end shows it as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Time(#[from] BadTime),
    #[error("{0}")]
    Timezone(#[from] BadTimezone),
    #[error("{0}")]
    Weekday(#[from] BadWeekday),
    #[error("{0}")]
    Date(#[from] BadDate),
    #[error("{0}")]
    Length(#[from] BadLength),
    #[error("{0}")]
    Gear(#[from] BadGear),
    #[error("\"{input}\" is not a time: type a time like 19:00, or off")]
    TimeOrOff { input: String },
    #[error("Type on or off")]
    OnOff,
    #[error("\"{input}\" is not a day: type a weekday like sunday, or off")]
    WeeklyDay { input: String },
    #[error("Which timezone are you in? Add it once, like: /remind set {time} Europe/Berlin")]
    NeedTimezone { time: LocalTime },
    #[error(
        "{} has passed. Give a date from today on, like /remind pause until:{}",
        until.format("%Y-%m-%d"),
        example.format("%Y-%m-%d")
    )]
    PauseOver {
        until: NaiveDate,
        example: NaiveDate,
    },
    #[error("A pause can last up to a year. To stop reminders for good, use /remind off")]
    PauseTooLong,
    #[error("You are at the easiest level already")]
    EasiestLevel,
    #[error("Only members with the Manage Server permission can change the server's daily post")]
    NotAdmin,
    #[error("/coach works in a server, not in DMs")]
    ServerOnly,
    #[error("Pick a text channel for the daily post")]
    NotATextChannel,
    #[error("I cannot post in that channel: give me View Channel, Send Messages and Embed Links there, or pick another channel")]
    CannotPost,
}

/// Why an action did not happen: the person's mistake, or ours.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    User(#[from] UserError),
    /// The database could not be reached before anything was read or
    /// written, so nothing changed.
    #[error("database unreachable: {0}")]
    Unreachable(#[source] sqlx::Error),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl Error {
    /// A failure to reach the database before anything was written.
    pub fn unreachable(e: sqlx::Error) -> Self {
        Error::Unreachable(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
