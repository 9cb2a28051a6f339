//! Messages and button presses: replies people type or click.

use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, CreateInteractionResponse, CreateInteractionResponseMessage, FullEvent,
    Message, ModalInteraction,
};

use super::render::{markup, outgoing, Action, BoardAction, Outgoing};
use super::setup::{self, SetupAction};
use super::{retry, user_of, Data, Error};
use crate::app::{Command, Origin, Source};
use crate::coach::reply::{parse_reply, Intent};
use crate::error::Error as CoachError;
use crate::text;
use crate::text::replies::NOT_YOURS;
use crate::text::servers::{server_reply, BOARD_NEEDS_SERVER};

type Framework<'a> = poise::FrameworkContext<'a, Data, Error>;

pub async fn handle(framework: Framework<'_>, event: &FullEvent) -> Result<(), Error> {
    match event {
        FullEvent::Message { new_message } => on_message(framework, new_message).await,
        FullEvent::Ready { data_about_bot } => {
            // Autosharded, the count is known once Discord said it.
            let shards = &framework.user_data.shards;
            if let Some(info) = data_about_bot.shard {
                shards.expect_at_least(info.total);
            }
            Ok(())
        }
        FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(press),
        } => on_button(framework, press).await,
        FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(submit),
        } => on_form(framework, submit).await,
        // Removed from a server (not an outage): forget its settings and board.
        FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            let guild = incomplete.id.get() as i64;
            framework.user_data.coach.forget_server(guild).await?;
            tracing::info!(
                guild,
                "removed from a server; its daily post and board are gone"
            );
            Ok(())
        }
        FullEvent::ChannelDelete { channel, .. } => {
            let coach = &framework.user_data.coach;
            if coach.channel_deleted(channel.id.get() as i64).await? {
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
    let origin = if is_dm {
        Origin {
            // Cached so a reminder costs one request.
            dm_channel: Some(msg.channel_id.get() as i64),
            ..Origin::new(Source::DiscordDm)
        }
    } else {
        Origin {
            server_channel: Some(msg.channel_id.get() as i64),
            ..Origin::new(Source::DiscordReply)
        }
    };
    let mut first_time = false;
    let started = std::time::Instant::now();
    let handled = coach.handle(user, origin, Command::Reply(intent)).await;
    let result = super::outcome(handled.as_ref().map_err(|e| e as _));
    crate::telemetry::dm_reply(intent.kind(), result, started.elapsed());
    let prompt = handled
        .as_ref()
        .ok()
        .and_then(|a| a.reply.step_prompt().cloned());
    let mut message = match handled {
        Ok(answer) => {
            first_time = answer.first_time;
            outgoing(&answer.reply, user).with_welcome(answer.first_time)
        }
        // Said plainly, so the person sends it again rather than trusting it was logged.
        Err(CoachError::Unreachable(e)) => {
            tracing::warn!(error = %e, "a reply came while the database is unreachable");
            let text = if intent == Intent::NotUnderstood {
                text::UNREACHABLE
            } else {
                text::NOT_LOGGED
            };
            Outgoing::text(text)
        }
        Err(e) => Outgoing::text(super::coach_failure(&e)),
    }
    .into_message()
    // The same answer sent again after a failure Discord had in fact
    // delivered is then not posted twice.
    .nonce(serenity::Nonce::String(format!("re{}", msg.id)))
    .enforce_nonce(true);
    if !is_dm {
        message = message.reference_message(msg);
    }
    let sent = std::sync::Mutex::new(None);
    retry::patiently(retry::MESSAGE, || async {
        let posted = msg.channel_id.send_message(http, message.clone()).await?;
        if let Ok(mut sent) = sent.lock() {
            *sent = Some(posted);
        }
        Ok(())
    })
    .await?;
    // In a server the bot was not added to, the reply is not its to edit.
    if let Some(prompt) = prompt.filter(|_| is_dm || origin.server_channel.is_some()) {
        let posted = sent.into_inner().ok().flatten();
        let known = async { posted.ok_or(serenity::Error::Other("sent without an answer")) };
        super::posted::remember(coach, &prompt, known, None).await;
    }
    if first_time && is_dm {
        let offer = setup::offer(user, "").into_message();
        msg.channel_id.send_message(http, offer).await?;
    }
    Ok(())
}

/// Answers a button press, trying again while Discord fails on its side.
pub(super) async fn respond(
    framework: Framework<'_>,
    press: &ComponentInteraction,
    out: Outgoing,
) -> Result<(), serenity::Error> {
    retry::respond(
        &framework.serenity_context.http,
        press,
        out.into_interaction(),
    )
    .await
}

/// Answers a press with what `work` yields. When that takes long enough to
/// risk Discord's 3 s, the answer is deferred first (only to the presser
/// when `private`) and edited in once ready: an edit, unlike a follow-up, is
/// the same when retried.
async fn answer_press(
    framework: Framework<'_>,
    press: &ComponentInteraction,
    private: bool,
    work: impl std::future::Future<Output = Outgoing>,
) -> Result<(), serenity::Error> {
    let http = &framework.serenity_context.http;
    tokio::pin!(work);
    let out = tokio::select! {
        out = &mut work => return respond(framework, press, out).await,
        () = tokio::time::sleep(retry::DEFER_AFTER) => {
            let defer = CreateInteractionResponseMessage::new().ephemeral(private);
            retry::patiently(retry::INTERACTION, || async {
                press
                    .create_response(http, CreateInteractionResponse::Defer(defer.clone()))
                    .await
            })
            .await?;
            work.await
        }
    };
    retry::patiently(retry::INTERACTION, || async {
        press
            .edit_response(http, out.clone().into_edit())
            .await
            .map(drop)
    })
    .await
}

async fn on_button(framework: Framework<'_>, press: &ComponentInteraction) -> Result<(), Error> {
    if let Some((action, owner)) = SetupAction::parse(&press.data.custom_id) {
        setup::on_component(framework, press, action, owner).await?;
        return Ok(());
    }
    if let Some(action) = BoardAction::parse(&press.data.custom_id) {
        return on_board_button(framework, press, action).await;
    }
    let Some((action, owner)) = Action::parse(&press.data.custom_id) else {
        tracing::info!(custom_id = %press.data.custom_id, "a button this version does not know");
        crate::telemetry::stale("button");
        respond(framework, press, Outgoing::ephemeral(text::STALE_BUTTON)).await?;
        return Ok(());
    };
    if user_of(press.user.id) != owner {
        respond(framework, press, Outgoing::ephemeral(NOT_YOURS)).await?;
        return Ok(());
    }
    let command = match action {
        Action::Start => Command::RoutineStart,
        Action::Done => Command::Reply(Intent::Done),
        Action::Skip => Command::Reply(Intent::Skip),
        Action::Stop => Command::Reply(Intent::Stop),
        Action::Snooze(choice) => Command::Reply(Intent::Snooze(choice)),
        Action::Delete => Command::DeleteConfirmed,
    };
    let origin = Origin {
        server_channel: super::server_channel(
            press.guild_id,
            press.channel_id,
            &press.authorizing_integration_owners,
        ),
        ..Origin::new(Source::DiscordButton)
    };
    let coach = &framework.user_data.coach;
    let mut prompt = None;
    let work = async {
        let started = std::time::Instant::now();
        let handled = coach.handle(owner, origin, command).await;
        let result = super::outcome(handled.as_ref().map_err(|e| e as _));
        crate::telemetry::answered("button", result, started.elapsed());
        prompt = handled
            .as_ref()
            .ok()
            .and_then(|a| a.reply.step_prompt().cloned());
        match handled {
            Ok(answer) => outgoing(&answer.reply, owner)
                .with_welcome(answer.first_time)
                .with_dms_closed(answer.dms_closed),
            Err(e) => Outgoing::ephemeral(super::coach_failure(&e)),
        }
    };
    answer_press(framework, press, action == Action::Delete, work).await?;
    if let Some(prompt) = prompt {
        let http = &framework.serenity_context.http;
        let webhook = super::posted::webhook_of(press.application_id, &press.token);
        let message = press.get_response(http);
        super::posted::remember(coach, &prompt, message, Some(webhook)).await;
    }
    Ok(())
}

/// A form submitted: the setup's, or one from an older version.
async fn on_form(framework: Framework<'_>, submit: &ModalInteraction) -> Result<(), Error> {
    if setup::on_form(framework, submit).await? {
        return Ok(());
    }
    let http = &framework.serenity_context.http;
    let stale = Outgoing::ephemeral(text::STALE_BUTTON).into_interaction();
    retry::patiently(retry::INTERACTION, || async {
        submit
            .create_response(http, CreateInteractionResponse::Message(stale.clone()))
            .await
    })
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
    let work = async {
        let text = match press.guild_id {
            None => BOARD_NEEDS_SERVER.to_owned(),
            Some(guild) => {
                let joined = framework
                    .user_data
                    .coach
                    .set_board(
                        guild.get() as i64,
                        user_of(press.user.id),
                        action == BoardAction::Join,
                    )
                    .await;
                match joined {
                    Ok(reply) => markup(&server_reply(&reply)),
                    Err(e) => super::coach_failure(&e),
                }
            }
        };
        Outgoing::ephemeral(text)
    };
    answer_press(framework, press, true, work).await?;
    Ok(())
}
