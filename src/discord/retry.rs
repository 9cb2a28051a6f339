//! Answers to Discord, tried again when Discord failed on its side (a 5xx, a
//! 429, a timeout): the person's change is stored by then, so losing the
//! answer to a passing 502 would leave them guessing.

use std::future::Future;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use serenity::HttpError;

/// Discord's "Interaction has already been acknowledged": a retried answer
/// whose first try did arrive.
const ALREADY_ACKNOWLEDGED: isize = 40060;

/// After this long without an answer an interaction is deferred, well inside
/// Discord's 3 seconds.
pub const DEFER_AFTER: Duration = Duration::from_millis(1500);

/// How patient to be with one answer.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// The longest one try may take.
    pub per_try: Duration,
    /// The pauses before the second, third… try.
    pub backoff: &'static [Duration],
}

/// An interaction's first answer must reach Discord within 3 s of the
/// interaction, so the tries are short and close together.
pub const INTERACTION: Patience = Patience {
    per_try: Duration::from_millis(2500),
    backoff: &[Duration::from_millis(200), Duration::from_millis(400)],
};

/// A message has no deadline; its nonce keeps a retried send from posting twice.
pub const MESSAGE: Patience = Patience {
    per_try: Duration::from_secs(10),
    backoff: &[Duration::from_secs(1), Duration::from_secs(3)],
};

/// Runs `attempt` until it succeeds, fails for good, or `patience` runs out.
/// A retried interaction answer that Discord says was already acknowledged
/// counts as sent.
pub async fn patiently<F, Fut>(patience: Patience, mut attempt: F) -> serenity::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = serenity::Result<()>>,
{
    let mut pauses = patience.backoff.iter();
    let mut retried = false;
    loop {
        let error = match tokio::time::timeout(patience.per_try, attempt()).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) if retried && discord_code(&e) == Some(ALREADY_ACKNOWLEDGED) => {
                return Ok(())
            }
            Ok(Err(e)) if !is_transient(&e) => return Err(e),
            Ok(Err(e)) => e,
            Err(_) => serenity::Error::Other("Discord did not answer in time"),
        };
        let Some(pause) = pauses.next() else {
            return Err(error);
        };
        tracing::warn!(error = %error, "Discord failed on its side; trying again");
        tokio::time::sleep(*pause).await;
        retried = true;
    }
}

/// Answers a button press with `answer`, trying again while Discord fails
/// on its side.
pub async fn respond(
    http: &serenity::Http,
    press: &serenity::ComponentInteraction,
    answer: serenity::CreateInteractionResponseMessage,
) -> serenity::Result<()> {
    patiently(INTERACTION, || async {
        press
            .create_response(
                http,
                serenity::CreateInteractionResponse::Message(answer.clone()),
            )
            .await
    })
    .await
}

fn discord_code(e: &serenity::Error) -> Option<isize> {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => Some(r.error.code),
        _ => None,
    }
}

/// Failures on Discord's side or on the way there, worth another try.
fn is_transient(e: &serenity::Error) -> bool {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            r.status_code.is_server_error() || r.status_code.as_u16() == 429
        }
        serenity::Error::Http(HttpError::Request(r)) => {
            r.is_timeout() || r.is_connect() || r.is_request()
        }
        _ => false,
    }
}
