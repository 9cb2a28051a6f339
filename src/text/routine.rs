//! The words of a routine: today's card, a guided session's prompts, and
//! the timed sends that carry them.

use crate::app::views::CueNotice;
use crate::app::views::FitNote;
use crate::app::{Notice, RoutineCard, SessionView, StepLine, StepPrompt, TodayPlan, TodayView};
use crate::coach::progress::DayStatus;
use crate::coach::reply::Snooze;
use crate::coach::session::SessionSummary;

use super::{clock, plural, relative, strong, Piece, Text, ASK_PAIN};

/// A routine step as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepText {
    /// "1. Seated foot stretch"
    pub heading: String,
    /// "2 × hold 15 s, each side"
    pub dose: String,
    /// "needs: floor space"
    pub needs: String,
}

/// A routine card in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardText {
    /// "Morning foot routine (10 min)"
    pub heading: String,
    pub summary: String,
    /// "Level 2 of 3.", when the routine has levels.
    pub level: Option<String>,
    pub steps: Vec<StepText>,
    /// What the person's length and equipment changed, one line each.
    pub fitted: Vec<String>,
}

fn needs(equipment: &str) -> String {
    format!("needs: {equipment}")
}

fn step_text(s: &StepLine) -> StepText {
    StepText {
        heading: format!("{}. {}", s.number, s.name),
        dose: s.dose.clone(),
        needs: needs(&s.equipment),
    }
}

/// "towel arch stretch": a name inside a sentence.
fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// "Seated foot pull instead of towel arch stretch: you have no towel."
fn fit_line(note: &FitNote) -> String {
    let lacking: Vec<&str> = note.lacking.iter().map(|g| g.name()).collect();
    let why = format!("you have no {}", lacking.join(" or "));
    match &note.instead {
        Some(instead) => format!(
            "{instead} instead of {}: {why}.",
            in_sentence(&note.planned)
        ),
        None => format!("{} left out: {why}.", note.planned),
    }
}

pub fn card(card: &RoutineCard) -> CardText {
    let shortened = card.shortened.iter().map(|(planned, length)| {
        format!(
            "{} instead of {}: you chose {} a day.",
            card.name,
            in_sentence(planned),
            length
        )
    });
    CardText {
        heading: format!("{} ({} min)", card.name, card.minutes),
        summary: card.summary.clone(),
        level: (card.levels > 1).then(|| format!("Level {} of {}.", card.level, card.levels)),
        steps: card.steps.iter().map(step_text).collect(),
        fitted: shortened.chain(card.fit.iter().map(fit_line)).collect(),
    }
}

/// The title in front of the day's card.
pub const TODAY: &str = "Today: ";
const REST_OPTIONAL: &str = "Rest day · optional: ";
const PAUSED_OPTIONAL: &str = "Paused · optional: ";

/// On a rest day or a pause, the card is there for anyone who wants it.
pub const ANYWAY: &str = "If you feel like moving anyway:";

/// The day's routine in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodayText {
    /// "Today, Tuesday 24 November"
    pub date: String,
    /// "Today: ", or what a rest day or pause makes of the card.
    pub title_prefix: &'static str,
    /// Why nothing is due, on a rest day or a pause.
    pub note: Option<String>,
    pub card: CardText,
    /// How today has gone, and a hint while the timezone is unknown.
    pub notes: Vec<String>,
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

pub fn today(view: &TodayView) -> TodayText {
    let (title_prefix, note) = match &view.plan {
        TodayPlan::Train(_) => (TODAY, None),
        TodayPlan::Rest { .. } => (
            REST_OPTIONAL,
            Some("A rest day: nothing is due.".to_owned()),
        ),
        TodayPlan::Paused { until, .. } => (
            PAUSED_OPTIONAL,
            Some(format!(
                "You are paused until {}: nothing is due.",
                until.format("%-d %B %Y")
            )),
        ),
    };
    let mut notes = Vec::new();
    if let Some(status) = view.status {
        notes.push(format!("So far today: {}", status_word(status)));
    }
    if !view.timezone_set {
        notes.push(
            "Days count in UTC until you set your timezone with /remind set 07:30 Europe/Berlin"
                .to_owned(),
        );
    }
    TodayText {
        date: format!("Today, {}", view.date.format("%A %-d %B")),
        title_prefix,
        note,
        card: card(view.plan.card()),
        notes,
    }
}

/// How to log the day, where there are no buttons.
pub const SAY_DONE: &str = "Say \"done\" when you have done it, or /routine start to be guided.";

/// A guided session's prompt in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptText {
    /// "Step 1 of 6: Seated foot stretch"
    pub title: String,
    pub dose: String,
    pub needs: String,
    /// Numbered: "1. Sit tall…"
    pub instructions: Vec<String>,
    pub safety: String,
    /// "Time is up in 2 minutes."
    pub time_up: Text,
    /// "Next up: Squat" or that this is the last step.
    pub next: String,
}

/// The heading of a prompt's safety note.
pub const SAFETY_LABEL: &str = "Safety";

/// How to answer a prompt.
pub const PROMPT_ANSWERS: &str = "Say done when finished, skip to skip it, stop to end.";

pub fn prompt(p: &StepPrompt) -> PromptText {
    PromptText {
        title: format!("Step {} of {}: {}", p.line.number, p.of, p.line.name),
        dose: p.line.dose.clone(),
        needs: needs(&p.line.equipment),
        instructions: p
            .instructions
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {s}", i + 1))
            .collect(),
        safety: p.safety.clone(),
        time_up: Text::from("Time is up ") + relative(p.ends) + ".",
        next: match &p.next_up {
            Some(name) => format!("Next up: {name}."),
            None => "This is the last step.".to_owned(),
        },
    }
}

/// A cue: the line a step's message shows when the other side or the next
/// set begins.
pub fn cue(c: &CueNotice) -> Text {
    let words = match (c.other_side, c.sets > 1, c.per_side) {
        (true, true, _) => format!("↔ Other side now (set {} of {}).", c.set, c.sets),
        (true, false, _) => "↔ Other side now.".to_owned(),
        (false, _, true) => format!("Set {} of {}: back to the first side.", c.set, c.sets),
        (false, _, false) => format!("Set {} of {}: go.", c.set, c.sets),
    };
    Text::from(words)
}

/// The start of a guided session: its steps and when each comes.
pub fn session_started(s: &SessionView) -> Text {
    let mut lines = vec![
        Text::from("Guided session: ")
            + strong(s.card.name.clone())
            + format!(" ({} min). I will send each next step ", s.card.minutes)
            + Piece::Inbox
            + " when the last one's time is up.",
    ];
    lines.extend(card(&s.card).fitted.into_iter().map(Text::from));
    for (line, due) in &s.schedule {
        lines.push(Text::from(format!("{}. {} at ", line.number, line.name)) + clock(*due));
    }
    if s.ask_pain {
        lines.push(Text::from(format!("Before you start: {ASK_PAIN}")));
    }
    Text::lines(lines)
}

/// What a timed send says before its card.
pub fn notice_lead(notice: &Notice) -> Option<String> {
    match notice {
        Notice::Reminder { late: false, .. } => {
            Some("Good morning! Here is today's foot routine.".to_owned())
        }
        Notice::Reminder { late: true, .. } => Some(
            "Your daily reminder, a little late (I was offline at the time): here is today's foot routine."
                .to_owned(),
        ),
        Notice::Followup { .. } => Some(
            "Still time for today's routine, if you can fit it in. No pressure: a short one counts too."
                .to_owned(),
        ),
        // The review has its own layout (`text::review`).
        Notice::Prompt(_) | Notice::Cue(_) | Notice::Weekly(_) => None,
        Notice::SessionOver {
            routine_name,
            summary,
        } => {
            let mut lines = vec![format!(
                "Time is up for the last step of {routine_name}. Well done for showing up!"
            )];
            lines.extend(session_summary(summary));
            lines.push("Say done to log today, or skip.".to_owned());
            Some(lines.join("\n"))
        }
    }
}

pub fn streak(days: u32) -> String {
    format!("Current streak: {days} day{}.", plural(days))
}

/// How a guided session went: steps, minutes, streak and pain.
pub fn session_summary(s: &SessionSummary) -> Vec<String> {
    let mut steps = format!("Steps done: {} of {}", s.done, s.of);
    if s.skipped > 0 {
        steps.push_str(&format!(", {} skipped", s.skipped));
    }
    steps.push_str(&format!(" · about {} min of exercise.", s.minutes));
    let mut out = vec![steps];
    out.extend(s.streak.filter(|d| *d > 0).map(streak));
    out.extend(s.pain.map(|p| format!("Pain you reported today: {p}.")));
    out
}

/// A cue on a line of its own (where it cannot sit in the step's message):
/// the exercise it belongs to, then the cue.
pub fn cue_line(c: &CueNotice) -> Text {
    Text::from(format!("{}: ", c.step_name)) + cue(c)
}

/// What a screen reader says for an exercise's picture.
pub fn picture_alt(exercise: &str) -> String {
    format!("Drawing of the exercise: {exercise}")
}

/// What a screen reader says for the day's picture sheet.
pub const SHEET_ALT: &str = "Drawings of today's exercises, numbered as in the list";

/// How to snooze a reminder, where there is no button.
pub const SAY_SNOOZE: &str = "Say snooze to be reminded in 30 minutes.";

/// Button labels.
pub const START: &str = "Start";
pub const DONE: &str = "Done";
pub const SKIP: &str = "Skip";
pub const STOP: &str = "Stop";
/// The label of each snooze choice on a reminder.
pub fn snooze_label(choice: Snooze) -> String {
    match choice {
        Snooze::Minutes(60) => "Snooze 1 hour".to_owned(),
        Snooze::Minutes(m) => format!("Snooze {m} min"),
        Snooze::Evening => "Until this evening".to_owned(),
    }
}
