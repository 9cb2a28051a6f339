//! What people type for a zone, mapped to IANA names: cities, abbreviations,
//! UTC offsets. Cities come from the IANA names themselves; the tables list
//! only what those names miss, so they stay short.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Offset, TimeZone, Utc};
use chrono_tz::{Tz, TZ_VARIANTS};

use super::table::{Abbreviation, ABBREVIATIONS, ALIASES, REGIONS, UTC_NAMES, WELL_KNOWN};

/// What a person typed, understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Typed {
    Zone(Tz),
    /// A fixed offset by name ("EST"): the zones likely meant.
    Fixed(&'static [&'static str]),
    /// An abbreviation of zones far apart ("IST"): the zones likely meant.
    Ambiguous(&'static [&'static str]),
    /// Seconds east of UTC.
    Offset(i32),
    Unknown,
}

/// Lower case without accents, with spaces, dashes and underscores as one
/// "_", so "São Paulo", "sao-paulo" and "Sao_Paulo" read the same.
pub(super) fn fold(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.trim().chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à'..='å' => 'a',
            'ç' => 'c',
            'è'..='ë' => 'e',
            'ì'..='ï' => 'i',
            'ñ' => 'n',
            'ò'..='ö' | 'ø' => 'o',
            'ù'..='ü' => 'u',
            'ý' | 'ÿ' => 'y',
            ' ' | '-' | '_' => '_',
            c => c,
        };
        if c == '_' && (out.is_empty() || out.ends_with(['_', '/'])) {
            continue;
        }
        if c == '/' && out.ends_with('_') {
            out.pop();
        }
        out.push(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// "UTC+2", "GMT-3", "+05:30", "utc -5", "+0530"; "Etc/GMT+5", whose sign
/// is the POSIX one, is five hours behind. Seconds east of UTC.
fn offset(raw: &str) -> Option<i32> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if c == '−' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let (body, posix) = match compact.strip_prefix("etc/gmt") {
        Some(body) => (body, -1),
        None => (
            ["utc", "gmt"]
                .iter()
                .find_map(|p| compact.strip_prefix(p))
                .unwrap_or(&compact),
            1,
        ),
    };
    let (sign, digits) = match body.as_bytes().first()? {
        b'+' => (1, &body[1..]),
        b'-' => (-1, &body[1..]),
        _ => return None,
    };
    if digits.is_empty()
        || !digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
    {
        return None;
    }
    let (h, m) = match digits.split_once([':', '.']) {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => return None,
        None if digits.len() > 2 => digits.split_at(digits.len() - 2),
        None => (digits, "0"),
    };
    if !(1..=2).contains(&h.len()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m >= 60 {
        return None;
    }
    Some(posix * sign * (h * 3600 + m * 60))
}

/// Reads what a person typed for a zone.
pub(super) fn classify(raw: &str) -> Typed {
    if let Some(seconds) = offset(raw) {
        // "UTC+0" is UTC by its own name; "+0" alone may be London in winter.
        let utc = raw
            .trim_start()
            .get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case("utc"));
        return if seconds == 0 && utc {
            Typed::Zone(chrono_tz::UTC)
        } else {
            Typed::Offset(seconds)
        };
    }
    let key = fold(raw);
    if UTC_NAMES.contains(&key.as_str()) {
        return Typed::Zone(chrono_tz::UTC);
    }
    if let Some((_, meaning)) = ABBREVIATIONS
        .iter()
        .find(|(keys, _)| keys.contains(&key.as_str()))
    {
        return match meaning {
            Abbreviation::Zone(name) => Typed::Zone(zone(name)),
            Abbreviation::Fixed(names) => Typed::Fixed(names),
            Abbreviation::Ambiguous(names) => Typed::Ambiguous(names),
        };
    }
    let maps = maps();
    if let Some(tz) = maps.cities.get(&key).or_else(|| maps.names.get(&key)) {
        return Typed::Zone(*tz);
    }
    Typed::Unknown
}

/// A name from the tables; a test proves each one is known.
fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

struct Maps {
    /// Folded city, or alias, to its zone.
    cities: HashMap<String, Tz>,
    /// Folded full name to its zone.
    names: HashMap<String, Tz>,
}

fn maps() -> &'static Maps {
    static MAPS: OnceLock<Maps> = OnceLock::new();
    MAPS.get_or_init(|| {
        let mut cities: HashMap<String, Tz> = HashMap::new();
        for tz in TZ_VARIANTS {
            let name = tz.name();
            let Some((region, city)) = name.split_once('/') else {
                continue;
            };
            if !REGIONS.contains(&region) {
                continue;
            }
            let city = fold(city.rsplit('/').next().unwrap_or(city));
            let better = match cities.get(&city) {
                Some(held) => city_rank(&tz) < city_rank(held),
                None => true,
            };
            if better {
                cities.insert(city, tz);
            }
        }
        // Chosen on purpose: "kiev" means Europe/Kyiv, not the old link.
        for (alias, name) in ALIASES {
            cities.insert((*alias).to_owned(), zone(name));
        }
        let names = TZ_VARIANTS
            .iter()
            .map(|tz| (fold(tz.name()), *tz))
            .collect();
        Maps { cities, names }
    })
}

/// Which zone a city shared by several names means: a well-known one, then
/// the longer name ("America/Argentina/Buenos_Aires" over its old link
/// "America/Buenos_Aires"), then by region.
fn city_rank(tz: &Tz) -> (bool, usize, usize) {
    let name = tz.name();
    let region = name.split('/').next().unwrap_or(name);
    (
        !WELL_KNOWN.contains(&name),
        usize::MAX - name.matches('/').count(),
        REGIONS
            .iter()
            .position(|r| *r == region)
            .unwrap_or(usize::MAX),
    )
}

/// A zone a person can be offered: its name reads back as itself.
pub(super) struct Entry {
    pub tz: Tz,
    /// The folded full name.
    pub key: String,
    /// The folded last part of the name.
    pub city: String,
    /// Outside today's regions ("US/Eastern", "Japan").
    pub legacy: bool,
    /// Place in `WELL_KNOWN`, if there.
    pub known: usize,
}

/// Every zone that may be offered, well known first, then by name. Names a
/// person cannot type (fixed offsets, UTC's other names, "Singapore" which
/// reads as Asia/Singapore) are left out, so every offer is accepted.
pub(super) fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut all: Vec<Entry> = TZ_VARIANTS
            .iter()
            .filter(|tz| classify(tz.name()) == Typed::Zone(**tz))
            .map(|tz| {
                let name = tz.name();
                let region = name.split('/').next().unwrap_or(name);
                Entry {
                    tz: *tz,
                    key: fold(name),
                    city: fold(name.rsplit('/').next().unwrap_or(name)),
                    legacy: !(REGIONS.contains(&region) || *tz == chrono_tz::UTC),
                    known: WELL_KNOWN
                        .iter()
                        .position(|n| *n == name)
                        .unwrap_or(usize::MAX),
                }
            })
            .collect();
        all.sort_by_key(|e| (e.known, e.legacy, e.tz.name()));
        all
    })
}

/// Aliases whose folded key starts with `needle`, with their zones.
pub(super) fn aliases_starting(needle: &str) -> impl Iterator<Item = Tz> + '_ {
    ALIASES
        .iter()
        .filter(move |(alias, _)| alias.starts_with(needle))
        .map(|(_, name)| zone(name))
}

/// Seconds east of UTC of `tz` at `at`.
fn offset_at(tz: Tz, at: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

/// Zones at this offset at `now`: well-known ones first, one of each kind
/// (region, winter and summer offsets) before the rest, so the first few
/// cover the likely places.
pub(super) fn at_offset(seconds: i32, now: DateTime<Utc>) -> Vec<&'static str> {
    let year = now.year();
    let mid = |month| {
        Utc.with_ymd_and_hms(year, month, 1, 12, 0, 0)
            .single()
            .unwrap_or(now)
    };
    let (january, july) = (mid(1), mid(7));
    let matching = entries()
        .iter()
        .filter(|e| !e.legacy && offset_at(e.tz, now) == seconds);
    let mut kinds = Vec::new();
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for e in matching {
        let name = e.tz.name();
        let kind = (
            name.split('/').next(),
            offset_at(e.tz, january),
            offset_at(e.tz, july),
        );
        if e.known != usize::MAX && !kinds.contains(&kind) {
            kinds.push(kind);
            first.push(name);
        } else {
            rest.push(name);
        }
    }
    first.extend(rest);
    first
}

/// "+02:00", "-03:30".
pub(super) fn show_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Edits (insertions, deletions, changes, swaps of neighbours) from `a` to `b`.
pub(super) fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let width = b.len() + 1;
    let mut d: Vec<usize> = Vec::with_capacity((a.len() + 1) * width);
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let v = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1)
                    .min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[(i - 2) * width + j - 2] + 1);
                }
                v
            };
            d.push(v);
        }
    }
    d[a.len() * width + b.len()]
}
