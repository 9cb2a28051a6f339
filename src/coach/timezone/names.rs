//! What people type for a zone, mapped to IANA names: cities, abbreviations,
//! UTC offsets. Cities come from the IANA names themselves; the tables list
//! only what those names miss, so they stay short.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Offset, TimeZone, Utc};
use chrono_tz::{Tz, TZ_VARIANTS};

/// Zones most people live in, best known first: they lead suggestions and
/// the zones offered for an offset.
pub(super) const WELL_KNOWN: &[&str] = &[
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "America/Los_Angeles",
    "America/Chicago",
    "Europe/Paris",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Africa/Cairo",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "America/Denver",
    "America/Phoenix",
    "America/Toronto",
    "America/Mexico_City",
    "America/Argentina/Buenos_Aires",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Caracas",
    "America/Halifax",
    "America/St_Johns",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Vancouver",
    "America/Havana",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Nairobi",
    "Asia/Jerusalem",
    "Asia/Riyadh",
    "Asia/Tehran",
    "Asia/Karachi",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Ho_Chi_Minh",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Manila",
    "Asia/Seoul",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Melbourne",
    "Pacific/Auckland",
    "UTC",
];

/// Cities people name that are not the city of an IANA name (keys folded).
const ALIASES: &[(&str, &str)] = &[
    ("nyc", "America/New_York"),
    ("new_york_city", "America/New_York"),
    ("washington", "America/New_York"),
    ("boston", "America/New_York"),
    ("miami", "America/New_York"),
    ("atlanta", "America/New_York"),
    ("philadelphia", "America/New_York"),
    ("montreal", "America/Toronto"),
    ("ottawa", "America/Toronto"),
    ("houston", "America/Chicago"),
    ("dallas", "America/Chicago"),
    ("austin", "America/Chicago"),
    ("san_francisco", "America/Los_Angeles"),
    ("seattle", "America/Los_Angeles"),
    ("las_vegas", "America/Los_Angeles"),
    ("calgary", "America/Edmonton"),
    ("rio_de_janeiro", "America/Sao_Paulo"),
    ("munich", "Europe/Berlin"),
    ("munchen", "Europe/Berlin"),
    ("hamburg", "Europe/Berlin"),
    ("frankfurt", "Europe/Berlin"),
    ("barcelona", "Europe/Madrid"),
    ("milan", "Europe/Rome"),
    ("geneva", "Europe/Zurich"),
    ("kiev", "Europe/Kyiv"),
    ("saint_petersburg", "Europe/Moscow"),
    ("st_petersburg", "Europe/Moscow"),
    ("cape_town", "Africa/Johannesburg"),
    ("tel_aviv", "Asia/Jerusalem"),
    ("abu_dhabi", "Asia/Dubai"),
    ("mumbai", "Asia/Kolkata"),
    ("delhi", "Asia/Kolkata"),
    ("new_delhi", "Asia/Kolkata"),
    ("bangalore", "Asia/Kolkata"),
    ("bengaluru", "Asia/Kolkata"),
    ("chennai", "Asia/Kolkata"),
    ("beijing", "Asia/Shanghai"),
    ("shenzhen", "Asia/Shanghai"),
    ("ho_chi_minh_city", "Asia/Ho_Chi_Minh"),
    ("saigon", "Asia/Ho_Chi_Minh"),
    ("hanoi", "Asia/Ho_Chi_Minh"),
    ("osaka", "Asia/Tokyo"),
    ("canberra", "Australia/Sydney"),
    ("wellington", "Pacific/Auckland"),
];

/// What an abbreviation, or a legacy IANA name for a fixed offset, stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abbreviation {
    /// One zone that keeps this offset all year: taken as that zone.
    Zone(&'static str),
    /// Winter or summer time only, or a fixed offset: wrong for half the
    /// year where people live.
    Fixed(&'static [&'static str]),
    /// Used by zones far apart.
    Ambiguous(&'static [&'static str]),
}

use Abbreviation::{Ambiguous, Fixed, Zone};

/// Abbreviations (folded) and the zones people using them likely mean.
const ABBREVIATIONS: &[(&[&str], Abbreviation)] = &[
    (
        &["est", "edt", "et", "est5edt"],
        Fixed(&["America/New_York", "America/Toronto"]),
    ),
    (
        &["cst"],
        Ambiguous(&["America/Chicago", "Asia/Shanghai", "America/Havana"]),
    ),
    (
        &["cdt", "ct", "cst6cdt"],
        Fixed(&["America/Chicago", "America/Winnipeg"]),
    ),
    (
        &["mst"],
        Fixed(&["America/Denver", "America/Phoenix", "America/Edmonton"]),
    ),
    (
        &["mdt", "mt", "mst7mdt"],
        Fixed(&["America/Denver", "America/Edmonton"]),
    ),
    (
        &["pst", "pdt", "pt", "pst8pdt"],
        Fixed(&["America/Los_Angeles", "America/Vancouver"]),
    ),
    (&["akst", "akdt"], Fixed(&["America/Anchorage"])),
    (&["hst"], Fixed(&["Pacific/Honolulu", "America/Adak"])),
    (
        &["ast"],
        Ambiguous(&["America/Halifax", "Asia/Riyadh", "America/Puerto_Rico"]),
    ),
    (&["adt"], Fixed(&["America/Halifax"])),
    (&["nst", "ndt"], Fixed(&["America/St_Johns"])),
    (
        &[
            "gmt",
            "gmt0",
            "etc/gmt",
            "etc/gmt0",
            "greenwich",
            "etc/greenwich",
        ],
        Fixed(&["Europe/London", "Europe/Dublin", "UTC"]),
    ),
    (&["bst"], Fixed(&["Europe/London"])),
    (
        &["ist"],
        Ambiguous(&["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"]),
    ),
    (
        &["wet", "west"],
        Fixed(&["Europe/Lisbon", "Atlantic/Canary"]),
    ),
    (
        &["cet", "cest", "met", "mest"],
        Fixed(&["Europe/Berlin", "Europe/Paris", "Europe/Madrid"]),
    ),
    (
        &["eet", "eest"],
        Fixed(&["Europe/Athens", "Europe/Helsinki", "Africa/Cairo"]),
    ),
    (
        &["acst", "acdt"],
        Fixed(&["Australia/Adelaide", "Australia/Darwin"]),
    ),
    (
        &["aest", "aedt"],
        Fixed(&[
            "Australia/Sydney",
            "Australia/Melbourne",
            "Australia/Brisbane",
        ]),
    ),
    (&["nzst", "nzdt"], Fixed(&["Pacific/Auckland"])),
    (&["msk"], Zone("Europe/Moscow")),
    (&["wat"], Zone("Africa/Lagos")),
    (&["sast"], Zone("Africa/Johannesburg")),
    (&["eat"], Zone("Africa/Nairobi")),
    (&["pkt"], Zone("Asia/Karachi")),
    (&["npt"], Zone("Asia/Kathmandu")),
    (&["wib"], Zone("Asia/Jakarta")),
    (&["sgt"], Zone("Asia/Singapore")),
    (&["hkt"], Zone("Asia/Hong_Kong")),
    (&["pht"], Zone("Asia/Manila")),
    (&["jst"], Zone("Asia/Tokyo")),
    (&["kst"], Zone("Asia/Seoul")),
    (&["awst"], Zone("Australia/Perth")),
    (&["brt"], Zone("America/Sao_Paulo")),
    (&["art"], Zone("America/Argentina/Buenos_Aires")),
];

/// Names for UTC itself (folded): what people mean by them never changes.
const UTC_NAMES: &[&str] = &[
    "utc",
    "etc/utc",
    "uct",
    "etc/uct",
    "universal",
    "etc/universal",
    "zulu",
    "etc/zulu",
];

/// Regions of the names kept today, in the order a shared city prefers.
const REGIONS: &[&str] = &[
    "Europe",
    "America",
    "Asia",
    "Africa",
    "Australia",
    "Pacific",
    "Atlantic",
    "Indian",
    "Antarctica",
    "Arctic",
];

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
            Zone(name) => Typed::Zone(zone(name)),
            Fixed(names) => Typed::Fixed(names),
            Ambiguous(names) => Typed::Ambiguous(names),
        };
    }
    let maps = maps();
    if let Some(tz) = maps.cities.get(&key).or_else(|| maps.names.get(&key)) {
        return Typed::Zone(*tz);
    }
    Typed::Unknown
}

/// A name from the tables above; a test proves each one is known.
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

/// Every name in the tables, for the test that each one is known and
/// accepted as itself.
#[cfg(test)]
pub(super) fn table_names() -> impl Iterator<Item = &'static str> {
    let abbreviated = ABBREVIATIONS.iter().flat_map(|(_, meaning)| match meaning {
        Zone(name) => std::slice::from_ref(name),
        Fixed(names) | Ambiguous(names) => names,
    });
    WELL_KNOWN
        .iter()
        .chain(ALIASES.iter().map(|(_, name)| name))
        .chain(abbreviated)
        .copied()
}
