//! Parses the three content files and checks them, collecting every problem
//! (not stopping at the first) so one run shows them all.
//!
//! Each `[[exercise]]` and `[[routine]]` table is read on its own, so a typo in
//! one entry does not hide the problems in the others.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::Weekday;
use serde::de::DeserializeOwned;
use toml::{Table, Value};

use super::{
    seconds_text, Content, ContentError, ContentErrors, Dose, Exercise, Gear, Routine, Sources,
    EXERCISES_FILE, PICTURES_DIR, PLAN_FILE, ROUTINES_FILE, SHORT_DAY_MINUTES,
};
use crate::pictures::{Drawing, Pictures};

mod rules;

use rules::{
    check_alternatives, check_exercise, check_routine, check_short, is_kebab_case, join_ids,
    References,
};

const MAX_HOLD_SECONDS: u32 = 120;
const MAX_SECONDS: u32 = 600;
const MAX_REPS: u32 = 50;
const MAX_SETS: u32 = 10;
const MAX_SECONDS_PER_REP: u32 = 20;
const MAX_REST_SECONDS: u32 = 300;
const MAX_MINUTES: u32 = 60;
/// How far (in percent) a routine's steps may be off the minutes it promises.
const TOLERANCE_PERCENT: u32 = 10;

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "mon"),
    (Weekday::Tue, "tue"),
    (Weekday::Wed, "wed"),
    (Weekday::Thu, "thu"),
    (Weekday::Fri, "fri"),
    (Weekday::Sat, "sat"),
    (Weekday::Sun, "sun"),
];

pub(super) fn build(sources: Sources) -> Result<Content, ContentErrors> {
    let file_name = |name: &str| match &sources.origin {
        Some(dir) => dir.join(name).display().to_string(),
        None => name.to_owned(),
    };
    let mut errors = Errors::default();

    // Exercises.
    let ex_file = file_name(EXERCISES_FILE);
    let ex_parsed =
        parse_entries::<Exercise>(&mut errors, &ex_file, &sources.exercises, "exercise");
    let mut exercises = BTreeMap::new();
    if let Some(entries) = &ex_parsed {
        check_ids(&mut errors, &ex_file, "exercise", entries);
        for entry in entries {
            if let Some(ex) = &entry.value {
                check_exercise(&mut errors, &ex_file, &entry.label, ex);
                exercises.entry(ex.id.clone()).or_insert_with(|| ex.clone());
            }
        }
    }
    let exercise_ids = ex_parsed.as_deref().and_then(known_ids);
    if let Some(ids) = &exercise_ids {
        for ex in exercises.values() {
            check_alternatives(&mut errors, &ex_file, ex, ids, &exercises);
        }
    }

    // Routines.
    let rt_file = file_name(ROUTINES_FILE);
    let rt_parsed = parse_entries::<Routine>(&mut errors, &rt_file, &sources.routines, "routine");
    let mut routines = BTreeMap::new();
    if let Some(entries) = &rt_parsed {
        check_ids(&mut errors, &rt_file, "routine", entries);
        for entry in entries {
            if let Some(routine) = &entry.value {
                let refs = References {
                    file: &ex_file,
                    ids: exercise_ids.as_ref(),
                    exercises: &exercises,
                };
                check_routine(&mut errors, &rt_file, &entry.label, routine, &refs);
                routines
                    .entry(routine.id.clone())
                    .or_insert_with(|| routine.clone());
            }
        }
    }
    let routine_ids = rt_parsed.as_deref().and_then(known_ids);
    if let Some(ids) = &routine_ids {
        for routine in routines.values() {
            check_short(&mut errors, &rt_file, routine, ids, &routines);
        }
    }

    // The weekly plan.
    let plan_file = file_name(PLAN_FILE);
    let plan = parse_plan(
        &mut errors,
        &plan_file,
        &sources.plan,
        &rt_file,
        routine_ids.as_ref(),
    );

    let pictures = check_pictures(
        &mut errors,
        &file_name(PICTURES_DIR),
        &sources,
        &exercises,
        exercise_ids.as_ref(),
    );

    if errors.0.is_empty() {
        Ok(Content {
            exercises,
            routines,
            plan,
            pictures: Arc::new(pictures),
        })
    } else {
        Err(ContentErrors(errors.0))
    }
}

/// Every exercise has a drawing that renders, and every drawing an exercise.
fn check_pictures(
    errors: &mut Errors,
    dir: &str,
    sources: &Sources,
    exercises: &BTreeMap<String, Exercise>,
    known: Option<&BTreeSet<String>>,
) -> Pictures {
    let mut drawings = HashMap::new();
    // An entry without an id has no file to name (its id error says so).
    for id in exercises.keys().filter(|id| !id.trim().is_empty()) {
        let file = format!("{dir}/{id}.svg");
        match sources.pictures.get(id) {
            None => errors.push(
                &file,
                format!("exercise {id:?}"),
                "has no drawing: every exercise needs one, in the same style as the others",
            ),
            Some(svg) => match Drawing::from_svg(svg) {
                Ok(d) => {
                    drawings.insert(id.clone(), d);
                }
                Err(problem) => errors.push(&file, format!("exercise {id:?}"), problem),
            },
        }
    }
    // Which files are strays is known only once every entry's id is.
    for name in sources.pictures.keys() {
        if known.is_some_and(|ids| !ids.contains(name)) {
            errors.push(
                &format!("{dir}/{name}.svg"),
                "(file)",
                "names no exercise: a drawing's file is named after its exercise's id",
            );
        }
    }
    Pictures::new(drawings)
}

#[derive(Default)]
struct Errors(Vec<ContentError>);

impl Errors {
    fn push(&mut self, file: &str, entry: impl Into<String>, problem: impl Into<String>) {
        self.0.push(ContentError {
            file: file.to_owned(),
            entry: entry.into(),
            problem: problem.into(),
        });
    }
}

/// One `[[exercise]]` or `[[routine]]` table as read.
struct Parsed<T> {
    /// 1-based position in the file.
    position: usize,
    /// The `id` as written, when it is a string (even if the rest failed).
    raw_id: Option<String>,
    /// How errors name the entry: `exercise "foot-stretch"` or `exercise #3`.
    label: String,
    /// `None` when the table does not fit the schema (already reported).
    value: Option<T>,
}

/// Parses a file of `[[key]]` tables. `None` when the file as a whole cannot
/// be used (bad TOML or a wrong structure), so references into it are not
/// checked.
fn parse_entries<T: DeserializeOwned>(
    errors: &mut Errors,
    file: &str,
    text: &str,
    key: &str,
) -> Option<Vec<Parsed<T>>> {
    let table = parse_table(errors, file, text)?;
    for other in table.keys().filter(|k| *k != key) {
        errors.push(
            file,
            other.as_str(),
            format!("is not a known top-level key; this file holds only [[{key}]] tables"),
        );
    }
    let items = match table.get(key) {
        None => {
            errors.push(
                file,
                "(file)",
                format!("has no [[{key}]] tables; add at least one"),
            );
            return Some(Vec::new());
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(
                file,
                key,
                format!("must be a list of tables, each starting with a [[{key}]] line"),
            );
            return None;
        }
    };
    let mut entries = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let position = index + 1;
        let raw_id = item.get("id").and_then(Value::as_str).map(str::to_owned);
        let label = match &raw_id {
            Some(id) if !id.trim().is_empty() => format!("{key} \"{id}\""),
            _ => format!("{key} #{position}"),
        };
        let value = if item.is_table() {
            match item.clone().try_into::<T>() {
                Ok(value) => Some(value),
                Err(e) => {
                    errors.push(
                        file,
                        label.as_str(),
                        format!(
                            "does not fit the schema: {}; fix the field name or type (see the other entries)",
                            e.message().trim()
                        ),
                    );
                    None
                }
            }
        } else {
            errors.push(
                file,
                label.as_str(),
                format!("is not a table; write each entry as a [[{key}]] table"),
            );
            None
        };
        entries.push(Parsed {
            position,
            raw_id,
            label,
            value,
        });
    }
    Some(entries)
}

/// Parses TOML text, reporting a syntax error with its line.
fn parse_table(errors: &mut Errors, file: &str, text: &str) -> Option<Table> {
    match text.parse::<Table>() {
        Ok(table) => Some(table),
        Err(e) => {
            let (entry, place) = match e.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    (
                        format!("line {line}"),
                        format!("line {line}, column {column}"),
                    )
                }
                None => ("(file)".to_owned(), "the place shown".to_owned()),
            };
            errors.push(
                file,
                entry,
                format!(
                    "is not valid TOML: {}; fix the syntax at {place}",
                    e.message().trim()
                ),
            );
            None
        }
    }
}

/// Every id written, including those of entries that failed the schema, so
/// a typo in one entry does not also show up as unknown references. `None`
/// when some entry has no usable id: references into the file cannot be
/// checked then without flooding the report.
fn known_ids<T>(entries: &[Parsed<T>]) -> Option<BTreeSet<String>> {
    entries
        .iter()
        .map(|e| e.raw_id.clone().filter(|id| !id.trim().is_empty()))
        .collect()
}

fn check_ids<T>(errors: &mut Errors, file: &str, kind: &str, entries: &[Parsed<T>]) {
    let mut positions: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for entry in entries {
        match entry.raw_id.as_deref() {
            Some(id) if id.trim().is_empty() => errors.push(
                file,
                entry.label.as_str(),
                format!(
                    "has an empty id; give it a kebab-case id such as \"{}\"",
                    example_id(kind)
                ),
            ),
            Some(id) => {
                if !is_kebab_case(id) {
                    errors.push(
                        file,
                        entry.label.as_str(),
                        format!(
                            "id \"{id}\" is not kebab-case; use lowercase letters and digits joined by single hyphens, such as \"{}\"",
                            example_id(kind)
                        ),
                    );
                }
                positions.entry(id).or_default().push(entry.position);
            }
            // A missing or non-string id is a schema error, already reported.
            None => {}
        }
    }
    for (id, at) in positions.iter().filter(|(_, at)| at.len() > 1) {
        let list = at
            .iter()
            .map(|p| format!("#{p}"))
            .collect::<Vec<_>>()
            .join(", ");
        errors.push(
            file,
            format!("{kind} \"{id}\""),
            format!(
                "id is used by {} {kind}s (entries {list}); give each its own id",
                at.len()
            ),
        );
    }
}

fn example_id(kind: &str) -> &'static str {
    if kind == "routine" {
        "morning"
    } else {
        "foot-stretch"
    }
}

fn parse_plan(
    errors: &mut Errors,
    file: &str,
    text: &str,
    routines_file: &str,
    routine_ids: Option<&BTreeSet<String>>,
) -> HashMap<Weekday, String> {
    let mut plan = HashMap::new();
    let Some(table) = parse_table(errors, file, text) else {
        return plan;
    };
    for other in table.keys().filter(|k| *k != "week") {
        errors.push(
            file,
            other.as_str(),
            "is not a known top-level key; this file holds only the [week] table",
        );
    }
    let week = match table.get("week") {
        Some(Value::Table(week)) => week,
        Some(_) => {
            errors.push(
                file,
                "week",
                "must be a table: a [week] line followed by mon = \"...\" to sun = \"...\"",
            );
            return plan;
        }
        None => {
            errors.push(
                file,
                "week",
                "is missing; add a [week] table naming a routine for each of mon to sun",
            );
            return plan;
        }
    };
    let mut keys: HashMap<Weekday, &str> = HashMap::new();
    for (key, value) in week {
        let entry = format!("week.{key}");
        let Ok(day) = key.parse::<Weekday>() else {
            errors.push(
                file,
                entry,
                "is not a weekday; use mon, tue, wed, thu, fri, sat or sun",
            );
            continue;
        };
        if let Some(first) = keys.insert(day, key.as_str()) {
            errors.push(
                file,
                entry,
                format!("is the same day as week.{first}; keep only one of them"),
            );
            continue;
        }
        let Some(id) = value.as_str() else {
            errors.push(
                file,
                entry,
                format!("must be a routine id in quotes, such as {key} = \"morning\""),
            );
            continue;
        };
        if let Some(ids) = routine_ids {
            if !ids.contains(id) {
                errors.push(
                    file,
                    entry,
                    format!(
                        "names routine \"{id}\", which {routines_file} does not define; use one of: {}",
                        join_ids(ids)
                    ),
                );
                continue;
            }
        }
        plan.insert(day, id.to_owned());
    }
    for (day, key) in WEEKDAYS {
        if !keys.contains_key(&day) {
            errors.push(
                file,
                format!("week.{key}"),
                format!("is missing; every weekday needs a routine, such as {key} = \"morning\""),
            );
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::rules::{dose_problems, starts_with_number};
    use super::*;

    #[test]
    fn kebab_case() {
        assert!(is_kebab_case("foot-stretch"));
        assert!(is_kebab_case("a1-b2"));
        for bad in [
            "",
            "Foot",
            "foot_stretch",
            "-foot",
            "foot-",
            "foot--stretch",
            "foot stretch",
        ] {
            assert!(!is_kebab_case(bad), "{bad:?}");
        }
    }

    #[test]
    fn numbered_steps() {
        assert!(starts_with_number("1. Sit down"));
        assert!(starts_with_number("12) Stand"));
        assert!(!starts_with_number("10 seconds each side"));
        assert!(!starts_with_number("Sit down"));
    }

    #[test]
    fn dose_rules() {
        let dose = |text: &str| -> Dose { toml::from_str(text).unwrap() };
        assert!(dose_problems(&dose("hold_seconds = 5")).is_empty());
        assert!(dose_problems(&dose("reps = 10\nseconds_per_rep = 4\nper_side = true")).is_empty());
        assert_eq!(dose_problems(&dose("sets = 2")).len(), 1);
        assert!(dose_problems(&dose("reps = 1\nseconds = 4"))[0].contains("reps and seconds"));
        assert!(dose_problems(&dose("seconds = 0"))[0].contains("seconds is 0"));
        assert!(dose_problems(&dose("hold_seconds = 121"))[0].contains("120"));
        assert!(
            dose_problems(&dose("hold_seconds = 5\nseconds_per_rep = 2"))[0]
                .contains("only applies")
        );
    }
}
