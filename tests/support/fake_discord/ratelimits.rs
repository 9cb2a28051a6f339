//! Discord's per-route rate limit on message creates, as Discord states and
//! enforces it: every answer to `POST /channels/{id}/messages` carries the
//! channel's bucket in `X-RateLimit-*` headers (5 creates per 5 s per
//! channel), and a 6th create within the window is a per-route 429 with
//! those headers.
//!
//! The bot's own serenity client runs with its rate limiter off against the
//! fake (see the module docs of `fake_discord`), so it does not follow the
//! headers: a test that has the bot answer more than 5 times in one channel
//! within 5 s through serenity sees the 429 that serenity's limiter would
//! have waited out in production. No test does; the timed sends follow them.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::rest::Reply;
use super::{path_matches, StateInner};

/// Creates per channel per window, as Discord answers them.
pub const MESSAGE_LIMIT: u32 = 5;
pub const MESSAGE_WINDOW: Duration = Duration::from_secs(5);
/// The message-create bucket's hash: one for every channel, which the
/// channel id (a top-level resource) tells apart.
pub const MESSAGE_BUCKET: &str = "a06de8ee0bbe0ca0c3cde4dd2b6cb0b5";

#[derive(Default)]
pub(super) struct MessageLimits {
    /// Channel id (as in the path) → when its window began and creates in it.
    windows: HashMap<String, (Instant, u32)>,
}

/// A message create counted against its channel's bucket: the headers its
/// answer carries, or the 429 when the bucket is spent.
pub(super) fn count(
    st: &mut StateInner,
    method: &str,
    path: &str,
) -> Result<Vec<(String, String)>, Reply> {
    let Some(channel) = message_create_channel(method, path) else {
        return Ok(Vec::new());
    };
    let now = Instant::now();
    let limits = &mut st.message_limits;
    let window = limits.windows.entry(channel).or_insert((now, 0));
    if now.duration_since(window.0) >= MESSAGE_WINDOW {
        *window = (now, 0);
    }
    let reset_after = MESSAGE_WINDOW.saturating_sub(now.duration_since(window.0));
    if window.1 >= MESSAGE_LIMIT {
        let secs = reset_after.as_secs_f64();
        let mut reply = Reply::json(
            429,
            json!({"message": "You are being rate limited.", "retry_after": secs, "global": false}),
        );
        reply.headers = headers(0, reset_after);
        reply
            .headers
            .push(("Retry-After".into(), format!("{}", secs.ceil() as u64)));
        return Err(reply);
    }
    window.1 += 1;
    Ok(headers(MESSAGE_LIMIT.saturating_sub(window.1), reset_after))
}

fn message_create_channel(method: &str, path: &str) -> Option<String> {
    if method != "POST" || !path_matches("/channels/*/messages", path) {
        return None;
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    // /api/v10/channels/{id}/messages exactly, not a message below it.
    (segs.len() == 5).then(|| segs[3].to_owned())
}

fn headers(remaining: u32, reset_after: Duration) -> Vec<(String, String)> {
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
        + reset_after.as_secs_f64();
    vec![
        ("X-RateLimit-Limit".into(), MESSAGE_LIMIT.to_string()),
        ("X-RateLimit-Remaining".into(), remaining.to_string()),
        ("X-RateLimit-Reset".into(), format!("{reset:.3}")),
        (
            "X-RateLimit-Reset-After".into(),
            format!("{:.3}", reset_after.as_secs_f64()),
        ),
        ("X-RateLimit-Bucket".into(), MESSAGE_BUCKET.into()),
        ("X-RateLimit-Scope".into(), "user".into()),
    ]
}
