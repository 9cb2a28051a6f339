//! Timed sends printed in the console as they come due (the week in
//! review with its picture written beside).

use tokio::sync::mpsc;

use super::{notice_text, review, LocalClock};
use crate::app::{Coach, Notice};
use crate::coach::user::UserId;
use crate::coach::Timezone;
use crate::timeline::{Delivery, Messenger, Outbound};

/// Delivers timed sends to the console's output.
pub(super) struct ConsoleMessenger {
    pub(super) out: mpsc::UnboundedSender<String>,
    pub(super) coach: Coach,
    /// The console user's name, for the files written for them.
    pub(super) name: String,
}

impl Messenger for ConsoleMessenger {
    async fn deliver(&self, out: &Outbound) -> Delivery {
        let clock = LocalClock {
            timezone: match &out.notice {
                Notice::Reminder { today, .. } | Notice::Followup { today } => today.timezone,
                _ => Timezone::UTC,
            },
            now: self.coach.now(),
        };
        let mut text = notice_text(&out.notice, &clock);
        if let Notice::Weekly(r) = &out.notice {
            text = format!("{text}\n{}", review::review_picture(&self.name, r));
        }
        match self.out.send(text) {
            // The console's "message" is its row: a step's cues follow it.
            Ok(()) => Delivery::Sent {
                dm_channel: None,
                message: Some(out.row_id),
            },
            Err(_) => Delivery::Transient {
                retry_after: None,
                error: "the console is closing".into(),
            },
        }
    }

    async fn tell_unreachable(&self, _user: UserId, _channel: i64) {}
}
