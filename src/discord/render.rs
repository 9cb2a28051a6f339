//! A `Reply` as Discord shows it: embeds, buttons and timestamps each
//! reader's client renders in their own clock.

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter,
    CreateInteractionResponseMessage, CreateMessage,
};

use crate::app::servers::ServerPost;
use crate::app::text::{board_lines, board_title, render, TimeStyle};
use crate::app::{Reply, RoutineCard, StepPrompt, TodayPlan, TodayView};
use crate::coach::progress::DayStatus;
use crate::scheduler::Notice;
use crate::store::UserId;

/// Embed colour: a calm green that reads on dark and light themes.
pub(crate) const ACCENT: u32 = 0x3b_a5_5c;

/// What a button does; its custom id carries the user it was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Done,
    Skip,
    Stop,
    Snooze,
    /// Confirms `/mydata delete`.
    Delete,
}

impl Action {
    fn key(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Done => "done",
            Action::Skip => "skip",
            Action::Stop => "stop",
            Action::Snooze => "snooze",
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
            "snooze" => Action::Snooze,
            "delete" => Action::Delete,
            _ => return None,
        };
        let owner = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some((action, UserId(owner)))
    }
}

/// A message to send, whichever way it goes out.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub content: Option<String>,
    pub embeds: Vec<CreateEmbed>,
    pub components: Vec<CreateActionRow>,
    pub ephemeral: bool,
    /// A file to attach: name and bytes.
    pub file: Option<(String, Vec<u8>)>,
}

impl Outgoing {
    pub fn text(text: impl Into<String>) -> Self {
        Outgoing {
            content: Some(text.into()),
            ..Default::default()
        }
    }

    pub fn ephemeral(text: impl Into<String>) -> Self {
        Outgoing {
            ephemeral: true,
            ..Self::text(text)
        }
    }

    /// Puts the one-time introduction in front of the answer.
    pub fn with_welcome(mut self, welcome: Option<&str>) -> Self {
        if let Some(w) = welcome {
            self.content = Some(match self.content.take() {
                Some(c) => format!("{w}\n\n{c}"),
                None => w.to_owned(),
            });
        }
        self
    }

    pub fn into_poise(self) -> poise::CreateReply {
        let mut r = poise::CreateReply::default()
            .ephemeral(self.ephemeral)
            .components(self.components);
        if let Some(c) = self.content {
            r = r.content(c);
        }
        for embed in self.embeds {
            r = r.embed(embed);
        }
        if let Some((name, bytes)) = self.file {
            r = r.attachment(serenity::CreateAttachment::bytes(bytes, name));
        }
        r
    }

    pub fn into_message(self) -> CreateMessage {
        let mut m = CreateMessage::new()
            .embeds(self.embeds)
            .components(self.components);
        if let Some(c) = self.content {
            m = m.content(c);
        }
        m
    }

    pub fn into_interaction(self) -> CreateInteractionResponseMessage {
        let mut m = CreateInteractionResponseMessage::new()
            .embeds(self.embeds)
            .components(self.components)
            .ephemeral(self.ephemeral);
        if let Some(c) = self.content {
            m = m.content(c);
        }
        m
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

fn routine_embed(card: &RoutineCard, title_prefix: &str) -> CreateEmbed {
    let mut embed = CreateEmbed::new()
        .title(format!(
            "{title_prefix}{} ({} min)",
            card.name, card.minutes
        ))
        .description(if card.levels > 1 {
            format!("{}\nLevel {} of {}.", card.summary, card.level, card.levels)
        } else {
            card.summary.clone()
        })
        .colour(ACCENT);
    for s in &card.steps {
        embed = embed.field(
            format!("{}. {}", s.number, s.name),
            format!("{} · needs: {}", s.dose, s.equipment),
            false,
        );
    }
    embed
}

pub fn prompt_embed(p: &StepPrompt) -> CreateEmbed {
    let steps: Vec<String> = p
        .instructions
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}", i + 1))
        .collect();
    CreateEmbed::new()
        .title(format!(
            "Step {} of {}: {}",
            p.line.number, p.of, p.line.name
        ))
        .description(format!(
            "**{}** · needs: {}\n\n{}\n\nTime is up <t:{}:R>.",
            p.line.dose,
            p.line.equipment,
            steps.join("\n"),
            p.ends.timestamp()
        ))
        .field("Safety", &p.safety, false)
        .footer(CreateEmbedFooter::new(
            "Reply done, skip or stop, or use the buttons.",
        ))
        .colour(ACCENT)
}

fn prompt_buttons(owner: UserId) -> CreateActionRow {
    buttons(
        owner,
        &[
            (Action::Done, "Done", ButtonStyle::Success),
            (Action::Skip, "Skip", ButtonStyle::Secondary),
            (Action::Stop, "Stop", ButtonStyle::Danger),
        ],
    )
}

/// The reply as Discord should show it to `owner`.
pub fn outgoing(reply: &Reply, owner: UserId) -> Outgoing {
    match reply {
        Reply::Today(view) => today_message(view, owner, false),
        Reply::SessionStarted(s) => {
            let schedule: Vec<String> = s
                .schedule
                .iter()
                .map(|(line, due)| {
                    format!("{}. {} <t:{}:t>", line.number, line.name, due.timestamp())
                })
                .collect();
            Outgoing {
                content: Some(format!(
                    "Guided session: **{}** ({} min). I will post each step when the last one's time is up.\n{}{}",
                    s.card.name,
                    s.card.minutes,
                    schedule.join("\n"),
                    if s.ask_pain {
                        format!("\nBefore you start: {}", crate::app::text::ASK_PAIN)
                    } else {
                        String::new()
                    }
                )),
                embeds: vec![prompt_embed(&s.first)],
                components: vec![prompt_buttons(owner)],
                ephemeral: false,
                file: None,
            }
        }
        Reply::Logged { next: Some(p), .. } => Outgoing {
            content: Some(first_paragraph(&render(reply, TimeStyle::Discord))),
            embeds: vec![prompt_embed(p)],
            components: vec![prompt_buttons(owner)],
            ephemeral: false,
            file: None,
        },
        Reply::Problem(_) | Reply::NotUnderstood | Reply::Deleted { .. } => {
            Outgoing::ephemeral(render(reply, TimeStyle::Discord))
        }
        Reply::Export(data) => Outgoing {
            file: Some((
                "footcoach-data.json".to_owned(),
                serde_json::to_vec_pretty(data).unwrap_or_default(),
            )),
            ..Outgoing::ephemeral(render(reply, TimeStyle::Discord))
        },
        Reply::Progress(p) => Outgoing {
            file: Some(("progress.png".to_owned(), crate::chart::progress_png(p))),
            ..Outgoing::text(render(reply, TimeStyle::Discord))
        },
        Reply::DeleteAsk => Outgoing {
            components: vec![buttons(
                owner,
                &[(Action::Delete, "Delete everything", ButtonStyle::Danger)],
            )],
            ..Outgoing::ephemeral(render(reply, TimeStyle::Discord))
        },
        other => Outgoing::text(render(other, TimeStyle::Discord)),
    }
}

/// The day's routine card with its buttons; reminders add Snooze.
fn today_message(view: &TodayView, owner: UserId, snooze: bool) -> Outgoing {
    let (prefix, card, note) = match &view.plan {
        TodayPlan::Train(card) => ("Today: ", card, None),
        TodayPlan::Rest { routine } => (
            "Rest day · optional: ",
            routine,
            Some("A rest day: nothing is due.".to_owned()),
        ),
        TodayPlan::Paused { until, routine } => (
            "Paused · optional: ",
            routine,
            Some(format!(
                "You are paused until {}: nothing is due.",
                until.format("%-d %B %Y")
            )),
        ),
    };
    let mut embed = routine_embed(card, prefix);
    let mut footer = Vec::new();
    if let Some(status) = view.status {
        footer.push(format!(
            "So far today: {}",
            crate::app::text::status_word(status)
        ));
    }
    if !view.timezone_set {
        footer.push("Days count in UTC until you set your timezone with /remind set".to_owned());
    }
    if !footer.is_empty() {
        embed = embed.footer(CreateEmbedFooter::new(footer.join(" · ")));
    }
    let done_today = view.status == Some(DayStatus::Done);
    let mut out = Outgoing {
        content: note,
        embeds: vec![embed],
        ..Default::default()
    };
    if !done_today {
        let mut actions = vec![
            (Action::Start, "Start", ButtonStyle::Primary),
            (Action::Done, "Done", ButtonStyle::Success),
            (Action::Skip, "Skip", ButtonStyle::Secondary),
        ];
        if snooze {
            actions.push((Action::Snooze, "Snooze 30 min", ButtonStyle::Secondary));
        }
        out.components = vec![buttons(owner, &actions)];
    }
    out
}

/// A timed send as Discord shows it to `owner`.
pub fn notice_message(notice: &Notice, owner: UserId) -> Outgoing {
    match notice {
        Notice::Reminder { today, late } => {
            let mut out = today_message(today, owner, true);
            let greeting = if *late {
                "Your daily reminder, a little late (I was offline at the time): here is today's foot routine."
            } else {
                "Good morning! Here is today's foot routine."
            };
            out.content = Some(match out.content.take() {
                Some(note) => format!("{greeting}\n{note}"),
                None => greeting.to_owned(),
            });
            out
        }
        Notice::Followup { today } => {
            let mut out = today_message(today, owner, false);
            out.content = Some(
                "Still time for today's routine, if you can fit it in. No pressure: a short one counts too.".to_owned(),
            );
            out
        }
        Notice::Prompt(p) => Outgoing {
            content: None,
            embeds: vec![prompt_embed(p)],
            components: vec![prompt_buttons(owner)],
            ephemeral: false,
            file: None,
        },
        Notice::SessionOver { routine_name } => Outgoing::text(format!(
            "Time is up for the last step of {routine_name}. Say done to log today, or skip. Well done for showing up!"
        )),
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
    let greeting = if post.late {
        "Today's foot routine, a little late (I was offline at the time)."
    } else {
        "Good morning! Here is today's foot routine."
    };
    let mut embeds = vec![
        routine_embed(&post.card, "Today: ").footer(CreateEmbedFooter::new(
            "Run /routine start to be guided at your own level; say done in a DM to log it.",
        )),
    ];
    let mut actions = vec![CreateButton::new(BoardAction::Join.custom_id())
        .label("Join the streak board")
        .style(ButtonStyle::Secondary)];
    if let Some(board) = &post.board {
        let lines = board_lines(board, TimeStyle::Discord);
        embeds.push(
            CreateEmbed::new()
                .title(board_title(board))
                .description(lines.join("\n"))
                .footer(CreateEmbedFooter::new(
                    "Only members who opted in are shown. Streaks count each person's own days.",
                ))
                .colour(ACCENT),
        );
        actions.push(
            CreateButton::new(BoardAction::Leave.custom_id())
                .label("Leave the board")
                .style(ButtonStyle::Secondary),
        );
    }
    Outgoing {
        content: Some(greeting.to_owned()),
        embeds,
        components: vec![CreateActionRow::Buttons(actions)],
        ephemeral: false,
        file: None,
    }
}

/// The text before the next prompt, which goes in an embed instead.
fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or(text).to_owned()
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
