//! The `footcoach` binary as a person runs it: the console and the other
//! subcommands (the Discord bot's `footcoach run` is in `tests/discord/`).

#[path = "../support/mod.rs"]
mod support;

mod console;
mod subcommands;
