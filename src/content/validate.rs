//! Parses the three content files and checks them, collecting every problem
//! (not stopping at the first) so one run shows them all.
//!
//! Each `[[exercise]]` and `[[routine]]` table is read on its own, so a typo in
//! one entry does not hide the problems in the others.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Weekday;
use serde::de::DeserializeOwned;
use toml::{Table, Value};

use super::{
    seconds_text, Content, ContentError, ContentErrors, Dose, Exercise, Routine, Sources,
    EXERCISES_FILE, PLAN_FILE, ROUTINES_FILE,
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

    // The weekly plan.
    let plan_file = file_name(PLAN_FILE);
    let plan = parse_plan(
        &mut errors,
        &plan_file,
        &sources.plan,
        &rt_file,
        routine_ids.as_ref(),
    );

    if errors.0.is_empty() {
        Ok(Content {
            exercises,
            routines,
            plan,
        })
    } else {
        Err(ContentErrors(errors.0))
    }
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

/// Lowercase ASCII letters and digits in words joined by single hyphens.
fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn check_exercise(errors: &mut Errors, file: &str, label: &str, ex: &Exercise) {
    if ex.name.trim().is_empty() {
        errors.push(
            file,
            label,
            "has an empty name; give it a name to show people",
        );
    }
    if ex.steps.is_empty() {
        errors.push(
            file,
            label,
            "has no steps; add 3 to 5 short instructions to `steps`, in order",
        );
    }
    for (step, number) in ex.steps.iter().zip(1..) {
        let text = step.trim();
        if text.is_empty() {
            errors.push(
                file,
                label,
                format!("step {number} is empty; write the instruction or remove it"),
            );
        } else if starts_with_number(text) {
            errors.push(
                file,
                label,
                format!(
                    "step {number} starts with its own number; drop it, the app numbers the steps"
                ),
            );
        }
    }
    if ex.works.is_empty() {
        errors.push(
            file,
            label,
            "has an empty `works` list; name what it works: arch, calf, toes, ankle or balance",
        );
    }
    if ex.safety.trim().is_empty() {
        errors.push(
            file,
            label,
            "has no safety line; add one line to `safety` saying when to stop or take care",
        );
    }
    for (item, number) in ex.equipment.iter().zip(1..) {
        if item.trim().is_empty() {
            errors.push(
                file,
                label,
                format!("equipment item {number} is empty; name the item or remove it"),
            );
        }
    }
    for problem in dose_problems(&ex.dose) {
        errors.push(file, label, format!("dose: {problem}"));
    }
}

/// "1. Sit", "2) Stand", "3 - Lift".
fn starts_with_number(text: &str) -> bool {
    let rest = text.trim_start_matches(|c: char| c.is_ascii_digit());
    rest.len() < text.len() && rest.starts_with(['.', ')', ':', '-'])
}

/// What is wrong with a dose, in plain words; empty when it is fine.
fn dose_problems(dose: &Dose) -> Vec<String> {
    let mut problems = Vec::new();
    let kinds = [
        ("hold_seconds", dose.hold_seconds, MAX_HOLD_SECONDS, " s"),
        ("reps", dose.reps, MAX_REPS, ""),
        ("seconds", dose.seconds, MAX_SECONDS, " s"),
    ];
    let named: Vec<&str> = kinds
        .iter()
        .filter(|(_, value, _, _)| value.is_some())
        .map(|(name, _, _, _)| *name)
        .collect();
    match named.len() {
        0 => problems
            .push("names none of hold_seconds, reps or seconds; give exactly one".to_owned()),
        1 => {}
        _ => problems.push(format!(
            "names {} together; give exactly one of hold_seconds, reps or seconds",
            named.join(" and ")
        )),
    }
    for (name, value, max, unit) in kinds {
        match value {
            Some(0) => problems.push(format!("{name} is 0; give a number above 0")),
            Some(v) if v > max => problems.push(format!(
                "{name} = {v} is more than the most allowed ({max}{unit}); use a smaller number"
            )),
            _ => {}
        }
    }
    match dose.seconds_per_rep {
        Some(0) => problems.push("seconds_per_rep is 0; give the seconds one calm repetition takes".to_owned()),
        Some(v) if v > MAX_SECONDS_PER_REP => problems.push(format!(
            "seconds_per_rep = {v} is more than the most allowed ({MAX_SECONDS_PER_REP} s); use a smaller number"
        )),
        _ => {}
    }
    if dose.seconds_per_rep.is_some() && dose.reps.is_none() {
        problems.push("seconds_per_rep only applies with reps; remove it or give reps".to_owned());
    }
    if dose.sets == 0 {
        problems.push("sets is 0; give at least 1 (or leave sets out for 1)".to_owned());
    } else if dose.sets > MAX_SETS {
        problems.push(format!(
            "sets = {} is more than the most allowed ({MAX_SETS}); use fewer sets",
            dose.sets
        ));
    }
    problems
}

/// What a routine may refer to.
struct References<'a> {
    /// The exercises file name, for messages.
    file: &'a str,
    /// Every exercise id written; `None` when that file could not be read,
    /// so references are not checked.
    ids: Option<&'a BTreeSet<String>>,
    /// The exercises that fit the schema.
    exercises: &'a BTreeMap<String, Exercise>,
}

fn check_routine(
    errors: &mut Errors,
    file: &str,
    label: &str,
    routine: &Routine,
    refs: &References<'_>,
) {
    if routine.name.trim().is_empty() {
        errors.push(
            file,
            label,
            "has an empty name; give it a name to show people",
        );
    }
    if routine.summary.trim().is_empty() {
        errors.push(
            file,
            label,
            "has an empty summary; add one sentence saying what the routine does",
        );
    }
    let minutes_ok = match routine.minutes {
        0 => {
            errors.push(
                file,
                label,
                format!("minutes is 0; give the length the routine promises (1 to {MAX_MINUTES})"),
            );
            false
        }
        m if m > MAX_MINUTES => {
            errors.push(
                file,
                label,
                format!("minutes = {m} is more than {MAX_MINUTES}; split it into shorter routines or fix the number"),
            );
            false
        }
        _ => true,
    };
    if routine.steps.is_empty() {
        errors.push(
            file,
            label,
            "has no steps; add at least one { exercise = \"...\" } to `steps`",
        );
        return;
    }

    // The total is only meaningful when every step can be timed.
    let mut total = Some(0u32);
    for (step, number) in routine.steps.iter().zip(1..) {
        let step_label = format!("{label} step {number}");
        let exercise = refs.exercises.get(&step.exercise);
        if let Some(ids) = refs.ids {
            if !ids.contains(&step.exercise) {
                errors.push(
                    file,
                    step_label.as_str(),
                    format!(
                        "names exercise \"{}\", which {} does not define; use one of: {}",
                        step.exercise,
                        refs.file,
                        join_ids(ids)
                    ),
                );
            }
        }
        let mut dose_ok = true;
        if let Some(dose) = &step.dose {
            for problem in dose_problems(dose) {
                errors.push(file, step_label.as_str(), format!("dose: {problem}"));
                dose_ok = false;
            }
        }
        if step.rest_after_seconds > MAX_REST_SECONDS {
            errors.push(
                file,
                step_label.as_str(),
                format!(
                    "rest_after_seconds = {} is more than the most allowed ({MAX_REST_SECONDS} s); shorten the rest",
                    step.rest_after_seconds
                ),
            );
        }
        let dose = step.dose.as_ref().or(exercise.map(|e| &e.dose));
        total = match (total, dose) {
            (Some(sum), Some(dose)) if dose_ok && dose_problems(dose).is_empty() => {
                Some(sum + dose.work_seconds() + step.rest_after_seconds)
            }
            _ => None,
        };
    }

    if let (Some(total), true) = (total, minutes_ok) {
        let promised = routine.minutes * 60;
        if total.abs_diff(promised) * 100 > promised * TOLERANCE_PERCENT {
            errors.push(
                file,
                label,
                format!(
                    "its steps add up to {total} s ({}) but it promises {} min ({promised} s), more than {TOLERANCE_PERCENT}% off; change the doses or rests, or `minutes`",
                    seconds_text(total),
                    routine.minutes
                ),
            );
        }
    }
    check_levels(errors, file, label, routine);
}

/// Levels: 1 to 6 percentages, easiest first, one of them 100, each within
/// reach of the standard dose; and a sane number of days to level up.
fn check_levels(errors: &mut Errors, file: &str, label: &str, routine: &Routine) {
    let levels = &routine.levels;
    if levels.is_empty() || levels.len() > 6 {
        errors.push(
            file,
            label,
            format!(
                "has {} levels; give 1 to 6 percentages, like levels = [60, 100, 130]",
                levels.len()
            ),
        );
        return;
    }
    if !levels.contains(&100) {
        errors.push(file, label, "has no level at 100; people start at the routine's own numbers, so one level must be 100");
    }
    for p in levels {
        if !(40..=250).contains(p) {
            errors.push(
                file,
                label,
                format!(
                    "level {p}% is outside 40% to 250%; holds and repetitions would become absurd"
                ),
            );
        }
    }
    if levels.windows(2).any(|w| w[0] >= w[1]) {
        errors.push(
            file,
            label,
            "levels must go from easiest to hardest, each larger than the one before",
        );
    }
    if !(1..=30).contains(&routine.level_up_after) {
        errors.push(
            file,
            label,
            format!(
                "level_up_after = {} is outside 1 to 30 completed days",
                routine.level_up_after
            ),
        );
    }
}

fn join_ids(ids: &BTreeSet<String>) -> String {
    if ids.is_empty() {
        return "(none defined yet)".to_owned();
    }
    ids.iter()
        .map(|id| format!("\"{id}\""))
        .collect::<Vec<_>>()
        .join(", ")
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
