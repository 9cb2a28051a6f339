//! The first-run setup on Discord: one private message asking the four
//! questions in turn, with lists and buttons (and a form for a typed time),
//! each answer saved at once through the Coach as an ordinary command.

use poise::serenity_prelude as serenity;
use serenity::{
    ActionRowComponent, ButtonStyle, ComponentInteraction, ComponentInteractionDataKind,
    CreateActionRow, CreateButton, CreateInputText, CreateInteractionResponse, CreateModal,
    CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption, InputTextStyle,
    ModalInteraction,
};

use super::render::{markup, Outgoing};
use super::{retry, user_of, Data, Error};
use crate::app::setup::{SetupStep, COMMON_TIMES, ZONES_OFFERED};
use crate::app::{Answer, Command, Origin, Source};
use crate::coach::fit::{Kit, RoutineLength};
use crate::coach::{LocalTime, Timezone};
use crate::content::Gear;
use crate::store::UserId;
use crate::text::replies::{self, NOT_YOURS};
use crate::text::setup as words;

type Framework<'a> = poise::FrameworkContext<'a, Data, Error>;

/// What a setup component or form does; custom ids are "fcs:<what>:<owner>".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupAction {
    /// The list of timezones.
    Zone,
    /// "Find mine by the time", and the form it opens.
    Clock,
    ClockForm,
    /// The list of reminder times, "Another time…", and its form.
    Time,
    OtherTime,
    TimeForm,
    Length,
    Kit,
    NoKit,
    Skip(SetupStep),
}

const KEYS: [(SetupAction, &str); 13] = [
    (SetupAction::Zone, "zone"),
    (SetupAction::Clock, "clock"),
    (SetupAction::ClockForm, "clockform"),
    (SetupAction::Time, "time"),
    (SetupAction::OtherTime, "othertime"),
    (SetupAction::TimeForm, "timeform"),
    (SetupAction::Length, "length"),
    (SetupAction::Kit, "kit"),
    (SetupAction::NoKit, "nokit"),
    (SetupAction::Skip(SetupStep::Timezone), "skipzone"),
    (SetupAction::Skip(SetupStep::ReminderTime), "skiptime"),
    (SetupAction::Skip(SetupStep::Length), "skiplength"),
    (SetupAction::Skip(SetupStep::Equipment), "skipkit"),
];

impl SetupAction {
    pub fn custom_id(self, owner: UserId) -> String {
        let key = KEYS.iter().find(|(a, _)| *a == self).map_or("", |(_, k)| k);
        format!("fcs:{key}:{}", owner.0)
    }

    pub fn parse(custom_id: &str) -> Option<(SetupAction, UserId)> {
        let mut parts = custom_id.split(':');
        if parts.next()? != "fcs" {
            return None;
        }
        let key = parts.next()?;
        let action = KEYS.iter().find(|(_, k)| *k == key)?.0;
        let owner = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some((action, UserId(owner)))
    }
}

/// The setup offered beside a first answer: its first question, privately.
pub fn offer(owner: UserId, locale: &str) -> Outgoing {
    let mut out = step_message(Some(SetupStep::Timezone), owner, locale, None, None);
    out.content = Some(format!(
        "{}\n{}",
        words::OFFER,
        out.content.unwrap_or_default()
    ));
    out
}

/// The setup at `step` (finished at `None`), with what the last answer did
/// above the question; `zones` replaces the likely ones for the locale.
fn step_message(
    step: Option<SetupStep>,
    owner: UserId,
    locale: &str,
    note: Option<String>,
    zones: Option<Vec<Timezone>>,
) -> Outgoing {
    let question = step.map_or_else(|| words::DONE.to_owned(), words::question);
    let content = match note {
        Some(note) => format!("{note}\n\n{question}"),
        None => question,
    };
    let Some(step) = step else {
        return Outgoing::ephemeral(content);
    };
    let id = |a: SetupAction| a.custom_id(owner);
    let button = |a: SetupAction, label: &str| {
        CreateButton::new(id(a))
            .label(label)
            .style(ButtonStyle::Secondary)
    };
    let list = |a: SetupAction, placeholder: &str, options: Vec<CreateSelectMenuOption>| {
        CreateActionRow::SelectMenu(
            CreateSelectMenu::new(id(a), CreateSelectMenuKind::String { options })
                .placeholder(placeholder),
        )
    };
    let skip = button(SetupAction::Skip(step), words::SKIP);
    let components = match step {
        SetupStep::Timezone => {
            let zones = zones.unwrap_or_else(|| Timezone::likely(locale, ZONES_OFFERED));
            let options = zones
                .iter()
                .take(ZONES_OFFERED)
                .map(|z| CreateSelectMenuOption::new(z.name(), z.name()))
                .collect();
            vec![
                list(SetupAction::Zone, words::PICK_ZONE, options),
                CreateActionRow::Buttons(vec![
                    button(SetupAction::Clock, words::FIND_BY_CLOCK),
                    skip,
                ]),
            ]
        }
        SetupStep::ReminderTime => {
            let options = COMMON_TIMES
                .iter()
                .map(|t| CreateSelectMenuOption::new(t.to_string(), t.to_string()))
                .collect();
            vec![
                list(SetupAction::Time, words::PICK_TIME, options),
                CreateActionRow::Buttons(vec![
                    button(SetupAction::OtherTime, words::OTHER_TIME),
                    button(SetupAction::Skip(step), words::NO_REMINDER),
                ]),
            ]
        }
        SetupStep::Length => {
            let options = [RoutineLength::Five, RoutineLength::Ten]
                .iter()
                .map(|l| {
                    let m = l.minutes();
                    CreateSelectMenuOption::new(words::minutes(m), m.to_string())
                })
                .collect();
            vec![
                list(SetupAction::Length, words::PICK_LENGTH, options),
                CreateActionRow::Buttons(vec![skip]),
            ]
        }
        SetupStep::Equipment => {
            let options = Gear::CHOICES
                .iter()
                .map(|g| CreateSelectMenuOption::new(g.name(), g.name()))
                .collect();
            let kit = CreateSelectMenu::new(
                id(SetupAction::Kit),
                CreateSelectMenuKind::String { options },
            )
            .placeholder(words::PICK_KIT)
            .min_values(1)
            .max_values(Gear::CHOICES.len() as u8);
            vec![
                CreateActionRow::SelectMenu(kit),
                CreateActionRow::Buttons(vec![button(SetupAction::NoKit, words::NO_KIT), skip]),
            ]
        }
    };
    Outgoing {
        components,
        ..Outgoing::ephemeral(content)
    }
}

/// A one-line form asking for a time.
fn time_form(action: SetupAction, owner: UserId, title: &str, label: &str) -> CreateModal {
    let input = CreateInputText::new(InputTextStyle::Short, label, "time")
        .placeholder("07:30")
        .min_length(1)
        .max_length(20);
    CreateModal::new(action.custom_id(owner), title)
        .components(vec![CreateActionRow::InputText(input)])
}

/// Where the setup goes after an answer: the next step when it was taken,
/// the same step (with why) when it was refused.
struct Moved {
    step: Option<SetupStep>,
    note: Option<String>,
    zones: Option<Vec<Timezone>>,
}

async fn save(framework: Framework<'_>, owner: UserId, step: SetupStep, command: Command) -> Moved {
    let origin = Origin::new(Source::DiscordButton);
    let coach = &framework.user_data.coach;
    let (taken, note) = match coach.handle(owner, origin, command).await {
        Ok(Answer { reply, .. }) => (
            !matches!(reply, crate::app::Reply::Refused(_)),
            markup(&replies::reply(&reply)),
        ),
        Err(e) => (false, super::coach_failure(&e)),
    };
    Moved {
        step: if taken { step.next() } else { Some(step) },
        note: Some(note),
        zones: None,
    }
}

/// A press on the setup message: an answer saved, a step skipped, or a form.
pub async fn on_component(
    framework: Framework<'_>,
    press: &ComponentInteraction,
    action: SetupAction,
    owner: UserId,
) -> Result<(), serenity::Error> {
    let http = &framework.serenity_context.http;
    let started = std::time::Instant::now();
    if user_of(press.user.id) != owner {
        let http = &framework.serenity_context.http;
        let answer = Outgoing::ephemeral(NOT_YOURS).into_interaction();
        return retry::respond(http, press, answer).await;
    }
    let form = match action {
        SetupAction::Clock => Some(time_form(
            SetupAction::ClockForm,
            owner,
            words::CLOCK_TITLE,
            words::CLOCK_LABEL,
        )),
        SetupAction::OtherTime => Some(time_form(
            SetupAction::TimeForm,
            owner,
            words::TIME_TITLE,
            words::TIME_LABEL,
        )),
        _ => None,
    };
    if let Some(form) = form {
        return retry::patiently(retry::INTERACTION, || async {
            press
                .create_response(http, CreateInteractionResponse::Modal(form.clone()))
                .await
        })
        .await;
    }
    let values = match &press.data.kind {
        ComponentInteractionDataKind::StringSelect { values } => values.as_slice(),
        _ => &[],
    };
    let first = values.first().map(String::as_str).unwrap_or_default();
    let moved = match action {
        SetupAction::Zone => match Timezone::named(first) {
            Some(tz) => {
                save(
                    framework,
                    owner,
                    SetupStep::Timezone,
                    Command::TimezoneSet(tz),
                )
                .await
            }
            None => stay(SetupStep::Timezone),
        },
        SetupAction::Time => match first.parse::<LocalTime>() {
            Ok(time) => remind_at(framework, owner, time).await,
            Err(_) => stay(SetupStep::ReminderTime),
        },
        SetupAction::Length => match first.parse::<RoutineLength>() {
            Ok(l) => {
                save(
                    framework,
                    owner,
                    SetupStep::Length,
                    Command::RoutineLength(l),
                )
                .await
            }
            Err(_) => stay(SetupStep::Length),
        },
        SetupAction::Kit | SetupAction::NoKit => {
            let kit = values
                .iter()
                .filter_map(|v| Gear::CHOICES.into_iter().find(|g| g.name() == v))
                .fold(Kit::NONE, Kit::with);
            save(
                framework,
                owner,
                SetupStep::Equipment,
                Command::Equipment(kit),
            )
            .await
        }
        SetupAction::Skip(step) => Moved {
            step: step.next(),
            note: None,
            zones: None,
        },
        // Forms were answered above; their submits come as forms.
        SetupAction::Clock
        | SetupAction::OtherTime
        | SetupAction::ClockForm
        | SetupAction::TimeForm => stay(SetupStep::Timezone),
    };
    crate::telemetry::answered("setup", "ok", started.elapsed());
    let out = step_message(moved.step, owner, &press.locale, moved.note, moved.zones);
    retry::patiently(retry::INTERACTION, || async {
        press
            .create_response(
                http,
                CreateInteractionResponse::UpdateMessage(out.clone().into_interaction()),
            )
            .await
    })
    .await
}

/// The same question again, as asked.
fn stay(step: SetupStep) -> Moved {
    Moved {
        step: Some(step),
        note: None,
        zones: None,
    }
}

async fn remind_at(framework: Framework<'_>, owner: UserId, time: LocalTime) -> Moved {
    let command = Command::RemindSet {
        time,
        timezone: None,
    };
    save(framework, owner, SetupStep::ReminderTime, command).await
}

/// A form sent from the setup: the time on the person's clock, or a
/// reminder time. Returns `false` for a form that is not the setup's.
pub async fn on_form(
    framework: Framework<'_>,
    submit: &ModalInteraction,
) -> Result<bool, serenity::Error> {
    let Some((action, owner)) = SetupAction::parse(&submit.data.custom_id) else {
        return Ok(false);
    };
    let typed = submit
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            ActionRowComponent::InputText(t) => t.value.clone(),
            _ => None,
        })
        .unwrap_or_default();
    let time = typed.parse::<LocalTime>();
    let moved = match (action, time) {
        (SetupAction::ClockForm, Ok(time)) => {
            let now = framework.user_data.coach.now();
            let zones = Timezone::showing(time, now);
            Moved {
                step: Some(SetupStep::Timezone),
                note: Some(if zones.is_empty() {
                    words::NO_ZONE_SHOWS.to_owned()
                } else {
                    words::zones_showing(time)
                }),
                zones: (!zones.is_empty()).then_some(zones),
            }
        }
        (SetupAction::TimeForm, Ok(time)) => remind_at(framework, owner, time).await,
        (action, Err(e)) => Moved {
            step: Some(if action == SetupAction::ClockForm {
                SetupStep::Timezone
            } else {
                SetupStep::ReminderTime
            }),
            note: Some(crate::text::refused(&e.into())),
            zones: None,
        },
        _ => stay(SetupStep::Timezone),
    };
    let out = step_message(moved.step, owner, &submit.locale, moved.note, moved.zones);
    let http = &framework.serenity_context.http;
    retry::patiently(retry::INTERACTION, || async {
        submit
            .create_response(
                http,
                CreateInteractionResponse::UpdateMessage(out.clone().into_interaction()),
            )
            .await
    })
    .await?;
    Ok(true)
}
