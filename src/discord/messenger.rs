//! Timed sends to Discord: each request within Discord's limits as its
//! answers state them (`limits`) and within the global budget shared by
//! every sender on the database (`budget`), a nonce per timeline row so a
//! repeated send posts once, and error codes mapped to what the scheduler
//! should do.
//!
//! serenity's own rate limiter is not used here: it ignores a proxy URL
//! (so neither a rate-limit proxy nor the fake Discord of the tests can be
//! put in front of it), retries 429s without end, and knows nothing of
//! other processes.

use std::time::Duration;

use serde::Deserialize;

use super::budget::GlobalBudget;
use super::limits::{Answer, Route, RouteLimits};
use super::render::{cue_content, markup, notice_message, server_post_message, Attachment};
use crate::app::servers::ServerPost;
use crate::app::Notice;
use crate::config::Secret;
use crate::store::UserId;
use crate::text::servers::dms_closed;
use crate::timeline::{Delivery, Messenger, Outbound};

/// Discord asks bots to name themselves this way.
pub(crate) const USER_AGENT: &str = "DiscordBot (https://github.com/footcoach, 0.1) footcoach";
/// 429s answered by waiting and trying again, per send, before giving up for now.
const MAX_RATE_LIMIT_WAITS: u32 = 3;
/// Discord's "Cannot send messages to this user".
const CANNOT_DM: i64 = 50007;

pub struct DiscordMessenger {
    client: reqwest::Client,
    api: String,
    authorization: Secret,
    limits: RouteLimits,
    budget: GlobalBudget,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    retry_after: Option<f64>,
    #[serde(default)]
    global: bool,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

enum Failure {
    RateLimited { wait: Duration, global: bool },
    Delivery(Delivery),
}

impl DiscordMessenger {
    /// `api_base` is https://discord.com or DISCORD_API_URL.
    pub fn new(api_base: &str, token: &Secret, budget: GlobalBudget) -> reqwest::Result<Self> {
        Ok(DiscordMessenger {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .user_agent(USER_AGENT)
                .build()?,
            api: format!("{}/api/v10", api_base.trim_end_matches('/')),
            authorization: Secret::new(format!("Bot {}", token.expose())),
            limits: RouteLimits::default(),
            budget,
        })
    }

    pub fn budget(&self) -> &GlobalBudget {
        &self.budget
    }

    /// Sends JSON within the limits and returns the id of the object made
    /// or changed; with a file, as multipart/form-data (`payload_json` and
    /// `files[0]`).
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
        file: Option<&Attachment>,
    ) -> Result<String, Failure> {
        let permit = self.limits.acquire(&Route::of(method.as_str(), path)).await;
        // The budget's place is taken last, so it is spent as the request
        // leaves; one taken before a global 429 is dropped for a later one.
        loop {
            self.budget.take().await.map_err(|e| {
                Failure::Delivery(Delivery::Transient {
                    retry_after: None,
                    error: format!("cannot take a place in the shared rate budget: {e}"),
                })
            })?;
            match self.limits.global_hold() {
                Some(until) => tokio::time::sleep_until(until).await,
                None => break,
            }
        }
        let request = self
            .client
            .request(method, format!("{}{path}", self.api))
            .header(reqwest::header::AUTHORIZATION, self.authorization.expose());
        let request = match file {
            None => request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string()),
            Some(file) => request.multipart(with_file(body, file)),
        };
        let response = request
            .send()
            .await
            // reqwest's error names the URL, never the headers.
            .map_err(|e| {
                Failure::Delivery(Delivery::Transient {
                    retry_after: None,
                    error: format!("request failed: {}", e.without_url()),
                })
            })?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        let error_body: Option<ErrorBody> = if status.is_success() {
            None
        } else {
            serde_json::from_slice(&bytes).ok()
        };
        let answer = Answer::read(
            status.as_u16(),
            &headers,
            error_body.as_ref().and_then(|b| b.retry_after),
            error_body.as_ref().is_some_and(|b| b.global),
        );
        permit.finish(&answer);
        if status.is_success() {
            return serde_json::from_slice::<Created>(&bytes)
                .map(|c| c.id)
                .map_err(|e| {
                    Failure::Delivery(Delivery::Rejected(format!("unexpected answer: {e}")))
                });
        }
        if status.as_u16() == 429 {
            crate::telemetry::rate_limited(if answer.global { "global" } else { "route" });
            return Err(Failure::RateLimited {
                wait: answer.wait(),
                global: answer.global,
            });
        }
        let code = error_body.as_ref().and_then(|b| b.code);
        let message = error_body.and_then(|b| b.message).unwrap_or_default();
        let error = format!(
            "HTTP {} code {} {message}",
            status.as_u16(),
            code.unwrap_or(0)
        );
        Err(Failure::Delivery(if code == Some(CANNOT_DM) {
            Delivery::Unreachable(error)
        } else if status.is_server_error() {
            Delivery::Transient {
                retry_after: None,
                error,
            }
        } else {
            Delivery::Rejected(error)
        }))
    }

    /// A POST through `patiently`.
    async fn post_patiently(
        &self,
        path: &str,
        body: &serde_json::Value,
        file: Option<&Attachment>,
    ) -> Result<String, Delivery> {
        self.patiently(reqwest::Method::POST, path, body, file)
            .await
    }

    /// `request`, trying again after a 429 (the limits hold the request for
    /// as long as it asked) a few times before handing the row back.
    async fn patiently(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
        file: Option<&Attachment>,
    ) -> Result<String, Delivery> {
        let mut waits = 0;
        loop {
            match self.request(method.clone(), path, body, file).await {
                Ok(id) => return Ok(id),
                Err(Failure::Delivery(d)) => return Err(d),
                Err(Failure::RateLimited { wait, global }) => {
                    tracing::warn!(
                        path = shown(path),
                        global,
                        retry_after_ms = wait.as_millis() as u64,
                        "rate limited by Discord; holding {}",
                        if global {
                            "every request"
                        } else {
                            "this route"
                        }
                    );
                    waits += 1;
                    if waits >= MAX_RATE_LIMIT_WAITS {
                        return Err(Delivery::Transient {
                            retry_after: Some(wait),
                            error: "rate limited".into(),
                        });
                    }
                }
            }
        }
    }

    async fn dm_channel(&self, user: UserId) -> Result<i64, Delivery> {
        let id = self
            .post_patiently(
                "/users/@me/channels",
                &serde_json::json!({ "recipient_id": user.0.to_string() }),
                None,
            )
            .await?;
        id.parse()
            .map_err(|_| Delivery::Rejected(format!("bad channel id {id:?}")))
    }
}

/// A path as logs may show it: a webhook's token stays out.
fn shown(path: &str) -> &str {
    if path.starts_with("/webhooks/") {
        "/webhooks/{application}/{token}/…"
    } else {
        path
    }
}

/// A message body with one file, as Discord takes uploads: the JSON names
/// the file as attachment 0, and the file is the part `files[0]`.
fn with_file(body: &serde_json::Value, file: &Attachment) -> reqwest::multipart::Form {
    let name = &file.name;
    let mut payload = body.clone();
    let mut attachment = serde_json::json!({ "id": 0, "filename": name });
    if let Some(alt) = &file.alt {
        attachment["description"] = serde_json::Value::String(alt.clone());
    }
    payload["attachments"] = serde_json::json!([attachment]);
    let json = reqwest::multipart::Part::text(payload.to_string())
        .mime_str("application/json")
        .expect("application/json is a MIME type");
    let file = reqwest::multipart::Part::bytes(file.bytes.clone())
        .file_name(name.to_owned())
        .mime_str(if name.ends_with(".png") {
            "image/png"
        } else {
            "application/octet-stream"
        })
        .expect("a MIME type");
    reqwest::multipart::Form::new()
        .part("payload_json", json)
        .part("files[0]", file)
}

impl Messenger for DiscordMessenger {
    async fn deliver(&self, out: &Outbound) -> Delivery {
        if let Notice::Cue(cue) = &out.notice {
            // A cue edits the step's message: through the interaction it
            // answered, else by its channel.
            let path = match &cue.webhook {
                Some(webhook) => format!("/webhooks/{webhook}/messages/{}", cue.at.message),
                None => format!("/channels/{}/messages/{}", cue.at.channel, cue.at.message),
            };
            let body = serde_json::json!({ "content": cue_content(cue) });
            return match self
                .patiently(reqwest::Method::PATCH, &path, &body, None)
                .await
            {
                Ok(_) => Delivery::Sent {
                    dm_channel: None,
                    message: Some(cue.at.message),
                },
                Err(d) => d,
            };
        }
        let channel = match out.dm_channel {
            Some(c) => c,
            None => match self.dm_channel(out.user).await {
                Ok(c) => c,
                Err(d) => return d,
            },
        };
        let mut outgoing = notice_message(&out.notice, out.user);
        let file = outgoing.file.take();
        let message = outgoing.into_message();
        let mut body = match serde_json::to_value(&message) {
            Ok(v) => v,
            Err(e) => return Delivery::Rejected(format!("cannot encode message: {e}")),
        };
        body["nonce"] = serde_json::Value::String(out.nonce.clone());
        body["enforce_nonce"] = serde_json::Value::Bool(true);
        match self
            .post_patiently(
                &format!("/channels/{channel}/messages"),
                &body,
                file.as_ref(),
            )
            .await
        {
            Ok(id) => Delivery::Sent {
                dm_channel: Some(channel),
                message: id.parse().ok(),
            },
            Err(d) => d,
        }
    }

    async fn post_to_channel(&self, channel: i64, nonce: &str, post: &ServerPost) -> Delivery {
        let message = server_post_message(post).into_message();
        let mut body = match serde_json::to_value(&message) {
            Ok(v) => v,
            Err(e) => return Delivery::Rejected(format!("cannot encode message: {e}")),
        };
        body["nonce"] = serde_json::Value::String(nonce.to_owned());
        body["enforce_nonce"] = serde_json::Value::Bool(true);
        // The post mentions board members in an embed; it must never ping anyone.
        body["allowed_mentions"] = serde_json::json!({ "parse": [] });
        match self
            .post_patiently(&format!("/channels/{channel}/messages"), &body, None)
            .await
        {
            Ok(id) => Delivery::Sent {
                dm_channel: None,
                message: id.parse().ok(),
            },
            Err(d) => d,
        }
    }

    async fn tell_unreachable(&self, user: UserId, channel: i64) {
        let body = serde_json::json!({
            "content": markup(&dms_closed(user)),
            "allowed_mentions": { "users": [user.0.to_string()] },
        });
        if let Err(d) = self
            .post_patiently(&format!("/channels/{channel}/messages"), &body, None)
            .await
        {
            tracing::warn!(user = user.0, channel, outcome = ?d, "could not tell a user their DMs are closed");
        }
    }
}
