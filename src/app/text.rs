//! Replies as plain text, shared by the console and by Discord's text answers.

use chrono::{DateTime, Utc};

use super::{
    Logged, PainAdvice, ReminderView, Reply, RoutineCard, StepPrompt, TodayPlan, TodayView,
};
use crate::coach::progress::{DayStatus, LogOutcome, Progress};
use crate::coach::schedule::{iso_local, words_local};
use crate::coach::Timezone;
use crate::content::seconds_text;
use crate::store::LogWrite;

/// The general safety note: in `/help` and in the first message to a new user.
pub const SAFETY: &str = "footcoach is a coach, not a clinician: this is not medical advice. \
Stop at once if you feel sharp pain, and see a clinician for pain that lasts or keeps coming back.";

/// The first message to a new user, sent once.
pub const WELCOME: &str = "Hi, I am footcoach: I coach a short daily foot routine. /routine today shows it, \
/routine start walks you through it, /remind set gives you a daily reminder, and \"done\" logs your day. \
I am a coach, not a clinician: this is not medical advice. Stop at once if you feel sharp pain. \
To turn everything off: /remind off stops reminders, /mydata delete removes everything about you.";

/// The question before a guided session.
pub const ASK_PAIN: &str =
    "how does your foot feel today? Reply pain 0-10 (0 is none). If anything hurts sharply, stop.";

/// The words a reply may use, for "not understood" and for help.
pub const REPLY_WORDS: &str = "done, skip, pain 0-10 (like \"pain 3\"), snooze, stop";

/// How instants are written: the console spells them out in the user's zone;
/// Discord gets timestamps that each reader's client renders in their own clock.
#[derive(Debug, Clone, Copy)]
pub enum TimeStyle {
    Console {
        timezone: Timezone,
        now: DateTime<Utc>,
    },
    Discord,
}

impl TimeStyle {
    /// A full date and time.
    pub fn at(self, instant: DateTime<Utc>) -> String {
        match self {
            TimeStyle::Console { timezone, now } => {
                format!(
                    "{}, {}",
                    iso_local(timezone, instant),
                    words_local(timezone, instant, now)
                )
            }
            TimeStyle::Discord => format!("<t:{0}:F> (<t:{0}:R>)", instant.timestamp()),
        }
    }

    /// A short time, for a countdown or a schedule.
    pub fn short(self, instant: DateTime<Utc>) -> String {
        match self {
            TimeStyle::Console { timezone, .. } => instant
                .with_timezone(&timezone.tz())
                .format("%H:%M:%S")
                .to_string(),
            TimeStyle::Discord => format!("<t:{}:T>", instant.timestamp()),
        }
    }

    /// When something comes, relative to now.
    pub fn relative(self, instant: DateTime<Utc>) -> String {
        match self {
            TimeStyle::Console { now, .. } => {
                let secs = (instant - now).num_seconds().max(0) as u32;
                format!("in {}", seconds_text(secs))
            }
            TimeStyle::Discord => format!("<t:{}:R>", instant.timestamp()),
        }
    }
}

pub fn help() -> String {
    format!(
        "footcoach walks you through a short daily foot routine and keeps track of your days.\n\
         \n\
         /routine today      today's routine: exercises, doses, equipment, minutes\n\
         /routine start      a guided session, one prompt per exercise\n\
         /remind set 07:30 Europe/Berlin   a daily reminder at your local time\n\
         /remind show, /remind off\n\
         /settings followup 19:00   an evening nudge on days not done yet (or off)\n\
         /settings restdays sat sun   weekly rest days (or none)\n\
         /remind pause until:2027-01-05, /remind resume   a holiday\n\
         /progress           your streak and this week\n\
         /mydata export, /mydata delete   your data as JSON, or delete it all\n\
         /level down         easier holds and fewer repetitions\n\
         /settings painprompt on|off   ask about pain before a session\n\
         /coach board on|off   the weekly streak board of a server (opt-in)\n\
         /coach channel #channel 08:00 Europe/Berlin   server admins: a daily post of the routine\n\
         \n\
         Answer with: {REPLY_WORDS}.\n\
         \n\
         {SAFETY}"
    )
}

fn card_lines(card: &RoutineCard, out: &mut Vec<String>) {
    out.push(format!(
        "{} ({} min): {}",
        card.name, card.minutes, card.summary
    ));
    if card.levels > 1 {
        out.push(format!("  Level {} of {}.", card.level, card.levels));
    }
    for s in &card.steps {
        out.push(format!(
            "  {}. {}: {} (needs: {})",
            s.number, s.name, s.dose, s.equipment
        ));
    }
}

pub fn status_word(status: DayStatus) -> &'static str {
    match status {
        DayStatus::Done => "done",
        DayStatus::Partial => "partly done",
        DayStatus::Skipped => "skipped",
        DayStatus::Rest => "rest day",
        DayStatus::Paused => "paused",
        DayStatus::Missed => "not done",
    }
}

pub fn today(view: &TodayView) -> String {
    let mut out = vec![format!("Today, {}:", view.date.format("%A %-d %B"))];
    match &view.plan {
        TodayPlan::Train(card) => card_lines(card, &mut out),
        TodayPlan::Rest { routine } => {
            out.push("A rest day: nothing is due. If you feel like moving anyway:".to_owned());
            card_lines(routine, &mut out);
        }
        TodayPlan::Paused { until, routine } => {
            out.push(format!(
                "You are paused until {}: nothing is due. If you want to anyway:",
                until.format("%-d %B %Y")
            ));
            card_lines(routine, &mut out);
        }
    }
    if let Some(status) = view.status {
        out.push(format!("So far today: {}.", status_word(status)));
    }
    out.push("Say \"done\" when you have done it, or /routine start to be guided.".to_owned());
    if !view.timezone_set {
        out.push("(Days are counted in UTC until you tell me your timezone: /remind set 07:30 Europe/Berlin)".to_owned());
    }
    out.join("\n")
}

pub fn step_prompt(p: &StepPrompt, style: TimeStyle) -> String {
    let mut out = vec![format!(
        "Step {} of {}: {}, {} (needs: {})",
        p.line.number, p.of, p.line.name, p.line.dose, p.line.equipment
    )];
    for (i, step) in p.instructions.iter().enumerate() {
        out.push(format!("  {}. {step}", i + 1));
    }
    out.push(format!("  Safety: {}", p.safety));
    out.push(format!(
        "  Time is up {}. Say done when finished, skip to skip it, stop to end.",
        style.relative(p.ends)
    ));
    out.join("\n")
}

fn reminder_line(r: &ReminderView, style: TimeStyle) -> String {
    format!(
        "Reminder every day at {} ({}). Next: {}",
        r.at,
        r.timezone,
        style.at(r.next)
    )
}

fn progress(p: &Progress) -> String {
    let mut out = vec![format!(
        "Current streak: {} day{}. Best: {}. Days done: {}. Minutes logged: {}.",
        p.current_streak,
        if p.current_streak == 1 { "" } else { "s" },
        p.best_streak,
        p.days_done,
        p.total_minutes
    )];
    let week: Vec<String> = p
        .week
        .iter()
        .map(|(d, s)| format!("{} {}", d.format("%a"), s.map_or("-", status_word)))
        .collect();
    out.push(format!("This week: {}", week.join(", ")));
    out.join("\n")
}

/// A timed send as text.
pub fn notice_text(notice: &crate::scheduler::Notice, style: TimeStyle) -> String {
    use crate::scheduler::Notice;
    match notice {
        Notice::Reminder { today: view, late } => {
            let greeting = if *late {
                "Your daily reminder, a little late (I was offline at the time):"
            } else {
                "Good morning! Your daily reminder:"
            };
            format!("{greeting}\n{}\nSay snooze to be reminded in 30 minutes.", today(view))
        }
        Notice::Followup { today: view } => format!(
            "Still time for today's routine, if you can fit it in. No pressure: a short one counts too.\n{}",
            today(view)
        ),
        Notice::Prompt(p) => step_prompt(p, style),
        Notice::SessionOver { routine_name } => format!(
            "Time is up for the last step of {routine_name}. Say done to log today, or skip. Well done for showing up!"
        ),
    }
}

/// A level change in words.
pub fn level_text(c: &crate::app::LevelChange) -> String {
    if c.to > c.from {
        format!(
            "Steady work with little pain: you move up to level {} of {}, so holds and repetitions grow. /level down goes back.",
            c.to, c.levels
        )
    } else {
        format!(
            "Your sessions are now gentler: level {} of {}, with shorter holds and fewer repetitions.",
            c.to, c.levels
        )
    }
}

/// The whole reply as text.
pub fn render(reply: &Reply, style: TimeStyle) -> String {
    match reply {
        Reply::Today(view) => today(view),
        Reply::SessionStarted(s) => {
            let mut out = vec![format!("Guided session: {} ({} min). The steps:", s.card.name, s.card.minutes)];
            for (line, due) in &s.schedule {
                out.push(format!("  {}. {} at {}", line.number, line.name, style.short(*due)));
            }
            if s.ask_pain {
                out.push(format!("Before you start: {ASK_PAIN}"));
            }
            out.push(String::new());
            out.push(step_prompt(&s.first, style));
            out.join("\n")
        }
        Reply::ReminderSet(r) => format!("Done. {}", reminder_line(r, style)),
        Reply::ReminderShow {
            reminder,
            timezone,
            pause,
            followup,
            rest_days,
            dm_blocked,
        } => {
            let mut out = vec![match reminder {
                Some(r) => reminder_line(r, style),
                None => "No daily reminder is set. Set one with /remind set 07:30 Europe/Berlin".to_owned(),
            }];
            if reminder.is_none() {
                if let Some(tz) = timezone {
                    out.push(format!("Your timezone: {tz}."));
                }
            }
            if reminder.is_some() {
                out.push(match followup {
                    Some(t) => format!("Evening nudge at {t} on days not done yet (/settings followup off to stop it)."),
                    None => "No evening nudge.".to_owned(),
                });
            }
            if !rest_days.is_empty() {
                out.push(format!("Rest days: {rest_days}."));
            }
            if let Some(p) = pause {
                out.push(format!("Paused from {} until {}.", p.from.format("%-d %B %Y"), p.until.format("%-d %B %Y")));
            }
            if *dm_blocked {
                out.push("Reminders are paused: I could not send you a direct message. Allow DMs from server members, then /remind set again.".to_owned());
            }
            out.join("\n")
        }
        Reply::ReminderOff { was_on: true } => "Reminder off. Turn it back on with /remind set 07:30".to_owned(),
        Reply::ReminderOff { was_on: false } => "There was no reminder to turn off.".to_owned(),
        Reply::Progress(p) => progress(p),
        Reply::Help => help(),
        Reply::Logged {
            what,
            outcome,
            write,
            next,
            session_finished,
            current_streak,
            level_change,
        } => {
            let verb = match outcome {
                LogOutcome::Done => "done",
                LogOutcome::Skip => "skipped",
                LogOutcome::Pain(_) => "noted",
            };
            let subject = match what {
                Logged::Day { routine_name } => format!("Today's {routine_name}"),
                Logged::Step { number, of, name } => format!("Step {number} of {of} ({name})"),
            };
            let mut out = vec![match write {
                LogWrite::Unchanged => format!("{subject} was already logged as {verb}."),
                _ => format!("{subject}: {verb}. Logged."),
            }];
            if *session_finished {
                out.push("That was the last step: session complete. Well done!".to_owned());
            }
            if let Some(streak) = current_streak {
                if *streak > 0 {
                    out.push(format!("Current streak: {streak} day{}.", if *streak == 1 { "" } else { "s" }));
                }
            }
            if let Some(c) = level_change {
                out.push(level_text(c));
            }
            if let Some(p) = next {
                out.push(String::new());
                out.push(step_prompt(p, style));
            }
            out.join("\n")
        }
        Reply::Pain { level, advice, level_change } => {
            let mut out = match advice {
                PainAdvice::Fine => format!("Pain {level} noted. Go gently, and stop if anything hurts sharply."),
                PainAdvice::SeeClinician => format!(
                    "Pain {level} noted. Please stop the exercises that hurt, and see a clinician (a doctor or physiotherapist) about it before you carry on: pain this high, or pain that keeps coming back, needs a proper look."
                ),
            };
            if let Some(c) = level_change {
                out.push(' ');
                out.push_str(&level_text(c));
            }
            out
        }
        Reply::LevelChanged(c) => level_text(c),
        Reply::PainPromptSet(true) => "Before each guided session I will ask how your foot feels (pain 0-10).".to_owned(),
        Reply::PainPromptSet(false) => "I will not ask about pain before sessions; you can still say \"pain N\" any time.".to_owned(),
        Reply::SessionStopped { at_step, of } => format!("Session stopped at step {at_step} of {of}. What you logged is kept."),
        Reply::NothingToStop => "No guided session is running. Start one with /routine start".to_owned(),
        Reply::NothingToSnooze => "There is no reminder today to snooze.".to_owned(),
        Reply::Snoozed { until, count } => format!(
            "Snoozed: I will remind you again {} (snooze {count} of {}).",
            style.relative(*until),
            crate::app::MAX_SNOOZES
        ),
        Reply::SnoozeLimit => format!(
            "Today's reminder was already snoozed {} times; that is the limit. Say done when you have done it.",
            crate::app::MAX_SNOOZES
        ),
        Reply::FollowupSet { at: Some(at) } => format!("Evening nudge set for {at}, on days the routine is not done yet."),
        Reply::FollowupSet { at: None } => "Evening nudge off.".to_owned(),
        Reply::Export(data) => format!(
            "Your data: {} log entries, {} sessions (JSON, format version {}).",
            data["log"].as_array().map_or(0, Vec::len),
            data["sessions"].as_array().map_or(0, Vec::len),
            super::export::EXPORT_VERSION
        ),
        Reply::DeleteAsk => "This deletes everything footcoach keeps about you: settings, reminders, every log entry and session. It cannot be undone.".to_owned(),
        Reply::Deleted { anything: true } => "Done: everything about you is deleted and no reminder will come. If you talk to me again, I start fresh.".to_owned(),
        Reply::Deleted { anything: false } => "There was nothing stored about you.".to_owned(),
        Reply::Paused(p) => format!(
            "Paused until {} (inclusive): no reminders or nudges, and these days neither break nor extend your streak. Back early? /remind resume",
            p.until.format("%A %-d %B %Y")
        ),
        Reply::Resumed { was_paused: true } => "Welcome back: reminders are on again from today.".to_owned(),
        Reply::Resumed { was_paused: false } => "You were not paused; nothing changed.".to_owned(),
        Reply::RestDaysSet(days) if days.is_empty() => "No weekly rest days: every day has its routine.".to_owned(),
        Reply::RestDaysSet(days) => format!(
            "Rest days: {days}. No reminders on them, and they neither break nor extend your streak."
        ),
        Reply::NotUnderstood => format!("I did not catch that. You can answer with: {REPLY_WORDS}. Or type /help."),
        Reply::Problem(text) => text.clone(),
    }
}

/// How a channel is named: a mention on Discord, its id in the console.
fn channel_name(channel: i64, style: TimeStyle) -> String {
    match style {
        TimeStyle::Discord => format!("<#{channel}>"),
        TimeStyle::Console { .. } => format!("channel {channel}"),
    }
}

/// How a person is named on a board: a mention (embeds do not ping).
fn member_name(user: crate::store::UserId, style: TimeStyle) -> String {
    match style {
        TimeStyle::Discord => format!("<@{}>", user.0),
        TimeStyle::Console { .. } => "you".to_owned(),
    }
}

pub fn server_reply(reply: &super::servers::ServerReply, style: TimeStyle) -> String {
    use super::servers::ServerReply;
    match reply {
        ServerReply::ChannelSet {
            channel,
            at,
            timezone,
            next,
            moved_from,
        } => {
            let mut text = format!(
                "Done. I will post the day's routine in {} every day at {at} ({timezone}). First post: {}.",
                channel_name(*channel, style),
                style.at(*next)
            );
            if let Some(old) = moved_from {
                text.push_str(&format!(" It no longer goes to {}.", channel_name(*old, style)));
            }
            text.push_str(" On Mondays it brings the weekly streak board of members who opted in with /coach board on or the button on the post. /coach off stops it.");
            text
        }
        ServerReply::Stopped { was_on: true } => {
            "Done: no more daily posts in this server. Members' board opt-ins are kept for when you turn it on again.".to_owned()
        }
        ServerReply::Stopped { was_on: false } => {
            "This server has no daily post, so nothing changed. /coach channel sets one.".to_owned()
        }
        ServerReply::BoardJoined {
            already,
            channel,
            members,
        } => format!(
            "{} The board comes with Monday's post in {}: your current streak and the days you did last week. {members} member{} on it. /coach board off takes you off.",
            if *already { "You were already on this server's weekly streak board." } else { "You are on this server's weekly streak board." },
            channel_name(*channel, style),
            if *members == 1 { " is" } else { "s are" },
        ),
        ServerReply::BoardLeft { was_on: true } => {
            "Done: you are off this server's streak board.".to_owned()
        }
        ServerReply::BoardLeft { was_on: false } => {
            "You were not on this server's streak board, so nothing changed.".to_owned()
        }
        ServerReply::Show {
            server: None,
            board_members,
        } => format!(
            "This server has no daily post. A member with Manage Server sets one with /coach channel. {board_members} member{} opted in to the board.",
            if *board_members == 1 { "" } else { "s" }
        ),
        ServerReply::Show {
            server: Some(s),
            board_members,
        } => {
            let mut text = format!(
                "The day's routine goes to {} every day at {} ({}). Next post: {}. {board_members} member{} on the Monday streak board.",
                channel_name(s.channel_id, style),
                s.post_at,
                s.timezone,
                style.at(s.next_due_at),
                if *board_members == 1 { " is" } else { "s are" },
            );
            if let Some(error) = &s.last_error {
                text.push_str(&format!(
                    " The last post did not go out ({error}): check that I can view, send messages and embed links in that channel."
                ));
            }
            text
        }
        ServerReply::NoChannel => {
            "This server has no coach channel yet, so there is no board to join. Ask a server admin to run /coach channel. Nothing was changed.".to_owned()
        }
    }
}

/// The weekly board as lines of text.
pub fn board_lines(board: &super::servers::Board, style: TimeStyle) -> Vec<String> {
    let mut out = Vec::new();
    for (i, row) in board.rows.iter().enumerate() {
        out.push(format!(
            "{}. {}: streak {} day{}, {} of 7 days last week",
            i + 1,
            member_name(row.user, style),
            row.current_streak,
            if row.current_streak == 1 { "" } else { "s" },
            row.days_done
        ));
    }
    if board.more > 0 {
        out.push(format!("and {} more", board.more));
    }
    out
}

/// The board's heading.
pub fn board_title(board: &super::servers::Board) -> String {
    format!(
        "Weekly streak board, {} to {}",
        board.from.format("%-d %B"),
        board.to.format("%-d %B")
    )
}

/// A server's daily post as text (the console's preview).
pub fn server_post(post: &super::servers::ServerPost, style: TimeStyle) -> String {
    let mut out = vec![format!(
        "{} {}:",
        if post.late {
            "Today's foot routine, a little late (I was offline at the time),"
        } else {
            "Good morning! Today's foot routine,"
        },
        post.date.format("%A %-d %B")
    )];
    card_lines(&post.card, &mut out);
    out.push("Run /routine start to be guided through it at your own level.".to_owned());
    if let Some(board) = &post.board {
        out.push(String::new());
        out.push(board_title(board));
        out.extend(board_lines(board, style));
    }
    out.join("\n")
}
