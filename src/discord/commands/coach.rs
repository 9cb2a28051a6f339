//! /coach: a server's daily post and its weekly streak board.

use poise::serenity_prelude as serenity;

use super::{autocomplete_timezone, defer_if_slow};
use crate::app::input::Switch;
use crate::coach::{LocalTime, Timezone};
use crate::discord::render::{announcement_message, markup, Outgoing};
use crate::discord::{user_of, Context, Error};
use crate::error::UserError;
use crate::text::servers::server_reply;

/// Discord's "Missing Access" and "Missing Permissions", and "Unknown Channel".
const CANNOT_POST: [isize; 3] = [50001, 50013, 10003];

/// The server the command was used in.
fn guild_of(ctx: Context<'_>) -> Result<i64, UserError> {
    ctx.guild_id()
        .map(|g| g.get() as i64)
        .ok_or(UserError::ServerOnly)
}

/// Only members who may manage the server change its daily post. Discord
/// hides /coach from others by default; a server may widen that for the
/// board, so the channel settings check again.
fn admin_of(ctx: Context<'_>) -> Result<i64, UserError> {
    let guild = guild_of(ctx)?;
    let poise::Context::Application(app) = ctx else {
        return Err(UserError::NotAdmin);
    };
    let manages = app
        .interaction
        .member
        .as_ref()
        .and_then(|m| m.permissions)
        .is_some_and(|p| p.manage_guild() || p.administrator());
    manages.then_some(guild).ok_or(UserError::NotAdmin)
}

/// Answers with `text`; the change is stored by then, so a lost answer is
/// logged rather than reported as a failed command.
async fn say(ctx: Context<'_>, text: String) -> Result<(), Error> {
    if let Err(e) = super::send(ctx, Outgoing::ephemeral(text).into_poise()).await {
        tracing::error!(command = %ctx.command().qualified_name, error = %e, "the answer could not be delivered");
    }
    Ok(())
}

/// Server features: a daily routine post and a weekly streak board.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("coach_channel", "coach_show", "coach_off", "coach_board"),
    subcommand_required
)]
pub async fn coach(ctx: Context<'_>) -> Result<(), Error> {
    super::without_subcommand(ctx).await
}

/// Post the day's routine in a channel every day (server admins).
#[poise::command(slash_command, rename = "channel", guild_only)]
pub async fn coach_channel(
    ctx: Context<'_>,
    #[description = "The channel for the daily post"]
    #[channel_types("Text", "News")]
    channel: serenity::PartialChannel,
    #[description = "Server time on a 24-hour clock, like 08:00 (default 08:00)"]
    #[max_length = 20]
    time: Option<LocalTime>,
    #[description = "The server's timezone, like Europe/Berlin (default: yours, or UTC)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 100]
    timezone: Option<Timezone>,
) -> Result<(), Error> {
    let guild = admin_of(ctx)?;
    if !matches!(
        channel.kind,
        serenity::ChannelType::Text | serenity::ChannelType::News
    ) {
        return Err(UserError::NotATextChannel.into());
    }
    let at = time.or(LocalTime::new(8, 0)).ok_or("08:00 is a time")?;
    let coach = &ctx.data().coach;
    let channel_id = channel.id;
    let text = defer_if_slow(ctx, true, async move {
        let timezone = match timezone {
            Some(tz) => tz,
            None => coach
                .timezone_of(user_of(ctx.author().id))
                .await?
                .unwrap_or(Timezone::UTC),
        };
        // Posting the announcement is the check that the bot may post there.
        if let Err(e) = channel_id
            .send_message(ctx.http(), announcement_message(at, timezone))
            .await
        {
            if let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) = &e {
                if CANNOT_POST.contains(&r.error.code) || r.status_code.as_u16() == 403 {
                    return Err(UserError::CannotPost.into());
                }
            }
            return Err(e.into());
        }
        let reply = coach
            .set_coach_channel(guild, channel_id.get() as i64, at, timezone)
            .await?;
        Ok(markup(&server_reply(&reply)))
    })
    .await?;
    say(ctx, text).await
}

/// The server's daily post and board: where, when, and whether the last one went out.
#[poise::command(slash_command, rename = "show", guild_only)]
pub async fn coach_show(ctx: Context<'_>) -> Result<(), Error> {
    let reply = ctx.data().coach.show_coach_channel(guild_of(ctx)?).await?;
    say(ctx, markup(&server_reply(&reply))).await
}

/// Stop the server's daily post (server admins).
#[poise::command(slash_command, rename = "off", guild_only)]
pub async fn coach_off(ctx: Context<'_>) -> Result<(), Error> {
    let reply = ctx.data().coach.stop_coach_channel(admin_of(ctx)?).await?;
    say(ctx, markup(&server_reply(&reply))).await
}

/// Be on this server's weekly streak board, or not (only those who opt in appear).
#[poise::command(slash_command, rename = "board", guild_only)]
pub async fn coach_board(
    ctx: Context<'_>,
    #[description = "on to appear on the board, off to leave it"]
    #[max_length = 10]
    choice: Switch,
) -> Result<(), Error> {
    let reply = ctx
        .data()
        .coach
        .set_board(guild_of(ctx)?, user_of(ctx.author().id), choice.0)
        .await?;
    say(ctx, markup(&server_reply(&reply))).await
}
