//! What today holds for a user: their routine, a rest day, or a pause.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::content::{Content, Routine};

/// Weekly rest days, as a set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct RestDays(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\" is not a weekday: use mon, tue, wed, thu, fri, sat or sun")]
pub struct BadWeekday {
    pub input: String,
}

impl RestDays {
    pub const NONE: RestDays = RestDays(0);

    pub fn from_bits(bits: u8) -> Self {
        Self(bits & 0x7f)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn with(self, day: Weekday) -> Self {
        Self(self.0 | (1 << day.num_days_from_monday()))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Parses "sat sun", "Saturday, Sunday" or "none".
    pub fn parse_list(text: &str) -> Result<Self, BadWeekday> {
        let mut days = RestDays::NONE;
        for word in text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
        {
            if word.eq_ignore_ascii_case("none") {
                continue;
            }
            let day = Weekday::from_str(word).map_err(|_| BadWeekday {
                input: word.chars().take(20).collect(),
            })?;
            days = days.with(day);
        }
        Ok(days)
    }
}

impl fmt::Display for RestDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<String> = super::WEEK
            .iter()
            .filter(|d| self.contains(**d))
            .map(|d| d.to_string())
            .collect();
        f.write_str(&names.join(" "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\" is not a date: type it as YYYY-MM-DD, like 2027-01-05")]
pub struct BadDate {
    pub input: String,
}

/// Parses a date typed as YYYY-MM-DD.
pub fn parse_date(text: &str) -> Result<NaiveDate, BadDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| BadDate {
        input: text.chars().take(30).collect(),
    })
}

/// A holiday: local dates `from` to `until`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl Pause {
    pub fn covers(self, date: NaiveDate) -> bool {
        (self.from..=self.until).contains(&date)
    }
}

/// What a local day holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayPlan<'a> {
    Train(&'a Routine),
    Rest,
    Paused { until: NaiveDate },
}

/// The plan for `date` by the weekly plan, the user's rest days and pause.
pub fn day_plan<'a>(
    content: &'a Content,
    rest_days: RestDays,
    pause: Option<Pause>,
    date: NaiveDate,
) -> DayPlan<'a> {
    match pause {
        Some(p) if p.covers(date) => DayPlan::Paused { until: p.until },
        _ if rest_days.contains(date.weekday()) => DayPlan::Rest,
        _ => DayPlan::Train(content.planned_routine(date.weekday())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_days_parse_and_print() {
        let days = RestDays::parse_list("Sat, sunday").unwrap();
        assert!(days.contains(Weekday::Sat) && days.contains(Weekday::Sun));
        assert!(!days.contains(Weekday::Mon));
        assert_eq!(days.to_string(), "Sat Sun");
        assert_eq!(RestDays::parse_list("none").unwrap(), RestDays::NONE);
        assert!(RestDays::parse_list("sat funday").is_err());
        assert_eq!(RestDays::from_bits(days.bits()), days);
    }
}
