//! The Discord front end: the only place that imports serenity or poise.

pub mod args;
pub mod budget;
pub mod check;
pub mod commands;
pub mod events;
pub mod limits;
pub mod messenger;
mod outgoing;
mod posted;
pub mod render;
pub mod retry;
pub mod setup;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use tokio::sync::mpsc;

use crate::app::Coach;
use crate::config::{Config, ShardRange};
use crate::store::{Store, UserId};
use crate::telemetry::Shards;
use crate::text;
use crate::timeline::{Scheduler, SchedulerOptions};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// What every handler can reach.
pub struct Data {
    pub coach: Coach,
    /// This process's shards, as `/healthz` reports them.
    pub shards: Arc<Shards>,
}

pub fn user_of(id: serenity::UserId) -> UserId {
    // Snowflakes stay below 2^63 until the year 2084.
    UserId(id.get() as i64)
}

/// The server channel an interaction came from, when the bot is installed in
/// that server. A person's own install used in someone else's server
/// answers there through the interaction only: the bot may not post in that
/// channel, so it is never remembered as a place to post.
pub(crate) fn server_channel(
    guild: Option<serenity::GuildId>,
    channel: serenity::ChannelId,
    owners: &serenity::AuthorizingIntegrationOwners,
) -> Option<i64> {
    use serenity::AuthorizingIntegrationOwner as Owner;
    let guild = guild?;
    let installed = owners.0.is_empty()
        || owners
            .0
            .iter()
            .any(|o| matches!(o, Owner::GuildInstall(Some(g)) if *g == guild));
    installed.then_some(channel.get() as i64)
}

/// The gateway intents: none of the privileged ones. DM text and replies that
/// mention the bot reach it without the message content intent.
pub fn intents() -> serenity::GatewayIntents {
    serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::DIRECT_MESSAGES
}

/// A stable fingerprint of the command set (FNV-1a over its JSON), so the
/// bot registers only when it changed.
fn fingerprint(commands: &[serenity::CreateCommand]) -> Result<String, serde_json::Error> {
    let json = serde_json::to_vec(commands)?;
    let hash = json.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    Ok(format!("{hash:016x}"))
}

/// Where the fingerprint of the commands last registered in a scope is
/// remembered, and the scope's name for logs.
fn registration_key(application: u64, guild: Option<u64>) -> (String, String) {
    let scope = guild.map_or_else(|| "global".to_owned(), |g| format!("guild:{g}"));
    (format!("commands:{application}:{scope}"), scope)
}

async fn setup(
    ctx: &serenity::Context,
    ready: &serenity::Ready,
    framework: &poise::Framework<Data, Error>,
    coach: Coach,
    guild: Option<u64>,
    registers: bool,
    shards: Arc<Shards>,
) -> Result<Data, Error> {
    if !registers {
        tracing::info!(user = %ready.user.name, "connected to Discord; the process with shard 0 registers the commands");
        return Ok(Data { coach, shards });
    }
    let commands = poise::builtins::create_application_commands(&framework.options().commands);
    let hash = fingerprint(&commands)?;
    let (key, scope) = registration_key(ready.application.id.get(), guild);
    if coach.registered_commands(&key).await?.as_deref() == Some(hash.as_str()) {
        tracing::info!(
            scope,
            "slash commands unchanged since the last registration"
        );
    } else {
        match guild {
            Some(g) => {
                serenity::GuildId::new(g)
                    .set_commands(ctx, commands)
                    .await?;
            }
            None => {
                serenity::Command::set_global_commands(ctx, commands).await?;
            }
        }
        coach.remember_registration(&key, &hash).await?;
        tracing::info!(scope, "registered slash commands");
    }
    tracing::info!(user = %ready.user.name, "connected to Discord");
    Ok(Data { coach, shards })
}

/// How handling went, as the metrics count it.
pub(crate) fn outcome(
    handled: Result<&crate::app::Answer, &(dyn std::error::Error + Send + Sync + 'static)>,
) -> &'static str {
    match handled {
        Ok(a) if matches!(a.reply, crate::app::Reply::Refused(_)) => "refused",
        Ok(_) => "ok",
        Err(e) => match e.downcast_ref::<crate::error::Error>() {
            Some(crate::error::Error::Unreachable(_)) => "unreachable",
            _ => "failed",
        },
    }
}

/// What to tell a person whose command failed: their mistake and what to
/// type instead, that the records are out of reach, or that it was our fault.
pub(crate) fn coach_failure(e: &crate::error::Error) -> String {
    match e {
        crate::error::Error::User(mistake) => text::refused(mistake),
        crate::error::Error::Unreachable(cause) => {
            tracing::warn!(error = %cause, "the database is unreachable");
            text::UNREACHABLE.to_owned()
        }
        crate::error::Error::Database(cause) => {
            tracing::error!(error = %cause, "failed on the database");
            text::OUR_FAULT.to_owned()
        }
    }
}

/// [`coach_failure`] for whatever a command returned.
fn failure_text(error: &Error, command: &str) -> String {
    if let Some(e) = error.downcast_ref::<crate::error::Error>() {
        return coach_failure(e);
    }
    if let Some(mistake) = error.downcast_ref::<crate::error::UserError>() {
        return text::refused(mistake);
    }
    tracing::error!(command, error = %error, "command failed");
    text::OUR_FAULT.to_owned()
}

/// The one place a failed interaction is answered: every one gets an
/// ephemeral line, including commands and options from an older version
/// that Discord still shows.
async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    let (ctx, text) = match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            (ctx, failure_text(&error, &ctx.command().qualified_name))
        }
        poise::FrameworkError::ArgumentParse {
            ctx, input, error, ..
        } => {
            let text = match error.downcast_ref::<crate::error::UserError>() {
                Some(mistake) => text::refused(mistake),
                None => text::unreadable(input.as_deref().unwrap_or_default()),
            };
            (ctx, text)
        }
        poise::FrameworkError::CommandStructureMismatch {
            ctx, description, ..
        } => {
            tracing::warn!(command = %ctx.command().qualified_name, description, "options from another version of the command");
            crate::telemetry::stale("command");
            (
                poise::Context::Application(ctx),
                text::STALE_OPTIONS.to_owned(),
            )
        }
        poise::FrameworkError::UnknownInteraction {
            framework,
            interaction,
            ..
        } => {
            tracing::warn!(command = %interaction.data.name, "a command this version does not have");
            crate::telemetry::stale("command");
            let answer = render::Outgoing::ephemeral(text::STALE_COMMAND);
            let http = &framework.serenity_context.http;
            let sent = retry::patiently(retry::INTERACTION, || {
                interaction.create_response(
                    http,
                    serenity::CreateInteractionResponse::Message(answer.clone().into_interaction()),
                )
            });
            if let Err(e) = sent.await {
                tracing::error!(error = %e, "could not answer an unknown command");
            }
            return;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = %e, "while handling an error");
            }
            return;
        }
    };
    if let Err(e) = commands::send(ctx, render::Outgoing::ephemeral(text).into_poise()).await {
        tracing::error!(error = %e, "could not answer a failed command");
    }
}

/// What a process does; any number of each can share one database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The gateway and the timed sends (`footcoach run`).
    Both,
    /// Commands, replies and buttons only (`footcoach gateway`).
    Gateway,
    /// Reminders, prompts and server posts only, with no gateway
    /// connection (`footcoach sender`).
    Sender,
}

/// Serves Discord in `role` until `shutdown` resolves or start-up fails.
pub async fn run(
    config: &Config,
    store: Store,
    coach: Coach,
    role: Role,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let token = config.discord_token.as_ref().context(
        "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal there",
    )?;
    let shards = Arc::new(Shards::default());
    let metrics = match config.metrics_addr {
        None => None,
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot serve metrics on METRICS_ADDR {addr}"))?;
            tracing::info!(%addr, "serving /metrics and /healthz");
            let server = crate::telemetry::serve(listener, store.clone(), shards.clone());
            Some(tokio::spawn(server))
        }
    };
    let worker = match role {
        Role::Gateway => None,
        Role::Both | Role::Sender => {
            let api_base = config
                .discord_api_url
                .as_deref()
                .unwrap_or("https://discord.com");
            let budget = match config.discord_global_rate {
                Some(rate) => budget::GlobalBudget::shared(store.clone(), rate),
                None => budget::GlobalBudget::off(),
            };
            let messenger = messenger::DiscordMessenger::new(api_base, token, budget)
                .context("cannot build the HTTP client for timed sends")?;
            let options = SchedulerOptions::discord();
            Some(Scheduler::new(coach.clone(), store, messenger, options).spawn())
        }
    };
    let result = match role {
        Role::Sender => {
            shutdown.await;
            tracing::info!("shutting down");
            Ok(())
        }
        Role::Both | Role::Gateway => gateway(config, token, coach, shards, shutdown).await,
    };
    if let Some(worker) = worker {
        worker.stop().await;
    }
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    result
}

/// The gateway connection: this process's shards, commands, replies and buttons.
async fn gateway(
    config: &Config,
    token: &crate::config::Secret,
    coach: Coach,
    shards: Arc<Shards>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut http = serenity::HttpBuilder::new(token.expose());
    if let Some(url) = &config.discord_api_url {
        // serenity applies a proxy only with its own rate limiter off; the proxy limits instead.
        http = http.proxy(url.as_str()).ratelimiter_disabled(true);
    }
    let http = http.build();

    // poise only prints a setup error and then waits forever: make it fatal.
    let (fatal_tx, mut fatal_rx) = mpsc::channel::<String>(1);
    let guild = config.discord_guild_id;
    // The process with shard 0 registers the commands, so they are once.
    let registers = config.discord_shards.is_none_or(ShardRange::has_first);
    // Autosharded, the count comes with the first READY.
    shards.expect(config.discord_shards.map_or(1, |r| r.last - r.first + 1));
    let health = shards.clone();
    let watched = shards.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |e| Box::pin(on_error(e)),
            event_handler: |framework, event| Box::pin(events::handle(framework, event)),
            ..Default::default()
        })
        .initialize_owners(false)
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let result = setup(ctx, ready, framework, coach, guild, registers, health).await;
                if let Err(e) = &result {
                    let _ = fatal_tx.send(e.to_string()).await;
                }
                result
            })
        })
        .build();

    let mut client = serenity::ClientBuilder::new_with_http(http, intents())
        .framework(framework)
        .await
        .context("cannot build the Discord client")?;
    let manager = client.shard_manager.clone();
    // The shards' connections as serenity sees them, for /healthz.
    let watcher = tokio::spawn(async move {
        loop {
            let connected = manager
                .runners
                .lock()
                .await
                .values()
                .filter(|r| r.stage == serenity::ConnectionStage::Connected)
                .count();
            watched.set_connected(connected as u32);
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    });
    let shards = client.shard_manager.clone();
    let range = config.discord_shards;
    // serenity identifies one shard at a time, 5 s apart: within any
    // max_concurrency Discord gives.
    let start = async {
        match range {
            None => client.start_autosharded().await,
            // serenity 0.12 starts `range.start..=range.end`: the end is
            // the last shard, not one past it.
            Some(r) => client.start_shard_range(r.first..r.last, r.total).await,
        }
    };
    let result = tokio::select! {
        result = start => result.context("the Discord connection failed (is DISCORD_TOKEN right?)"),
        Some(reason) = fatal_rx.recv() => {
            shards.shutdown_all().await;
            Err(anyhow::anyhow!("start-up failed: {reason}"))
        }
        () = shutdown => {
            tracing::info!("shutting down");
            shards.shutdown_all().await;
            Ok(())
        }
    };
    watcher.abort();
    result
}
