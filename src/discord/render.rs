//! A `Reply` as Discord shows it: embeds, buttons and timestamps each
//! reader's client renders in their own clock.

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter, CreateMessage,
};

use chrono::{DateTime, Utc};

use crate::app::servers::ServerPost;
use crate::app::views::CueNotice;
use crate::app::{Notice, Reply, StepPrompt, TodayView};
use crate::coach::progress::DayStatus;
use crate::coach::reply::Snooze;
use crate::coach::review::WeekReview;
use crate::coach::{LocalTime, Timezone};
use crate::store::UserId;
use crate::text::routine::{self, CardText};
use crate::text::{self, replies, servers, Medium, Text, When};

pub use super::outgoing::{Attachment, Outgoing};

/// Embed colour: a calm green that reads on dark and light themes.
pub(crate) const ACCENT: u32 = 0x3b_a5_5c;

/// What a button does; its custom id carries the user it was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Done,
    Skip,
    Stop,
    Snooze(Snooze),
    /// Confirms `/mydata delete`.
    Delete,
}

impl Action {
    fn key(self) -> &'static str {
        match self {
            Action::Snooze(Snooze::Minutes(10)) => "snooze10",
            Action::Snooze(Snooze::Minutes(60)) => "snooze60",
            Action::Snooze(Snooze::Evening) => "snoozeevening",
            // Half an hour, as on reminders before the choices.
            Action::Snooze(Snooze::Minutes(_)) => "snooze",
            Action::Start => "start",
            Action::Done => "done",
            Action::Skip => "skip",
            Action::Stop => "stop",
            Action::Delete => "delete",
        }
    }

    /// "fc:done:123456789": the action and the user it belongs to.
    pub fn custom_id(self, owner: UserId) -> String {
        format!("fc:{}:{}", self.key(), owner.0)
    }

    pub fn parse(custom_id: &str) -> Option<(Action, UserId)> {
        let mut parts = custom_id.split(':');
        if parts.next()? != "fc" {
            return None;
        }
        let action = match parts.next()? {
            "start" => Action::Start,
            "done" => Action::Done,
            "skip" => Action::Skip,
            "stop" => Action::Stop,
            "snooze" => Action::Snooze(Snooze::DEFAULT),
            "snooze10" => Action::Snooze(Snooze::Minutes(10)),
            "snooze60" => Action::Snooze(Snooze::Minutes(60)),
            "snoozeevening" => Action::Snooze(Snooze::Evening),
            "delete" => Action::Delete,
            _ => return None,
        };
        let owner = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some((action, UserId(owner)))
    }
}

fn buttons(owner: UserId, actions: &[(Action, &str, ButtonStyle)]) -> CreateActionRow {
    CreateActionRow::Buttons(
        actions
            .iter()
            .map(|(action, label, style)| {
                CreateButton::new(action.custom_id(owner))
                    .label(*label)
                    .style(*style)
            })
            .collect(),
    )
}

/// Discord's way of showing a `Text`'s typed values.
pub struct Markup;

impl Medium for Markup {
    fn instant(&self, at: DateTime<Utc>, when: When) -> String {
        let t = at.timestamp();
        match when {
            When::Full => format!("<t:{t}:F> (<t:{t}:R>)"),
            When::Clock => format!("<t:{t}:t>"),
            When::Relative => format!("<t:{t}:R>"),
        }
    }

    fn channel(&self, id: i64) -> String {
        format!("<#{id}>")
    }

    fn person(&self, id: UserId) -> String {
        format!("<@{}>", id.0)
    }

    fn strong(&self, words: &str) -> String {
        format!("**{words}**")
    }

    /// Later messages always come by DM: the bot may not be able to post
    /// where the person used a command.
    fn inbox(&self) -> String {
        "in your DMs".to_owned()
    }
}

/// A `Text` as Discord shows it.
pub fn markup(text: &Text) -> String {
    text.render(&Markup)
}

fn routine_embed(card: &CardText, title_prefix: &str) -> CreateEmbed {
    let mut lines = vec![card.summary.clone()];
    lines.extend(card.level.iter().cloned());
    lines.extend(card.fitted.iter().cloned());
    let description = lines.join("\n");
    let mut embed = CreateEmbed::new()
        .title(format!("{title_prefix}{}", card.heading))
        .description(description)
        .colour(ACCENT);
    for s in &card.steps {
        embed = embed.field(&s.heading, format!("{} · {}", s.dose, s.needs), false);
    }
    embed
}

/// The file name a prompt's picture is attached as.
fn picture_name(p: &StepPrompt) -> String {
    format!("{}.png", p.line.exercise_id)
}

pub fn prompt_embed(p: &StepPrompt) -> CreateEmbed {
    let t = routine::prompt(p);
    let embed = CreateEmbed::new()
        .title(t.title)
        .description(format!(
            "**{}** · {}\n\n{}\n\n{} {}",
            t.dose,
            t.needs,
            t.instructions.join("\n"),
            markup(&t.time_up),
            t.next
        ))
        .field(routine::SAFETY_LABEL, t.safety, false)
        .footer(CreateEmbedFooter::new(routine::PROMPT_ANSWERS))
        .colour(ACCENT);
    match &p.picture {
        Some(_) => embed.image(format!("attachment://{}", picture_name(p))),
        None => embed,
    }
}

/// The prompt's embed, its picture and its buttons.
fn prompt_message(p: &StepPrompt, owner: UserId) -> Outgoing {
    Outgoing {
        embeds: vec![prompt_embed(p)],
        components: vec![prompt_buttons(owner)],
        file: p.picture.as_ref().map(|png| {
            Attachment::picture(
                picture_name(p),
                png.bytes().to_vec(),
                routine::picture_alt(&p.line.name),
            )
        }),
        ..Default::default()
    }
}

fn prompt_buttons(owner: UserId) -> CreateActionRow {
    buttons(
        owner,
        &[
            (Action::Done, routine::DONE, ButtonStyle::Success),
            (Action::Skip, routine::SKIP, ButtonStyle::Secondary),
            (Action::Stop, routine::STOP, ButtonStyle::Danger),
        ],
    )
}

/// Words that lead into a session's prompt.
fn with_prompt(lead: String, p: &StepPrompt, owner: UserId) -> Outgoing {
    Outgoing {
        content: Some(lead),
        ..prompt_message(p, owner)
    }
}

/// The reply as Discord shows it to `owner`.
pub fn outgoing(reply: &Reply, owner: UserId) -> Outgoing {
    let words = || markup(&replies::reply(reply));
    match reply {
        Reply::Today(view) => today_message(view, owner, false),
        Reply::SessionStarted(s) => with_prompt(words(), &s.first, owner),
        Reply::Logged { next: Some(p), .. } => with_prompt(words(), p, owner),
        Reply::NotUnderstood | Reply::Deleted { .. } | Reply::Refused(_) => {
            Outgoing::ephemeral(words())
        }
        Reply::Export(data) => Outgoing {
            file: Some(Attachment::new(
                "footcoach-data.json",
                serde_json::to_vec_pretty(data).unwrap_or_default(),
            )),
            ..Outgoing::ephemeral(words())
        },
        Reply::Progress(p) => Outgoing {
            file: Some(Attachment::picture(
                "progress.png",
                crate::chart::progress_png(p),
                replies::CALENDAR_ALT,
            )),
            ..Outgoing::text(words())
        },
        Reply::DeleteAsk => Outgoing {
            components: vec![buttons(
                owner,
                &[(Action::Delete, replies::DELETE_BUTTON, ButtonStyle::Danger)],
            )],
            ..Outgoing::ephemeral(words())
        },
        _ => Outgoing::text(words()),
    }
}

/// The file name of the day's picture sheet.
const SHEET_FILE: &str = "routine.png";

/// The day's routine card with its buttons; reminders add Snooze.
fn today_message(view: &TodayView, owner: UserId, snooze: bool) -> Outgoing {
    let t = routine::today(view);
    let mut embed = routine_embed(&t.card, t.title_prefix);
    if !t.notes.is_empty() {
        embed = embed.footer(CreateEmbedFooter::new(t.notes.join(" · ")));
    }
    let file = view
        .sheet
        .as_ref()
        .map(|png| Attachment::picture(SHEET_FILE, png.bytes().to_vec(), routine::SHEET_ALT));
    if file.is_some() {
        embed = embed.image(format!("attachment://{SHEET_FILE}"));
    }
    let mut out = Outgoing {
        content: t.note,
        embeds: vec![embed],
        file,
        ..Default::default()
    };
    if view.status != Some(DayStatus::Done) {
        let actions = vec![
            (Action::Start, routine::START, ButtonStyle::Primary),
            (Action::Done, routine::DONE, ButtonStyle::Success),
            (Action::Skip, routine::SKIP, ButtonStyle::Secondary),
        ];
        out.components = vec![buttons(owner, &actions)];
        if snooze {
            let labels: Vec<String> = Snooze::CHOICES
                .iter()
                .map(|c| routine::snooze_label(*c))
                .collect();
            let choices: Vec<(Action, &str, ButtonStyle)> = Snooze::CHOICES
                .iter()
                .zip(&labels)
                .map(|(c, label)| (Action::Snooze(*c), label.as_str(), ButtonStyle::Secondary))
                .collect();
            out.components.push(buttons(owner, &choices));
        }
    }
    out
}

/// Discord's limit on a message's content, in characters.
const MAX_CONTENT: usize = 2000;

/// A step message's content once a cue is on top of its words.
pub fn cue_content(c: &CueNotice) -> String {
    let line = markup(&routine::cue(c));
    match &c.lead {
        None => line,
        Some(lead) => {
            let room = MAX_CONTENT.saturating_sub(line.chars().count() + 2);
            let lead: String = lead.chars().take(room).collect();
            format!("{line}\n\n{lead}")
        }
    }
}

/// A timed send as Discord shows it to `owner`.
pub fn notice_message(notice: &Notice, owner: UserId) -> Outgoing {
    let lead = routine::notice_lead(notice);
    match notice {
        Notice::Reminder { today, .. } | Notice::Followup { today } => {
            let snooze = matches!(notice, Notice::Reminder { .. });
            let mut out = today_message(today, owner, snooze);
            out.content = match (lead, out.content.take()) {
                (Some(lead), Some(note)) => Some(format!("{lead}\n{note}")),
                (lead, note) => lead.or(note),
            };
            out
        }
        Notice::Prompt(p) => prompt_message(p, owner),
        // The messenger edits the step's message instead of posting this.
        Notice::Cue(c) => Outgoing::text(cue_content(c)),
        Notice::SessionOver { .. } => Outgoing::text(lead.unwrap_or_default()),
        Notice::Weekly(review) => review_message(review),
    }
}

/// The week in review: its words in an embed that shows the week's picture,
/// attached to the same message.
fn review_message(review: &WeekReview) -> Outgoing {
    let t = text::review::review(review);
    let picture = "week.png";
    Outgoing {
        embeds: vec![CreateEmbed::new()
            .title(&t.title)
            .description(t.lines.join("\n"))
            .image(format!("attachment://{picture}"))
            .colour(ACCENT)],
        file: Some(Attachment::picture(
            picture,
            crate::chart::week_png(&t.title, &review.days),
            text::review::WEEK_ALT,
        )),
        ..Default::default()
    }
}

/// Buttons on a server post: anyone may press them, for themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardAction {
    Join,
    Leave,
}

impl BoardAction {
    pub fn custom_id(self) -> &'static str {
        match self {
            BoardAction::Join => "fc:board:join",
            BoardAction::Leave => "fc:board:leave",
        }
    }

    pub fn parse(custom_id: &str) -> Option<BoardAction> {
        match custom_id {
            "fc:board:join" => Some(BoardAction::Join),
            "fc:board:leave" => Some(BoardAction::Leave),
            _ => None,
        }
    }
}

/// A server's daily post: the routine, and on Mondays the streak board.
pub fn server_post_message(post: &ServerPost) -> Outgoing {
    let mut embeds = vec![routine_embed(&routine::card(&post.card), routine::TODAY)
        .footer(CreateEmbedFooter::new(servers::POST_NOTE))];
    let mut actions = vec![CreateButton::new(BoardAction::Join.custom_id())
        .label(servers::JOIN_BOARD)
        .style(ButtonStyle::Secondary)];
    if let Some(board) = &post.board {
        embeds.push(
            CreateEmbed::new()
                .title(servers::board_title(board))
                .description(markup(&Text::lines(servers::board_lines(board))))
                .footer(CreateEmbedFooter::new(servers::BOARD_NOTE))
                .colour(ACCENT),
        );
        actions.push(
            CreateButton::new(BoardAction::Leave.custom_id())
                .label(servers::LEAVE_BOARD)
                .style(ButtonStyle::Secondary),
        );
    }
    Outgoing {
        content: Some(servers::post_greeting(post)),
        embeds,
        components: vec![CreateActionRow::Buttons(actions)],
        ..Default::default()
    }
}

/// The note a channel gets when an admin picks it. Posting it is how the
/// bot learns it may post there; its embed makes Discord check Embed Links
/// too, as the daily post needs. It pings nobody.
pub fn announcement_message(at: LocalTime, timezone: Timezone) -> CreateMessage {
    CreateMessage::new()
        .content(servers::announcement(at, timezone))
        .embed(CreateEmbed::new().description(text::SAFETY).colour(ACCENT))
        .allowed_mentions(serenity::CreateAllowedMentions::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip_and_refuse_garbage() {
        let id = Action::Done.custom_id(UserId(123));
        assert_eq!(id, "fc:done:123");
        assert_eq!(Action::parse(&id), Some((Action::Done, UserId(123))));
        for bad in [
            "",
            "fc",
            "fc:dance:1",
            "fc:done:x",
            "fc:done:1:2",
            "xx:done:1",
            "fc:board:join",
        ] {
            assert_eq!(Action::parse(bad), None, "{bad}");
        }
        for action in [BoardAction::Join, BoardAction::Leave] {
            assert_eq!(BoardAction::parse(action.custom_id()), Some(action));
        }
        assert_eq!(BoardAction::parse("fc:board:join:1"), None);
    }
}
