//! Where a step's prompt was posted, told to the Coach so the step's cues
//! can edit that message: by its channel where the bot posted it itself (its
//! DMs, servers it was added to), and through the interaction it answered
//! otherwise, which Discord allows wherever the answer went (a personal
//! install in a server without the bot, a group DM) for 15 minutes.

use std::future::Future;

use poise::serenity_prelude as serenity;

use crate::app::{Coach, StepPrompt};
use crate::store::StepMessage;

/// The webhook an interaction's answers are edited through:
/// "application id/interaction token". It is a credential while it lasts:
/// it goes to the database, never to a log.
pub(crate) fn webhook_of(application: serenity::ApplicationId, token: &str) -> String {
    format!("{application}/{token}")
}

/// Records where `prompt` went, once `message` (the posted message, or a
/// request for it) says so; a failure costs the step its cues, nothing more.
pub(crate) async fn remember(
    coach: &Coach,
    prompt: &StepPrompt,
    message: impl Future<Output = serenity::Result<serenity::Message>>,
    webhook: Option<String>,
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
    if let Err(e) = coach
        .step_posted(prompt, at, text, webhook.as_deref())
        .await
    {
        tracing::warn!(error = %e, "could not remember where a step's prompt was posted; it gets no cues");
    }
}
