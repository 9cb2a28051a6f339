//! Failures a test injects: the next calls to a route answered with a
//! status and body of its choice (a 5xx, a 403, a 429 with Discord's
//! rate-limit headers) instead of being handled.

use std::time::{SystemTime, UNIX_EPOCH};

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

impl FakeDiscord {
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
                ("X-RateLimit-Bucket", "fakebucket0000000000000000000000"),
                ("X-RateLimit-Scope", "user"),
            ],
            times,
        );
    }

    /// Discard faults that have not fired yet.
    pub fn clear_faults(&self) {
        self.inner.lock().faults.clear();
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
