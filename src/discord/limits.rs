//! Discord's own rate limits, as its answers state them: per route bucket
//! (`X-RateLimit-Bucket` with the route's top-level resource) and global.
//!
//! Requests to one bucket go one at a time, each after the answer of the
//! one before told how many are left (as twilight's limiter does): a burst
//! to one channel cannot overshoot a limit it has not learnt yet. Different
//! buckets (other channels) go concurrently.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::time::Instant;

/// A waiting time Discord names is trusted up to this long.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// A request's route: its template (ids replaced) names the bucket until
/// Discord names it, and its top-level resource tells buckets of one hash apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    template: String,
    major: String,
}

impl Route {
    /// The route of `method` on `path` (relative to /api/v10).
    pub fn of(method: &str, path: &str) -> Route {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut template = vec![method.to_owned()];
        let mut major = String::new();
        for (i, seg) in segs.iter().enumerate() {
            let is_id = seg.bytes().all(|b| b.is_ascii_digit()) && !seg.is_empty();
            let top = i == 1 && matches!(segs[0], "channels" | "guilds" | "webhooks");
            // A webhook's token belongs to its resource, like its id.
            let webhook_token = i == 2 && segs[0] == "webhooks";
            if top || webhook_token {
                major.push('/');
                major.push_str(seg);
                template.push(format!("{{{}}}", segs[0]));
            } else if is_id {
                template.push("{id}".to_owned());
            } else {
                template.push((*seg).to_owned());
            }
        }
        Route {
            template: template.join(" "),
            major,
        }
    }
}

/// What an answer said about the limits.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub bucket: Option<String>,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub reset_after: Option<f64>,
    pub retry_after: Option<f64>,
    pub global: bool,
}

impl Answer {
    /// Reads the `X-RateLimit-*` and `Retry-After` headers; a 429's body
    /// (`retry_after` in seconds with decimals, `global`) is more precise
    /// than its headers and passed in when there is one.
    pub fn read(
        status: u16,
        headers: &HeaderMap,
        body_retry_after: Option<f64>,
        body_global: bool,
    ) -> Answer {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let number = |name: &str| text(name).and_then(|v| v.trim().parse::<f64>().ok());
        Answer {
            status,
            bucket: text("x-ratelimit-bucket").map(str::to_owned),
            limit: number("x-ratelimit-limit").map(|l| l.max(1.0) as u64),
            remaining: number("x-ratelimit-remaining").map(|r| r.max(0.0) as u64),
            reset_after: number("x-ratelimit-reset-after"),
            retry_after: body_retry_after.or_else(|| number("retry-after")),
            global: body_global
                || text("x-ratelimit-global").is_some_and(|g| g.eq_ignore_ascii_case("true"))
                || text("x-ratelimit-scope") == Some("global"),
        }
    }

    /// How long a 429 asks to wait.
    pub fn wait(&self) -> Duration {
        seconds(self.retry_after.or(self.reset_after).unwrap_or(1.0))
    }
}

fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.0, MAX_WAIT.as_secs_f64()))
}

#[derive(Default)]
struct Bucket {
    /// The first request goes alone while nothing is known: its answer says
    /// how many may follow.
    probing: bool,
    known: Option<Known>,
}

enum Known {
    /// The answers carried no limit.
    Unlimited,
    Counted {
        limit: u64,
        /// Left in this window, less the requests already on their way.
        remaining: u64,
        /// `None` in a window no answer has spoken of yet.
        reset_at: Option<Instant>,
    },
}

impl Bucket {
    /// Takes a request, or says until when to wait (`None`: for an answer).
    fn take(&mut self, now: Instant) -> Result<(), Option<Instant>> {
        match &mut self.known {
            None if self.probing => Err(None),
            None => {
                self.probing = true;
                Ok(())
            }
            Some(Known::Unlimited) => Ok(()),
            Some(Known::Counted {
                limit,
                remaining,
                reset_at,
            }) => {
                if reset_at.is_some_and(|t| t <= now) {
                    *remaining = *limit;
                    *reset_at = None;
                }
                if *remaining == 0 {
                    return Err(*reset_at);
                }
                *remaining -= 1;
                Ok(())
            }
        }
    }

    /// Nothing more to wait for: with the window's requests spent and no
    /// answer left to say when it resets, ask afresh.
    fn unstick(&mut self) {
        self.probing = false;
        if let Some(Known::Counted {
            remaining: 0,
            reset_at: None,
            ..
        }) = self.known
        {
            self.known = None;
        }
    }
}

#[derive(Default)]
struct State {
    /// Route template → the bucket hash Discord named for it.
    hashes: HashMap<String, String>,
    /// Bucket (hash, else template) and top-level resource → its state.
    buckets: HashMap<String, Bucket>,
    /// Nothing goes out before this: a global 429.
    global_until: Option<Instant>,
}

impl State {
    fn key(&self, route: &Route) -> String {
        let bucket = self.hashes.get(&route.template).unwrap_or(&route.template);
        format!("{bucket}{}", route.major)
    }
}

/// Discord's limits as learnt from its answers, shared by concurrent sends.
#[derive(Default)]
pub struct RouteLimits {
    state: Mutex<State>,
    changed: Notify,
}

/// The right to send one request on a route; give its answer to `finish`.
/// Dropped unfinished (the request failed or was abandoned), it leaves what
/// is known as it was.
pub struct Permit<'a> {
    limits: &'a RouteLimits,
    route: Route,
    key: String,
    finished: bool,
}

impl RouteLimits {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until neither a global hold nor `route`'s bucket stops a
    /// request, and takes one of the bucket's requests.
    pub async fn acquire(&self, route: &Route) -> Permit<'_> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = Instant::now();
            let until = {
                let mut st = self.lock();
                let key = st.key(route);
                match st.global_until.filter(|t| *t > now) {
                    Some(t) => Some(t),
                    None => match st.buckets.entry(key.clone()).or_default().take(now) {
                        Ok(()) => {
                            return Permit {
                                limits: self,
                                route: route.clone(),
                                key,
                                finished: false,
                            }
                        }
                        Err(until) => until,
                    },
                }
            };
            // Waiting for an answer: one that never comes (a dropped
            // request) frees the bucket too, through `changed`.
            let until = until.unwrap_or(now + MAX_WAIT);
            tokio::select! {
                () = &mut changed => {}
                () = tokio::time::sleep_until(until) => {}
            }
        }
    }

    /// When a global 429 lets requests go again, if one holds them now.
    pub fn global_hold(&self) -> Option<Instant> {
        let now = Instant::now();
        self.lock().global_until.filter(|t| *t > now)
    }
}

impl Permit<'_> {
    /// Learns from the answer: the bucket's hash, what is left of it and
    /// when it resets; a 429 holds its bucket, or everything when global.
    pub fn finish(mut self, answer: &Answer) {
        let now = Instant::now();
        let mut st = self.limits.lock();
        if let Some(hash) = &answer.bucket {
            st.hashes.insert(self.route.template.clone(), hash.clone());
        }
        // Learning the hash moves the state to the hash's key.
        let mut bucket = st.buckets.remove(&self.key).unwrap_or_default();
        let reset_at = answer.reset_after.map(|s| now + seconds(s));
        match (answer.remaining, &mut bucket.known) {
            (
                Some(told),
                Some(Known::Counted {
                    remaining,
                    reset_at: known_reset,
                    ..
                }),
            ) if known_reset.is_some_and(|t| t > now) => {
                // Answers to concurrent requests come in any order; the
                // count already spent here is the truer one.
                *remaining = (*remaining).min(told);
                *known_reset = reset_at.or(*known_reset);
            }
            (Some(told), _) => {
                bucket.known = Some(Known::Counted {
                    limit: answer.limit.unwrap_or(told + 1),
                    remaining: told,
                    reset_at,
                });
            }
            (None, None) if answer.status != 429 => bucket.known = Some(Known::Unlimited),
            (None, _) => {}
        }
        if answer.status == 429 {
            let until = now + answer.wait();
            if answer.global {
                st.global_until = Some(st.global_until.map_or(until, |t| t.max(until)));
            } else {
                let limit = answer.limit.unwrap_or(1);
                bucket.known = match bucket.known {
                    Some(Known::Counted {
                        limit, reset_at, ..
                    }) => Some(Known::Counted {
                        limit,
                        remaining: 0,
                        reset_at: Some(reset_at.map_or(until, |t| t.max(until))),
                    }),
                    _ => Some(Known::Counted {
                        limit,
                        remaining: 0,
                        reset_at: Some(until),
                    }),
                };
            }
        }
        bucket.unstick();
        let key = st.key(&self.route);
        st.buckets.insert(key, bucket);
        self.finished = true;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.finished {
            if let Some(b) = self.limits.lock().buckets.get_mut(&self.key) {
                b.unstick();
            }
        }
        self.limits.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_resources_are_part_of_the_route() {
        let a = Route::of("POST", "/channels/123/messages");
        let b = Route::of("POST", "/channels/456/messages");
        assert_eq!(a.template, b.template);
        assert_eq!(a.major, "/123");
        assert_ne!(a.major, b.major);
        let m = Route::of("PATCH", "/channels/123/messages/789");
        assert_eq!(m.template, "PATCH channels {channels} messages {id}");
        let dm = Route::of("POST", "/users/@me/channels");
        assert_eq!(dm.major, "");
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_global_429_is_read_from_the_header_the_scope_or_the_body() {
        let h = headers(&[("x-ratelimit-global", "true"), ("retry-after", "2")]);
        let a = Answer::read(429, &h, None, false);
        assert!(a.global);
        assert_eq!(a.wait(), Duration::from_secs(2));
        let h = headers(&[("x-ratelimit-scope", "global")]);
        assert!(Answer::read(429, &h, Some(0.5), false).global);
        let a = Answer::read(429, &HeaderMap::new(), Some(0.25), true);
        assert!(a.global);
        assert_eq!(a.wait(), Duration::from_millis(250));
        let h = headers(&[("x-ratelimit-scope", "user"), ("retry-after", "1")]);
        assert!(!Answer::read(429, &h, None, false).global);
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_bucket_waits_for_its_reset_and_others_do_not() {
        let limits = RouteLimits::default();
        let a = Route::of("POST", "/channels/1/messages");
        let b = Route::of("POST", "/channels/2/messages");
        let answer = Answer {
            status: 200,
            bucket: Some("h".into()),
            remaining: Some(0),
            reset_after: Some(5.0),
            ..Answer::default()
        };
        limits.acquire(&a).await.finish(&answer);
        let start = Instant::now();
        limits.acquire(&b).await.finish(&answer);
        assert_eq!(start.elapsed(), Duration::ZERO, "another channel's bucket");
        drop(limits.acquire(&a).await);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_global_429_holds_every_bucket() {
        let limits = RouteLimits::default();
        let a = Route::of("POST", "/channels/1/messages");
        let b = Route::of("POST", "/users/@me/channels");
        let answer = Answer {
            status: 429,
            retry_after: Some(2.0),
            global: true,
            ..Answer::default()
        };
        limits.acquire(&a).await.finish(&answer);
        let start = Instant::now();
        drop(limits.acquire(&b).await);
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
}
