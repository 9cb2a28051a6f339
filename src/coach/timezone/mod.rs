//! A person's timezone, read as people type it: "Europe/Berlin", "berlin",
//! "são paulo". Abbreviations and UTC offsets are refused with the zones
//! meant, because most of them ignore summer time where the person lives.

mod names;
mod table;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use names::{classify, entries, fold, Typed};

use super::types::LocalTime;

/// An IANA timezone known to chrono-tz.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timezone(chrono_tz::Tz);

/// A zone refused, with what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadTimezone {
    #[error("\"{input}\" is not a timezone I know: type your city, like Berlin or New York, or a zone like Europe/Berlin")]
    Unknown { input: String },
    #[error(
        "\"{input}\" is not a timezone I know. Did you mean {}? Type that instead",
        one_of(close)
    )]
    Close {
        input: String,
        close: Vec<&'static str>,
    },
    #[error(
        "\"{input}\" is a fixed offset that never changes for summer time; where you live probably does. \
         Type the zone where you live instead, like {}",
        one_of(zones)
    )]
    Fixed {
        input: String,
        zones: Vec<&'static str>,
    },
    #[error(
        "\"{input}\" means different zones in different places. Type the zone where you live instead, like {}",
        one_of(zones)
    )]
    Ambiguous {
        input: String,
        zones: Vec<&'static str>,
    },
    #[error(
        "\"{input}\" is a fixed offset that never changes for summer time; where you live probably does. \
         Type the zone where you live instead, like {} (at UTC{offset} now)",
        one_of(zones)
    )]
    Offset {
        input: String,
        offset: String,
        zones: Vec<&'static str>,
    },
}

/// "A", "A or B", "A, B or C".
fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [most @ .., last] => format!("{} or {last}", most.join(", ")),
    }
}

/// How many zones a refusal offers.
const OFFERED: usize = 3;

impl Timezone {
    pub const UTC: Timezone = Timezone(chrono_tz::UTC);

    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// An exact IANA name, as stored. A name kept from before is read back
    /// even where a person could no longer type it ("EST").
    pub fn named(name: &str) -> Option<Timezone> {
        name.parse::<chrono_tz::Tz>().ok().map(Timezone)
    }

    /// Every IANA name, for autocompletion.
    pub fn all() -> impl Iterator<Item = Timezone> {
        chrono_tz::TZ_VARIANTS.iter().copied().map(Timezone)
    }

    /// Names that match what a person has typed so far, best first, at most
    /// `limit`; each one is accepted as typed.
    pub fn suggest(typed: &str, limit: usize) -> Vec<&'static str> {
        suggest_at(typed, limit, Utc::now())
    }

    /// Up to `limit` zones likely for someone whose Discord speaks
    /// `locale` ("en-US", "de"): that language's places first, then the
    /// zones most people live in.
    pub fn likely(locale: &str, limit: usize) -> Vec<Timezone> {
        let language = locale.split('-').next().unwrap_or(locale);
        let own = table::BY_LOCALE
            .iter()
            .filter(|(l, _)| *l == locale || *l == language)
            .chain(
                table::BY_LOCALE
                    .iter()
                    .filter(|(l, _)| l.starts_with(language)),
            )
            .flat_map(|(_, zones)| zones.iter());
        let mut out: Vec<Timezone> = Vec::new();
        for name in own.chain(table::WELL_KNOWN.iter()) {
            if out.len() == limit {
                break;
            }
            if let Some(tz) = Timezone::named(name).filter(|tz| !out.contains(tz)) {
                out.push(tz);
            }
        }
        out
    }

    /// The zones where the clock shows `local` at `now` (to the quarter
    /// hour), likely ones first: how a person finds their zone by saying
    /// what time it is for them.
    pub fn showing(local: LocalTime, now: DateTime<Utc>) -> Vec<Timezone> {
        const DAY: i32 = 24 * 3600;
        const QUARTER: i32 = 15 * 60;
        let utc = now.time().num_seconds_from_midnight() as i32;
        let ahead = (local.minutes_of_day() * 60 - utc).rem_euclid(DAY);
        let ahead = ((ahead as f64 / f64::from(QUARTER)).round() as i32) * QUARTER;
        // Offsets run from -12:00 to +14:00, so a clock can mean a day ahead
        // or behind (02:00 is both Hawaii and Kiribati).
        [ahead - DAY, ahead]
            .into_iter()
            .filter(|o| (-12 * 3600..=14 * 3600).contains(o))
            .flat_map(|o| names::at_offset(o, now))
            .filter_map(Timezone::named)
            .collect()
    }

    /// What a person typed, with offsets read at `now`.
    pub fn read(raw: &str, now: DateTime<Utc>) -> Result<Timezone, BadTimezone> {
        let input: String = raw.trim().chars().take(60).collect();
        let zones = |names: &[&'static str]| names.iter().take(OFFERED).copied().collect();
        match classify(raw) {
            Typed::Zone(tz) => Ok(Timezone(tz)),
            Typed::Fixed(names) => Err(BadTimezone::Fixed {
                input,
                zones: zones(names),
            }),
            Typed::Ambiguous(names) => Err(BadTimezone::Ambiguous {
                input,
                zones: zones(names),
            }),
            Typed::Offset(seconds) => {
                let at = names::at_offset(seconds, now);
                if at.is_empty() {
                    return Err(BadTimezone::Unknown { input });
                }
                Err(BadTimezone::Offset {
                    input,
                    offset: names::show_offset(seconds),
                    zones: zones(&at),
                })
            }
            Typed::Unknown => {
                let needle = fold(raw);
                let close: Vec<_> = matches(&needle, true).take(OFFERED).collect();
                if needle.is_empty() || close.is_empty() {
                    Err(BadTimezone::Unknown { input })
                } else {
                    Err(BadTimezone::Close { input, close })
                }
            }
        }
    }
}

/// Names for what was typed: the zones it means, then names that match it
/// as text.
fn suggest_at(typed: &str, limit: usize, now: DateTime<Utc>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = match classify(typed) {
        Typed::Zone(tz) => vec![tz.name()],
        Typed::Fixed(names) | Typed::Ambiguous(names) => names.to_vec(),
        Typed::Offset(seconds) => names::at_offset(seconds, now),
        Typed::Unknown => Vec::new(),
    };
    out.truncate(limit);
    for name in matches(&fold(typed), false) {
        if out.len() >= limit {
            break;
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Zones whose names match `needle` (folded), best first: the whole name,
/// then the start of the city (or of a city people call it), the start of
/// the name, anywhere in it, and last a near miss ("berln"). `strict` leaves
/// out matches anywhere in short needles, which say little.
fn matches(needle: &str, strict: bool) -> impl Iterator<Item = &'static str> {
    let aliased: Vec<chrono_tz::Tz> = if needle.is_empty() {
        Vec::new()
    } else {
        names::aliases_starting(needle).collect()
    };
    // Near misses only for words long enough to say what was meant.
    let slack = match needle.len() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    };
    let whole = needle.contains('/');
    let mut scored: Vec<(u8, bool, usize, &'static str)> = entries()
        .iter()
        .filter_map(|e| {
            let score = if needle.is_empty() {
                3
            } else if e.key == needle {
                0
            } else if e.city.starts_with(needle) || aliased.contains(&e.tz) {
                1
            } else if e.key.starts_with(needle) {
                2
            } else if e.key.contains(needle) && !(strict && needle.len() < 4) {
                3
            } else if slack > 0 && {
                let target = if whole { &e.key } else { &e.city };
                // The length check spares most zones the distance, per keystroke.
                target.len().abs_diff(needle.len()) <= slack
                    && names::distance(needle, target) <= slack
            } {
                4
            } else {
                return None;
            };
            Some((score, e.legacy, e.known, e.tz.name()))
        })
        .collect();
    scored.sort_unstable();
    scored.into_iter().map(|(_, _, _, name)| name)
}

impl FromStr for Timezone {
    type Err = BadTimezone;

    /// As a person types it: an IANA name in any case, a city, UTC.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::read(raw, Utc::now())
    }
}

impl TryFrom<String> for Timezone {
    type Error = BadTimezone;

    /// Our own serialized form: the exact IANA name.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::named(&value).ok_or_else(|| BadTimezone::Unknown {
            input: value.chars().take(60).collect(),
        })
    }
}

impl From<Timezone> for String {
    fn from(t: Timezone) -> String {
        t.name().to_owned()
    }
}

impl From<chrono_tz::Tz> for Timezone {
    fn from(tz: chrono_tz::Tz) -> Self {
        Timezone(tz)
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests;
