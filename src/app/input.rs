//! What people type, parsed at the edge into values that can only be valid.
//! Both front ends parse through these, so a mistake gets the same answer
//! (a `UserError` saying what to type instead) in Discord and the console.

use std::str::FromStr;

use chrono::{NaiveDate, Weekday};

use crate::coach::fit::Kit;
use crate::coach::plan::{parse_date, RestDays};
use crate::coach::LocalTime;
use crate::error::UserError;

/// "on" or "off" (also yes/no, join/leave).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch(pub bool);

impl FromStr for Switch {
    type Err = UserError;

    fn from_str(text: &str) -> Result<Self, UserError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "on" | "yes" | "join" => Ok(Switch(true)),
            "off" | "no" | "leave" => Ok(Switch(false)),
            _ => Err(UserError::OnOff),
        }
    }
}

/// An evening time like 19:00, or "off".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evening(pub Option<LocalTime>);

impl FromStr for Evening {
    type Err = UserError;

    fn from_str(text: &str) -> Result<Self, UserError> {
        if text.trim().eq_ignore_ascii_case("off") {
            return Ok(Evening(None));
        }
        text.parse::<LocalTime>()
            .map(|t| Evening(Some(t)))
            .map_err(|_| UserError::TimeOrOff {
                input: text.chars().take(20).collect(),
            })
    }
}

/// The last day of a pause, typed as YYYY-MM-DD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Until(pub NaiveDate);

impl FromStr for Until {
    type Err = UserError;

    fn from_str(text: &str) -> Result<Self, UserError> {
        Ok(Until(parse_date(text)?))
    }
}

/// Weekly rest days: "sat sun", or "none".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekdays(pub RestDays);

impl FromStr for Weekdays {
    type Err = UserError;

    fn from_str(text: &str) -> Result<Self, UserError> {
        Ok(Weekdays(RestDays::parse_list(text)?))
    }
}

/// The equipment a person has: "tennis ball, towel", or "none".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Equipment(pub Kit);

impl FromStr for Equipment {
    type Err = UserError;

    fn from_str(text: &str) -> Result<Self, UserError> {
        Ok(Equipment(Kit::parse_list(text)?))
    }
}

/// The day of the week in review: a weekday ("sunday", "Sun"), or "off".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyDay(pub Option<Weekday>);

impl FromStr for WeeklyDay {
    type Err = UserError;

    fn from_str(text: &str) -> Result<Self, UserError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(WeeklyDay(None));
        }
        Weekday::from_str(text)
            .map(|d| WeeklyDay(Some(d)))
            .map_err(|_| UserError::WeeklyDay {
                input: text.chars().take(20).collect(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_says_what_to_type() {
        assert_eq!("ON".parse::<Switch>(), Ok(Switch(true)));
        assert_eq!("maybe".parse::<Switch>(), Err(UserError::OnOff));
        assert_eq!("off".parse::<Evening>(), Ok(Evening(None)));
        assert_eq!(
            "19:00".parse::<Evening>(),
            Ok(Evening(LocalTime::new(19, 0)))
        );
        let e = "25:61".parse::<Evening>().unwrap_err().to_string();
        assert!(e.contains("19:00") && e.contains("off"), "{e}");
        let e = "soon".parse::<Until>().unwrap_err().to_string();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
        let e = "funday".parse::<Weekdays>().unwrap_err().to_string();
        assert!(e.contains("funday") && e.contains("mon"), "{e}");
        assert_eq!(
            "Tennis ball, a towel"
                .parse::<Equipment>()
                .map(|e| e.0.to_string()),
            Ok("tennis ball, towel".to_owned())
        );
        let e = "golf ball, marbles"
            .parse::<Equipment>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("marbles") && e.contains("tennis ball"), "{e}");
        assert_eq!(
            " Sunday".parse::<WeeklyDay>(),
            Ok(WeeklyDay(Some(Weekday::Sun)))
        );
        assert_eq!(
            "wed".parse::<WeeklyDay>(),
            Ok(WeeklyDay(Some(Weekday::Wed)))
        );
        assert_eq!("OFF".parse::<WeeklyDay>(), Ok(WeeklyDay(None)));
        let e = "someday".parse::<WeeklyDay>().unwrap_err().to_string();
        assert!(
            e.contains("someday") && e.contains("sunday") && e.contains("off"),
            "{e}"
        );
    }
}
