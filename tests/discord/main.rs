//! The bot on Discord: the real bot (`footcoach::discord::run`) and the real
//! serenity client against the fake Discord of `tests/support/fake_discord/`,
//! each test on its own PostgreSQL database.

#[path = "../support/mod.rs"]
mod support;

mod commands;
mod delivery;
mod fake_smoke;
mod pg_proxy;
mod servers;
