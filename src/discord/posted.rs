//! Where a step's prompt was posted, told to the Coach so the step's cues
//! can edit that message by its channel. A bot may edit its own messages in
//! its DMs and in servers it was added to; elsewhere (a person's own
//! install used in someone else's server or a group DM) it cannot, so the
//! step gets no cues there rather than failed edits.

use std::future::Future;

use poise::serenity_prelude as serenity;

use crate::app::{Coach, StepPrompt};
use crate::store::StepMessage;

/// Whether the bot can edit its messages in an interaction's channel.
pub(crate) fn editable_there(
    context: Option<serenity::InteractionContext>,
    server_channel: Option<i64>,
) -> bool {
    match context {
        Some(serenity::InteractionContext::BotDm) => true,
        Some(serenity::InteractionContext::Guild) => server_channel.is_some(),
        _ => false,
    }
}

/// Records where `prompt` went, once `message` (the posted message, or a
/// request for it) says so; a failure costs the step its cues, nothing more.
pub(crate) async fn remember(
    coach: &Coach,
    prompt: &StepPrompt,
    message: impl Future<Output = serenity::Result<serenity::Message>>,
) {
    let (at, text) = match message.await {
        Ok(m) => (
            StepMessage {
                channel: m.channel_id.get() as i64,
                message: m.id.get() as i64,
            },
            m.content,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "could not learn where a step's prompt was posted; it gets no cues");
            return;
        }
    };
    let text = Some(text.as_str()).filter(|t| !t.is_empty());
    if let Err(e) = coach.step_posted(prompt, at, text).await {
        tracing::warn!(error = %e, "could not remember where a step's prompt was posted; it gets no cues");
    }
}
