//! /settings and /level.

use super::answer;
use crate::app::input::{Equipment, Evening, Switch, Weekdays, WeeklyDay};
use crate::app::Command;
use crate::coach::fit::RoutineLength;
use crate::discord::{Context, Error};

/// Your settings.
#[poise::command(
    slash_command,
    subcommands(
        "settings_followup",
        "settings_restdays",
        "settings_length",
        "settings_equipment",
        "settings_painprompt",
        "settings_weekly"
    ),
    subcommand_required
)]
pub async fn settings(ctx: Context<'_>) -> Result<(), Error> {
    super::without_subcommand(ctx).await
}

/// The evening nudge on days the routine is not done yet.
#[poise::command(slash_command, rename = "followup")]
pub async fn settings_followup(
    ctx: Context<'_>,
    #[description = "Evening time like 19:00, or off"]
    #[max_length = 20]
    time: Evening,
) -> Result<(), Error> {
    answer(ctx, Command::FollowupSet(time.0)).await
}

/// Weekly rest days: no reminders, and your streak is kept.
#[poise::command(slash_command, rename = "restdays")]
pub async fn settings_restdays(
    ctx: Context<'_>,
    #[description = "Weekdays like: sat sun (or none)"]
    #[max_length = 60]
    days: Weekdays,
) -> Result<(), Error> {
    answer(ctx, Command::RestDays(days.0)).await
}

/// How long your daily routine is: 5 or 10 minutes.
#[poise::command(slash_command, rename = "length")]
pub async fn settings_length(
    ctx: Context<'_>,
    #[description = "Minutes a day"] minutes: RoutineLength,
) -> Result<(), Error> {
    answer(ctx, Command::RoutineLength(minutes)).await
}

/// What you have, so exercises needing anything else are swapped or left out.
#[poise::command(slash_command, rename = "equipment")]
pub async fn settings_equipment(
    ctx: Context<'_>,
    #[description = "Any of: tennis ball, golf ball, towel, chair, step (or none)"]
    #[max_length = 100]
    have: Equipment,
) -> Result<(), Error> {
    answer(ctx, Command::Equipment(have.0)).await
}

/// Ask about pain before each guided session, or not.
#[poise::command(slash_command, rename = "painprompt")]
pub async fn settings_painprompt(
    ctx: Context<'_>,
    #[description = "on or off"]
    #[max_length = 10]
    ask: Switch,
) -> Result<(), Error> {
    answer(ctx, Command::PainPrompt(ask.0)).await
}

/// Your week in review, on a day you choose at your reminder time.
#[poise::command(slash_command, rename = "weekly")]
pub async fn settings_weekly(
    ctx: Context<'_>,
    #[description = "The day it comes, or off"] day: WeeklyDay,
) -> Result<(), Error> {
    answer(ctx, Command::Weekly(day.0)).await
}

/// Your level: holds and repetitions.
#[poise::command(slash_command, subcommands("level_down"), subcommand_required)]
pub async fn level(ctx: Context<'_>) -> Result<(), Error> {
    super::without_subcommand(ctx).await
}

/// One level easier: shorter holds, fewer repetitions.
#[poise::command(slash_command, rename = "down")]
pub async fn level_down(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::LevelDown).await
}
