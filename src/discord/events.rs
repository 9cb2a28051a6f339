//! Messages and button presses: replies people type or click.

use poise::serenity_prelude as serenity;
use serenity::{ComponentInteraction, CreateInteractionResponse, FullEvent, Message};

use super::render::{outgoing, Action, BoardAction, Outgoing};
use super::{user_of, Data, Error};
use crate::app::text::{server_reply, TimeStyle};
use crate::app::{Command, Source};
use crate::coach::reply::{parse_reply, Intent};

type Framework<'a> = poise::FrameworkContext<'a, Data, Error>;

pub async fn handle(framework: Framework<'_>, event: &FullEvent) -> Result<(), Error> {
    match event {
        FullEvent::Message { new_message } => on_message(framework, new_message).await,
        FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(press),
        } => on_button(framework, press).await,
        // Removed from a server (not an outage): forget its settings and board.
        FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            let guild = incomplete.id.get() as i64;
            framework
                .user_data
                .coach
                .store()
                .forget_server(guild)
                .await?;
            tracing::info!(
                guild,
                "removed from a server; its daily post and board are gone"
            );
            Ok(())
        }
        FullEvent::ChannelDelete { channel, .. } => {
            let store = framework.user_data.coach.store();
            if store.channel_deleted(channel.id.get() as i64).await? {
                tracing::info!(
                    guild = channel.guild_id.get(),
                    "the coach channel was deleted; its daily post stops"
                );
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A DM, or a reply to one of the bot's own messages in a server channel.
async fn on_message(framework: Framework<'_>, msg: &Message) -> Result<(), Error> {
    if msg.author.bot || msg.author.system {
        return Ok(());
    }
    let bot_id = framework.bot_id();
    let is_dm = msg.guild_id.is_none();
    let replies_to_bot = msg
        .referenced_message
        .as_ref()
        .is_some_and(|m| m.author.id == bot_id);
    if !is_dm && !replies_to_bot {
        return Ok(());
    }
    let http = &framework.serenity_context.http;
    let coach = &framework.user_data.coach;
    let user = user_of(msg.author.id);
    let intent = parse_reply(&msg.content);
    // In a server, only words meant for the coach get an answer.
    if !is_dm && intent == Intent::NotUnderstood {
        return Ok(());
    }
    let source = if is_dm {
        Source::DiscordDm
    } else {
        Source::DiscordReply
    };
    let welcome = coach.welcome_once(user).await?;
    let reply = coach.handle(user, source, Command::Reply(intent)).await?;
    if is_dm {
        // Cached so a reminder costs one request; a no-op when unchanged.
        coach
            .store()
            .set_dm_channel(user, msg.channel_id.get() as i64)
            .await?;
    }
    let mut message = outgoing(&reply, user).with_welcome(welcome).into_message();
    if !is_dm {
        message = message.reference_message(msg);
    }
    msg.channel_id.send_message(http, message).await?;
    Ok(())
}

async fn on_button(framework: Framework<'_>, press: &ComponentInteraction) -> Result<(), Error> {
    let http = &framework.serenity_context.http;
    if let Some(action) = BoardAction::parse(&press.data.custom_id) {
        return on_board_button(framework, press, action).await;
    }
    let Some((action, owner)) = Action::parse(&press.data.custom_id) else {
        return Ok(());
    };
    let presser = user_of(press.user.id);
    let out = if presser != owner {
        Outgoing::ephemeral("This one is not yours: run /routine today to get your own buttons.")
    } else {
        let command = match action {
            Action::Start => Command::RoutineStart,
            Action::Done => Command::Reply(Intent::Done),
            Action::Skip => Command::Reply(Intent::Skip),
            Action::Stop => Command::Reply(Intent::Stop),
            Action::Snooze => Command::Reply(Intent::Snooze),
            Action::Delete => Command::DeleteConfirmed,
        };
        let coach = &framework.user_data.coach;
        let welcome = if action == Action::Delete {
            None
        } else {
            coach.welcome_once(owner).await?
        };
        let reply = coach.handle(owner, Source::DiscordButton, command).await?;
        outgoing(&reply, owner).with_welcome(welcome)
    };
    press
        .create_response(
            http,
            CreateInteractionResponse::Message(out.into_interaction()),
        )
        .await?;
    Ok(())
}

/// "Join the streak board" or "Leave the board" on a server post: whoever
/// presses it, for themselves.
async fn on_board_button(
    framework: Framework<'_>,
    press: &ComponentInteraction,
    action: BoardAction,
) -> Result<(), Error> {
    let text = match press.guild_id {
        None => "The streak board belongs to a server: press this on a server post.".to_owned(),
        Some(guild) => {
            let reply = framework
                .user_data
                .coach
                .set_board(
                    guild.get() as i64,
                    user_of(press.user.id),
                    action == BoardAction::Join,
                )
                .await?;
            server_reply(&reply, TimeStyle::Discord)
        }
    };
    press
        .create_response(
            &framework.serenity_context.http,
            CreateInteractionResponse::Message(Outgoing::ephemeral(text).into_interaction()),
        )
        .await?;
    Ok(())
}
