//! The coaching rules: pure functions of content, settings, history and
//! instants. No IO, no async, no SQL, no serenity here.

pub mod cues;
pub mod decide;
pub mod fit;
pub mod plan;
pub mod progress;
pub mod progression;
pub mod reply;
pub mod review;
pub mod schedule;
pub mod session;
pub mod timezone;
pub mod types;
pub mod user;

pub use timezone::{BadTimezone, Timezone};
pub use types::{BadPain, BadTime, LocalTime, PainLevel};

/// Monday first; the content's plan is laid out the same way.
pub use crate::content::WEEK;
