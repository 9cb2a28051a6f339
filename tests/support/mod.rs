#![allow(dead_code)]

pub mod bot;
pub mod fake_discord;
pub mod pg_proxy;
