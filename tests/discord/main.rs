//! The bot on Discord: the real bot (`footcoach::discord::run`) and the real
//! serenity client against the fake Discord of `tests/support/fake_discord/`,
//! each test on its own PostgreSQL database.
//!
//! A new test of the bot starts it with `support::bot::ready`, talks to it
//! with `support::chat` (slash commands, DMs, buttons) and reads the
//! database; see `commands.rs` for the pattern.

#[path = "../support/mod.rs"]
mod support;

// The people and the server of the bot's tests, as Discord snowflakes.
const ALICE: u64 = 1_300_000_000_000_000_001;
const BOB: u64 = 1_300_000_000_000_000_002;
const GUILD: u64 = 1_300_000_000_000_000_100;
const CHANNEL: u64 = 1_300_000_000_000_000_200;

/// Pictures of the exercises, cues within a guided step, the session summary.
mod coached;
/// Slash commands and the buttons on their answers.
mod commands;
/// Timed sends through the real messenger: nonces, 429s, closed DMs.
mod delivery;
/// Timed sends within a channel's bucket and the budget shared by senders.
mod delivery_limits;
/// Interactions from an older version and answers Discord failed on its side.
mod failures;
/// The fake Discord itself, driven by a bare serenity/poise client.
mod fake_smoke;
/// `/settings length` and `/settings equipment`, and the routine they fit.
mod fit;
/// DMs and replies in server channels.
mod messages;
/// /metrics and /healthz.
mod metrics;
/// A database outage on a private PostgreSQL.
mod outage;
/// The round-trip counting PostgreSQL proxy itself.
mod pg_proxy;
/// `kill -9` mid-burst and a restart of the binary.
mod restart;
/// PostgreSQL round trips of the busiest actions, through that proxy.
mod round_trips;
/// `/coach`: the daily server post and the weekly streak board.
mod servers;
/// The first-run setup.
mod setup;
/// Shards across processes, and the gateway and sender roles.
mod shards;
/// Snoozing a reminder from its buttons.
mod snooze;
/// Start-up, registration, and the binary's `footcoach run`.
mod startup;
/// The app installed to a person's own account.
mod user_install;
/// The week in review: its DM with a picture, and `/settings weekly`.
mod weekly;
