//! /remind: the daily reminder and pauses.

use super::{answer, autocomplete_timezone};
use crate::app::input::Until;
use crate::app::Command;
use crate::coach::{LocalTime, Timezone};
use crate::discord::{Context, Error};

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
pub async fn remind(ctx: Context<'_>) -> Result<(), Error> {
    super::without_subcommand(ctx).await
}

/// Set a daily reminder at your local time.
#[poise::command(slash_command, rename = "set")]
pub async fn remind_set(
    ctx: Context<'_>,
    #[description = "Local time on a 24-hour clock, like 07:30"]
    #[max_length = 20]
    time: LocalTime,
    #[description = "Your timezone, like Europe/Berlin (remembered for next time)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 100]
    timezone: Option<Timezone>,
) -> Result<(), Error> {
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

/// Pause reminders for a holiday.
#[poise::command(slash_command, rename = "pause")]
pub async fn remind_pause(
    ctx: Context<'_>,
    #[description = "Last day of the pause, like 2027-01-05"]
    #[max_length = 20]
    until: Until,
) -> Result<(), Error> {
    answer(ctx, Command::Pause { until: until.0 }).await
}

/// End a pause early.
#[poise::command(slash_command, rename = "resume")]
pub async fn remind_resume(ctx: Context<'_>) -> Result<(), Error> {
    answer(ctx, Command::Resume).await
}
