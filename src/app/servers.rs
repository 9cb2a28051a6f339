//! Server features: a daily post of the day's routine in a channel an admin
//! chose, and on Mondays the streak board of the members who opted in.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};

use super::{Coach, RoutineCard};
use crate::coach::progress::{DayStatus, LogEntry, Progress};
use crate::coach::schedule::{local_date, reminders_between};
use crate::coach::{LocalTime, Timezone};
use crate::error::Result;
use crate::store::servers::ServerSettings;
use crate::store::UserId;

/// The board shows this many members; the rest are counted.
pub const BOARD_ROWS: usize = 20;
/// The weekly board goes out with this day's post.
pub const BOARD_DAY: Weekday = Weekday::Mon;

/// One member's line on the streak board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRow {
    pub user: UserId,
    pub current_streak: u32,
    /// Days done in the week the board covers.
    pub days_done: u32,
}

/// The weekly streak board: Monday to Sunday of the week before the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Best first: longest current streak, then most days done.
    pub rows: Vec<BoardRow>,
    /// Opted-in members beyond `BOARD_ROWS`.
    pub more: usize,
}

/// What a server's daily post says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerPost {
    pub date: NaiveDate,
    pub card: RoutineCard,
    /// Sent after the bot was down at the post time.
    pub late: bool,
    /// On Mondays, when anyone opted in.
    pub board: Option<Board>,
}

/// The answer to a server command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerReply {
    ChannelSet {
        channel: i64,
        at: LocalTime,
        timezone: Timezone,
        next: DateTime<Utc>,
        /// Where the daily post was before, when it moved.
        moved_from: Option<i64>,
    },
    Stopped {
        was_on: bool,
    },
    BoardJoined {
        already: bool,
        channel: i64,
        members: usize,
    },
    BoardLeft {
        was_on: bool,
    },
    /// The board needs a coach channel first.
    NoChannel,
    Show {
        server: Option<ServerSettings>,
        board_members: usize,
    },
}

impl Coach {
    /// Sets the server's daily post. The first one is the next `at` in
    /// `timezone`, skipping a day that already had its post.
    pub async fn set_coach_channel(
        &self,
        guild: i64,
        channel: i64,
        at: LocalTime,
        timezone: Timezone,
    ) -> Result<ServerReply> {
        self.ready().await?;
        let now = self.now();
        let before = self.store.server(guild).await?;
        let posted = before.as_ref().and_then(|s| s.last_posted_date);
        let (next_date, next_due_at) = reminders_between(timezone, at, now, 3)
            .into_iter()
            .find(|(date, _)| Some(*date) != posted)
            .unwrap_or((local_date(timezone, now), now));
        self.store
            .set_server(&ServerSettings {
                guild_id: guild,
                channel_id: channel,
                post_at: at,
                timezone,
                next_date,
                next_due_at,
                last_posted_date: posted,
                last_error: None,
            })
            .await?;
        Ok(ServerReply::ChannelSet {
            channel,
            at,
            timezone,
            next: next_due_at,
            moved_from: before.map(|s| s.channel_id).filter(|old| *old != channel),
        })
    }

    pub async fn show_coach_channel(&self, guild: i64) -> Result<ServerReply> {
        self.ready().await?;
        Ok(ServerReply::Show {
            server: self.store.server(guild).await?,
            board_members: self.store.board_size(guild).await?,
        })
    }

    pub async fn stop_coach_channel(&self, guild: i64) -> Result<ServerReply> {
        self.ready().await?;
        Ok(ServerReply::Stopped {
            was_on: self.store.remove_server(guild).await?,
        })
    }

    /// The bot was removed from a server: its settings and board go.
    pub async fn forget_server(&self, guild: i64) -> Result<()> {
        Ok(self.store.forget_server(guild).await?)
    }

    /// A channel was deleted: a daily post there stops. True when one did.
    pub async fn channel_deleted(&self, channel: i64) -> Result<bool> {
        Ok(self.store.channel_deleted(channel).await?)
    }

    /// Opts the user in to (or out of) the server's weekly streak board.
    pub async fn set_board(&self, guild: i64, user: UserId, on: bool) -> Result<ServerReply> {
        self.ready().await?;
        let store = &self.store;
        if !on {
            return Ok(ServerReply::BoardLeft {
                was_on: store.leave_board(guild, user).await?,
            });
        }
        let Some(server) = store.server(guild).await? else {
            return Ok(ServerReply::NoChannel);
        };
        let already = !store.join_board(guild, user).await?;
        Ok(ServerReply::BoardJoined {
            already,
            channel: server.channel_id,
            members: store.board_size(guild).await?,
        })
    }

    /// The daily post for `server.next_date`, with the board on Mondays.
    pub async fn server_post(&self, server: &ServerSettings, late: bool) -> Result<ServerPost> {
        let date = server.next_date;
        let card = self.server_card(date);
        let board = if date.weekday() == BOARD_DAY {
            self.board(server.guild_id, date).await?
        } else {
            None
        };
        Ok(ServerPost {
            date,
            card,
            late,
            board,
        })
    }

    /// The day's routine by the weekly plan at its standard level: a
    /// server has no rest days, pauses or levels of its own.
    fn server_card(&self, date: NaiveDate) -> RoutineCard {
        let routine = self.content().planned_routine(date.weekday());
        RoutineCard::new(self.content(), routine, routine.standard_level())
    }

    /// Today's server post as the user would see it, with only them on the
    /// board: what the console shows, since a terminal has no server.
    pub async fn server_post_preview(&self, user: UserId) -> Result<ServerPost> {
        let now = self.now();
        let state = self
            .store
            .user_state(user, None)
            .await?
            .unwrap_or_else(|| super::stranger(user));
        let settings = &state.settings;
        let date = local_date(settings.timezone_or_utc(), now);
        let progress = self.calendar(settings).progress(&state.log, date);
        let (from, to) = week_before(date);
        Ok(ServerPost {
            date,
            card: self.server_card(date),
            late: false,
            board: Some(Board {
                from,
                to,
                rows: vec![BoardRow {
                    user,
                    current_streak: progress.current_streak,
                    days_done: days_done(&progress, from, to),
                }],
                more: 0,
            }),
        })
    }

    /// The board for the week before `post_date`; `None` when nobody opted in.
    pub async fn board(&self, guild: i64, post_date: NaiveDate) -> Result<Option<Board>> {
        let members = self.store.board_settings(guild).await?;
        if members.is_empty() {
            return Ok(None);
        }
        let (from, to) = week_before(post_date);
        let ids: Vec<UserId> = members.iter().map(|m| m.id).collect();
        let mut histories: HashMap<UserId, Vec<LogEntry>> = HashMap::new();
        for (user, entry) in self.store.histories(&ids).await? {
            histories.entry(user).or_default().push(entry);
        }
        let now = self.now();
        let mut rows: Vec<BoardRow> = members
            .iter()
            .map(|settings| {
                let entries = histories.get(&settings.id).map_or(&[][..], Vec::as_slice);
                let today = local_date(settings.timezone_or_utc(), now);
                let progress = self.calendar(settings).progress(entries, today);
                BoardRow {
                    user: settings.id,
                    current_streak: progress.current_streak,
                    days_done: days_done(&progress, from, to),
                }
            })
            .collect();
        // Stable: equal rows keep the order people joined in.
        rows.sort_by_key(|r| std::cmp::Reverse((r.current_streak, r.days_done)));
        let more = rows.len().saturating_sub(BOARD_ROWS);
        rows.truncate(BOARD_ROWS);
        Ok(Some(Board {
            from,
            to,
            rows,
            more,
        }))
    }
}

/// Monday to Sunday of the week before the one holding `date`.
fn week_before(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let monday = date - Days::new(u64::from(date.weekday().num_days_from_monday()));
    (monday - Days::new(7), monday - Days::new(1))
}

fn days_done(progress: &Progress, from: NaiveDate, to: NaiveDate) -> u32 {
    progress
        .recent
        .iter()
        .filter(|(d, s)| (from..=to).contains(d) && *s == Some(DayStatus::Done))
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_board_covers_the_whole_week_before() {
        let d = |m, day| NaiveDate::from_ymd_opt(2027, m, day).unwrap();
        // Monday 4 January 2027: the week of 28 December to 3 January.
        assert_eq!(week_before(d(1, 4)), (d(12, 28) - Days::new(365), d(1, 3)));
        // Any day of a week gives the same previous week.
        assert_eq!(week_before(d(1, 10)), week_before(d(1, 4)));
    }
}
