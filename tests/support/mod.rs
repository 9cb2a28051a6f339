//! What the integration tests share (each binary takes it by `#[path]`, and
//! so does benches/discord_latency.rs):
//! - `app`: the Coach service with a manual clock on a test's database;
//! - `bare_bot`: a bare poise bot, no database, on the fake Discord;
//! - `bot`: the whole bot started against the fake Discord;
//! - `chat`: slash commands, DMs and buttons as a person sends them, and
//!   readers of the answers;
//! - `db`: the test PostgreSQL server and quick reads of a database;
//! - `fake_discord`: the fake Discord (REST and gateway);
//! - `pg_cluster`: a private PostgreSQL a test may stop, for outages;
//! - `pg_proxy`: a proxy counting PostgreSQL round trips;
//! - `png`: decoding the pictures the bot sends.

#![allow(dead_code)]

pub mod app;
pub mod bare_bot;
pub mod bot;
pub mod chat;
pub mod db;
pub mod fake_discord;
pub mod pg_cluster;
pub mod pg_proxy;
pub mod png;
