//! footcoach: a coach for a daily foot routine, on Discord and in a terminal.

pub mod app;
mod canvas;
pub mod chart;
pub mod check;
pub mod clock;
pub mod coach;
pub mod config;
pub mod console;
pub mod content;
pub mod discord;
pub mod error;
pub mod pictures;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod timeline;
