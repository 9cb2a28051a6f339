//! The slash commands, grouped by topic. Each parses its arguments at the
//! edge and hands a `Command` to the Coach service.

use std::time::Duration;

use poise::serenity_prelude as serenity;

use super::render::{outgoing, Outgoing};
use super::{user_of, Context, Error};
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
    let work = coach.handle(user, Source::DiscordCommand, command);
    tokio::pin!(work);
    let reply = tokio::select! {
        reply = &mut work => reply?,
        _ = tokio::time::sleep(DEFER_AFTER) => {
            ctx.defer().await?;
            work.await?
        }
    };
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
        help(),
    ]
}
