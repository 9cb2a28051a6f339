//! The Discord front end: the only place that imports serenity or poise.

pub mod args;
pub mod budget;
pub mod commands;
pub mod events;
pub mod limits;
pub mod messenger;
pub mod render;
pub mod retry;
pub mod setup;

use std::future::Future;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use tokio::sync::mpsc;

use crate::app::Coach;
use crate::config::Config;
use crate::store::{Store, UserId};
use crate::text;
use crate::timeline::{Scheduler, SchedulerOptions};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// What every handler can reach.
pub struct Data {
    pub coach: Coach,
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

async fn setup(
    ctx: &serenity::Context,
    ready: &serenity::Ready,
    framework: &poise::Framework<Data, Error>,
    coach: Coach,
    guild: Option<u64>,
) -> Result<Data, Error> {
    let commands = poise::builtins::create_application_commands(&framework.options().commands);
    let hash = fingerprint(&commands)?;
    let scope = guild.map_or_else(|| "global".to_owned(), |g| format!("guild:{g}"));
    let key = format!("commands:{}:{scope}", ready.application.id);
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
    Ok(Data { coach })
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

/// Connects to Discord and serves until `shutdown` resolves or start-up fails.
pub async fn run(
    config: &Config,
    store: Store,
    coach: Coach,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let token = config.discord_token.as_ref().context(
        "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal there",
    )?;
    let mut http = serenity::HttpBuilder::new(token.expose());
    if let Some(url) = &config.discord_api_url {
        // serenity applies a proxy only with its own rate limiter off; the proxy limits instead.
        http = http.proxy(url.as_str()).ratelimiter_disabled(true);
    }
    let http = http.build();

    // poise only prints a setup error and then waits forever: make it fatal.
    let (fatal_tx, mut fatal_rx) = mpsc::channel::<String>(1);
    let guild = config.discord_guild_id;
    let coach_for_worker = coach.clone();
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
                let result = setup(ctx, ready, framework, coach, guild).await;
                if let Err(e) = &result {
                    let _ = fatal_tx.send(e.to_string()).await;
                }
                result
            })
        })
        .build();

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
    let worker = Scheduler::new(
        coach_for_worker,
        store,
        messenger,
        SchedulerOptions::discord(),
    )
    .spawn();

    let mut client = serenity::ClientBuilder::new_with_http(http, intents())
        .framework(framework)
        .await
        .context("cannot build the Discord client")?;
    let shards = client.shard_manager.clone();
    let result = tokio::select! {
        result = client.start() => result.context("the Discord connection failed (is DISCORD_TOKEN right?)"),
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
    worker.stop().await;
    result
}
