//! Every sentence a person reads, written once. Sentences are plain words
//! with typed values in them (an instant, a channel, a person): each front
//! end renders those its own way through a `Medium` (a Discord timestamp
//! that every reader's client shows in their own clock; a local time in the
//! console). Nothing here knows Discord's markup.

pub mod console;
pub mod replies;
pub mod review;
pub mod routine;
pub mod servers;
pub mod setup;

use std::ops::Add;

use chrono::{DateTime, Utc};

use crate::coach::user::UserId;

/// How an instant is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A full date and time, and how far away it is.
    Full,
    /// A time of day, for a schedule.
    Clock,
    /// How far away it is: "in 5 minutes".
    Relative,
}

/// A piece of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Words(String),
    /// Words to stand out (a name, a dose).
    Strong(String),
    Instant(DateTime<Utc>, When),
    Channel(i64),
    Person(UserId),
    /// Where the bot's later messages reach the person ("in your DMs").
    Inbox,
}

/// Words with typed values in them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(Vec<Piece>);

/// How a front end shows the typed values of a `Text`.
pub trait Medium {
    fn instant(&self, at: DateTime<Utc>, when: When) -> String;
    fn channel(&self, id: i64) -> String;
    fn person(&self, id: UserId) -> String;
    fn strong(&self, words: &str) -> String;
    /// Where later messages (the next step, a reminder) reach the person.
    fn inbox(&self) -> String;
}

impl Text {
    pub fn new() -> Self {
        Text(Vec::new())
    }

    pub fn render(&self, medium: &dyn Medium) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Words(w) => out.push_str(w),
                Piece::Strong(w) => out.push_str(&medium.strong(w)),
                Piece::Instant(at, when) => out.push_str(&medium.instant(*at, *when)),
                Piece::Channel(c) => out.push_str(&medium.channel(*c)),
                Piece::Person(p) => out.push_str(&medium.person(*p)),
                Piece::Inbox => out.push_str(&medium.inbox()),
            }
        }
        out
    }

    /// Lines joined with line breaks.
    pub fn lines(lines: impl IntoIterator<Item = Text>) -> Text {
        let mut out = Text::new();
        for (i, line) in lines.into_iter().enumerate() {
            if i > 0 {
                out = out + "\n";
            }
            out = out + line;
        }
        out
    }
}

impl From<&str> for Text {
    fn from(words: &str) -> Self {
        Text(vec![Piece::Words(words.to_owned())])
    }
}

impl From<String> for Text {
    fn from(words: String) -> Self {
        Text(vec![Piece::Words(words)])
    }
}

impl From<Piece> for Text {
    fn from(piece: Piece) -> Self {
        Text(vec![piece])
    }
}

impl<T: Into<Text>> Add<T> for Text {
    type Output = Text;

    fn add(mut self, more: T) -> Text {
        self.0.extend(more.into().0);
        self
    }
}

/// An instant in full.
pub fn at(instant: DateTime<Utc>) -> Piece {
    Piece::Instant(instant, When::Full)
}

/// A time of day.
pub fn clock(instant: DateTime<Utc>) -> Piece {
    Piece::Instant(instant, When::Clock)
}

/// How far away an instant is.
pub fn relative(instant: DateTime<Utc>) -> Piece {
    Piece::Instant(instant, When::Relative)
}

pub fn strong(words: impl Into<String>) -> Piece {
    Piece::Strong(words.into())
}

/// "s" for any count but one.
pub fn plural(n: impl Into<u64>) -> &'static str {
    if n.into() == 1 {
        ""
    } else {
        "s"
    }
}

/// The general safety note: in `/help`, in the first message to a new
/// person, and in a server's announcement.
pub const SAFETY: &str = "footcoach is a coach, not a clinician: this is not medical advice. \
Stop at once if you feel sharp pain, and see a clinician for pain that lasts or keeps coming back.";

/// The first message to a new person, sent once.
pub const WELCOME: &str = "Hi, I am footcoach: I coach a short daily foot routine. /routine today shows it, \
/routine start walks you through it, /remind set gives you a daily reminder, and \"done\" logs your day. \
I am a coach, not a clinician: this is not medical advice. Stop at once if you feel sharp pain. \
To turn everything off: /remind off stops reminders, /mydata delete removes everything about you.";

/// A returning console user's greeting.
pub fn hello_again(name: &str) -> String {
    format!(
        "footcoach: hello again, {name}. /routine today shows today's routine, \"done\" logs it, /help lists the rest."
    )
}

/// The question before a guided session.
pub const ASK_PAIN: &str =
    "how does your foot feel today? Reply pain 0-10 (0 is none). If anything hurts sharply, stop.";

/// The words a reply may use, for "not understood" and for help.
pub const REPLY_WORDS: &str = "done, skip, pain 0-10 (like \"pain 3\"), snooze, stop";

/// Something failed on our side.
pub const OUR_FAULT: &str = "Something went wrong on my side, so I cannot tell whether that was saved. Please check in a minute and try again.";

/// The database is out of reach; nothing was read or written.
pub const UNREACHABLE: &str =
    "I can't reach my records right now, so nothing was changed. Try again in a minute.";

/// A DM reply that came while the database was out of reach.
pub const NOT_LOGGED: &str =
    "I can't reach my records right now, so that was not logged. Please send it again in a minute.";

/// A command Discord still shows from an earlier version of the bot.
pub const STALE_COMMAND: &str = "I don't know that command: my command list is being updated, which Discord can take up to an hour to show. Try /help for the commands I have.";

/// Options that do not match this version of the command.
pub const STALE_OPTIONS: &str = "I could not read that command's options: my command list is being updated. Try again in a few minutes, or see /help.";

/// A button from an older message that this version cannot act on.
pub const STALE_BUTTON: &str =
    "That button is from an older message and no longer works. /routine today shows where you are.";

/// Said after a mistake a person made.
pub const NOTHING_CHANGED: &str = "Nothing was changed.";

/// A mistake's message with the promise that nothing changed.
pub fn refused(problem: &crate::error::UserError) -> String {
    format!("{problem}. {NOTHING_CHANGED}")
}

/// Input that is not any command at all.
pub fn unreadable(input: &str) -> String {
    let shown: String = input.chars().take(40).collect();
    format!("I could not read \"{shown}\". Try /help for how each command is typed.")
}

pub fn help() -> String {
    format!(
        "footcoach walks you through a short daily foot routine and keeps track of your days.\n\
         \n\
         /routine today      today's routine: exercises, doses, equipment, minutes, a picture of each\n\
         /routine start      a guided session, one prompt per exercise, cued when to switch sides\n\
         /remind set 07:30 Europe/Berlin   a daily reminder at your local time\n\
         /remind show, /remind off\n\
         /settings followup 19:00   an evening nudge on days not done yet (or off)\n\
         /settings restdays sat sun   weekly rest days (or none)\n\
         /settings length 5   a 5- or 10-minute routine\n\
         /settings equipment tennis ball, towel   what you have (or none)\n\
         /remind pause until:2027-01-05, /remind resume   a holiday\n\
         /progress           your streak and this week\n\
         /mydata export, /mydata delete   your data as JSON, or delete it all\n\
         /level down         easier holds and fewer repetitions\n\
         /settings painprompt on|off   ask about pain before a session\n\
         /settings weekly sunday   your week in review on that day, at your reminder time (or off)\n\
         /coach board on|off   the weekly streak board of a server (opt-in)\n\
         /coach channel #channel 08:00 Europe/Berlin   server admins: a daily post of the routine\n\
         \n\
         Answer with: {REPLY_WORDS}.\n\
         \n\
         {SAFETY}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain;

    impl Medium for Plain {
        fn instant(&self, at: DateTime<Utc>, when: When) -> String {
            format!("[{} {when:?}]", at.timestamp())
        }
        fn channel(&self, id: i64) -> String {
            format!("#{id}")
        }
        fn person(&self, id: UserId) -> String {
            format!("@{}", id.0)
        }
        fn strong(&self, words: &str) -> String {
            words.to_uppercase()
        }
        fn inbox(&self) -> String {
            "in the inbox".to_owned()
        }
    }

    #[test]
    fn typed_values_render_in_the_medium() {
        let t = Text::from("Next: ")
            + at(DateTime::<Utc>::UNIX_EPOCH)
            + " in "
            + Piece::Channel(5)
            + " for "
            + Piece::Person(UserId(7))
            + ", "
            + strong("now");
        assert_eq!(t.render(&Plain), "Next: [0 Full] in #5 for @7, NOW");
        let lines = Text::lines([Text::from("a"), Text::from("b")]);
        assert_eq!(lines.render(&Plain), "a\nb");
    }
}
