//! The slash commands, grouped by topic. Each hands a typed `Command` to
//! the Coach service; options are typed, so bad input never gets this far.

mod coach;
mod mydata;
mod remind;
mod routine;
mod settings;

use std::sync::atomic::Ordering;

use poise::serenity_prelude as serenity;

use super::render::{outgoing, Outgoing};
use super::retry;
use super::{server_channel, user_of, Context, Error};
use crate::app::{Command, Origin, Source};
use crate::coach::Timezone;

pub fn all() -> Vec<poise::Command<super::Data, Error>> {
    let mut commands = vec![
        routine::routine(),
        remind::remind(),
        routine::progress(),
        settings::settings(),
        settings::level(),
        mydata::mydata(),
        coach::coach(),
        routine::help(),
    ];
    for command in &mut commands {
        let (installs, places) = where_offered(&command.name);
        command.install_context = Some(installs.to_vec());
        command.interaction_context = Some(places.to_vec());
    }
    commands
}

/// Where Discord offers a command: installed to a server or to a person's
/// own account, and used in a server, the bot's DM, or other DMs and group
/// DMs. A person's own commands go everywhere; a server's daily post and
/// board only in a server that installed the bot.
fn where_offered(
    command: &str,
) -> (
    &'static [serenity::InstallationContext],
    &'static [serenity::InteractionContext],
) {
    use serenity::{InstallationContext as Install, InteractionContext as Place};
    match command {
        "coach" => (&[Install::Guild], &[Place::Guild]),
        _ => (
            &[Install::Guild, Install::User],
            &[Place::Guild, Place::BotDm, Place::PrivateChannel],
        ),
    }
}

/// A group invoked without a subcommand, which only a client still showing
/// an older version of the command sends: Discord does not check
/// `subcommand_required` for slash commands, and poise runs the group.
async fn without_subcommand(ctx: Context<'_>) -> Result<(), Error> {
    send(
        ctx,
        Outgoing::ephemeral(crate::text::STALE_OPTIONS).into_poise(),
    )
    .await?;
    Ok(())
}

/// Runs `command` through the coach and answers the interaction.
async fn answer(ctx: Context<'_>, command: Command) -> Result<(), Error> {
    let user = user_of(ctx.author().id);
    let origin = Origin {
        // Where to tell them if their DMs turn out to be closed.
        server_channel: match ctx {
            poise::Context::Application(app) => server_channel(
                ctx.guild_id(),
                ctx.channel_id(),
                &app.interaction.authorizing_integration_owners,
            ),
            poise::Context::Prefix(_) => None,
        },
        ..Origin::new(Source::DiscordCommand)
    };
    // A deferred answer keeps the visibility of the defer: a user's data stays theirs.
    let private = matches!(command, Command::Export | Command::DeleteAsk);
    let coach = &ctx.data().coach;
    let started = std::time::Instant::now();
    let handled = defer_if_slow(ctx, private, async {
        Ok(coach.handle(user, origin, command).await?)
    })
    .await;
    let result = super::outcome(handled.as_ref().map_err(|e| e.as_ref()));
    crate::telemetry::answered("command", result, started.elapsed());
    let answer = handled?;
    let reply = outgoing(&answer.reply, user)
        .with_welcome(answer.first_time)
        .with_dms_closed(answer.dms_closed)
        .into_poise();
    // What was asked is done by now: a lost answer must not be reported as
    // a failed command ("nothing was changed" would be false).
    if let Err(e) = send(ctx, reply).await {
        tracing::error!(command = %ctx.command().qualified_name, error = %e, "the answer could not be delivered");
        return Ok(());
    }
    if let (Some(prompt), poise::Context::Application(app)) = (answer.reply.step_prompt(), ctx) {
        let ix = app.interaction;
        let webhook = super::posted::webhook_of(ix.application_id, &ix.token);
        let message = ix.get_response(ctx.http());
        super::posted::remember(coach, prompt, message, Some(webhook)).await;
    }
    if let (true, poise::Context::Application(app)) = (answer.first_time, ctx) {
        // Beside the first answer, privately: the setup's first question.
        let offer = super::setup::offer(user, &app.interaction.locale).into_poise();
        if let Err(e) = ctx.send(offer).await {
            tracing::warn!(error = %e, "could not offer the setup");
        }
    }
    Ok(())
}

/// Answers the interaction, or edits the deferred answer, trying again
/// while Discord fails on its side.
pub(crate) async fn send(ctx: Context<'_>, reply: poise::CreateReply) -> serenity::Result<()> {
    let poise::Context::Application(app) = ctx else {
        return ctx.send(reply).await.map(drop);
    };
    retry::patiently(retry::INTERACTION, || async {
        // An edit of the deferred answer, unlike a follow-up, is the same when repeated.
        if app.has_sent_initial_response.load(Ordering::SeqCst) {
            let edit = reply
                .clone()
                .to_slash_initial_response_edit(serenity::EditInteractionResponse::new());
            app.interaction
                .edit_response(ctx.http(), edit)
                .await
                .map(drop)
        } else {
            ctx.send(reply.clone()).await.map(drop)
        }
    })
    .await
}

/// Runs `work`, deferring the answer (only to the caller when `private`)
/// once it takes long enough to risk Discord's 3 seconds.
async fn defer_if_slow<T>(
    ctx: Context<'_>,
    private: bool,
    work: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    tokio::pin!(work);
    tokio::select! {
        done = &mut work => done,
        _ = tokio::time::sleep(retry::DEFER_AFTER) => {
            let deferred = retry::patiently(retry::INTERACTION, || async {
                if private {
                    ctx.defer_ephemeral().await
                } else {
                    ctx.defer().await
                }
            });
            if let Err(e) = deferred.await {
                tracing::warn!(error = %e, "could not defer a slow answer");
            }
            work.await
        }
    }
}

async fn autocomplete_timezone(
    _ctx: Context<'_>,
    partial: &str,
) -> poise::serenity_prelude::CreateAutocompleteResponse {
    // Discord caps an option value at 100 characters; so do we, before matching.
    let partial: String = partial.chars().take(100).collect();
    let choices = Timezone::suggest(&partial, 25)
        .into_iter()
        .map(|name| serenity::AutocompleteChoice::new(name, name))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
