//! The global request budget (`DISCORD_GLOBAL_RATE`) shared by every
//! sender on one database.
//!
//! The database holds one schedule with a request every `1/rate` seconds
//! (see `Store::claim_discord_budget`); a sender claims the next few places
//! of it at once and spends each at its instant. Claimed places never
//! overlap, so all senders together send at most `rate` requests in any
//! second (plus the one on its edge), at one round trip per few requests.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::store::Store;

/// Places claimed at once at most: fewer round trips, but a sender that
/// needs fewer wastes what it claimed.
pub const CLAIM_AT_MOST: u32 = 10;
/// A sender idle this long starts again with small claims.
const IDLE: Duration = Duration::from_secs(1);

pub struct GlobalBudget {
    shared: Option<Shared>,
}

struct Shared {
    store: Store,
    interval: Duration,
    places: Mutex<Places>,
    /// Requests asking for a place now: what the next claim is sized by.
    waiting: AtomicUsize,
    claims: AtomicU64,
}

/// The places this sender claimed and has not spent.
struct Places {
    next: Instant,
    left: u32,
    /// How many to claim next: doubled while claims are spent in full (a
    /// burst), back to what is asked for once places go unused.
    size: u32,
}

impl GlobalBudget {
    /// `rate` requests a second shared through `store`'s database.
    pub fn shared(store: Store, rate: NonZeroU32) -> GlobalBudget {
        GlobalBudget {
            shared: Some(Shared {
                store,
                interval: Duration::from_secs(1) / rate.get(),
                places: Mutex::new(Places {
                    next: Instant::now(),
                    left: 0,
                    size: 1,
                }),
                waiting: AtomicUsize::new(0),
                claims: AtomicU64::new(0),
            }),
        }
    }

    /// No budget here: a rate-limit proxy limits instead.
    pub fn off() -> GlobalBudget {
        GlobalBudget { shared: None }
    }

    /// How many times this sender claimed places from the database.
    pub fn claims(&self) -> u64 {
        self.shared
            .as_ref()
            .map_or(0, |s| s.claims.load(Ordering::Relaxed))
    }

    /// Waits for this request's place in the shared schedule.
    pub async fn take(&self) -> Result<(), sqlx::Error> {
        let Some(s) = &self.shared else {
            return Ok(());
        };
        loop {
            s.waiting.fetch_add(1, Ordering::Relaxed);
            let place = s.place().await;
            s.waiting.fetch_sub(1, Ordering::Relaxed);
            let place = place?;
            tokio::time::sleep_until(place).await;
            // Woken too late (a starved machine), the place is gone: going
            // anyway would bunch this request with the next place's.
            if Instant::now() < place + s.interval {
                return Ok(());
            }
        }
    }
}

impl Shared {
    /// The instant of this sender's next place, claiming more when none is left.
    async fn place(&self) -> Result<Instant, sqlx::Error> {
        // A fair lock: requests get their places in the order they asked.
        let mut p = self.places.lock().await;
        let now = Instant::now();
        // A place whose moment passed unused is gone: spending it late
        // would bunch this request with the next one.
        if p.left > 0 && p.next + self.interval <= now {
            let behind = ((now - p.next).as_nanos() / self.interval.as_nanos()) as u32;
            p.left = p.left.saturating_sub(behind);
            p.next += self.interval * behind;
            p.size = 1;
        }
        if p.left == 0 {
            if p.next + IDLE < now {
                p.size = 1;
            }
            let asking = self.waiting.load(Ordering::Relaxed) as u32;
            let n = p.size.max(asking).clamp(1, CLAIM_AT_MOST);
            let wait = self.store.claim_discord_budget(self.interval * n).await?;
            self.claims.fetch_add(1, Ordering::Relaxed);
            p.next = Instant::now() + wait;
            p.left = n;
            p.size = (n * 2).min(CLAIM_AT_MOST);
        }
        let place = p.next;
        p.next += self.interval;
        p.left -= 1;
        Ok(place)
    }
}
