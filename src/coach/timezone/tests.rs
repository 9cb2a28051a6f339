use chrono::TimeZone;

use super::*;

fn winter() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 15, 12, 0, 0).unwrap()
}

fn summer() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 7, 15, 12, 0, 0).unwrap()
}

fn zone(raw: &str) -> &'static str {
    Timezone::read(raw, winter())
        .unwrap_or_else(|e| panic!("{raw}: {e}"))
        .name()
}

fn refusal(raw: &str, now: DateTime<Utc>) -> BadTimezone {
    match Timezone::read(raw, now) {
        Ok(tz) => panic!("{raw} was taken as {tz}"),
        Err(e) => e,
    }
}

#[test]
fn iana_names_parse_ignoring_case_spaces_and_underscores() {
    assert_eq!(zone("europe/berlin"), "Europe/Berlin");
    assert_eq!(zone(" Europe/Berlin "), "Europe/Berlin");
    assert_eq!(zone("America/New York"), "America/New_York");
    assert_eq!(zone("america/port au prince"), "America/Port-au-Prince");
    assert_eq!(zone("US/Eastern"), "US/Eastern");
}

#[test]
fn cities_resolve_to_their_zone_in_every_spelling() {
    for (typed, want) in [
        ("berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("BERLIN", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("new-york", "America/New_York"),
        ("sao paulo", "America/Sao_Paulo"),
        ("são paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao_Paulo", "America/Sao_Paulo"),
        ("los angeles", "America/Los_Angeles"),
        ("Los_Angeles", "America/Los_Angeles"),
        ("ho chi minh", "Asia/Ho_Chi_Minh"),
        ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("indianapolis", "America/Indiana/Indianapolis"),
        ("istanbul", "Europe/Istanbul"),
        ("singapore", "Asia/Singapore"),
        ("kiev", "Europe/Kyiv"),
        ("mumbai", "Asia/Kolkata"),
        ("München", "Europe/Berlin"),
        ("zürich", "Europe/Zurich"),
        ("reykjavík", "Atlantic/Reykjavik"),
    ] {
        assert_eq!(zone(typed), want, "{typed}");
    }
}

#[test]
fn utc_is_taken_as_utc() {
    for typed in [
        "UTC",
        "utc",
        "Etc/UTC",
        "Universal",
        "Zulu",
        "UTC+0",
        "utc+00:00",
    ] {
        assert_eq!(zone(typed), "UTC", "{typed}");
    }
}

#[test]
fn abbreviations_that_ignore_summer_time_are_refused_with_the_zones_meant() {
    for (typed, first) in [
        ("EST", "America/New_York"),
        ("est", "America/New_York"),
        ("EDT", "America/New_York"),
        ("EST5EDT", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
        ("PST8PDT", "America/Los_Angeles"),
        ("MST", "America/Denver"),
        ("MST7MDT", "America/Denver"),
        ("CST6CDT", "America/Chicago"),
        ("HST", "Pacific/Honolulu"),
        ("BST", "Europe/London"),
        ("GMT", "Europe/London"),
        ("CET", "Europe/Berlin"),
        ("CEST", "Europe/Berlin"),
        ("MET", "Europe/Berlin"),
        ("EET", "Europe/Athens"),
        ("WET", "Europe/Lisbon"),
        ("AEST", "Australia/Sydney"),
        ("NZDT", "Pacific/Auckland"),
    ] {
        match refusal(typed, winter()) {
            BadTimezone::Fixed { zones, .. } => assert_eq!(zones[0], first, "{typed}"),
            other => panic!("{typed}: {other:?}"),
        }
    }
    assert_eq!(
        refusal("EST", winter()).to_string(),
        "\"EST\" is a fixed offset that never changes for summer time; where you live probably does. \
         Type the zone where you live instead, like America/New_York or America/Toronto"
    );
    let BadTimezone::Fixed { zones, .. } = refusal("MST", winter()) else {
        panic!()
    };
    assert!(zones.contains(&"America/Phoenix"), "{zones:?}");
}

#[test]
fn ambiguous_abbreviations_offer_each_place() {
    let cases: [(&str, &[&str]); 3] = [
        ("IST", &["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"]),
        (
            "CST",
            &["America/Chicago", "Asia/Shanghai", "America/Havana"],
        ),
        (
            "ast",
            &["America/Halifax", "Asia/Riyadh", "America/Puerto_Rico"],
        ),
    ];
    for (typed, want) in cases {
        match refusal(typed, winter()) {
            BadTimezone::Ambiguous { zones, .. } => assert_eq!(zones, want, "{typed}"),
            other => panic!("{typed}: {other:?}"),
        }
    }
    assert_eq!(
        refusal("IST", winter()).to_string(),
        "\"IST\" means different zones in different places. Type the zone where you live instead, \
         like Asia/Kolkata, Europe/Dublin or Asia/Jerusalem"
    );
}

#[test]
fn abbreviations_of_one_zone_without_summer_time_are_that_zone() {
    assert_eq!(zone("JST"), "Asia/Tokyo");
    assert_eq!(zone("kst"), "Asia/Seoul");
    assert_eq!(zone("SGT"), "Asia/Singapore");
}

#[test]
fn offsets_are_refused_with_the_zones_at_that_offset_now() {
    for typed in [
        "UTC+2",
        "utc +2",
        "+2",
        "+02:00",
        "GMT+2",
        "UTC+02",
        "+0200",
        "Etc/GMT-2",
    ] {
        match refusal(typed, winter()) {
            BadTimezone::Offset { offset, zones, .. } => {
                assert_eq!(offset, "+02:00", "{typed}");
                assert_eq!(
                    zones,
                    ["Africa/Cairo", "Africa/Johannesburg", "Europe/Athens"],
                    "{typed}"
                );
            }
            other => panic!("{typed}: {other:?}"),
        }
    }
    // In July Berlin is at +02:00 and Cairo at +03:00.
    let BadTimezone::Offset { zones, .. } = refusal("UTC+2", summer()) else {
        panic!()
    };
    assert_eq!(zones[0], "Europe/Berlin");
    assert!(zones.contains(&"Africa/Johannesburg"), "{zones:?}");
    for (typed, offset, first) in [
        ("+05:30", "+05:30", "Asia/Kolkata"),
        ("GMT-3", "-03:00", "America/Sao_Paulo"),
        ("utc -5", "-05:00", "America/New_York"),
        ("UTC−5", "-05:00", "America/New_York"),
        ("Etc/GMT+5", "-05:00", "America/New_York"),
        ("+0", "+00:00", "Europe/London"),
    ] {
        match refusal(typed, winter()) {
            BadTimezone::Offset {
                offset: got, zones, ..
            } => assert_eq!((got.as_str(), zones[0]), (offset, first), "{typed}"),
            other => panic!("{typed}: {other:?}"),
        }
    }
    assert_eq!(
        refusal("UTC+2", winter()).to_string(),
        "\"UTC+2\" is a fixed offset that never changes for summer time; where you live probably does. \
         Type the zone where you live instead, like Africa/Cairo, Africa/Johannesburg or Europe/Athens \
         (at UTC+02:00 now)"
    );
}

#[test]
fn impossible_offsets_are_unknown() {
    for typed in ["UTC+15", "+02:15", "+2:3", "UTC+", "+"] {
        assert!(
            matches!(refusal(typed, winter()), BadTimezone::Unknown { .. }),
            "{typed}"
        );
    }
}

#[test]
fn garbage_is_refused_with_the_closest_name() {
    let close = |typed| match refusal(typed, winter()) {
        BadTimezone::Close { close, .. } => close,
        other => panic!("{typed}: {other:?}"),
    };
    assert_eq!(close("Europe/Berln")[0], "Europe/Berlin");
    assert_eq!(close("berln")[0], "Europe/Berlin");
    assert_eq!(close("Amsterdm")[0], "Europe/Amsterdam");
    assert_eq!(
        refusal("Europe/Berln", winter()).to_string(),
        "\"Europe/Berln\" is not a timezone I know. Did you mean Europe/Berlin? Type that instead"
    );
    for typed in ["Mars/Olympus", "", "qq", "🦶"] {
        assert!(
            matches!(refusal(typed, winter()), BadTimezone::Unknown { .. }),
            "{typed}: {:?}",
            refusal(typed, winter())
        );
    }
    assert_eq!(
        refusal("Mars/Olympus", winter()).to_string(),
        "\"Mars/Olympus\" is not a timezone I know: type your city, like Berlin or New York, \
         or a zone like Europe/Berlin"
    );
}

#[test]
fn stored_names_read_back_exactly_even_fixed_ones() {
    assert_eq!(Timezone::named("EST").unwrap().name(), "EST");
    assert_eq!(
        Timezone::named("Europe/Berlin").unwrap().name(),
        "Europe/Berlin"
    );
    assert!(Timezone::named("europe/berlin").is_none());
    let back: Timezone = serde_json::from_str("\"EST\"").unwrap();
    assert_eq!(back.name(), "EST");
}

#[test]
fn suggestions_put_the_city_first_and_stop_at_the_limit() {
    let first = |typed| suggest_at(typed, 25, winter()).first().copied();
    assert_eq!(first("berl"), Some("Europe/Berlin"));
    assert_eq!(first("berlin"), Some("Europe/Berlin"));
    assert_eq!(first("Berlin"), Some("Europe/Berlin"));
    assert_eq!(first("new_y"), Some("America/New_York"));
    assert_eq!(first("new york"), Some("America/New_York"));
    assert_eq!(first("new yo"), Some("America/New_York"));
    assert_eq!(first("sao"), Some("America/Sao_Paulo"));
    assert_eq!(first("são p"), Some("America/Sao_Paulo"));
    assert_eq!(first("mumb"), Some("Asia/Kolkata"));
    assert_eq!(first("berln"), Some("Europe/Berlin"));
    assert_eq!(suggest_at("", 25, winter()).len(), 25);
    assert!(suggest_at("zzzz", 25, winter()).is_empty());
}

#[test]
fn suggestions_offer_the_zones_an_abbreviation_or_offset_means() {
    let est = suggest_at("EST", 25, winter());
    assert_eq!(est[..2], ["America/New_York", "America/Toronto"]);
    assert!(
        !est.contains(&"EST") && !est.contains(&"EST5EDT"),
        "{est:?}"
    );
    let ist = suggest_at("ist", 25, winter());
    assert_eq!(
        ist[..3],
        ["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"]
    );
    let plus2 = suggest_at("UTC+2", 25, winter());
    assert_eq!(
        plus2[..3],
        ["Africa/Cairo", "Africa/Johannesburg", "Europe/Athens"]
    );
    assert!(plus2.len() > 5 && plus2.len() <= 25);
    assert_eq!(suggest_at("utc", 25, winter())[0], "UTC");
}

#[test]
fn every_suggestion_is_accepted_as_itself() {
    for typed in [
        "", "a", "e", "est", "gmt", "etc", "utc+2", "us/", "sing", "japan", "new",
    ] {
        for name in suggest_at(typed, 25, winter()) {
            assert!(name.len() <= 100);
            assert_eq!(zone(name), name, "offered for {typed:?}");
        }
    }
    for e in entries() {
        assert_eq!(zone(e.tz.name()), e.tz.name());
    }
}

#[test]
fn every_name_in_the_tables_is_known_and_accepted() {
    for name in table::table_names() {
        assert_eq!(zone(name), name);
    }
}

#[test]
fn likely_zones_follow_the_locale_then_the_well_known() {
    let names = |zones: Vec<Timezone>| zones.into_iter().map(Timezone::name).collect::<Vec<_>>();
    let us = names(Timezone::likely("en-US", 25));
    assert_eq!(us[0], "America/New_York");
    assert!(us.contains(&"America/Los_Angeles") && us.contains(&"Europe/Berlin"));
    assert_eq!(us.len(), 25);
    assert_eq!(names(Timezone::likely("de", 3))[0], "Europe/Berlin");
    assert_eq!(names(Timezone::likely("pt-BR", 3))[0], "America/Sao_Paulo");
    // A locale without its own places gets the well-known ones.
    assert_eq!(
        names(Timezone::likely("xx", 2)),
        ["America/New_York", "Europe/London"]
    );
}

#[test]
fn the_time_on_a_clock_finds_the_zones_showing_it() {
    use chrono::TimeZone;
    let now = chrono::Utc.with_ymd_and_hms(2027, 1, 15, 12, 0, 0).unwrap();
    let at = |h, m| LocalTime::new(h, m).unwrap();
    let names = |zones: Vec<Timezone>| zones.into_iter().map(Timezone::name).collect::<Vec<_>>();
    // 13:00 when it is noon in UTC, in January: Central Europe.
    assert!(names(Timezone::showing(at(13, 0), now)).contains(&"Europe/Berlin"));
    // A clock a few minutes off still finds the zone.
    assert!(names(Timezone::showing(at(7, 2), now)).contains(&"America/New_York"));
    // Half-hour zones, and the day line: 17:30 is India, 02:00 Hawaii.
    assert!(names(Timezone::showing(at(17, 30), now)).contains(&"Asia/Kolkata"));
    assert!(names(Timezone::showing(at(2, 0), now)).contains(&"Pacific/Honolulu"));
}
