//! The coaching content: exercises, routines and the weekly plan, kept as
//! TOML data in `content/`, and a drawing of each exercise in
//! `content/pictures/`, all validated on load.
//!
//! The files are built into the binary so it runs from any directory;
//! `CONTENT_DIR` points at a folder of the same files to edit without a rebuild.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::Weekday;
use serde::{Deserialize, Serialize};

pub use gear::Gear;

use crate::pictures::Pictures;

/// Monday first, as people in most of the world read a week.
pub const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The shorter of the two daily lengths a person can choose; every longer
/// routine names a `short` one of at most this length.
pub const SHORT_DAY_MINUTES: u32 = 5;

pub const EXERCISES_FILE: &str = "exercises.toml";
pub const ROUTINES_FILE: &str = "routines.toml";
pub const PLAN_FILE: &str = "plan.toml";

const EMBEDDED_EXERCISES: &str = include_str!("../content/exercises.toml");
const EMBEDDED_ROUTINES: &str = include_str!("../content/routines.toml");
const EMBEDDED_PLAN: &str = include_str!("../content/plan.toml");
pub const PICTURES_DIR: &str = "pictures";

/// What an exercise works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    Arch,
    Calf,
    Toes,
    Ankle,
    Balance,
}

/// How much of an exercise to do: one set is a hold, a number of
/// repetitions, or a stretch of time spent moving; sets repeat it, and
/// `per_side` repeats each set for the left and the right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dose {
    /// Seconds to hold a position (a stretch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_seconds: Option<u32>,
    /// Repetitions in one set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reps: Option<u32>,
    /// How long one repetition takes at a calm pace, to time the routine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_per_rep: Option<u32>,
    /// Seconds of continuous movement (walking, rolling a ball).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u32>,
    #[serde(default)]
    pub per_side: bool,
    #[serde(default = "one")]
    pub sets: u32,
}

fn one() -> u32 {
    1
}

/// The one way a set is measured, once a `Dose` has been validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    Hold { seconds: u32 },
    Reps { count: u32, seconds_per_rep: u32 },
    Timed { seconds: u32 },
}

impl Dose {
    /// The kind of set; `None` when the dose names none or several (a
    /// validation error).
    pub fn set_kind(&self) -> Option<SetKind> {
        match (self.hold_seconds, self.reps, self.seconds) {
            (Some(seconds), None, None) => Some(SetKind::Hold { seconds }),
            (None, Some(count), None) => Some(SetKind::Reps {
                count,
                seconds_per_rep: self.seconds_per_rep.unwrap_or(3),
            }),
            (None, None, Some(seconds)) => Some(SetKind::Timed { seconds }),
            _ => None,
        }
    }

    pub fn sides(&self) -> u32 {
        if self.per_side {
            2
        } else {
            1
        }
    }

    /// Seconds one set on one side takes.
    pub fn set_seconds(&self) -> u32 {
        match self.set_kind() {
            Some(SetKind::Hold { seconds }) | Some(SetKind::Timed { seconds }) => seconds,
            Some(SetKind::Reps {
                count,
                seconds_per_rep,
            }) => count * seconds_per_rep,
            None => 0,
        }
    }

    /// The dose at `percent` of its holds, repetitions and timed seconds
    /// (sets stay as they are), never below one.
    pub fn scaled(&self, percent: u32) -> Dose {
        let scale = |v: Option<u32>| {
            v.map(|v| ((u64::from(v) * u64::from(percent) + 50) / 100).max(1) as u32)
        };
        Dose {
            hold_seconds: scale(self.hold_seconds),
            reps: scale(self.reps),
            seconds: scale(self.seconds),
            ..self.clone()
        }
    }

    /// Seconds of work in the whole dose: every set, every side.
    pub fn work_seconds(&self) -> u32 {
        self.sets * self.sides() * self.set_seconds()
    }
}

impl fmt::Display for Dose {
    /// "3 × hold 5 s, each side", "10 reps", "2 min".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = match self.set_kind() {
            Some(SetKind::Hold { seconds }) => format!("hold {}", seconds_text(seconds)),
            Some(SetKind::Reps { count, .. }) => format!("{count} reps"),
            Some(SetKind::Timed { seconds }) => seconds_text(seconds),
            None => "as you like".to_owned(),
        };
        if self.sets > 1 {
            write!(f, "{} × {set}", self.sets)?;
        } else {
            f.write_str(&set)?;
        }
        if self.per_side {
            f.write_str(", each side")?;
        }
        Ok(())
    }
}

/// "45 s", "2 min", "1 min 30 s".
pub fn seconds_text(seconds: u32) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub id: String,
    pub name: String,
    /// Short numbered steps, in order.
    pub steps: Vec<String>,
    pub dose: Dose,
    /// What is needed; empty for nothing.
    #[serde(default)]
    pub equipment: Vec<Gear>,
    /// Exercises to do instead when something it needs is missing, best
    /// first; each needs none of what this one needs that it lacks.
    #[serde(default)]
    pub alternatives: Vec<String>,
    pub works: Vec<Area>,
    /// One line: when to stop or take care.
    pub safety: String,
}

impl Exercise {
    pub fn equipment_text(&self) -> String {
        if self.equipment.is_empty() {
            "nothing".to_owned()
        } else {
            let names: Vec<&str> = self.equipment.iter().map(|g| g.name()).collect();
            names.join(", ")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutineStep {
    /// An exercise id.
    pub exercise: String,
    /// Overrides the exercise's own dose for this routine.
    #[serde(default)]
    pub dose: Option<Dose>,
    #[serde(default)]
    pub rest_after_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routine {
    pub id: String,
    pub name: String,
    /// The length the routine promises; its steps must add up to it within 10%.
    pub minutes: u32,
    pub summary: String,
    pub steps: Vec<RoutineStep>,
    /// Levels as percentages of the steps' holds, repetitions and timed
    /// stretches, easiest first; the level at 100 is where people start.
    #[serde(default = "standard_levels")]
    pub levels: Vec<u32>,
    /// Completed days with low pain that move a user up one level.
    #[serde(default = "default_level_up_after")]
    pub level_up_after: u32,
    /// The routine of at most five minutes done instead by people who
    /// chose a shorter day; required when this one is longer.
    #[serde(default)]
    pub short: Option<String>,
}

fn standard_levels() -> Vec<u32> {
    vec![100]
}

fn default_level_up_after() -> u32 {
    5
}

impl Routine {
    /// The 1-based level whose percentage is 100.
    pub fn standard_level(&self) -> u8 {
        self.levels
            .iter()
            .position(|p| *p == 100)
            .map_or(1, |i| i as u8 + 1)
    }

    /// The percentage of `level`, clamped to the levels that exist.
    pub fn level_percent(&self, level: u8) -> u32 {
        let i = usize::from(level.max(1) - 1).min(self.levels.len().saturating_sub(1));
        self.levels.get(i).copied().unwrap_or(100)
    }

    /// `level`, or the standard level for 0 (a session started before levels).
    pub fn level_or_standard(&self, level: u8) -> u8 {
        if level == 0 {
            self.standard_level()
        } else {
            level.min(self.top_level())
        }
    }

    pub fn top_level(&self) -> u8 {
        self.levels.len().max(1) as u8
    }
}

/// A routine step joined with its exercise, ready to show or time.
#[derive(Debug, Clone)]
pub struct StepView<'a> {
    /// 1-based position in the routine.
    pub number: u32,
    pub exercise: &'a Exercise,
    /// The dose at the level asked for.
    pub dose: Dose,
    pub rest_after_seconds: u32,
}

impl StepView<'_> {
    pub fn seconds(&self) -> u32 {
        self.dose.work_seconds() + self.rest_after_seconds
    }
}

/// Validated content. Every id a routine or the plan names exists.
#[derive(Debug, Clone)]
pub struct Content {
    exercises: BTreeMap<String, Exercise>,
    routines: BTreeMap<String, Routine>,
    plan: HashMap<Weekday, String>,
    pictures: Arc<Pictures>,
}

/// One problem in the content: the file, the entry and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub file: String,
    pub entry: String,
    pub problem: String,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.entry, self.problem)
    }
}

/// Every problem found, so one run shows them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentErrors(pub Vec<ContentError>);

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ContentErrors {}

/// The three files' text, with the names to use in errors.
pub struct Sources {
    pub origin: Option<PathBuf>,
    pub exercises: String,
    pub routines: String,
    pub plan: String,
    /// Each drawing's SVG text by its file's name less `.svg`.
    pub pictures: BTreeMap<String, String>,
}

impl Content {
    /// The content built into the binary, or the folder `CONTENT_DIR` names.
    pub fn load() -> Result<Content, ContentErrors> {
        match std::env::var_os("CONTENT_DIR") {
            Some(dir) if !dir.is_empty() => Self::from_dir(Path::new(&dir)),
            _ => Self::embedded(),
        }
    }

    /// The built-in content, validated (its drawings rendered) once per process.
    pub fn embedded() -> Result<Content, ContentErrors> {
        static EMBEDDED: OnceLock<Result<Content, ContentErrors>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                Self::from_sources(Sources {
                    origin: None,
                    exercises: EMBEDDED_EXERCISES.to_owned(),
                    routines: EMBEDDED_ROUTINES.to_owned(),
                    plan: EMBEDDED_PLAN.to_owned(),
                    pictures: files::embedded_pictures(),
                })
            })
            .clone()
    }

    pub fn from_dir(dir: &Path) -> Result<Content, ContentErrors> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| {
                ContentErrors(vec![ContentError {
                    file: path.display().to_string(),
                    entry: "(file)".to_owned(),
                    problem: format!("cannot be read: {e} (CONTENT_DIR must name a folder holding {EXERCISES_FILE}, {ROUTINES_FILE} and {PLAN_FILE})"),
                }])
            })
        };
        Self::from_sources(Sources {
            origin: Some(dir.to_owned()),
            exercises: read(EXERCISES_FILE)?,
            routines: read(ROUTINES_FILE)?,
            plan: read(PLAN_FILE)?,
            pictures: files::read_pictures(&dir.join(PICTURES_DIR))?,
        })
    }

    pub fn from_sources(sources: Sources) -> Result<Content, ContentErrors> {
        validate::build(sources)
    }

    /// Every exercise's drawing.
    pub fn pictures(&self) -> &Pictures {
        &self.pictures
    }

    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.get(id)
    }

    pub fn exercises(&self) -> impl Iterator<Item = &Exercise> {
        self.exercises.values()
    }

    pub fn routine(&self, id: &str) -> Option<&Routine> {
        self.routines.get(id)
    }

    pub fn routines(&self) -> impl Iterator<Item = &Routine> {
        self.routines.values()
    }

    /// The routine the weekly plan puts on this weekday.
    pub fn planned_routine(&self, day: Weekday) -> &Routine {
        // Validation guarantees every weekday maps to an existing routine.
        &self.routines[&self.plan[&day]]
    }

    /// The steps of a routine joined with their exercises, at its standard level.
    pub fn steps<'a>(&'a self, routine: &'a Routine) -> Vec<StepView<'a>> {
        self.steps_at(routine, routine.standard_level())
    }

    /// The steps of a routine at `level` (1-based, clamped to the routine's levels).
    pub fn steps_at<'a>(&'a self, routine: &'a Routine, level: u8) -> Vec<StepView<'a>> {
        let percent = routine.level_percent(level);
        routine
            .steps
            .iter()
            .zip(1..)
            .map(|(step, number)| {
                let exercise = &self.exercises[&step.exercise];
                StepView {
                    number,
                    exercise,
                    dose: step.dose.as_ref().unwrap_or(&exercise.dose).scaled(percent),
                    rest_after_seconds: step.rest_after_seconds,
                }
            })
            .collect()
    }

    /// Seconds the routine takes by its own numbers.
    pub fn routine_seconds(&self, routine: &Routine) -> u32 {
        self.steps(routine).iter().map(StepView::seconds).sum()
    }

    /// What the content holds, in one line.
    pub fn headline(&self) -> String {
        format!(
            "{} exercises, {} routines, a plan for all 7 weekdays",
            self.exercises.len(),
            self.routines.len()
        )
    }

    /// A few lines for `footcoach content check`.
    pub fn summary(&self) -> String {
        let mut out = format!("content ok: {}\n", self.headline());
        for r in self.routines.values() {
            let secs = self.routine_seconds(r);
            out.push_str(&format!(
                "  {:<16} {:>2} min promised, {} by its steps, {} steps\n",
                r.id,
                r.minutes,
                seconds_text(secs),
                r.steps.len()
            ));
        }
        out.push_str("  plan:");
        for day in WEEK {
            out.push_str(&format!(" {day}={}", self.plan[&day]));
        }
        out
    }
}

mod files;
mod gear;
mod validate;
