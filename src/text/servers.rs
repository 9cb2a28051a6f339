//! The words of server features: the daily post, the weekly streak board,
//! and the answers to /coach.

use crate::app::servers::{Board, ServerPost, ServerReply};

use super::{at, plural, Piece, Text};

pub fn server_reply(reply: &ServerReply) -> Text {
    match reply {
        ServerReply::ChannelSet {
            channel,
            at: time,
            timezone,
            next,
            moved_from,
        } => {
            let mut text = Text::from("Done. I will post the day's routine in ")
                + Piece::Channel(*channel)
                + format!(" every day at {time} ({timezone}). First post: ")
                + at(*next)
                + ".";
            if let Some(old) = moved_from {
                text = text + " It no longer goes to " + Piece::Channel(*old) + ".";
            }
            text + " On Mondays it brings the weekly streak board of members who opted in with /coach board on or the button on the post. /coach off stops it."
        }
        ServerReply::Stopped { was_on: true } => Text::from(
            "Done: no more daily posts in this server. Members' board opt-ins are kept for when you turn it on again.",
        ),
        ServerReply::Stopped { was_on: false } => Text::from(
            "This server has no daily post, so nothing changed. /coach channel sets one.",
        ),
        ServerReply::BoardJoined {
            already,
            channel,
            members,
        } => {
            Text::from(if *already {
                "You were already on this server's weekly streak board."
            } else {
                "You are on this server's weekly streak board."
            }) + " The board comes with Monday's post in "
                + Piece::Channel(*channel)
                + format!(
                    ": your current streak and the days you did last week. {members} member{} on it. /coach board off takes you off.",
                    if *members == 1 { " is" } else { "s are" },
                )
        }
        ServerReply::BoardLeft { was_on: true } => {
            Text::from("Done: you are off this server's streak board.")
        }
        ServerReply::BoardLeft { was_on: false } => {
            Text::from("You were not on this server's streak board, so nothing changed.")
        }
        ServerReply::Show {
            server: None,
            board_members,
        } => Text::from(format!(
            "This server has no daily post. A member with Manage Server sets one with /coach channel. {board_members} member{} opted in to the board.",
            plural(*board_members as u64)
        )),
        ServerReply::Show {
            server: Some(s),
            board_members,
        } => {
            let mut text = Text::from("The day's routine goes to ")
                + Piece::Channel(s.channel_id)
                + format!(" every day at {} ({}). Next post: ", s.post_at, s.timezone)
                + at(s.next_due_at)
                + format!(
                    ". {board_members} member{} on the Monday streak board.",
                    if *board_members == 1 { " is" } else { "s are" },
                );
            if let Some(error) = &s.last_error {
                text = text + format!(
                    " The last post did not go out ({error}): check that I can view, send messages and embed links in that channel."
                );
            }
            text
        }
        ServerReply::NoChannel => Text::from(
            "This server has no coach channel yet, so there is no board to join. Ask a server admin to run /coach channel. Nothing was changed.",
        ),
    }
}

/// The board's heading.
pub fn board_title(board: &Board) -> String {
    format!(
        "Weekly streak board, {} to {}",
        board.from.format("%-d %B"),
        board.to.format("%-d %B")
    )
}

/// The weekly board as lines.
pub fn board_lines(board: &Board) -> Vec<Text> {
    let mut out: Vec<Text> = board
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            Text::from(format!("{}. ", i + 1))
                + Piece::Person(row.user)
                + format!(
                    ": streak {} day{}, {} of 7 days last week",
                    row.current_streak,
                    plural(row.current_streak),
                    row.days_done
                )
        })
        .collect();
    if board.more > 0 {
        out.push(Text::from(format!("and {} more", board.more)));
    }
    out
}

/// Under the board.
pub const BOARD_NOTE: &str =
    "Only members who opted in are shown. Streaks count each person's own days.";

/// The greeting of a server's daily post.
pub fn post_greeting(post: &ServerPost) -> String {
    let day = post.date.format("%A %-d %B");
    if post.late {
        format!("Today's foot routine, {day}, a little late (I was offline at the time).")
    } else {
        format!("Good morning! Today's foot routine, {day}.")
    }
}

/// Under the post's routine.
pub const POST_NOTE: &str =
    "Run /routine start to be guided at your own level; say done in a DM to log it.";

pub const JOIN_BOARD: &str = "Join the streak board";
pub const LEAVE_BOARD: &str = "Leave the board";

/// The note a channel gets when an admin chooses it for the daily post.
pub fn announcement(post_at: crate::coach::LocalTime, timezone: crate::coach::Timezone) -> String {
    format!(
        "footcoach will post the day's foot routine here every day at {post_at} ({timezone}), \
         and on Mondays a streak board of members who opt in with the button on the post."
    )
}

/// What `/coach` is, for the console, which has no server.
pub const NO_SERVER_HERE: &str = "/coach is for Discord servers: an admin runs /coach channel #channel 08:00 Europe/Berlin \
for a daily post of the routine there, and members opt in to the Monday streak board with /coach board on \
(or the button on the post). A terminal has no server, so nothing was changed; here is today's post as it \
would look, with you on the board:";

/// Someone pressing a board button outside a server.
pub const BOARD_NEEDS_SERVER: &str =
    "The streak board belongs to a server: press this on a server post.";

/// Telling a person in a server channel that their DMs are closed.
pub fn dms_closed(person: crate::coach::user::UserId) -> Text {
    Text::from(Piece::Person(person))
        + " I cannot send you direct messages, so your footcoach reminders are paused. \
           Allow DMs from server members (Privacy Settings), then run /remind set to start them again."
}
