//! The rules each exercise, routine and level must follow, in plain words
//! for the person editing the content.

use super::*;

/// Lowercase ASCII letters and digits in words joined by single hyphens.
pub(super) fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

pub(super) fn check_exercise(errors: &mut Errors, file: &str, label: &str, ex: &Exercise) {
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
    for problem in dose_problems(&ex.dose) {
        errors.push(file, label, format!("dose: {problem}"));
    }
}

/// Alternatives: each an exercise that exists, not the exercise itself, named
/// once, that can be done when this one cannot (it does not need everything
/// this one needs that a person may lack) and that works some of the same.
pub(super) fn check_alternatives(
    errors: &mut Errors,
    file: &str,
    ex: &Exercise,
    ids: &BTreeSet<String>,
    exercises: &BTreeMap<String, Exercise>,
) {
    let label = format!("exercise \"{}\"", ex.id);
    let lackable: Vec<Gear> = ex
        .equipment
        .iter()
        .copied()
        .filter(|g| g.bit().is_some())
        .collect();
    if !ex.alternatives.is_empty() && lackable.is_empty() {
        errors.push(
            file,
            label.as_str(),
            "has alternatives but needs nothing a person can lack; remove `alternatives`",
        );
        return;
    }
    let mut seen = BTreeSet::new();
    for alt_id in &ex.alternatives {
        let entry = format!("{label} alternative \"{alt_id}\"");
        if !seen.insert(alt_id.as_str()) {
            errors.push(file, entry, "is named twice; keep one");
            continue;
        }
        if *alt_id == ex.id {
            errors.push(
                file,
                entry,
                "is the exercise itself; name another exercise or remove it",
            );
            continue;
        }
        if !ids.contains(alt_id) {
            errors.push(
                file,
                entry,
                format!(
                    "is not an exercise in this file; use one of: {}",
                    join_ids(ids)
                ),
            );
            continue;
        }
        // A schema error in the alternative is reported on its own entry.
        let Some(alt) = exercises.get(alt_id) else {
            continue;
        };
        if lackable.iter().all(|g| alt.equipment.contains(g)) {
            let names: Vec<&str> = lackable.iter().map(|g| g.name()).collect();
            errors.push(
                file,
                entry.as_str(),
                format!(
                    "needs {} too, so it can never stand in; pick an exercise that needs other equipment or none",
                    names.join(" and ")
                ),
            );
        }
        if !alt.works.iter().any(|a| ex.works.contains(a)) {
            errors.push(
                file,
                entry,
                "works none of the same areas; pick an exercise that does a similar job",
            );
        }
    }
}

/// A routine longer than the short day names a `short` routine that exists
/// and fits in it; a routine that fits names none.
pub(super) fn check_short(
    errors: &mut Errors,
    file: &str,
    routine: &Routine,
    ids: &BTreeSet<String>,
    routines: &BTreeMap<String, Routine>,
) {
    let label = format!("routine \"{}\"", routine.id);
    let Some(short_id) = &routine.short else {
        if routine.minutes > SHORT_DAY_MINUTES {
            errors.push(
                file,
                label,
                format!(
                    "takes {} min but names no `short` routine for people who chose {SHORT_DAY_MINUTES} minutes a day; add short = \"<id of a routine of at most {SHORT_DAY_MINUTES} min>\"",
                    routine.minutes
                ),
            );
        }
        return;
    };
    if routine.minutes <= SHORT_DAY_MINUTES {
        errors.push(
            file,
            label,
            format!("takes {SHORT_DAY_MINUTES} min or less already; remove `short`"),
        );
        return;
    }
    if !ids.contains(short_id) {
        errors.push(
            file,
            label,
            format!(
                "short = \"{short_id}\" is not a routine in this file; use one of: {}",
                join_ids(ids)
            ),
        );
        return;
    }
    if let Some(short) = routines.get(short_id) {
        if short.minutes > SHORT_DAY_MINUTES {
            errors.push(
                file,
                label,
                format!(
                    "short = \"{short_id}\" takes {} min; name a routine of at most {SHORT_DAY_MINUTES} min",
                    short.minutes
                ),
            );
        }
    }
}

/// "1. Sit", "2) Stand", "3 - Lift".
pub(super) fn starts_with_number(text: &str) -> bool {
    let rest = text.trim_start_matches(|c: char| c.is_ascii_digit());
    rest.len() < text.len() && rest.starts_with(['.', ')', ':', '-'])
}

/// What is wrong with a dose, in plain words; empty when it is fine.
pub(super) fn dose_problems(dose: &Dose) -> Vec<String> {
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
pub(super) struct References<'a> {
    /// The exercises file name, for messages.
    pub(super) file: &'a str,
    /// Every exercise id written; `None` when that file could not be read,
    /// so references are not checked.
    pub(super) ids: Option<&'a BTreeSet<String>>,
    /// The exercises that fit the schema.
    pub(super) exercises: &'a BTreeMap<String, Exercise>,
}

pub(super) fn check_routine(
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
pub(super) fn check_levels(errors: &mut Errors, file: &str, label: &str, routine: &Routine) {
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

pub(super) fn join_ids(ids: &BTreeSet<String>) -> String {
    if ids.is_empty() {
        return "(none defined yet)".to_owned();
    }
    ids.iter()
        .map(|id| format!("\"{id}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
