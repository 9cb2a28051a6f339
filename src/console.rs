//! The terminal front end: a person types what they would type in Discord
//! and reads the coach's answers, in their own local time.

use std::io::IsTerminal;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::app::input::{Equipment, Evening, Switch, Until, Weekdays, WeeklyDay};
use crate::app::servers::ServerPost;
use crate::app::{Coach, Command, Notice, Origin, Reply, Source, StepPrompt, TodayView};
use crate::coach::fit::RoutineLength;
use crate::coach::reply::parse_reply;
use crate::coach::schedule::{iso_local, words_local};
use crate::coach::user::UserId;
use crate::coach::{LocalTime, Timezone};
use crate::content::seconds_text;
use crate::error::{Error, UserError};
use crate::store::timeline::Audience;
use crate::store::Store;
use crate::text::routine::{self, CardText};
use crate::text::{self, console as words, replies, servers, Medium, When};
use crate::timeline::{Scheduler, SchedulerOptions};

mod files;
mod messenger;
mod review;
mod setup;

use files::{export_to_file, picture_to_file};
use messenger::ConsoleMessenger;

/// A console line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Command(Command),
    Quit,
    Empty,
    /// What to type instead, in one line.
    Usage(String),
    /// A server command: the console shows what the server post looks like.
    ServerPreview,
    /// The first-run setup's questions, asked one by one.
    Setup,
}

/// A parsed word, or the line saying what to type instead.
fn parse<T>(word: &str, usage: &str) -> Result<T, Line>
where
    T: std::str::FromStr,
    T::Err: Into<UserError>,
{
    word.parse::<T>()
        .map_err(|e| Line::Usage(words::mistake(&e.into(), usage)))
}

/// Parses one typed line: `/...` is a slash command, anything else a reply.
pub fn parse_line(raw: &str) -> Line {
    match parse_command(raw) {
        Ok(line) | Err(line) => line,
    }
}

fn parse_command(raw: &str) -> Result<Line, Line> {
    let line = raw.trim();
    if line.is_empty() {
        return Ok(Line::Empty);
    }
    let Some(command) = line.strip_prefix('/') else {
        return Ok(Line::Command(Command::Reply(parse_reply(line))));
    };
    if command.trim().eq_ignore_ascii_case("setup") {
        return Ok(Line::Setup);
    }
    // Discord-style "time:07:30 timezone:Europe/Berlin" works too.
    let w: Vec<&str> = command
        .split_whitespace()
        .map(|w| {
            [
                "time:",
                "timezone:",
                "until:",
                "days:",
                "minutes:",
                "have:",
                "day:",
            ]
            .iter()
            .find_map(|p| w.strip_prefix(p))
            .unwrap_or(w)
        })
        .collect();
    let lower: Vec<String> = w.iter().take(2).map(|w| w.to_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let command = match (lower.as_slice(), w.len()) {
        (["routine", "today"], 2) => Command::RoutineToday,
        (["routine", "start"], 2) => Command::RoutineStart,
        (["routine", ..], _) => return Err(Line::Usage(words::ROUTINE.to_owned())),
        // A zone may be a city of several words: "new york".
        (["remind", "set"], n) if n >= 3 => Command::RemindSet {
            time: parse::<LocalTime>(w[2], words::REMIND_SET)?,
            timezone: match w.get(3..).filter(|zone| !zone.is_empty()) {
                Some(zone) => Some(parse::<Timezone>(&zone.join(" "), words::REMIND_SET)?),
                None => None,
            },
        },
        (["remind", "set"], _) => return Err(Line::Usage(words::REMIND_SET.to_owned())),
        (["remind", "show"], 2) => Command::RemindShow,
        (["remind", "pause"], 3) => Command::Pause {
            until: parse::<Until>(w[2], words::REMIND_PAUSE)?.0,
        },
        (["remind", "pause"], _) => return Err(Line::Usage(words::REMIND_PAUSE.to_owned())),
        (["remind", "resume"], 2) => Command::Resume,
        (["remind", "off"], 2) => Command::RemindOff,
        (["remind", ..], _) => return Err(Line::Usage(words::REMIND.to_owned())),
        (["settings", "followup"], 3) => {
            Command::FollowupSet(parse::<Evening>(w[2], words::FOLLOWUP)?.0)
        }
        (["settings", "restdays"], n) if n >= 3 => {
            Command::RestDays(parse::<Weekdays>(&w[2..].join(" "), words::RESTDAYS)?.0)
        }
        (["settings", "length"], 3) => {
            Command::RoutineLength(parse::<RoutineLength>(w[2], words::LENGTH)?)
        }
        (["settings", "length"], _) => return Err(Line::Usage(words::LENGTH.to_owned())),
        (["settings", "equipment"], n) if n >= 3 => {
            Command::Equipment(parse::<Equipment>(&w[2..].join(" "), words::EQUIPMENT)?.0)
        }
        (["settings", "equipment"], _) => return Err(Line::Usage(words::EQUIPMENT.to_owned())),
        (["settings", "painprompt"], 3) => {
            Command::PainPrompt(parse::<Switch>(w[2], words::PAINPROMPT)?.0)
        }
        (["settings", "weekly"], 3) => Command::Weekly(parse::<WeeklyDay>(w[2], words::WEEKLY)?.0),
        (["settings", "weekly"], _) => return Err(Line::Usage(words::WEEKLY.to_owned())),
        (["settings", ..], _) => return Err(Line::Usage(words::SETTINGS.to_owned())),
        (["level", "down"], 2) => Command::LevelDown,
        (["level", ..], _) => return Err(Line::Usage(words::LEVEL.to_owned())),
        (["mydata", "export"], 2) => Command::Export,
        (["mydata", "delete"], 2) => Command::DeleteAsk,
        (["mydata", "delete"], 3) if w[2].eq_ignore_ascii_case("confirm") => {
            Command::DeleteConfirmed
        }
        (["mydata", ..], _) => return Err(Line::Usage(words::MYDATA.to_owned())),
        (["coach", "channel"], _) | (["coach", "off" | "show"], 2) => {
            return Ok(Line::ServerPreview)
        }
        (["coach", "board"], 3) if w[2].parse::<Switch>().is_ok() => {
            return Ok(Line::ServerPreview)
        }
        (["coach", ..], _) => return Err(Line::Usage(words::COACH.to_owned())),
        (["progress"], 1) => Command::Progress,
        (["help"], 1) => Command::Help,
        (["quit" | "exit"], 1) => return Ok(Line::Quit),
        _ => return Err(Line::Usage(words::unknown(line))),
    };
    Ok(Line::Command(command))
}

/// Checks a console user name: 1 to 64 printable characters.
pub fn valid_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > words::MAX_NAME
        || name.chars().any(char::is_control)
    {
        return Err(words::bad_name());
    }
    Ok(name)
}

/// The console's way of showing a `Text`'s typed values: in the person's
/// own timezone.
pub struct LocalClock {
    pub timezone: Timezone,
    pub now: DateTime<Utc>,
}

impl Medium for LocalClock {
    fn instant(&self, at: DateTime<Utc>, when: When) -> String {
        match when {
            When::Full => format!(
                "{}, {}",
                iso_local(self.timezone, at),
                words_local(self.timezone, at, self.now)
            ),
            When::Clock => at
                .with_timezone(&self.timezone.tz())
                .format("%H:%M:%S")
                .to_string(),
            When::Relative => {
                let secs = (at - self.now).num_seconds().max(0) as u32;
                format!("in {}", seconds_text(secs))
            }
        }
    }

    fn channel(&self, id: i64) -> String {
        format!("channel {id}")
    }

    fn person(&self, _: UserId) -> String {
        "you".to_owned()
    }

    fn strong(&self, words: &str) -> String {
        words.to_owned()
    }

    fn inbox(&self) -> String {
        "here".to_owned()
    }
}

fn card_lines(card: &CardText, out: &mut Vec<String>) {
    out.push(format!("{}: {}", card.heading, card.summary));
    if let Some(level) = &card.level {
        out.push(format!("  {level}"));
    }
    out.extend(card.fitted.iter().map(|line| format!("  {line}")));
    for s in &card.steps {
        out.push(format!("  {}: {} ({})", s.heading, s.dose, s.needs));
    }
}

fn today_lines(view: &TodayView) -> Vec<String> {
    let t = routine::today(view);
    let mut out = vec![format!("{}:", t.date)];
    if let Some(note) = t.note {
        out.push(format!("{note} {}", routine::ANYWAY));
    }
    card_lines(&t.card, &mut out);
    out.extend(t.notes.iter().map(|n| format!("{n}.")));
    out.push(routine::SAY_DONE.to_owned());
    out
}

fn prompt_lines(p: &StepPrompt, clock: &LocalClock) -> Vec<String> {
    let t = routine::prompt(p);
    let mut out = vec![format!("{}, {} ({})", t.title, t.dose, t.needs)];
    out.extend(t.instructions.iter().map(|i| format!("  {i}")));
    out.push(format!("  {}: {}", routine::SAFETY_LABEL, t.safety));
    out.push(format!(
        "  {} {} {}",
        t.time_up.render(clock),
        t.next,
        routine::PROMPT_ANSWERS
    ));
    out
}

/// A reply as the console shows it.
pub fn reply_text(reply: &Reply, clock: &LocalClock) -> String {
    let words = replies::reply(reply).render(clock);
    let lines = match reply {
        Reply::Today(view) => today_lines(view),
        Reply::SessionStarted(s) => {
            let mut out = vec![words, String::new()];
            out.extend(prompt_lines(&s.first, clock));
            out
        }
        Reply::Logged { next: Some(p), .. } => {
            let mut out = vec![words, String::new()];
            out.extend(prompt_lines(p, clock));
            out
        }
        Reply::DeleteAsk => vec![format!("{words} {}", replies::DELETE_CONFIRM_HOW)],
        _ => vec![words],
    };
    lines.join("\n")
}

/// A timed send as the console shows it.
pub fn notice_text(notice: &Notice, clock: &LocalClock) -> String {
    let lead = routine::notice_lead(notice);
    let mut out: Vec<String> = lead.into_iter().collect();
    match notice {
        Notice::Reminder { today, .. } => {
            out.extend(today_lines(today));
            out.push(routine::SAY_SNOOZE.to_owned());
        }
        Notice::Followup { today } => out.extend(today_lines(today)),
        Notice::Prompt(p) => out.extend(prompt_lines(p, clock)),
        Notice::Cue(c) => out.push(routine::cue_line(c).render(clock)),
        Notice::SessionOver { .. } => {}
        Notice::Weekly(r) => out.extend(review::review_lines(r)),
    }
    out.join("\n")
}

/// A server's daily post as the console previews it.
pub fn server_post_text(post: &ServerPost, clock: &LocalClock) -> String {
    let mut out = vec![servers::post_greeting(post)];
    card_lines(&routine::card(&post.card), &mut out);
    out.push(servers::POST_NOTE.to_owned());
    if let Some(board) = &post.board {
        out.push(String::new());
        out.push(servers::board_title(board));
        out.extend(servers::board_lines(board).iter().map(|l| l.render(clock)));
    }
    out.join("\n")
}

/// Chats with `user` over `input` and `output` until end of input or /quit.
pub async fn run<R, W>(
    coach: &Coach,
    store: &Store,
    user: UserId,
    name: &str,
    input: R,
    mut output: W,
    interactive: bool,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    // The introduction carries the safety note; a returning user gets it on its own.
    let greeting = if coach.welcome_once(user).await? {
        // One line, as the introduction always was.
        format!("{} {}\n", text::WELCOME, text::setup::CONSOLE_OFFER)
    } else {
        format!("{}\n{}\n", text::hello_again(name), text::SAFETY)
    };
    output.write_all(greeting.as_bytes()).await?;

    // Timed sends for this user (session prompts, reminders) print here while
    // the console is open.
    let (notices_tx, mut notices) = mpsc::unbounded_channel();
    let options = SchedulerOptions {
        audience: Audience::Console(user),
        batch_size: 10,
        lease: Duration::from_secs(30),
        max_sleep: Duration::from_secs(60),
        lookahead: Duration::ZERO,
        max_staged: 10,
    };
    let messenger = ConsoleMessenger {
        out: notices_tx,
        coach: coach.clone(),
        name: name.to_owned(),
    };
    let worker = Scheduler::new(coach.clone(), store.clone(), messenger, options).spawn();

    let mut deleted = false;
    let mut setup: Option<setup::Setup> = None;
    let mut lines = input.lines();
    loop {
        if interactive {
            output.write_all(b"> ").await?;
        }
        output.flush().await?;
        let raw = tokio::select! {
            line = lines.next_line() => match line? {
                Some(raw) => raw,
                None => break,
            },
            Some(notice) = notices.recv() => {
                let text = format!("\n{notice}\n");
                output.write_all(text.as_bytes()).await?;
                continue;
            }
        };
        if let Some(asking) = setup.as_mut() {
            let (text, over) = asking.answer(coach, user, name, &raw).await;
            if over {
                setup = None;
            }
            output.write_all(format!("{text}\n").as_bytes()).await?;
            continue;
        }
        let answer = match parse_line(&raw) {
            Line::Setup => {
                let (asking, question) = setup::Setup::start();
                setup = Some(asking);
                question
            }
            Line::Empty => continue,
            Line::Quit => break,
            Line::Usage(text) => text,
            Line::ServerPreview => match coach.server_post_preview(user).await {
                Ok(post) => {
                    let clock = LocalClock {
                        timezone: Timezone::UTC,
                        now: coach.now(),
                    };
                    format!(
                        "{}\n\n{}",
                        servers::NO_SERVER_HERE,
                        server_post_text(&post, &clock)
                    )
                }
                Err(e) => {
                    tracing::error!(error = %e, "console server preview failed");
                    words::LINE_LOST.to_owned()
                }
            },
            Line::Command(command) => match answer(coach, user, name, command).await {
                Ok((text, Next::Quit)) => {
                    output.write_all(text.as_bytes()).await?;
                    output.write_all(b"\n").await?;
                    deleted = true;
                    break;
                }
                Ok((text, Next::Continue)) => text,
                Err(Error::User(mistake)) => text::refused(&mistake),
                // The line is lost, not the session: say so and keep going.
                Err(e) => {
                    tracing::error!(error = %e, "console command failed");
                    words::LINE_LOST.to_owned()
                }
            },
        };
        output.write_all(answer.as_bytes()).await?;
        output.write_all(b"\n").await?;
    }
    worker.stop().await;
    if interactive && !deleted {
        output
            .write_all(format!("\n{}\n", words::BYE).as_bytes())
            .await?;
    }
    output.flush().await?;
    Ok(())
}

/// What the console does after an answer.
enum Next {
    Continue,
    /// The user's data is gone: the session ends rather than re-create it.
    Quit,
}

async fn answer(
    coach: &Coach,
    user: UserId,
    name: &str,
    command: Command,
) -> Result<(String, Next), Error> {
    let answer = coach
        .handle(user, Origin::new(Source::Console), command)
        .await?;
    let clock = LocalClock {
        timezone: answer.timezone,
        now: coach.now(),
    };
    let text = reply_text(&answer.reply, &clock);
    if let Some(prompt) = answer.reply.step_prompt() {
        // The terminal is the step's message: its cues are printed below.
        let at = crate::store::StepMessage {
            channel: 0,
            message: 0,
        };
        coach.step_posted(prompt, at, None, None).await?;
    }
    Ok(match &answer.reply {
        Reply::Deleted { .. } => (text, Next::Quit),
        Reply::Export(data) => (export_to_file(name, data), Next::Continue),
        Reply::Progress(p) => {
            let png = crate::chart::progress_png(p);
            let note = picture_to_file("progress", name, &png, replies::calendar_file);
            (format!("{text}\n{note}"), Next::Continue)
        }
        Reply::Today(TodayView {
            sheet: Some(png), ..
        }) => {
            let note = picture_to_file("routine", name, png.bytes(), replies::sheet_file);
            (format!("{text}\n{note}"), Next::Continue)
        }
        _ => (text, Next::Continue),
    })
}

/// The console on this process's stdin and stdout.
pub async fn run_stdio(coach: &Coach, store: &Store, name: &str) -> anyhow::Result<()> {
    let name = valid_name(name).map_err(anyhow::Error::msg)?;
    let user = coach.console_user(name).await?;
    let interactive = std::io::stdin().is_terminal();
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    run(
        coach,
        store,
        user,
        name,
        stdin,
        tokio::io::stdout(),
        interactive,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coach::reply::Intent;

    #[test]
    fn a_cue_prints_on_its_own_line_naming_its_exercise() {
        let cue = crate::app::views::CueNotice {
            at: crate::store::StepMessage {
                channel: 0,
                message: 0,
            },
            lead: None,
            webhook: None,
            step_name: "Seated foot stretch".to_owned(),
            set: 1,
            sets: 2,
            other_side: true,
            per_side: true,
        };
        let clock = LocalClock {
            timezone: Timezone::UTC,
            now: chrono::Utc::now(),
        };
        assert_eq!(
            notice_text(&Notice::Cue(cue), &clock),
            "Seated foot stretch: ↔ Other side now (set 1 of 2)."
        );
    }

    #[test]
    fn slash_commands_parse_with_their_discord_words() {
        assert_eq!(
            parse_line("/routine today"),
            Line::Command(Command::RoutineToday)
        );
        assert_eq!(
            parse_line("  /Routine Start "),
            Line::Command(Command::RoutineStart)
        );
        assert_eq!(
            parse_line("/remind set 07:30 Europe/Berlin"),
            Line::Command(Command::RemindSet {
                time: "07:30".parse().unwrap(),
                timezone: Some("Europe/Berlin".parse().unwrap()),
            })
        );
        assert_eq!(
            parse_line("/remind set time:06:45"),
            Line::Command(Command::RemindSet {
                time: "06:45".parse().unwrap(),
                timezone: None,
            })
        );
        assert_eq!(
            parse_line("/remind set 07:30 new york"),
            Line::Command(Command::RemindSet {
                time: "07:30".parse().unwrap(),
                timezone: Some("America/New_York".parse().unwrap()),
            })
        );
        assert_eq!(parse_line("/progress"), Line::Command(Command::Progress));
        assert_eq!(
            parse_line("done"),
            Line::Command(Command::Reply(Intent::Done))
        );
        assert_eq!(parse_line(""), Line::Empty);
    }

    #[test]
    fn wrong_commands_get_one_line_saying_what_to_type() {
        for bad in [
            "/remind set 25:61 Europe/Berlin",
            "/remind set 07:30 Mars/Base",
            "/remind set",
            "/routine tomorrow",
            "/dance",
            "/🦶",
        ] {
            match parse_line(bad) {
                Line::Usage(text) => {
                    assert!(!text.contains('\n'), "{bad}: {text}");
                    assert!(text.contains('/'), "{bad} should name what to type: {text}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        match parse_line("/remind set 07:30 EST") {
            Line::Usage(text) => assert!(
                text.contains("like America/New_York") && text.contains("Nothing was changed."),
                "{text}"
            ),
            other => panic!("EST: {other:?}"),
        }
        let long = format!("/{}", "x".repeat(4000));
        assert!(matches!(parse_line(&long), Line::Usage(t) if t.len() < 300));
    }
}
