//! The words of the week in review: the review itself, its setting, and
//! where the console put its picture.

use chrono::{DateTime, Datelike, Utc, Weekday};

use crate::coach::progression::{LevelReason, LevelRecord};
use crate::coach::review::{PainDirection, WeekReview};
use crate::coach::LocalTime;

use super::{at, Text};

/// A weekday in full, for sentences and the command's choices.
pub fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// What a screen reader says for the week's picture.
pub const WEEK_ALT: &str = "Your week, one square per day, coloured by how the day went";

/// The choice that turns the review off.
pub const OFF: &str = "Off";

/// The answer to `/settings weekly`.
pub fn weekly_set(
    day: Option<Weekday>,
    reminder: Option<LocalTime>,
    next: Option<DateTime<Utc>>,
) -> Text {
    let Some(day) = day else {
        return Text::from("Week in review off. Turn it back on with /settings weekly sunday");
    };
    let every = format!(
        "Your week in review comes every {} at your reminder time",
        day_name(day)
    );
    match (reminder, next) {
        (Some(time), Some(next)) => Text::from(format!("{every}, {time}. Next: ")) + at(next),
        (Some(time), None) => Text::from(format!("{every}, {time}.")),
        (None, _) => Text::from(format!(
            "{every}, but you have no reminder yet: set one with /remind set 07:30 Europe/Berlin"
        )),
    }
}

/// The setting among the others (`/remind show`).
pub fn weekly_setting(day: Option<Weekday>) -> String {
    match day {
        Some(day) => format!(
            "Week in review: {}s at your reminder time (/settings weekly off to stop it).",
            day_name(day)
        ),
        None => "Week in review: off.".to_owned(),
    }
}

/// Why a level changed, after the change itself.
fn level_move(change: &LevelRecord) -> String {
    let why = match change.reason {
        LevelReason::Pain(p) => format!("gentler after pain {p}"),
        LevelReason::Progress => "steady work with little pain moved you up".to_owned(),
        LevelReason::Asked => "you asked for easier sessions".to_owned(),
    };
    format!("Level {} to {}: {why}.", change.from, change.to)
}

/// A review in words: a title and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewText {
    /// "Your week in review: 14 to 20 March"
    pub title: String,
    pub lines: Vec<String>,
}

pub fn review(r: &WeekReview) -> ReviewText {
    let span = match (r.first_day(), r.last_day()) {
        (Some(first), Some(last)) if first.month() == last.month() => {
            format!("{} to {}", first.format("%-d"), last.format("%-d %B"))
        }
        (Some(first), Some(last)) => {
            format!("{} to {}", first.format("%-d %B"), last.format("%-d %B"))
        }
        _ => String::new(),
    };
    let mut lines = vec![match (r.planned, r.partial) {
        (0, _) => "No training days were planned this week.".to_owned(),
        (planned, 0) => format!("Days done: {} of {planned} planned.", r.done),
        (planned, partial) => format!(
            "Days done: {} of {planned} planned, and {partial} partly.",
            r.done
        ),
    }];
    lines.push(format!("Minutes of exercise: {}.", r.minutes));
    if let Some(p) = r.pain {
        lines.push(if p.reports == 1 {
            format!("Pain: {}, reported once.", p.first)
        } else {
            let way = match p.direction() {
                PainDirection::Better => "better",
                PainDirection::Worse => "worse: go gently, and see a clinician if it keeps on",
                PainDirection::Same => "the same",
            };
            format!("Pain: {} at first, {} at the end: {way}.", p.first, p.last)
        });
    }
    lines.extend(r.level_changes.iter().map(level_move));
    lines.push(if r.planned > 0 && r.done == r.planned {
        "Every planned day done: well done! /progress shows your streak.".to_owned()
    } else {
        "A new week starts today: /routine today shows today's routine.".to_owned()
    });
    ReviewText {
        title: format!("Your week in review: {span}"),
        lines,
    }
}

/// Where the console put the week's picture.
pub fn week_file(path: &str) -> String {
    format!("The picture of your week: {path}")
}
