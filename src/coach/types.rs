//! Values that can only hold valid data, parsed once at the edge.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

/// A wall-clock time of day, minute precision ("07:30").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalTime(NaiveTime);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{input}\" is not a time of day: type it as HH:MM on a 24-hour clock, like 07:30 or 18:05"
)]
pub struct BadTime {
    pub input: String,
}

impl LocalTime {
    pub const fn new(hour: u32, minute: u32) -> Option<Self> {
        match NaiveTime::from_hms_opt(hour, minute, 0) {
            Some(t) => Some(Self(t)),
            None => None,
        }
    }

    pub fn naive(self) -> NaiveTime {
        self.0
    }

    pub fn hour(self) -> u32 {
        self.0.hour()
    }

    pub fn minute(self) -> u32 {
        self.0.minute()
    }

    /// Minutes since midnight, as stored in the database.
    pub fn minutes_of_day(self) -> i32 {
        (self.0.hour() * 60 + self.0.minute()) as i32
    }

    pub fn from_minutes_of_day(minutes: i32) -> Option<Self> {
        if !(0..24 * 60).contains(&minutes) {
            return None;
        }
        Self::new(minutes as u32 / 60, minutes as u32 % 60)
    }
}

impl FromStr for LocalTime {
    type Err = BadTime;

    /// Accepts "7:30", "07:30", "0730" hour-minute forms and "7am", "7:30 pm".
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let bad = || BadTime {
            input: raw.chars().take(40).collect(),
        };
        let text = raw.trim().to_ascii_lowercase();
        let (body, meridiem) = if let Some(b) = text.strip_suffix("am") {
            (b.trim_end(), Some(false))
        } else if let Some(b) = text.strip_suffix("pm") {
            (b.trim_end(), Some(true))
        } else {
            (text.as_str(), None)
        };
        let digits_only =
            |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
        let (h, m) = match body.split_once([':', '.', 'h']) {
            Some((h, m)) if digits_only(h) && m.len() == 2 && digits_only(m) => (h, m),
            None if meridiem.is_some() && digits_only(body) => (body, "00"),
            None if body.len() == 4 && body.bytes().all(|b| b.is_ascii_digit()) => body.split_at(2),
            _ => return Err(bad()),
        };
        let mut hour: u32 = h.parse().map_err(|_| bad())?;
        let minute: u32 = m.parse().map_err(|_| bad())?;
        if let Some(pm) = meridiem {
            if !(1..=12).contains(&hour) {
                return Err(bad());
            }
            hour = match (hour, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
        }
        Self::new(hour, minute).ok_or_else(bad)
    }
}

impl TryFrom<String> for LocalTime {
    type Error = BadTime;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<LocalTime> for String {
    fn from(t: LocalTime) -> String {
        t.to_string()
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

/// Pain on the usual 0 to 10 scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct PainLevel(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pain is a number from 0 (none) to 10 (worst), like \"pain 3\"")]
pub struct BadPain;

impl PainLevel {
    /// From this level up the coach suggests seeing a clinician.
    pub const HIGH: PainLevel = PainLevel(7);

    pub fn new(level: u8) -> Result<Self, BadPain> {
        if level <= 10 {
            Ok(Self(level))
        } else {
            Err(BadPain)
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn is_high(self) -> bool {
        self >= Self::HIGH
    }
}

impl TryFrom<u8> for PainLevel {
    type Error = BadPain;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PainLevel> for u8 {
    fn from(p: PainLevel) -> u8 {
        p.0
    }
}

impl fmt::Display for PainLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/10", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_people_type_parse() {
        for (raw, want) in [
            ("07:30", (7, 30)),
            ("7:30", (7, 30)),
            (" 0730 ", (7, 30)),
            ("7am", (7, 0)),
            ("7:15 PM", (19, 15)),
            ("12am", (0, 0)),
            ("12:05pm", (12, 5)),
            ("23:59", (23, 59)),
            ("00:00", (0, 0)),
        ] {
            let t: LocalTime = raw.parse().unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!((t.hour(), t.minute()), want, "{raw}");
        }
    }

    #[test]
    fn impossible_times_are_refused() {
        for raw in [
            "25:61",
            "24:00",
            "7am-ish",
            "",
            "7",
            "13pm",
            "0am",
            "07:5",
            "-1:30",
            "٠٧:٣٠",
            "7:30:00",
        ] {
            assert!(raw.parse::<LocalTime>().is_err(), "{raw} should be refused");
        }
    }

    #[test]
    fn pain_is_zero_to_ten() {
        assert!(PainLevel::new(10).is_ok());
        assert!(PainLevel::new(11).is_err());
        assert!(PainLevel::new(7).unwrap().is_high());
        assert!(!PainLevel::new(6).unwrap().is_high());
    }
}
