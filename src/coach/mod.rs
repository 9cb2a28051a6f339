//! The coaching rules: pure functions of content, settings, history and
//! instants. No IO, no async, no SQL, no serenity here.

pub mod plan;
pub mod progress;
pub mod reply;
pub mod schedule;
pub mod session;
pub mod types;

pub use types::{BadPain, BadTime, BadTimezone, LocalTime, PainLevel, Timezone};

use chrono::Weekday;

/// Monday first, as people in most of the world read a week.
pub const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
