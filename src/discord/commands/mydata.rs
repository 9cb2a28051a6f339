//! /mydata: a person's own data.

use super::answer;
use crate::app::Command;
use crate::discord::{Context, Error};

/// Your own data: export it, or delete it all.
#[poise::command(
    slash_command,
    subcommands("mydata_export", "mydata_delete"),
    subcommand_required
)]
pub async fn mydata(ctx: Context<'_>) -> Result<(), Error> {
    super::without_subcommand(ctx).await
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
