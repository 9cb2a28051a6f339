//! Timed sends to Discord: one paced queue below Discord's 50 requests a
//! second (shared by concurrent sends, each reserving its own slot), a nonce per timeline row so a repeated send posts once, and
//! error codes mapped to what the scheduler should do.

use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::render::{markup, notice_message, server_post_message};
use crate::app::servers::ServerPost;
use crate::config::Secret;
use crate::store::UserId;
use crate::text::servers::dms_closed;
use crate::timeline::{Delivery, Messenger, Outbound};

/// Discord asks bots to name themselves this way.
pub(crate) const USER_AGENT: &str = "DiscordBot (https://github.com/footcoach, 0.1) footcoach";
/// Below Discord's 50 a second, leaving room for the bot's other calls.
pub const DEFAULT_RATE_PER_SECOND: u32 = 40;
/// 429s answered by waiting and trying again, per send, before giving up for now.
const MAX_RATE_LIMIT_WAITS: u32 = 3;
/// Discord's "Cannot send messages to this user".
const CANNOT_DM: i64 = 50007;

pub struct DiscordMessenger {
    client: reqwest::Client,
    api: String,
    authorization: Secret,
    interval: Duration,
    pacing: Mutex<Pacing>,
}

struct Pacing {
    /// The earliest instant the next request may leave.
    next_slot: Instant,
    /// Nothing leaves before this: a 429 asked to wait.
    held_until: Instant,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    retry_after: Option<f64>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

enum Failure {
    RateLimited(Duration),
    Delivery(Delivery),
}

impl DiscordMessenger {
    /// `api_base` is https://discord.com or DISCORD_API_URL.
    pub fn new(api_base: &str, token: &Secret, rate_per_second: u32) -> reqwest::Result<Self> {
        Ok(DiscordMessenger {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .user_agent(USER_AGENT)
                .build()?,
            api: format!("{}/api/v10", api_base.trim_end_matches('/')),
            authorization: Secret::new(format!("Bot {}", token.expose())),
            interval: Duration::from_secs(1) / rate_per_second.max(1),
            pacing: Mutex::new(Pacing {
                next_slot: Instant::now(),
                held_until: Instant::now(),
            }),
        })
    }

    /// Waits for this request's place in the paced queue.
    async fn pace(&self) {
        loop {
            let wait_until = {
                let mut p = self.pacing.lock().await;
                let slot = p.next_slot.max(Instant::now());
                p.next_slot = slot + self.interval;
                slot
            };
            tokio::time::sleep_until(wait_until).await;
            // Sends run concurrently: a 429 answered while this one waited
            // for its slot puts it back in the queue, behind the hold.
            if self.pacing.lock().await.held_until <= Instant::now() {
                return;
            }
        }
    }

    /// Holds the whole queue back, as a 429 asks.
    async fn hold(&self, wait: Duration) {
        let mut p = self.pacing.lock().await;
        let until = Instant::now() + wait;
        p.held_until = p.held_until.max(until);
        p.next_slot = p.next_slot.max(until);
    }

    /// POSTs JSON, paced, and returns the created object's id.
    async fn post(&self, path: &str, body: &serde_json::Value) -> Result<String, Failure> {
        self.pace().await;
        let response = self
            .client
            .post(format!("{}{path}", self.api))
            .header(reqwest::header::AUTHORIZATION, self.authorization.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
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
        let header_wait = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<f64>().ok());
        let bytes = response.bytes().await.unwrap_or_default();
        if status.is_success() {
            return serde_json::from_slice::<Created>(&bytes)
                .map(|c| c.id)
                .map_err(|e| {
                    Failure::Delivery(Delivery::Rejected(format!("unexpected answer: {e}")))
                });
        }
        let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        let code = body.as_ref().and_then(|b| b.code);
        let message = body
            .as_ref()
            .and_then(|b| b.message.clone())
            .unwrap_or_default();
        let error = format!(
            "HTTP {} code {} {message}",
            status.as_u16(),
            code.unwrap_or(0)
        );
        if status.as_u16() == 429 {
            let secs = body
                .and_then(|b| b.retry_after)
                .or(header_wait)
                .unwrap_or(1.0);
            return Err(Failure::RateLimited(Duration::from_secs_f64(
                secs.clamp(0.0, 60.0),
            )));
        }
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

    /// `post`, waiting out 429s a few times before handing the row back.
    async fn post_patiently(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<String, Delivery> {
        let mut waits = 0;
        loop {
            match self.post(path, body).await {
                Ok(id) => return Ok(id),
                Err(Failure::Delivery(d)) => return Err(d),
                Err(Failure::RateLimited(wait)) => {
                    tracing::warn!(
                        path,
                        retry_after_ms = wait.as_millis() as u64,
                        "rate limited by Discord; holding the send queue"
                    );
                    self.hold(wait).await;
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
            )
            .await?;
        id.parse()
            .map_err(|_| Delivery::Rejected(format!("bad channel id {id:?}")))
    }
}

impl Messenger for DiscordMessenger {
    async fn deliver(&self, out: &Outbound) -> Delivery {
        let channel = match out.dm_channel {
            Some(c) => c,
            None => match self.dm_channel(out.user).await {
                Ok(c) => c,
                Err(d) => return d,
            },
        };
        let message = notice_message(&out.notice, out.user).into_message();
        let mut body = match serde_json::to_value(&message) {
            Ok(v) => v,
            Err(e) => return Delivery::Rejected(format!("cannot encode message: {e}")),
        };
        body["nonce"] = serde_json::Value::String(out.nonce.clone());
        body["enforce_nonce"] = serde_json::Value::Bool(true);
        match self
            .post_patiently(&format!("/channels/{channel}/messages"), &body)
            .await
        {
            Ok(_) => Delivery::Sent {
                dm_channel: Some(channel),
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
            .post_patiently(&format!("/channels/{channel}/messages"), &body)
            .await
        {
            Ok(_) => Delivery::Sent { dm_channel: None },
            Err(d) => d,
        }
    }

    async fn tell_unreachable(&self, user: UserId, channel: i64) {
        let body = serde_json::json!({
            "content": markup(&dms_closed(user)),
            "allowed_mentions": { "users": [user.0.to_string()] },
        });
        if let Err(d) = self
            .post_patiently(&format!("/channels/{channel}/messages"), &body)
            .await
        {
            tracing::warn!(user = user.0, channel, outcome = ?d, "could not tell a user their DMs are closed");
        }
    }
}
