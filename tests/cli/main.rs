//! The `footcoach` binary as a person runs it: the console and the other
//! subcommands, `footcoach check` and the JSON logs (the Discord bot's
//! `footcoach run` is in `tests/discord/`).

#[path = "../support/mod.rs"]
mod support;

mod check;
mod console;
mod logs;
mod subcommands;
