//! The Coach service. A front end turns its input into a `Command`; the
//! Coach reads what the command needs once, asks the rules in `coach`, writes
//! once, and answers with a typed `Reply`. Discord and the console both call
//! it, so the two never drift apart. One module per capability.

pub mod data;
pub mod input;
pub mod logging;
pub mod reminders;
pub mod routine;
pub mod servers;
pub mod settings;
pub mod setup;
pub mod timed;
pub mod views;

use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate, Utc, Weekday};

pub use views::{
    Logged, Notice, ReminderView, Reply, RoutineCard, SessionView, StepLine, StepPrompt, TodayPlan,
    TodayView,
};

use crate::clock::Clock;
use crate::coach::fit::{Kit, RoutineLength};
use crate::coach::plan::{Pause, RestDays};
use crate::coach::progress::Calendar;
use crate::coach::progression::PAIN_WINDOW_DAYS;
use crate::coach::reply::Intent;
use crate::coach::schedule::local_date;
use crate::coach::{LocalTime, Timezone};
use crate::content::Content;
use crate::error::{Error, Result};
use crate::store::{Applied, Changes, Conn, Store, Touch, UserId, UserSettings, UserState};

/// Where a command came from; stored with every log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Console,
    DiscordCommand,
    DiscordDm,
    DiscordReply,
    DiscordButton,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Console => "console",
            Source::DiscordCommand => "discord-command",
            Source::DiscordDm => "discord-dm",
            Source::DiscordReply => "discord-reply",
            Source::DiscordButton => "discord-button",
        }
    }
}

/// Where a command came from, and what is worth remembering about that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub source: Source,
    /// The server channel it was used in: where to tell the person if
    /// their DMs turn out to be closed.
    pub server_channel: Option<i64>,
    /// Their DM channel with the bot, cached so a reminder costs one request.
    pub dm_channel: Option<i64>,
}

impl Origin {
    pub fn new(source: Source) -> Self {
        Origin {
            source,
            server_channel: None,
            dm_channel: None,
        }
    }
}

/// What a person asked for, with its arguments already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    RoutineToday,
    RoutineStart,
    /// `timezone: None` reuses the one the user set before.
    RemindSet {
        time: LocalTime,
        timezone: Option<Timezone>,
    },
    RemindShow,
    RemindOff,
    /// The person's timezone, on its own (the first-run setup asks it first).
    TimezoneSet(Timezone),
    /// The evening nudge time, or `None` to turn it off.
    FollowupSet(Option<LocalTime>),
    /// A holiday: no reminders from today through `until`.
    Pause {
        until: NaiveDate,
    },
    Resume,
    RestDays(RestDays),
    /// Minutes a day for the routine.
    RoutineLength(RoutineLength),
    /// The equipment the person has.
    Equipment(Kit),
    /// Everything stored about the user, as JSON.
    Export,
    /// Asks for confirmation before deleting.
    DeleteAsk,
    DeleteConfirmed,
    /// One level easier.
    LevelDown,
    /// Whether to ask for pain before a guided session.
    PainPrompt(bool),
    /// The weekday of the week in review, or off (`None`).
    Weekly(Option<Weekday>),
    Progress,
    Help,
    /// A reply: typed text already parsed, or a button.
    Reply(Intent),
}

impl Command {
    /// How much of the person's log the command reads: from a day (the
    /// calendar day before `now` in UTC covers "today" in every timezone),
    /// or all of it (`None`).
    fn log_since(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        let yesterday = now.date_naive() - Days::new(1);
        match self {
            Command::Progress | Command::Export | Command::Reply(Intent::Done | Intent::Skip) => {
                None
            }
            Command::Reply(Intent::Pain(_)) => Some(yesterday - Days::new(PAIN_WINDOW_DAYS)),
            _ => Some(yesterday),
        }
    }

    /// People deleting or exporting their data are not greeted (nor created).
    fn greets(&self) -> bool {
        !matches!(
            self,
            Command::Export | Command::DeleteAsk | Command::DeleteConfirmed
        )
    }
}

/// A reply, and whether it is the person's very first: front ends then put
/// the introduction (with the safety note) in front of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub reply: Reply,
    pub first_time: bool,
    /// Discord refuses to DM the person, so their reminders are paused.
    pub dms_closed: bool,
    /// The person's timezone as the reply leaves them (UTC until they set one).
    pub timezone: Timezone,
}

/// One command being handled: who, from where, what they have, and what to
/// remember about them with this command's write.
pub(crate) struct Visit {
    store: Store,
    /// One connection for the command's read and write, held until the
    /// command turns to statements that take their own from the pool.
    conn: Option<Conn>,
    pub source: Source,
    pub state: UserState,
    pub touch: Touch,
    pub now: DateTime<Utc>,
    /// Whether this command's write welcomed the person, once it wrote.
    welcomed: Option<bool>,
}

impl Visit {
    pub fn user(&self) -> UserId {
        self.state.settings.id
    }

    pub fn settings(&self) -> &UserSettings {
        &self.state.settings
    }

    /// The person's local date now.
    pub fn today(&self) -> NaiveDate {
        local_date(self.settings().timezone_or_utc(), self.now)
    }

    /// This command's writes, carrying what to remember about the person.
    pub fn changes(&mut self) -> Changes<'static> {
        Changes::new(self.user(), std::mem::take(&mut self.touch))
    }

    /// Writes this command's changes on its connection.
    pub async fn apply(&mut self, changes: &Changes<'_>) -> Result<Applied> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            empty => empty.insert(self.store.conn().await?),
        };
        let applied = conn.apply(changes).await?;
        if changes.touch.welcomed {
            self.welcomed = Some(applied.welcomed);
        }
        Ok(applied)
    }

    /// Writes what to remember about the person, if this command has not,
    /// and lets the connection go: commands whose statements need the
    /// person's row call this first, and those statements take their own
    /// connection (holding two at once could starve the pool).
    pub async fn remember(&mut self) -> Result<()> {
        if self.touch != Touch::default() {
            let changes = self.changes();
            self.apply(&changes).await?;
        }
        self.conn = None;
        Ok(())
    }
}

#[derive(Clone)]
pub struct Coach {
    store: Store,
    content: Arc<Content>,
    clock: Arc<dyn Clock>,
}

impl Coach {
    pub fn new(store: Store, content: Arc<Content>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            content,
            clock,
        }
    }

    pub fn content(&self) -> &Content {
        &self.content
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Handles one command: one read, the rules, one write.
    pub async fn handle(&self, user: UserId, origin: Origin, command: Command) -> Result<Answer> {
        let now = self.now();
        // Until the first write, any failure has changed nothing.
        let mut conn = self.store.conn().await.map_err(Error::unreachable)?;
        let found = conn
            .user_state(user, command.log_since(now))
            .await
            .map_err(Error::unreachable)?;
        let touch = match &found {
            // Someone exporting or deleting their data is not remembered anew.
            _ if !command.greets() => Touch::default(),
            Some(s) => Touch {
                create: false,
                welcomed: !s.welcomed,
                last_channel: origin
                    .server_channel
                    .filter(|c| s.settings.last_channel_id != Some(*c)),
                dm_channel: origin
                    .dm_channel
                    .filter(|c| s.settings.dm_channel_id != Some(*c)),
            },
            None => Touch {
                create: true,
                welcomed: true,
                last_channel: origin.server_channel,
                dm_channel: origin.dm_channel,
            },
        };
        let first_time = touch.welcomed;
        let mut visit = Visit {
            store: self.store.clone(),
            conn: Some(conn),
            source: origin.source,
            state: found.unwrap_or_else(|| stranger(user)),
            touch,
            now,
            welcomed: None,
        };
        // A mistake is answered like anything else, introduction included.
        let reply = match self.dispatch(&mut visit, command).await {
            Err(Error::User(mistake)) => Reply::Refused(mistake),
            other => other?,
        };
        // Commands that wrote through their own statements remember the rest here.
        visit.remember().await?;
        Ok(Answer {
            reply,
            // A first contact racing another is welcomed by one of them only.
            first_time: visit.welcomed.unwrap_or(first_time),
            dms_closed: visit.settings().dm_blocked,
            timezone: visit.settings().timezone_or_utc(),
        })
    }

    async fn dispatch(&self, visit: &mut Visit, command: Command) -> Result<Reply> {
        match command {
            Command::RoutineToday => Ok(self.routine_today(visit)),
            Command::RoutineStart => self.routine_start(visit).await,
            Command::RemindSet { time, timezone } => self.remind_set(visit, time, timezone).await,
            Command::RemindShow => Ok(self.remind_show(visit)),
            Command::RemindOff => self.remind_off(visit).await,
            Command::TimezoneSet(tz) => self.timezone_set(visit, tz).await,
            Command::FollowupSet(at) => self.followup_set(visit, at).await,
            Command::Pause { until } => self.pause(visit, until).await,
            Command::Resume => self.resume(visit).await,
            Command::RestDays(days) => self.rest_days(visit, days).await,
            Command::RoutineLength(length) => self.routine_length(visit, length).await,
            Command::Equipment(kit) => self.equipment(visit, kit).await,
            Command::Export => self.export(visit).await,
            Command::DeleteAsk => Ok(Reply::DeleteAsk),
            Command::DeleteConfirmed => self.delete(visit).await,
            Command::LevelDown => self.level_down(visit).await,
            Command::PainPrompt(ask) => self.pain_prompt(visit, ask).await,
            Command::Weekly(day) => self.weekly(visit, day).await,
            Command::Progress => Ok(Reply::Progress(
                self.calendar(visit.settings())
                    .progress(&visit.state.log, visit.today()),
            )),
            Command::Help => Ok(Reply::Help),
            Command::Reply(intent) => self.reply(visit, intent).await,
        }
    }

    fn calendar<'a>(&'a self, settings: &UserSettings) -> Calendar<'a> {
        Calendar {
            content: &self.content,
            rest_days: settings.rest_days,
            pause: settings.pause,
            kit: settings.kit(),
        }
    }

    /// The introduction for a person's very first contact, once (the
    /// console's start; other front ends get it with their first answer).
    pub async fn welcome_once(&self, user: UserId) -> Result<bool> {
        Ok(self.store.mark_welcomed(user).await?)
    }

    /// The console user with this name, created on first use.
    pub async fn console_user(&self, name: &str) -> Result<UserId> {
        Ok(self.store.console_user(name).await?)
    }

    /// The person's timezone, if they set one.
    pub async fn timezone_of(&self, user: UserId) -> Result<Option<Timezone>> {
        Ok(self.store.find_user(user).await?.and_then(|s| s.timezone))
    }

    /// Fails fast with [`Error::Unreachable`] when the database is not
    /// answering, before work a person waits on whose statements would
    /// otherwise wait out the pool's timeout.
    pub(crate) async fn ready(&self) -> Result<()> {
        self.store.conn().await.map_err(Error::unreachable)?;
        Ok(())
    }

    /// The command set last registered under `key`, as its fingerprint.
    pub async fn registered_commands(&self, key: &str) -> Result<Option<String>> {
        Ok(self.store.bot_state(key).await?)
    }

    pub async fn remember_registration(&self, key: &str, fingerprint: &str) -> Result<()> {
        Ok(self.store.set_bot_state(key, fingerprint).await?)
    }
}

/// Someone the bot has never seen: default settings, nothing logged.
pub(crate) fn stranger(id: UserId) -> UserState {
    UserState {
        settings: UserSettings {
            id,
            timezone: None,
            remind_at: None,
            rest_days: RestDays::NONE,
            pause: None::<Pause>,
            dm_channel_id: None,
            // The table's defaults.
            followup_at: LocalTime::new(19, 0),
            dm_blocked: false,
            last_channel_id: None,
            level: None,
            ask_pain: true,
            length: None,
            equipment: None,
            weekly_day: Some(chrono::Weekday::Sun),
        },
        welcomed: false,
        session: None,
        log: Vec::new(),
        level_changes: Vec::new(),
    }
}
