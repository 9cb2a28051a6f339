//! The few names IANA does not give: well-known zones, cities people call
//! by another name, abbreviations. Keys are folded (see `names::fold`).

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
pub(super) const ALIASES: &[(&str, &str)] = &[
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
pub(super) enum Abbreviation {
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
pub(super) const ABBREVIATIONS: &[(&[&str], Abbreviation)] = &[
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
pub(super) const UTC_NAMES: &[&str] = &[
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
pub(super) const REGIONS: &[&str] = &[
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

/// Zones likely for a Discord locale, most likely first; the well-known
/// zones follow them in the setup's list.
pub(super) const BY_LOCALE: &[(&str, &[&str])] = &[
    (
        "en-US",
        &[
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Phoenix",
            "America/Los_Angeles",
            "America/Anchorage",
            "Pacific/Honolulu",
            "America/Toronto",
            "America/Vancouver",
        ],
    ),
    ("en-GB", &["Europe/London", "Europe/Dublin"]),
    ("de", &["Europe/Berlin", "Europe/Vienna", "Europe/Zurich"]),
    (
        "fr",
        &["Europe/Paris", "Europe/Brussels", "America/Montreal"],
    ),
    ("es-ES", &["Europe/Madrid", "Atlantic/Canary"]),
    (
        "es-419",
        &[
            "America/Mexico_City",
            "America/Bogota",
            "America/Argentina/Buenos_Aires",
            "America/Santiago",
            "America/Lima",
        ],
    ),
    (
        "pt-BR",
        &["America/Sao_Paulo", "America/Manaus", "America/Recife"],
    ),
    ("it", &["Europe/Rome"]),
    ("nl", &["Europe/Amsterdam", "Europe/Brussels"]),
    ("pl", &["Europe/Warsaw"]),
    ("sv-SE", &["Europe/Stockholm"]),
    ("no", &["Europe/Oslo"]),
    ("da", &["Europe/Copenhagen"]),
    ("fi", &["Europe/Helsinki"]),
    ("cs", &["Europe/Prague"]),
    ("hu", &["Europe/Budapest"]),
    ("ro", &["Europe/Bucharest"]),
    ("bg", &["Europe/Sofia"]),
    ("el", &["Europe/Athens"]),
    ("hr", &["Europe/Zagreb"]),
    ("lt", &["Europe/Vilnius"]),
    ("tr", &["Europe/Istanbul"]),
    ("uk", &["Europe/Kyiv"]),
    (
        "ru",
        &["Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk"],
    ),
    ("hi", &["Asia/Kolkata"]),
    ("th", &["Asia/Bangkok"]),
    ("vi", &["Asia/Ho_Chi_Minh"]),
    ("id", &["Asia/Jakarta", "Asia/Makassar"]),
    ("zh-CN", &["Asia/Shanghai"]),
    ("zh-TW", &["Asia/Taipei"]),
    ("ja", &["Asia/Tokyo"]),
    ("ko", &["Asia/Seoul"]),
];
