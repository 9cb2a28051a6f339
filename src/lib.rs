//! footcoach: a coach for a daily foot routine, on Discord and in a terminal.

pub mod coach;
pub mod content;
pub mod app;
pub mod clock;
pub mod config;
pub mod store;
pub mod console;
pub mod discord;
