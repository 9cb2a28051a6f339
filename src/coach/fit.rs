//! A routine that fits the person: the length they chose a day, and the
//! equipment they have. A step needing something they lack becomes an
//! alternative the content declares, or is left out; the minutes follow
//! from the steps that remain.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::content::{Content, Exercise, Gear, Routine, StepView, SHORT_DAY_MINUTES};

/// The minutes a day a person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoutineLength {
    Five,
    Ten,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\" is not a length I offer: type 5 or 10 (minutes a day)")]
pub struct BadLength {
    pub input: String,
}

impl RoutineLength {
    pub fn minutes(self) -> u32 {
        match self {
            RoutineLength::Five => SHORT_DAY_MINUTES,
            RoutineLength::Ten => 10,
        }
    }

    /// As stored; anything else reads as not chosen.
    pub fn from_minutes(minutes: i16) -> Option<Self> {
        [RoutineLength::Five, RoutineLength::Ten]
            .into_iter()
            .find(|l| i64::from(l.minutes()) == i64::from(minutes))
    }
}

impl FromStr for RoutineLength {
    type Err = BadLength;

    /// "5", "10", "5 min", "10 minutes".
    fn from_str(text: &str) -> Result<Self, BadLength> {
        let lower = text.trim().to_lowercase();
        let number = ["minutes", "minute", "mins", "min", "m"]
            .iter()
            .find_map(|unit| lower.strip_suffix(unit))
            .unwrap_or(&lower)
            .trim();
        number
            .parse::<i16>()
            .ok()
            .and_then(RoutineLength::from_minutes)
            .ok_or_else(|| BadLength {
                input: text.trim().chars().take(20).collect(),
            })
    }
}

impl fmt::Display for RoutineLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} minutes", self.minutes())
    }
}

/// The equipment a person has, of what they can be asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kit(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\" is not on my list: type what you have from tennis ball, golf ball, towel, chair, step (like: tennis ball, towel), or none")]
pub struct BadGear {
    pub input: String,
}

impl Kit {
    pub const NONE: Kit = Kit(0);
    /// Everything: what the coach assumes until a person says otherwise.
    pub const ALL: Kit = Kit(0b1_1111);

    pub fn from_bits(bits: u8) -> Self {
        Kit(bits & Kit::ALL.0)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    /// Whether the person has `gear`; what nobody is asked about, everyone has.
    pub fn has(self, gear: Gear) -> bool {
        gear.bit().is_none_or(|bit| self.0 & bit != 0)
    }

    pub fn with(self, gear: Gear) -> Self {
        Kit(self.0 | gear.bit().unwrap_or(0))
    }

    /// The choices the person has, in the order they are offered.
    pub fn items(self) -> Vec<Gear> {
        Gear::CHOICES.into_iter().filter(|g| self.has(*g)).collect()
    }

    /// Parses "tennis ball, towel", "golf ball and a chair", "none" or "all".
    pub fn parse_list(text: &str) -> Result<Self, BadGear> {
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '+' | '&' | '/'))
            .filter(|w| !w.is_empty() && !matches!(*w, "and" | "a" | "an"))
            .collect();
        if let [only] = words.as_slice() {
            match *only {
                "none" | "nothing" => return Ok(Kit::NONE),
                "all" | "everything" => return Ok(Kit::ALL),
                _ => {}
            }
        }
        let mut kit = Kit::NONE;
        let mut i = 0;
        while i < words.len() {
            // Two-word names first: "tennis ball" before "tennis".
            let pair = words.get(i + 1).map(|next| format!("{}{next}", words[i]));
            let (gear, used) = match pair.as_deref().and_then(gear_named) {
                Some(gear) => (Some(gear), 2),
                None => (gear_named(words[i]), 1),
            };
            let Some(gear) = gear else {
                return Err(BadGear {
                    input: words[i].chars().take(20).collect(),
                });
            };
            kit = kit.with(gear);
            i += used;
        }
        Ok(kit)
    }
}

/// A choice by name, written without spaces: "tennisball", "towels".
fn gear_named(word: &str) -> Option<Gear> {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    let singular = word.strip_suffix('s').unwrap_or(word);
    Gear::CHOICES
        .into_iter()
        .find(|g| {
            let name = g.name().replace(' ', "");
            name == word || name == singular
        })
        .or(match singular {
            "stair" | "stairway" => Some(Gear::Step),
            _ => None,
        })
}

impl fmt::Display for Kit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.items().into_iter().map(Gear::name).collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

/// What fitting did to one planned step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<'a> {
    Swapped {
        planned: &'a Exercise,
        instead: &'a Exercise,
        lacking: Vec<Gear>,
    },
    LeftOut {
        planned: &'a Exercise,
        lacking: Vec<Gear>,
    },
}

/// A routine's steps as the person will do them.
#[derive(Debug, Clone)]
pub struct Fitted<'a> {
    pub steps: Vec<StepView<'a>>,
    pub changes: Vec<Change<'a>>,
}

impl Fitted<'_> {
    pub fn seconds(&self) -> u32 {
        self.steps.iter().map(StepView::seconds).sum()
    }
}

/// The routine a person does on `date`: the plan's, or the short one it
/// names when they chose fewer minutes than it takes.
pub fn routine_on(content: &Content, length: Option<RoutineLength>, date: NaiveDate) -> &Routine {
    sized(content, content.planned_routine(date.weekday()), length)
}

/// `routine`, or the short routine it names when `length` is shorter.
pub fn sized<'a>(
    content: &'a Content,
    routine: &'a Routine,
    length: Option<RoutineLength>,
) -> &'a Routine {
    match length {
        Some(length) if routine.minutes > length.minutes() => routine
            .short
            .as_deref()
            .and_then(|id| content.routine(id))
            .unwrap_or(routine),
        _ => routine,
    }
}

/// The steps of `routine` at `level` for someone with `kit`, numbered as
/// they will be done.
pub fn fit<'a>(content: &'a Content, routine: &'a Routine, level: u8, kit: Kit) -> Fitted<'a> {
    let percent = routine.level_percent(level);
    let planned = content.steps_at(routine, level);
    // An alternative already in the routine would have the person do it twice.
    let mut taken: BTreeSet<&str> = planned.iter().map(|s| s.exercise.id.as_str()).collect();
    let mut steps = Vec::with_capacity(planned.len());
    let mut changes = Vec::new();
    let mut last_left_out = false;
    for step in planned {
        let lacking: Vec<Gear> = step
            .exercise
            .equipment
            .iter()
            .copied()
            .filter(|g| !kit.has(*g))
            .collect();
        last_left_out = false;
        if lacking.is_empty() {
            steps.push(step);
            continue;
        }
        let instead = step
            .exercise
            .alternatives
            .iter()
            .filter_map(|id| content.exercise(id))
            .find(|alt| {
                !taken.contains(alt.id.as_str()) && alt.equipment.iter().all(|g| kit.has(*g))
            });
        match instead {
            Some(alt) => {
                taken.insert(&alt.id);
                changes.push(Change::Swapped {
                    planned: step.exercise,
                    instead: alt,
                    lacking,
                });
                // The step's own dose was written for the planned exercise.
                steps.push(StepView {
                    exercise: alt,
                    dose: alt.dose.scaled(percent),
                    ..step
                });
            }
            None => {
                last_left_out = true;
                changes.push(Change::LeftOut {
                    planned: step.exercise,
                    lacking,
                });
            }
        }
    }
    // No rest is owed after the last step done.
    if last_left_out {
        if let (Some(last), Some(closing)) = (steps.last_mut(), routine.steps.last()) {
            last.rest_after_seconds = closing.rest_after_seconds;
        }
    }
    for (step, number) in steps.iter_mut().zip(1..) {
        step.number = number;
    }
    Fitted { steps, changes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> Content {
        Content::embedded().expect("the real content loads")
    }

    fn ids(fitted: &Fitted<'_>) -> Vec<String> {
        fitted.steps.iter().map(|s| s.exercise.id.clone()).collect()
    }

    fn without(gear: &[Gear]) -> Kit {
        Kit::from_bits(
            Gear::CHOICES
                .iter()
                .filter(|g| !gear.contains(g))
                .fold(0, |bits, g| bits | g.bit().unwrap()),
        )
    }

    #[test]
    fn everything_at_hand_changes_nothing() {
        let content = content();
        for routine in content.routines() {
            let fitted = fit(&content, routine, 2, Kit::ALL);
            assert!(fitted.changes.is_empty(), "{}", routine.id);
            let planned: Vec<String> = content
                .steps_at(routine, 2)
                .iter()
                .map(|s| s.exercise.id.clone())
                .collect();
            assert_eq!(ids(&fitted), planned);
            assert_eq!(fitted.seconds(), content.routine_seconds(routine));
        }
    }

    #[test]
    fn a_missing_golf_ball_swaps_in_the_tennis_ball_at_its_own_dose() {
        let content = content();
        let short = content.routine("short").unwrap();
        let fitted = fit(&content, short, 2, without(&[Gear::GolfBall]));
        assert_eq!(fitted.steps.len(), short.steps.len());
        let last = fitted.steps.last().unwrap();
        assert_eq!(last.exercise.id, "tennis-ball-roll");
        assert_eq!(last.number, 6);
        // 60 s a foot instead of the golf ball's 45: 300 - 90 + 120.
        assert_eq!(fitted.seconds(), 330);
        match &fitted.changes[..] {
            [Change::Swapped {
                planned,
                instead,
                lacking,
            }] => {
                assert_eq!(planned.id, "golf-ball-roll");
                assert_eq!(instead.id, "tennis-ball-roll");
                assert_eq!(lacking, &[Gear::GolfBall]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_alternative_already_in_the_routine_leaves_the_step_out() {
        let content = content();
        let morning = content.routine("morning").unwrap();
        let fitted = fit(&content, morning, 2, without(&[Gear::GolfBall]));
        assert_eq!(fitted.steps.len(), 7);
        assert!(!ids(&fitted).contains(&"golf-ball-roll".to_owned()));
        assert!(matches!(
            &fitted.changes[..],
            [Change::LeftOut { planned, .. }] if planned.id == "golf-ball-roll"
        ));
        // The golf roll's 90 s go, and so does the rest before it: the
        // towel stretch is now last.
        assert_eq!(fitted.seconds(), 600 - 90 - 10);
        assert_eq!(fitted.steps.last().unwrap().rest_after_seconds, 0);
    }

    #[test]
    fn without_towel_or_chair_each_step_finds_what_it_can() {
        let content = content();
        let short = content.routine("short").unwrap();
        let fitted = fit(&content, short, 2, without(&[Gear::Towel]));
        assert!(matches!(
            &fitted.changes[..],
            [Change::Swapped { instead, .. }] if instead.id == "seated-foot-pull"
        ));
        assert_eq!(fitted.steps[4].exercise.id, "seated-foot-pull");

        let fitted = fit(&content, short, 2, without(&[Gear::Towel, Gear::Chair]));
        assert_eq!(
            ids(&fitted),
            [
                "foot-stretch",
                "ball-walk",
                "heel-toe-walk",
                "seated-calf-stretch",
                "tennis-ball-roll"
            ]
        );
        match &fitted.changes[..] {
            [Change::LeftOut {
                planned,
                lacking: towel,
            }, Change::Swapped {
                instead,
                lacking: golf,
                ..
            }] => {
                assert_eq!(planned.id, "towel-arch-stretch");
                assert_eq!(towel, &[Gear::Towel]);
                assert_eq!(instead.id, "tennis-ball-roll");
                assert_eq!(golf, &[Gear::Chair]);
            }
            other => panic!("{other:?}"),
        }
        let numbers: Vec<u32> = fitted.steps.iter().map(|s| s.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn with_nothing_the_stability_drills_squat_without_a_step() {
        let content = content();
        let stability = content.routine("stability").unwrap();
        let fitted = fit(&content, stability, 2, Kit::NONE);
        assert_eq!(fitted.steps.last().unwrap().exercise.id, "squat");
        assert_eq!(fitted.changes.len(), 1);
        // Levels scale the stand-in as they scale the step it replaces.
        let easy = fit(&content, stability, 1, Kit::NONE);
        assert_eq!(easy.steps.last().unwrap().dose.reps, Some(6));
    }

    #[test]
    fn five_minutes_takes_the_short_routine() {
        let content = content();
        let morning = content.routine("morning").unwrap();
        let stability = content.routine("stability").unwrap();
        let short = content.routine("short").unwrap();
        let five = Some(RoutineLength::Five);
        assert_eq!(sized(&content, morning, five).id, "short");
        assert_eq!(sized(&content, stability, five).id, "stability-short");
        assert_eq!(sized(&content, short, five).id, "short");
        assert_eq!(
            sized(&content, morning, Some(RoutineLength::Ten)).id,
            "morning"
        );
        assert_eq!(sized(&content, morning, None).id, "morning");
    }

    #[test]
    fn lengths_and_equipment_parse_from_what_people_type() {
        assert_eq!("5".parse(), Ok(RoutineLength::Five));
        assert_eq!(" 10 min".parse(), Ok(RoutineLength::Ten));
        assert_eq!("5 minutes".parse(), Ok(RoutineLength::Five));
        let e = "7".parse::<RoutineLength>().unwrap_err().to_string();
        assert!(e.contains("\"7\"") && e.contains("5 or 10"), "{e}");

        let kit = Kit::parse_list("Tennis balls and a chair").unwrap();
        assert_eq!(kit.items(), [Gear::TennisBall, Gear::Chair]);
        assert_eq!(kit.to_string(), "tennis ball, chair");
        assert_eq!(
            Kit::parse_list("towel,step").unwrap().to_string(),
            "towel, step"
        );
        assert_eq!(Kit::parse_list("stairs").unwrap().items(), [Gear::Step]);
        assert_eq!(Kit::parse_list("none").unwrap(), Kit::NONE);
        assert_eq!(Kit::parse_list("all").unwrap(), Kit::ALL);
        assert_eq!(Kit::NONE.to_string(), "none");
        let e = Kit::parse_list("towel, marbles").unwrap_err().to_string();
        assert!(e.contains("\"marbles\"") && e.contains("golf ball"), "{e}");
        assert!(Kit::NONE.has(Gear::FloorSpace));
        assert_eq!(Kit::from_bits(Kit::ALL.bits()), Kit::ALL);
    }
}
