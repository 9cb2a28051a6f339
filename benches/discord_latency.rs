//! Latency of the real bot through the fake Discord: for `/routine today`
//! (from new users, then from the same users again) and for a DM "done", the
//! time from the gateway event leaving the fake to the
//! bot's REST answer arriving, p50 / p99 over REQUESTS (2,000) events sent at
//! a steady RATE (200) a second.
//!
//! Then the same events at the same rate against a FLOOR: a bare serenity +
//! poise bot on a second fake Discord, with the same `/routine today` command
//! and a DM handler that answer at once with a fixed text and touch no
//! database. The ratio of the two p50s is what the bot itself adds.
//!
//! Run: cargo bench --bench discord_latency

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Executor};

use footcoach::store::MIGRATOR;
use support::chat::is_put_commands;
use support::fake_discord::{self as fake, FakeDiscord};

/// A bot that does nothing but answer: the least any bot takes through
/// serenity, poise and the fake.
mod floor {
    use poise::serenity_prelude as serenity;

    use crate::support::bare_bot::Error;
    type Context<'a> = poise::Context<'a, (), Error>;

    /// Your foot routine.
    #[poise::command(slash_command, subcommands("today"), subcommand_required)]
    async fn routine(_ctx: Context<'_>) -> Result<(), Error> {
        Ok(())
    }

    /// Today's routine.
    #[poise::command(slash_command)]
    async fn today(ctx: Context<'_>) -> Result<(), Error> {
        ctx.say("Today: stability drills.").await?;
        Ok(())
    }

    async fn on_event(
        framework: poise::FrameworkContext<'_, (), Error>,
        event: &serenity::FullEvent,
    ) -> Result<(), Error> {
        if let serenity::FullEvent::Message { new_message: m } = event {
            if m.guild_id.is_none() && !m.author.bot {
                let http = &framework.serenity_context.http;
                m.channel_id.say(http, "Logged.").await?;
            }
        }
        Ok(())
    }

    /// Runs the floor bot against `api_url`.
    pub async fn start(api_url: &str) -> crate::support::bare_bot::BareBot {
        crate::support::bare_bot::BareBot::start(
            api_url,
            poise::FrameworkOptions {
                commands: vec![routine()],
                event_handler: |framework, event| Box::pin(on_event(framework, event)),
                ..Default::default()
            },
            serenity::GatewayIntents::GUILDS
                | serenity::GatewayIntents::GUILD_MESSAGES
                | serenity::GatewayIntents::DIRECT_MESSAGES,
        )
        .await
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// p50 and p99 of one run.
#[derive(Clone, Copy)]
struct Figures {
    p50: Duration,
    p99: Duration,
}

fn report(name: &str, mut latencies: Vec<Duration>, sent: usize, elapsed: Duration) -> Figures {
    latencies.sort();
    let pick = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!(
        "{name:<26} {} of {sent} answered, sent over {:.1} s: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
    Figures {
        p50: pick(0.5),
        p99: pick(0.99),
    }
}

/// Sends `make(i)` events at `rate` a second and measures each to the REST
/// call `answer_path(i)`.
async fn run<F, P>(
    fake: &FakeDiscord,
    n: usize,
    rate: usize,
    name: &str,
    make: F,
    answer_path: P,
) -> Figures
where
    F: Fn(usize) -> (&'static str, serde_json::Value),
    P: Fn(usize) -> String,
{
    let mut sent_at = Vec::with_capacity(n);
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate as u32);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    for i in 0..n {
        tick.tick().await;
        let (event, data) = make(i);
        sent_at.push(Instant::now());
        fake.dispatch(event, data).await;
    }
    let elapsed = started.elapsed();
    let mut latencies = Vec::with_capacity(n);
    for (i, at) in sent_at.iter().enumerate() {
        let path = answer_path(i);
        let call = fake
            .wait_for_call(|c| c.path == path, Duration::from_secs(30))
            .await;
        latencies.push(call.at.saturating_duration_since(*at));
    }
    report(name, latencies, n, elapsed)
}

/// `/routine today` from `n` new users, the same again now that the bot
/// knows them, and then a DM "done" from each, at `rate` events a second,
/// against whatever bot is connected to `fake`.
async fn measure(fake: &FakeDiscord, n: usize, rate: usize, who: &str) -> [Figures; 3] {
    let users: Vec<u64> = (0..n as u64)
        .map(|i| 1_500_000_000_000_000_000 + i)
        .collect();
    let mut today = Vec::new();
    for pass in ["/routine today (first use)", "/routine today"] {
        // Each pass is a fresh interaction: an id and token answer once.
        let interactions: Vec<fake::Interaction> = users
            .iter()
            .map(|u| {
                fake::slash_command(
                    *u,
                    None,
                    fake.dm_channel_for(*u),
                    "routine",
                    json!([{"name": "today", "type": 1, "options": []}]),
                )
            })
            .collect();
        today.push(
            run(
                fake,
                n,
                rate,
                &format!("{who}: {pass}"),
                |i| ("INTERACTION_CREATE", interactions[i].payload.clone()),
                |i| fake::callback_path(&interactions[i]),
            )
            .await,
        );
    }

    let channels: Vec<u64> = users.iter().map(|u| fake.dm_channel_for(*u)).collect();
    let done = run(
        fake,
        n,
        rate,
        &format!("{who}: DM \"done\""),
        |i| {
            (
                "MESSAGE_CREATE",
                fake::message_create(channels[i], None, users[i], false, "done", None),
            )
        },
        |i| format!("/api/v10/channels/{}/messages", channels[i]),
    )
    .await;
    [today[0], today[1], done]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = env_usize("REQUESTS", 2000);
    let rate = env_usize("RATE", 200);
    let server: PgConnectOptions = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .parse()?;
    let name = format!("footcoach_latency_{}", std::process::id());
    let mut admin = server.clone().database("postgres").connect().await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    // The production pool settings.
    let pool = footcoach::store::pool_options(10)
        .connect_with(server.clone().database(&name))
        .await?;
    MIGRATOR.run(&pool).await?;

    let fake = FakeDiscord::start().await;
    let bot = support::bot::start(&pool, &fake, None, chrono::Utc::now());
    fake.wait_for_call(is_put_commands, Duration::from_secs(30))
        .await;
    let real = measure(&fake, n, rate, "footcoach").await;
    bot.stop().await?;
    pool.close().await;
    admin
        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
        .await?;
    drop(fake);

    // The floor, through a fake of its own, at the same rate.
    let floor_fake = FakeDiscord::start().await;
    let floor_bot = floor::start(&floor_fake.api_url()).await;
    floor_fake
        .wait_for_call(is_put_commands, Duration::from_secs(30))
        .await;
    let floor = measure(&floor_fake, n, rate, "floor").await;
    floor_bot.stop().await;

    println!();
    println!(
        "{:<26} | {:>13} {:>9} | {:>9} {:>9} | {:>9} | goal",
        "event", "footcoach p50", "p99", "floor p50", "p99", "ratio p50"
    );
    // The goals are for people the bot knows; a first use also greets and
    // stores them, and is shown for what it costs.
    let events = [
        ("/routine today (first use)", None),
        ("/routine today", Some(2.5)),
        ("DM \"done\"", Some(4.0)),
    ];
    for ((event, goal), (real, floor)) in events.into_iter().zip(real.into_iter().zip(floor)) {
        let ratio = real.p50.as_secs_f64() / floor.p50.as_secs_f64();
        let verdict = match goal {
            Some(goal) if ratio <= goal => format!("≤{goal}x (met)"),
            Some(goal) => format!("≤{goal}x (not met)"),
            None => "-".to_owned(),
        };
        println!(
            "{event:<26} | {:>13} {:>9} | {:>9} {:>9} | {:>8.2}x | {verdict}",
            ms(real.p50),
            ms(real.p99),
            ms(floor.p50),
            ms(floor.p99),
            ratio,
        );
    }
    Ok(())
}
