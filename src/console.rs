//! The terminal front end: a person types what they would type in Discord.

use std::io::IsTerminal;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::text::{notice_text, render, server_post, TimeStyle, SAFETY};
use crate::app::{Coach, Command, Reply, Source};
use crate::coach::plan::{parse_date, RestDays};
use crate::coach::reply::parse_reply;
use crate::coach::{LocalTime, Timezone};
use crate::scheduler::{Delivery, Messenger, Notice, Outbound, Scheduler, SchedulerOptions};
use crate::store::timeline::Audience;
use crate::store::UserId;

/// Longest console name accepted; Discord's display names are shorter still.
const MAX_NAME: usize = 64;

const COMMANDS: &str =
    "/routine today, /routine start, /remind set 07:30 Europe/Berlin, /remind show, /remind off, /progress, /help";

/// What `/coach` is, for the console, which has no server.
const SERVER_FEATURES: &str = "/coach is for Discord servers: an admin runs /coach channel #channel 08:00 Europe/Berlin \
for a daily post of the routine there, and members opt in to the Monday streak board with /coach board on \
(or the button on the post). A terminal has no server, so nothing was changed; here is today's post as it \
would look, with you on the board:";

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
}

/// Parses one typed line: `/...` is a slash command, anything else a reply.
pub fn parse_line(raw: &str) -> Line {
    let line = raw.trim();
    if line.is_empty() {
        return Line::Empty;
    }
    let Some(command) = line.strip_prefix('/') else {
        return Line::Command(Command::Reply(parse_reply(line)));
    };
    // Discord-style "time:07:30 timezone:Europe/Berlin" works too.
    let words: Vec<&str> = command
        .split_whitespace()
        .map(|w| {
            w.strip_prefix("time:")
                .or_else(|| w.strip_prefix("timezone:"))
                .or_else(|| w.strip_prefix("until:"))
                .or_else(|| w.strip_prefix("days:"))
                .unwrap_or(w)
        })
        .collect();
    let lower: Vec<String> = words.iter().take(2).map(|w| w.to_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match (lower.as_slice(), words.len()) {
        (["routine", "today"], 2) => Line::Command(Command::RoutineToday),
        (["routine", "start"], 2) => Line::Command(Command::RoutineStart),
        (["routine", ..], _) => Line::Usage("Type /routine today or /routine start".to_owned()),
        (["remind", "set"], 3 | 4) => {
            let time = match words[2].parse::<LocalTime>() {
                Ok(t) => t,
                Err(e) => {
                    return Line::Usage(format!("{e}, for example /remind set 07:30 Europe/Berlin"))
                }
            };
            let timezone = match words.get(3).map(|w| w.parse::<Timezone>()) {
                None => None,
                Some(Ok(tz)) => Some(tz),
                Some(Err(e)) => {
                    return Line::Usage(format!(
                        "{e}, for example /remind set {time} Europe/Berlin"
                    ))
                }
            };
            Line::Command(Command::RemindSet { time, timezone })
        }
        (["remind", "set"], _) => Line::Usage(
            "Type /remind set HH:MM Area/City, like /remind set 07:30 Europe/Berlin".to_owned(),
        ),
        (["remind", "show"], 2) => Line::Command(Command::RemindShow),
        (["remind", "pause"], 3) => match parse_date(words[2]) {
            Ok(until) => Line::Command(Command::Pause { until }),
            Err(e) => Line::Usage(format!("{e}: /remind pause 2027-01-05")),
        },
        (["remind", "pause"], _) => {
            Line::Usage("Type /remind pause YYYY-MM-DD, like /remind pause 2027-01-05".to_owned())
        }
        (["remind", "resume"], 2) => Line::Command(Command::Resume),
        (["remind", "off"], 2) => Line::Command(Command::RemindOff),
        (["remind", ..], _) => Line::Usage(
            "Type /remind set 07:30 Europe/Berlin, /remind show or /remind off".to_owned(),
        ),
        (["settings", "followup"], 3) => {
            if words[2].eq_ignore_ascii_case("off") {
                return Line::Command(Command::FollowupSet(None));
            }
            match words[2].parse::<LocalTime>() {
                Ok(t) => Line::Command(Command::FollowupSet(Some(t))),
                Err(e) => Line::Usage(format!("{e}, or off: /settings followup 19:00")),
            }
        }
        (["settings", "restdays"], n) if n >= 3 => {
            match RestDays::parse_list(&words[2..].join(" ")) {
                Ok(days) => Line::Command(Command::RestDays(days)),
                Err(e) => Line::Usage(format!("{e}: /settings restdays sat sun, or none")),
            }
        }
        (["settings", "painprompt"], 3) => match words[2].to_ascii_lowercase().as_str() {
            "on" => Line::Command(Command::PainPrompt(true)),
            "off" => Line::Command(Command::PainPrompt(false)),
            _ => Line::Usage("Type /settings painprompt on or /settings painprompt off".to_owned()),
        },
        (["settings", ..], _) => Line::Usage(
            "Type /settings followup 19:00 (or off), /settings restdays sat sun (or none), or /settings painprompt on|off"
                .to_owned(),
        ),
        (["level", "down"], 2) => Line::Command(Command::LevelDown),
        (["level", ..], _) => Line::Usage("Type /level down".to_owned()),
        (["mydata", "export"], 2) => Line::Command(Command::Export),
        (["mydata", "delete"], 2) => Line::Command(Command::DeleteAsk),
        (["mydata", "delete"], 3) if words[2].eq_ignore_ascii_case("confirm") => {
            Line::Command(Command::DeleteConfirmed)
        }
        (["mydata", ..], _) => Line::Usage("Type /mydata export or /mydata delete".to_owned()),
        (["coach", "channel"], _) | (["coach", "off" | "show"], 2) => Line::ServerPreview,
        (["coach", "board"], 3) if matches!(words[2].to_lowercase().as_str(), "on" | "off") => {
            Line::ServerPreview
        }
        (["coach", ..], _) => Line::Usage(
            "Type /coach channel, /coach show, /coach off, or /coach board on (or off)".to_owned(),
        ),
        (["progress"], 1) => Line::Command(Command::Progress),
        (["help"], 1) => Line::Command(Command::Help),
        (["quit" | "exit"], 1) => Line::Quit,
        _ => {
            let shown: String = line.chars().take(30).collect();
            Line::Usage(format!("Unknown command \"{shown}\". Try {COMMANDS}"))
        }
    }
}

/// Checks a console user name: 1 to 64 printable characters.
pub fn valid_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(format!(
            "--user takes a name of 1 to {MAX_NAME} characters, like --user alex"
        ));
    }
    Ok(name)
}

/// Chats with `user` over `input` and `output` until end of input or /quit.
pub async fn run<R, W>(
    coach: &Coach,
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
    let greeting = match coach.welcome_once(user).await? {
        Some(welcome) => format!("{welcome}\n"),
        None => format!(
            "footcoach: hello again, {name}. /routine today shows today's routine, \"done\" logs it, /help lists the rest.\n{SAFETY}\n"
        ),
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
    let worker =
        Scheduler::new(coach.clone(), ConsoleMessenger { out: notices_tx }, options).spawn();

    let mut deleted = false;
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
        let answer = match parse_line(&raw) {
            Line::Empty => continue,
            Line::Quit => break,
            Line::Usage(text) => text,
            Line::ServerPreview => match coach.server_post_preview(user).await {
                Ok(post) => format!(
                    "{SERVER_FEATURES}\n\n{}",
                    server_post(
                        &post,
                        TimeStyle::Console {
                            timezone: Timezone::UTC,
                            now: coach.now()
                        }
                    )
                ),
                Err(e) => {
                    tracing::error!(error = %e, "console server preview failed");
                    "Something went wrong on my side; please try again.".to_owned()
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
                // The line is lost, not the session: say so and keep going.
                Err(e) => {
                    tracing::error!(error = %e, "console command failed");
                    "Something went wrong on my side and nothing was saved for that line; please try again.".to_owned()
                }
            },
        };
        output.write_all(answer.as_bytes()).await?;
        output.write_all(b"\n").await?;
    }
    worker.stop().await;
    if interactive && !deleted {
        output.write_all(b"\nBye. Everything is saved.\n").await?;
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
) -> Result<(String, Next), crate::app::CoachError> {
    let reply = coach.handle(user, Source::Console, command).await?;
    match &reply {
        Reply::Deleted { .. } => return Ok((render(&reply, TimeStyle::Discord), Next::Quit)),
        Reply::Export(data) => return Ok((export_to_file(name, data), Next::Continue)),
        Reply::Progress(p) => {
            let file = format!("footcoach-progress-{}.png", safe_file_part(name));
            let note = match std::fs::write(&file, crate::chart::progress_png(p)) {
                Ok(()) => {
                    let shown =
                        std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone().into());
                    format!("Your calendar of the last 12 weeks: {}", shown.display())
                }
                Err(e) => format!("(Could not write the calendar picture {file}: {e})"),
            };
            return Ok((
                format!("{}\n{note}", render(&reply, TimeStyle::Discord)),
                Next::Continue,
            ));
        }
        Reply::DeleteAsk => {
            let text = format!(
                "{} Type /mydata delete confirm to go ahead.",
                render(&reply, TimeStyle::Discord)
            );
            return Ok((text, Next::Continue));
        }
        _ => {}
    }
    let settings = coach.store().user(user).await?;
    let style = TimeStyle::Console {
        timezone: settings.timezone_or_utc(),
        now: coach.now(),
    };
    Ok((render(&reply, style), Next::Continue))
}

/// A user name made safe for a file name.
fn safe_file_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes an export to footcoach-data-NAME.json in the working directory.
fn export_to_file(name: &str, data: &serde_json::Value) -> String {
    let path = std::path::PathBuf::from(format!("footcoach-data-{}.json", safe_file_part(name)));
    let written = serde_json::to_vec_pretty(data)
        .map_err(std::io::Error::other)
        .and_then(|bytes| std::fs::write(&path, bytes));
    match written {
        Ok(()) => {
            let shown = std::fs::canonicalize(&path).unwrap_or(path);
            format!(
                "Your data is in {} (JSON, format version {}).",
                shown.display(),
                crate::app::export::EXPORT_VERSION
            )
        }
        Err(e) => format!(
            "Could not write {}: {e}. Nothing else changed.",
            path.display()
        ),
    }
}

/// Delivers timed sends to the console's output.
struct ConsoleMessenger {
    out: mpsc::UnboundedSender<String>,
}

impl Messenger for ConsoleMessenger {
    async fn deliver(&self, out: &Outbound) -> Delivery {
        let style = TimeStyle::Console {
            timezone: match &out.notice {
                Notice::Reminder { today, .. } | Notice::Followup { today } => today.timezone,
                _ => crate::coach::Timezone::UTC,
            },
            now: chrono::Utc::now(),
        };
        match self.out.send(notice_text(&out.notice, style)) {
            Ok(()) => Delivery::Sent { dm_channel: None },
            Err(_) => Delivery::Transient {
                retry_after: None,
                error: "the console is closing".into(),
            },
        }
    }

    async fn tell_unreachable(&self, _user: UserId, _channel: i64) {}
}

/// The console on this process's stdin and stdout.
pub async fn run_stdio(coach: &Coach, name: &str) -> anyhow::Result<()> {
    let name = valid_name(name).map_err(anyhow::Error::msg)?;
    let user = coach.store().console_user(name).await?;
    let interactive = std::io::stdin().is_terminal();
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    run(coach, user, name, stdin, tokio::io::stdout(), interactive).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coach::reply::Intent;

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
        let long = format!("/{}", "x".repeat(4000));
        assert!(matches!(parse_line(&long), Line::Usage(t) if t.len() < 300));
    }
}
