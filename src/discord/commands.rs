//! The slash commands, grouped by topic. Each parses its arguments at the
//! edge and hands a `Command` to the Coach service.

use std::time::Duration;

use poise::serenity_prelude as serenity;

use super::render::{outgoing, Outgoing};
use super::{user_of, Context, Error};
use crate::app::text::{server_reply, TimeStyle};
use crate::app::{Command, Source};
use crate::coach::plan::{parse_date, RestDays};
use crate::coach::{LocalTime, Timezone};

/// After this long without an answer the interaction is deferred, well inside
/// Discord's 3 seconds.
const DEFER_AFTER: Duration = Duration::from_millis(1500);

/// Runs `command` through the coach and answers the interaction.
async fn answer(ctx: Context<'_>, command: Command) -> Result<(), Error> {
    let user = user_of(ctx.author().id);
    let coach = &ctx.data().coach;
    if ctx.guild_id().is_some() {
        // Where to tell them if their DMs turn out to be closed.
        coach
            .store()
            .set_last_channel(user, ctx.channel_id().get() as i64)
            .await?;
    }
    let welcome = match command {
        // Someone deleting their data is not greeted (and not re-created).
        Command::DeleteAsk | Command::Export => None,
        _ => coach.welcome_once(user).await?,
    };
    // A deferred answer keeps the visibility of the defer: a user's data stays theirs.
    let private = matches!(command, Command::Export | Command::DeleteAsk);
    let reply = defer_if_slow(ctx, private, async {
        Ok(coach.handle(user, Source::DiscordCommand, command).await?)
    })
    .await?;
    ctx.send(outgoing(&reply, user).with_welcome(welcome).into_poise())
        .await?;
    Ok(())
}

async fn say_ephemeral(ctx: Context<'_>, text: impl Into<String>) -> Result<(), Error> {
    ctx.send(Outgoing::ephemeral(text).into_poise()).await?;
    Ok(())
}

/// Your foot routine: see today's, or be guided through it.
#[poise::command(
    slash_command,
    subcommands("routine_today", "routine_start"),
    subcommand_required
)]
pub async fn routine(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Today's routine: exercises, doses, equipment and minutes.
#[poise::command(slash_command, rename = "today")]
pub async fn routine_today(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::RoutineToday).await
}

/// Start a guided session: one prompt per exercise.
#[poise::command(slash_command, rename = "start")]
pub async fn routine_start(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::RoutineStart).await
}

/// Your daily reminder.
#[poise::command(
    slash_command,
    subcommands(
        "remind_set",
        "remind_show",
        "remind_off",
        "remind_pause",
        "remind_resume"
    ),
    subcommand_required
)]
pub async fn remind(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

async fn autocomplete_timezone(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    // Discord caps an option value at 100 characters; so do we, before matching.
    let partial: String = partial.chars().take(100).collect();
    let choices = Timezone::suggest(&partial, 25)
        .into_iter()
        .map(|name| serenity::AutocompleteChoice::new(name, name))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Set a daily reminder at your local time.
#[poise::command(slash_command, rename = "set")]
pub async fn remind_set(
    ctx: Context<'_>,
    #[description = "Local time on a 24-hour clock, like 07:30"]
    #[max_length = 20]
    time: String,
    #[description = "Your timezone, like Europe/Berlin (remembered for next time)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 100]
    timezone: Option<String>,
) -> Result<(), Error> {
    let time = match time.parse::<LocalTime>() {
        Ok(t) => t,
        Err(e) => return say_ephemeral(ctx, format!("{e}. Nothing was changed.")).await,
    };
    let timezone = match timezone.map(|tz| tz.parse::<Timezone>()) {
        None => None,
        Some(Ok(tz)) => Some(tz),
        Some(Err(e)) => {
            return say_ephemeral(
                ctx,
                format!("{e} (pick one from the list as you type). Nothing was changed."),
            )
            .await
        }
    };
    answer(ctx, Command::RemindSet { time, timezone }).await
}

/// Show your reminder and the next time it comes.
#[poise::command(slash_command, rename = "show")]
pub async fn remind_show(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::RemindShow).await
}

/// Turn your daily reminder off.
#[poise::command(slash_command, rename = "off")]
pub async fn remind_off(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::RemindOff).await
}

/// Your streak and this week.
#[poise::command(slash_command)]
pub async fn progress(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::Progress).await
}

/// What footcoach does, how to answer it, and the safety note.
#[poise::command(slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::Help).await
}

/// Pause reminders for a holiday.
#[poise::command(slash_command, rename = "pause")]
pub async fn remind_pause(
    ctx: Context<'_>,
    #[description = "Last day of the pause, like 2027-01-05"]
    #[max_length = 20]
    until: String,
) -> Result<(), Error> {
    match parse_date(&until) {
        Ok(until) => answer(ctx, Command::Pause { until }).await,
        Err(e) => say_ephemeral(ctx, format!("{e}. Nothing was changed.")).await,
    }
}

/// End a pause early.
#[poise::command(slash_command, rename = "resume")]
pub async fn remind_resume(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::Resume).await
}

/// Your settings.
#[poise::command(
    slash_command,
    subcommands("settings_followup", "settings_restdays", "settings_painprompt"),
    subcommand_required
)]
pub async fn settings(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The evening nudge on days the routine is not done yet.
#[poise::command(slash_command, rename = "followup")]
pub async fn settings_followup(
    ctx: Context<'_>,
    #[description = "Evening time like 19:00, or off"]
    #[max_length = 20]
    time: String,
) -> Result<(), Error> {
    let at = if time.trim().eq_ignore_ascii_case("off") {
        None
    } else {
        match time.parse::<LocalTime>() {
            Ok(t) => Some(t),
            Err(e) => {
                return say_ephemeral(ctx, format!("{e}, or off. Nothing was changed.")).await
            }
        }
    };
    answer(ctx, Command::FollowupSet(at)).await
}

/// Weekly rest days: no reminders, and your streak is kept.
#[poise::command(slash_command, rename = "restdays")]
pub async fn settings_restdays(
    ctx: Context<'_>,
    #[description = "Weekdays like: sat sun (or none)"]
    #[max_length = 60]
    days: String,
) -> Result<(), Error> {
    match RestDays::parse_list(&days) {
        Ok(days) => answer(ctx, Command::RestDays(days)).await,
        Err(e) => say_ephemeral(ctx, format!("{e}. Nothing was changed.")).await,
    }
}

/// Your level: holds and repetitions.
#[poise::command(slash_command, subcommands("level_down"), subcommand_required)]
pub async fn level(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// One level easier: shorter holds, fewer repetitions.
#[poise::command(slash_command, rename = "down")]
pub async fn level_down(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::LevelDown).await
}

/// Ask about pain before each guided session, or not.
#[poise::command(slash_command, rename = "painprompt")]
pub async fn settings_painprompt(
    ctx: Context<'_>,
    #[description = "on or off"]
    #[max_length = 10]
    ask: String,
) -> Result<(), Error> {
    match ask.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" => answer(ctx, Command::PainPrompt(true)).await,
        "off" | "no" => answer(ctx, Command::PainPrompt(false)).await,
        _ => say_ephemeral(ctx, "Type on or off. Nothing was changed.").await,
    }
}

/// Your own data: export it, or delete it all.
#[poise::command(
    slash_command,
    subcommands("mydata_export", "mydata_delete"),
    subcommand_required
)]
pub async fn mydata(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Everything footcoach keeps about you, as a JSON file only you see.
#[poise::command(slash_command, rename = "export")]
pub async fn mydata_export(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::Export).await
}

/// Delete everything footcoach keeps about you (asks to confirm).
#[poise::command(slash_command, rename = "delete")]
pub async fn mydata_delete(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::DeleteAsk).await
}

pub fn all() -> Vec<poise::Command<super::Data, Error>> {
    vec![
        routine(),
        remind(),
        progress(),
        settings(),
        level(),
        mydata(),
        coach(),
        help(),
    ]
}

/// Discord's "Missing Access" and "Missing Permissions", and "Unknown Channel".
const CANNOT_POST: [isize; 3] = [50001, 50013, 10003];

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
        _ = tokio::time::sleep(DEFER_AFTER) => {
            if private {
                ctx.defer_ephemeral().await?;
            } else {
                ctx.defer().await?;
            }
            work.await
        }
    }
}

/// Whether the member who ran the command may manage the server. Discord
/// hides /coach from others by default; a server may widen that for the
/// board, so the channel settings check again.
fn manages_server(ctx: Context<'_>) -> bool {
    let poise::Context::Application(app) = ctx else {
        return false;
    };
    app.interaction
        .member
        .as_ref()
        .and_then(|m| m.permissions)
        .is_some_and(|p| p.manage_guild() || p.administrator())
}

fn guild_of(ctx: Context<'_>) -> Option<i64> {
    ctx.guild_id().map(|g| g.get() as i64)
}

const ADMINS_ONLY: &str =
    "Only members with the Manage Server permission can change the server's daily post. Nothing was changed.";

/// Server features: a daily routine post and a weekly streak board.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("coach_channel", "coach_show", "coach_off", "coach_board"),
    subcommand_required
)]
pub async fn coach(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
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
    time: Option<String>,
    #[description = "The server's timezone, like Europe/Berlin (default: yours, or UTC)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 100]
    timezone: Option<String>,
) -> Result<(), Error> {
    let Some(guild) = guild_of(ctx) else {
        return say_ephemeral(ctx, "/coach works in a server, not in DMs.").await;
    };
    if !manages_server(ctx) {
        return say_ephemeral(ctx, ADMINS_ONLY).await;
    }
    let at = match time.as_deref().map(str::parse::<LocalTime>) {
        None => LocalTime::new(8, 0).ok_or("08:00 is a valid time")?,
        Some(Ok(t)) => t,
        Some(Err(e)) => return say_ephemeral(ctx, format!("{e}. Nothing was changed.")).await,
    };
    let coach = &ctx.data().coach;
    let timezone = match timezone.map(|tz| tz.parse::<Timezone>()) {
        Some(Ok(tz)) => tz,
        Some(Err(e)) => {
            return say_ephemeral(
                ctx,
                format!("{e} (pick one from the list as you type). Nothing was changed."),
            )
            .await
        }
        None => match coach.store().find_user(user_of(ctx.author().id)).await? {
            Some(settings) => settings.timezone_or_utc(),
            None => Timezone::UTC,
        },
    };
    if !matches!(
        channel.kind,
        serenity::ChannelType::Text | serenity::ChannelType::News
    ) {
        return say_ephemeral(
            ctx,
            "Pick a text channel for the daily post. Nothing was changed.",
        )
        .await;
    }
    let channel_id = channel.id;
    let text = defer_if_slow(ctx, true, async move {
        // Posting the announcement is the check that the bot may post there;
        // its embed makes Discord check Embed Links too, as the daily post needs.
        let note = serenity::CreateMessage::new()
            .content(format!(
                "footcoach will post the day's foot routine here every day at {at} ({timezone}), \
                 and on Mondays a streak board of members who opt in with the button on the post."
            ))
            .embed(
                serenity::CreateEmbed::new()
                    .description(crate::app::text::SAFETY)
                    .colour(super::render::ACCENT),
            )
            .allowed_mentions(serenity::CreateAllowedMentions::new());
        if let Err(e) = channel_id.send_message(ctx.http(), note).await {
            if let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) = &e {
                if CANNOT_POST.contains(&r.error.code) || r.status_code.as_u16() == 403 {
                    return Ok(format!(
                        "I cannot post in <#{channel_id}>: give me View Channel, Send Messages and Embed Links there, or pick another channel. Nothing was changed."
                    ));
                }
            }
            return Err(e.into());
        }
        let reply = coach
            .set_coach_channel(guild, channel_id.get() as i64, at, timezone)
            .await?;
        Ok(server_reply(&reply, TimeStyle::Discord))
    })
    .await?;
    say_ephemeral(ctx, text).await
}

/// The server's daily post and board: where, when, and whether the last one went out.
#[poise::command(slash_command, rename = "show", guild_only)]
pub async fn coach_show(ctx: Context<'_>) -> Result<(), Error> {
    let Some(guild) = guild_of(ctx) else {
        return say_ephemeral(ctx, "/coach works in a server, not in DMs.").await;
    };
    let reply = ctx.data().coach.show_coach_channel(guild).await?;
    say_ephemeral(ctx, server_reply(&reply, TimeStyle::Discord)).await
}

/// Stop the server's daily post (server admins).
#[poise::command(slash_command, rename = "off", guild_only)]
pub async fn coach_off(ctx: Context<'_>) -> Result<(), Error> {
    let Some(guild) = guild_of(ctx) else {
        return say_ephemeral(ctx, "/coach works in a server, not in DMs.").await;
    };
    if !manages_server(ctx) {
        return say_ephemeral(ctx, ADMINS_ONLY).await;
    }
    let reply = ctx.data().coach.stop_coach_channel(guild).await?;
    say_ephemeral(ctx, server_reply(&reply, TimeStyle::Discord)).await
}

/// Be on this server's weekly streak board, or not (only those who opt in appear).
#[poise::command(slash_command, rename = "board", guild_only)]
pub async fn coach_board(
    ctx: Context<'_>,
    #[description = "on to appear on the board, off to leave it"]
    #[max_length = 10]
    choice: String,
) -> Result<(), Error> {
    let on = match choice.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" | "join" => true,
        "off" | "no" | "leave" => false,
        _ => return say_ephemeral(ctx, "Type on or off. Nothing was changed.").await,
    };
    let Some(guild) = guild_of(ctx) else {
        return say_ephemeral(ctx, "/coach works in a server, not in DMs.").await;
    };
    let reply = ctx
        .data()
        .coach
        .set_board(guild, user_of(ctx.author().id), on)
        .await?;
    say_ephemeral(ctx, server_reply(&reply, TimeStyle::Discord)).await
}
