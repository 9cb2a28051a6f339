//! Failures a test injects: the next calls to a route answered with a
//! status and body of its choice (a 5xx, a 403, a per-route or global 429
//! with Discord's rate-limit headers) instead of being handled, or handled but answered
//! late (a stuck request).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::rest::Reply;
use super::{method_matches, path_matches, FakeDiscord, StateInner};

/// A fault waiting to fire.
pub(super) struct Fault {
    method: String,
    pattern: String,
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
    remaining: usize,
}

/// A held answer waiting to fire.
pub(super) struct Hold {
    method: String,
    pattern: String,
    delay: Duration,
    remaining: usize,
}

impl FakeDiscord {
    /// The next `times` calls matching method and path pattern are handled
    /// as Discord would (a message is created, and its nonce remembered),
    /// but their answer is held back for `delay`: a request Discord carried
    /// out whose answer is stuck, the case where a client that gives up and
    /// retries must not post twice. A fault's answer
    /// ([`Self::fail_next`]) to the same call is held too.
    pub fn hold_next(&self, method: &str, path_pattern: &str, delay: Duration, times: usize) {
        self.inner.lock().holds.push(Hold {
            method: method.to_owned(),
            pattern: path_pattern.to_owned(),
            delay,
            remaining: times,
        });
    }

    /// The next `times` calls matching method and path pattern are answered
    /// with `status` and `body` (and nothing happens).
    pub fn fail_next(
        &self,
        method: &str,
        path_pattern: &str,
        status: u16,
        body: Value,
        times: usize,
    ) {
        self.fail_next_with_headers(method, path_pattern, status, body, &[], times);
    }

    /// [`Self::fail_next`] with extra response headers.
    pub fn fail_next_with_headers(
        &self,
        method: &str,
        path_pattern: &str,
        status: u16,
        body: Value,
        headers: &[(&str, &str)],
        times: usize,
    ) {
        self.inner.lock().faults.push(Fault {
            method: method.to_owned(),
            pattern: path_pattern.to_owned(),
            status,
            body,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            remaining: times,
        });
    }

    /// A per-route 429 as Discord sends it: body `{message, retry_after,
    /// global: false}` and the `Retry-After`, `X-RateLimit-*` headers
    /// (scope `user`).
    pub fn rate_limit_next(
        &self,
        method: &str,
        path_pattern: &str,
        retry_after_secs: f64,
        times: usize,
    ) {
        let retry_after_header = format!("{}", retry_after_secs.ceil() as u64);
        let reset_after = format!("{retry_after_secs:.3}");
        let reset = format!(
            "{:.3}",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64())
                + retry_after_secs
        );
        self.fail_next_with_headers(
            method,
            path_pattern,
            429,
            json!({"message": "You are being rate limited.", "retry_after": retry_after_secs, "global": false}),
            &[
                ("Retry-After", retry_after_header.as_str()),
                ("X-RateLimit-Limit", "5"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", reset.as_str()),
                ("X-RateLimit-Reset-After", reset_after.as_str()),
                ("X-RateLimit-Bucket", super::ratelimits::MESSAGE_BUCKET),
                ("X-RateLimit-Scope", "user"),
            ],
            times,
        );
    }

    /// A global 429 as Discord sends it when the bot's 50 requests a second
    /// are spent, on whatever route: body `{message, retry_after, global:
    /// true}`, `Retry-After`, `X-RateLimit-Global: true` and
    /// `X-RateLimit-Scope: global`, and no bucket headers.
    pub fn rate_limit_global_next(
        &self,
        method: &str,
        path_pattern: &str,
        retry_after_secs: f64,
        times: usize,
    ) {
        let retry_after_header = format!("{}", retry_after_secs.ceil() as u64);
        self.fail_next_with_headers(
            method,
            path_pattern,
            429,
            json!({"message": "You are being rate limited.", "retry_after": retry_after_secs, "global": true}),
            &[
                ("Retry-After", retry_after_header.as_str()),
                ("X-RateLimit-Global", "true"),
                ("X-RateLimit-Scope", "global"),
            ],
            times,
        );
    }

    /// Discard faults and holds that have not fired yet.
    pub fn clear_faults(&self) {
        let mut st = self.inner.lock();
        st.faults.clear();
        st.holds.clear();
    }
}

/// The reply of the first pending fault matching the call, if any (it
/// fires once more).
pub(super) fn take_fault(st: &mut StateInner, method: &str, path: &str) -> Option<Reply> {
    let fault = st.faults.iter_mut().find(|f| {
        f.remaining > 0 && method_matches(&f.method, method) && path_matches(&f.pattern, path)
    })?;
    fault.remaining -= 1;
    let reply = Reply {
        status: fault.status,
        body: Some(fault.body.clone()),
        headers: fault.headers.clone(),
        unexpected: false,
    };
    st.faults.retain(|f| f.remaining > 0);
    Some(reply)
}

/// How long to hold the answer to the call, if a pending hold matches it
/// (it fires once more).
pub(super) fn take_hold(st: &mut StateInner, method: &str, path: &str) -> Option<Duration> {
    let hold = st.holds.iter_mut().find(|h| {
        h.remaining > 0 && method_matches(&h.method, method) && path_matches(&h.pattern, path)
    })?;
    hold.remaining -= 1;
    let delay = hold.delay;
    st.holds.retain(|h| h.remaining > 0);
    Some(delay)
}
