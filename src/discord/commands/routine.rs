//! /routine, /progress and /help.

use super::answer;
use crate::app::Command;
use crate::discord::{Context, Error};

/// Your foot routine: see today's, or be guided through it.
#[poise::command(
    slash_command,
    subcommands("routine_today", "routine_start"),
    subcommand_required
)]
pub async fn routine(ctx: Context<'_>) -> Result<(), Error> {
    super::without_subcommand(ctx).await
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
