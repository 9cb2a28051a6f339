//! Server posts: the day's routine in a server's channel at the server's
//! time, once per server-local day, claimed like the timeline.

use chrono::{DateTime, Days, Utc};

use super::worker::{backoff, chrono_of, Scheduler, MAX_ATTEMPTS, POSTS_PER_CLAIM};
use super::{Delivery, Messenger};
use crate::coach::decide::LATE_AFTER;
use crate::coach::schedule::{local_date, resolve_local};
use crate::error::Result;
use crate::store::servers::PostResolution;

impl<M: Messenger> Scheduler<M> {
    /// Claims the server posts due at `now`, posts them and records each.
    /// Returns how many it handled.
    ///
    /// A post belongs to the server's local date: after downtime it goes out
    /// late on that day, and a day that is over is skipped, never piled up.
    pub async fn run_server_posts_once(&self, now: DateTime<Utc>) -> Result<usize> {
        let token = self.next_token();
        let mut expiry = now + self.lease();
        let due = self
            .store
            .claim_due_posts(now, expiry, token, POSTS_PER_CLAIM)
            .await?;
        let mut held: Option<Vec<i64>> = None;
        for post in &due {
            let s = &post.settings;
            // The same lease rule as the timeline's (see `burst`): renewed
            // when half of it is gone, and a post lost meanwhile is not sent.
            let clock = self.coach.now().max(now);
            if clock + self.lease() / 2 >= expiry {
                expiry = clock + self.lease();
                held = Some(self.store.renew_post_claim(token, expiry).await?);
            }
            if held.as_ref().is_some_and(|h| !h.contains(&s.guild_id)) {
                continue;
            }
            let today = local_date(s.timezone, now);
            let next_after = |date: chrono::NaiveDate| {
                let next_date = (date + Days::new(1)).max(today);
                (next_date, resolve_local(s.timezone, next_date, s.post_at))
            };
            let resolution = if s.next_date < today {
                let (next_date, next_due_at) = next_after(today - Days::new(1));
                tracing::info!(guild = s.guild_id, date = %s.next_date, "server post missed while down; that day is over");
                // Not the server's doing, so nothing for /coach show to warn about.
                PostResolution::Next {
                    posted: false,
                    next_date,
                    next_due_at,
                    error: None,
                }
            } else {
                let late = now - s.next_due_at > LATE_AFTER;
                let message = self.coach.server_post(s, late).await?;
                let nonce = post_nonce(s.guild_id, s.next_date);
                let (next_date, next_due_at) = next_after(s.next_date);
                match self
                    .messenger
                    .post_to_channel(s.channel_id, &nonce, &message)
                    .await
                {
                    Delivery::Sent { .. } => PostResolution::Next {
                        posted: true,
                        next_date,
                        next_due_at,
                        error: None,
                    },
                    Delivery::Transient { retry_after, error } if post.attempts < MAX_ATTEMPTS => {
                        let wait = retry_after.unwrap_or_else(|| backoff(post.attempts));
                        tracing::warn!(guild = s.guild_id, attempts = post.attempts, %error, "server post failed; will retry");
                        PostResolution::Retry {
                            at: now + chrono_of(wait),
                            error,
                        }
                    }
                    // Refused (no access to the channel, or it is gone): try
                    // again tomorrow, in case an admin fixes it, but never today.
                    Delivery::Transient { error, .. }
                    | Delivery::Rejected(error)
                    | Delivery::Unreachable(error) => {
                        tracing::warn!(guild = s.guild_id, channel = s.channel_id, %error, "server post not delivered");
                        PostResolution::Next {
                            posted: false,
                            next_date,
                            next_due_at,
                            error: Some(error),
                        }
                    }
                }
            };
            self.store
                .complete_post(s.guild_id, token, &resolution)
                .await?;
        }
        Ok(due.len())
    }
}

/// The nonce of a server's post for a date: the same for a repeated send, so
/// Discord posts it once; at most 25 characters, as Discord requires.
fn post_nonce(guild: i64, date: chrono::NaiveDate) -> String {
    fn base36(mut n: u64) -> String {
        let mut digits = Vec::new();
        loop {
            digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
            n /= 36;
            if n == 0 {
                break;
            }
        }
        digits.iter().rev().collect()
    }
    let day = date
        .signed_duration_since(chrono::NaiveDate::default())
        .num_days()
        .max(0) as u64;
    format!("fs{}-{}", base36(guild as u64), base36(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_nonces_fit_discord_and_differ_by_server_and_day() {
        let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 14).unwrap();
        let nonce = post_nonce(i64::MAX, day);
        assert!(nonce.len() <= 25, "{nonce}");
        assert_ne!(nonce, post_nonce(i64::MAX - 1, day));
        assert_ne!(nonce, post_nonce(i64::MAX, day.succ_opt().unwrap()));
        assert_eq!(nonce, post_nonce(i64::MAX, day));
    }
}
