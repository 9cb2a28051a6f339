//! The slash commands, grouped by topic. Each hands a typed `Command` to
//! the Coach service; options are typed, so bad input never gets this far.

mod coach;
mod mydata;
mod remind;
mod routine;
mod settings;

use std::time::Duration;

use super::render::outgoing;
use super::{user_of, Context, Error};
use crate::app::{Command, Origin, Source};
use crate::coach::Timezone;

/// After this long without an answer the interaction is deferred, well inside
/// Discord's 3 seconds.
const DEFER_AFTER: Duration = Duration::from_millis(1500);

pub fn all() -> Vec<poise::Command<super::Data, Error>> {
    vec![
        routine::routine(),
        remind::remind(),
        routine::progress(),
        settings::settings(),
        settings::level(),
        mydata::mydata(),
        coach::coach(),
        routine::help(),
    ]
}

/// Runs `command` through the coach and answers the interaction.
async fn answer(ctx: Context<'_>, command: Command) -> Result<(), Error> {
    let user = user_of(ctx.author().id);
    let origin = Origin {
        // Where to tell them if their DMs turn out to be closed.
        server_channel: ctx.guild_id().map(|_| ctx.channel_id().get() as i64),
        ..Origin::new(Source::DiscordCommand)
    };
    // A deferred answer keeps the visibility of the defer: a user's data stays theirs.
    let private = matches!(command, Command::Export | Command::DeleteAsk);
    let coach = &ctx.data().coach;
    let answer = defer_if_slow(ctx, private, async {
        Ok(coach.handle(user, origin, command).await?)
    })
    .await?;
    ctx.send(
        outgoing(&answer.reply, user)
            .with_welcome(answer.first_time)
            .into_poise(),
    )
    .await?;
    Ok(())
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

async fn autocomplete_timezone(
    _ctx: Context<'_>,
    partial: &str,
) -> poise::serenity_prelude::CreateAutocompleteResponse {
    use poise::serenity_prelude as serenity;
    // Discord caps an option value at 100 characters; so do we, before matching.
    let partial: String = partial.chars().take(100).collect();
    let choices = Timezone::suggest(&partial, 25)
        .into_iter()
        .map(|name| serenity::AutocompleteChoice::new(name, name))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
