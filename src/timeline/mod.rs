//! Everything that happens at a time: morning reminders, the next prompt of
//! a guided session, the evening nudge, server posts. The worker claims due
//! rows of the timeline, asks the Coach what each sends, delivers them
//! through a front end's `Messenger`, then marks them and schedules what
//! follows in one transaction. The table is the truth: a worker that dies
//! loses nothing, and several workers share one database.

mod burst;
mod posts;
mod worker;

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use worker::{Scheduler, SchedulerOptions, Worker};

use crate::app::servers::ServerPost;
use crate::app::Notice;
use crate::store::UserId;

/// One send, ready for a messenger.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub row_id: i64,
    pub user: UserId,
    /// When the send was due.
    pub due_at: DateTime<Utc>,
    /// The cached DM channel, when known.
    pub dm_channel: Option<i64>,
    /// Stable for the row (and its snooze count), so a send repeated after a
    /// crash is recognised by Discord and not posted twice.
    pub nonce: String,
    pub notice: Notice,
}

/// How a send went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Delivered; the DM channel used, to cache it, and the message posted
    /// (or edited), when the front end has ids for them.
    Sent {
        dm_channel: Option<i64>,
        message: Option<i64>,
    },
    /// The user cannot be messaged (Discord 50007): never retried.
    Unreachable(String),
    /// Worth another try (5xx, timeout, 429).
    Transient {
        retry_after: Option<Duration>,
        error: String,
    },
    /// Refused for good (4xx other than the above).
    Rejected(String),
}

/// A front end that can deliver timed sends.
pub trait Messenger: Send + Sync + 'static {
    fn deliver(&self, out: &Outbound) -> impl Future<Output = Delivery> + Send;

    /// Tells a user, in the server channel where they last used the bot, that
    /// their DMs are closed and reminders are paused.
    fn tell_unreachable(&self, user: UserId, channel: i64) -> impl Future<Output = ()> + Send;

    /// Posts a server's daily post in its channel; only Discord has servers.
    fn post_to_channel(
        &self,
        _channel: i64,
        _nonce: &str,
        _post: &ServerPost,
    ) -> impl Future<Output = Delivery> + Send {
        async { Delivery::Rejected("this front end has no server channels".into()) }
    }
}
