//! When a daily local time happens, as an instant.
//!
//! A person's day is their local day in their IANA timezone. A daily local
//! time that does not exist on a day (spring forward) fires at the instant that
//! wall-clock time would have had with the offset in effect before the gap; a
//! local time that occurs twice (fall back) fires at the first occurrence. This
//! is RFC 5545 section 3.3.5 and what Python's zoneinfo gives with `fold=0`.
//! "Tomorrow" is always one local day later, resolved again; never 24 hours.

use chrono::{
    DateTime, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta,
    TimeZone, Utc,
};
use chrono_tz::OffsetName;

use super::timezone::Timezone;
use super::types::LocalTime;

/// How far back (in local wall-clock time) we look for the offset in effect
/// before a gap. The longest known gap is Pacific/Apia skipping 2011-12-30
/// (24 hours); two days leaves room for anything stranger.
const GAP_LOOKBACK_STEPS: u32 = 2 * 24 * 4;
const GAP_STEP_MINUTES: i64 = 15;

/// The person's local calendar date at `instant`.
pub fn local_date(tz: Timezone, instant: DateTime<Utc>) -> NaiveDate {
    in_zone(tz, instant).date_naive()
}

/// `instant` in `tz`, or in UTC at the very ends of representable time where
/// the local date would not exist (chrono panics formatting those).
fn in_zone(tz: Timezone, instant: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
    let local = instant.with_timezone(&tz.tz());
    match instant.naive_utc().checked_add_offset(local.offset().fix()) {
        Some(_) => local,
        None => instant.with_timezone(&chrono_tz::Tz::UTC),
    }
}

/// The instant `time` has on local `date` in `tz`.
///
/// An ambiguous time (fall back) resolves to its first occurrence; a time in a
/// gap (spring forward) resolves to the instant the wall-clock time has with
/// the offset in effect before the gap, so 02:30 on a New York change day is
/// 03:30 EDT. Never panics.
pub fn resolve_local(tz: Timezone, date: NaiveDate, time: LocalTime) -> DateTime<Utc> {
    let wall = date.and_time(time.naive());
    let zone = tz.tz();
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            let before = offset_before_gap(zone, wall).unwrap_or_else(|| {
                // Not found (only at the ends of representable time): fall back
                // to the offset at the instant the wall time names in UTC.
                zone.offset_from_utc_datetime(&wall).fix()
            });
            wall.checked_sub_offset(before).unwrap_or(wall).and_utc()
        }
    }
}

/// The offset in effect just before the gap that swallows `wall`: the offset
/// of the latest existing wall time before it, found in 15-minute local steps.
fn offset_before_gap(zone: chrono_tz::Tz, wall: NaiveDateTime) -> Option<FixedOffset> {
    let step = TimeDelta::try_minutes(GAP_STEP_MINUTES)?;
    let mut probe = wall;
    for _ in 0..GAP_LOOKBACK_STEPS {
        probe = probe.checked_sub_signed(step)?;
        match zone.from_local_datetime(&probe) {
            LocalResult::Single(at) => return Some(at.offset().fix()),
            // Closest to the gap is the later occurrence's offset.
            LocalResult::Ambiguous(a, b) => return Some(a.max(b).offset().fix()),
            LocalResult::None => {}
        }
    }
    None
}

/// The first reminder instant strictly after `now` for a daily local `time`.
pub fn next_reminder(tz: Timezone, time: LocalTime, now: DateTime<Utc>) -> DateTime<Utc> {
    match reminders_between(tz, time, now, 1).first() {
        Some(&(_, at)) => at,
        // Only reachable at the very end of representable dates.
        None => now
            .checked_add_signed(TimeDelta::days(1))
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    }
}

/// The next `count` reminders strictly after `from`, in order, each with the
/// local date it belongs to.
///
/// Instants are strictly increasing. When two local dates resolve to the same
/// instant (Pacific/Apia skipped 2011-12-30, so that day's 07:30 is the next
/// day's 07:30), there is one reminder, belonging to the later date.
pub fn reminders_between(
    tz: Timezone,
    time: LocalTime,
    from: DateTime<Utc>,
    count: usize,
) -> Vec<(NaiveDate, DateTime<Utc>)> {
    if count == 0 {
        return Vec::new();
    }
    // Offsets differ by at most about a day, so no reminder of a date more than
    // two days before `from`'s local date can come after `from`.
    let today = local_date(tz, from);
    let mut date = today.checked_sub_days(Days::new(2)).unwrap_or(today);
    // One more than asked for: the extra one proves the last asked-for one will
    // not be merged with a later date's identical instant.
    let wanted = count.saturating_add(1);
    let mut out: Vec<(NaiveDate, DateTime<Utc>)> = Vec::with_capacity(wanted.min(1024));
    while out.len() < wanted {
        let at = resolve_local(tz, date, time);
        if at > from {
            match out.binary_search_by_key(&at, |&(_, t)| t) {
                Ok(i) => out[i].0 = out[i].0.max(date),
                Err(i) => out.insert(i, (date, at)),
            }
        }
        date = match date.succ_opt() {
            Some(next) => next,
            None => break,
        };
    }
    out.truncate(count);
    out
}

/// `instant` as local ISO 8601 with its offset, seconds always shown:
/// `2027-03-14T03:30:00-04:00`.
pub fn iso_local(tz: Timezone, instant: DateTime<Utc>) -> String {
    in_zone(tz, instant)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// `instant` in plain words for a person in `tz`, relative to `now`:
/// "tomorrow at 07:30 (CET), in 9 hours 12 minutes" or
/// "Sunday 14 March 2027 at 03:30 (EDT), in 3 days 6 hours".
pub fn words_local(tz: Timezone, instant: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = in_zone(tz, instant);
    let days_apart = (local.date_naive() - local_date(tz, now)).num_days();
    let day = match days_apart {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        -1 => "yesterday".to_owned(),
        _ => local.format("%A %-d %B %Y").to_string(),
    };
    let zone = zone_label(local.offset().abbreviation(), local.offset().fix());
    let clock = local.format("%H:%M");
    let relative = relative_words((instant - now).num_seconds());
    format!("{day} at {clock} ({zone}), {relative}")
}

/// A letter abbreviation ("EDT", "CET") when the zone has one, else "UTC+5:30".
fn zone_label(abbreviation: Option<&str>, offset: FixedOffset) -> String {
    match abbreviation {
        Some(name) if name.starts_with(|c: char| c.is_ascii_alphabetic()) => name.to_owned(),
        _ => {
            let total = offset.local_minus_utc();
            let sign = if total < 0 { '-' } else { '+' };
            let minutes = total.unsigned_abs() / 60;
            let (hours, minutes) = (minutes / 60, minutes % 60);
            if minutes == 0 {
                format!("UTC{sign}{hours}")
            } else {
                format!("UTC{sign}{hours}:{minutes:02}")
            }
        }
    }
}

fn relative_words(seconds: i64) -> String {
    if seconds.abs() < 60 {
        return if seconds >= 0 {
            "in less than a minute"
        } else {
            "just now"
        }
        .to_owned();
    }
    let span = span_words(seconds.unsigned_abs() / 60);
    if seconds > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

fn span_words(total_minutes: u64) -> String {
    fn unit(n: u64, one: &str) -> String {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    }
    let hours = total_minutes / 60;
    let minutes = total_minutes % 60;
    if hours >= 48 {
        let (days, hours) = (hours / 24, hours % 24);
        if hours == 0 {
            unit(days, "day")
        } else {
            format!("{} {}", unit(days, "day"), unit(hours, "hour"))
        }
    } else if hours == 0 {
        unit(minutes, "minute")
    } else if minutes == 0 {
        unit(hours, "hour")
    } else {
        format!("{} {}", unit(hours, "hour"), unit(minutes, "minute"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tz(name: &str) -> Timezone {
        Timezone::named(name).unwrap()
    }

    fn at(hour: u32, minute: u32) -> LocalTime {
        LocalTime::new(hour, minute).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// resolve_local(zone, date, time) is `want_utc`, shown locally as `want_iso`.
    /// Expected values come from Python 3.11 zoneinfo with fold=0.
    fn check(
        zone: &str,
        (y, m, d): (i32, u32, u32),
        (h, min): (u32, u32),
        want_utc: &str,
        want_iso: &str,
    ) {
        let z = tz(zone);
        let got = resolve_local(z, date(y, m, d), at(h, min));
        assert_eq!(got, utc(want_utc), "{zone} {y}-{m}-{d} {h}:{min}");
        assert_eq!(iso_local(z, got), want_iso, "{zone} {y}-{m}-{d} {h}:{min}");
    }

    /// The offset in seconds at a given UTC instant.
    fn offset_at(zone: &str, instant: &str) -> i32 {
        utc(instant)
            .with_timezone(&tz(zone).tz())
            .offset()
            .fix()
            .local_minus_utc()
    }

    #[test]
    fn new_york_spring_forward_gap_uses_the_offset_before() {
        let ny = "America/New_York";
        check(
            ny,
            (2027, 3, 13),
            (2, 30),
            "2027-03-13T07:30:00Z",
            "2027-03-13T02:30:00-05:00",
        );
        check(
            ny,
            (2027, 3, 14),
            (2, 30),
            "2027-03-14T07:30:00Z",
            "2027-03-14T03:30:00-04:00",
        );
        check(
            ny,
            (2027, 3, 14),
            (2, 0),
            "2027-03-14T07:00:00Z",
            "2027-03-14T03:00:00-04:00",
        );
        check(
            ny,
            (2027, 3, 14),
            (2, 59),
            "2027-03-14T07:59:00Z",
            "2027-03-14T03:59:00-04:00",
        );
        check(
            ny,
            (2027, 3, 14),
            (1, 59),
            "2027-03-14T06:59:00Z",
            "2027-03-14T01:59:00-05:00",
        );
        check(
            ny,
            (2027, 3, 14),
            (3, 0),
            "2027-03-14T07:00:00Z",
            "2027-03-14T03:00:00-04:00",
        );
        check(
            ny,
            (2027, 3, 14),
            (7, 30),
            "2027-03-14T11:30:00Z",
            "2027-03-14T07:30:00-04:00",
        );
        check(
            ny,
            (2027, 3, 15),
            (2, 30),
            "2027-03-15T06:30:00Z",
            "2027-03-15T02:30:00-04:00",
        );
    }

    #[test]
    fn new_york_fall_back_takes_the_first_occurrence() {
        let ny = "America/New_York";
        check(
            ny,
            (2027, 11, 6),
            (1, 30),
            "2027-11-06T05:30:00Z",
            "2027-11-06T01:30:00-04:00",
        );
        check(
            ny,
            (2027, 11, 7),
            (1, 30),
            "2027-11-07T05:30:00Z",
            "2027-11-07T01:30:00-04:00",
        );
        check(
            ny,
            (2027, 11, 7),
            (1, 0),
            "2027-11-07T05:00:00Z",
            "2027-11-07T01:00:00-04:00",
        );
        check(
            ny,
            (2027, 11, 7),
            (1, 59),
            "2027-11-07T05:59:00Z",
            "2027-11-07T01:59:00-04:00",
        );
        check(
            ny,
            (2027, 11, 7),
            (2, 0),
            "2027-11-07T07:00:00Z",
            "2027-11-07T02:00:00-05:00",
        );
        check(
            ny,
            (2027, 11, 8),
            (1, 30),
            "2027-11-08T06:30:00Z",
            "2027-11-08T01:30:00-05:00",
        );
    }

    #[test]
    fn london_change_days() {
        let london = "Europe/London";
        // 01:00 GMT jumps to 02:00 BST: 01:30 does not exist.
        check(
            london,
            (2027, 3, 28),
            (1, 30),
            "2027-03-28T01:30:00Z",
            "2027-03-28T02:30:00+01:00",
        );
        check(
            london,
            (2027, 3, 28),
            (0, 59),
            "2027-03-28T00:59:00Z",
            "2027-03-28T00:59:00+00:00",
        );
        check(
            london,
            (2027, 3, 28),
            (2, 0),
            "2027-03-28T01:00:00Z",
            "2027-03-28T02:00:00+01:00",
        );
        // 02:00 BST falls back to 01:00 GMT: 01:30 happens twice, first in BST.
        check(
            london,
            (2027, 10, 31),
            (1, 30),
            "2027-10-31T00:30:00Z",
            "2027-10-31T01:30:00+01:00",
        );
        check(
            london,
            (2027, 10, 31),
            (2, 0),
            "2027-10-31T02:00:00Z",
            "2027-10-31T02:00:00+00:00",
        );
    }

    #[test]
    fn lord_howe_moves_by_half_an_hour() {
        let lh = "Australia/Lord_Howe";
        // Verify the change dates in the data rather than trusting them.
        assert_eq!(offset_at(lh, "2027-04-03T14:59:00Z"), 11 * 3600);
        assert_eq!(offset_at(lh, "2027-04-03T15:00:00Z"), 10 * 3600 + 1800);
        assert_eq!(offset_at(lh, "2027-10-02T15:29:00Z"), 10 * 3600 + 1800);
        assert_eq!(offset_at(lh, "2027-10-02T15:30:00Z"), 11 * 3600);
        // Autumn, 2027-04-04: 02:00 +11:00 falls back to 01:30 +10:30.
        check(
            lh,
            (2027, 4, 4),
            (1, 45),
            "2027-04-03T14:45:00Z",
            "2027-04-04T01:45:00+11:00",
        );
        check(
            lh,
            (2027, 4, 4),
            (1, 30),
            "2027-04-03T14:30:00Z",
            "2027-04-04T01:30:00+11:00",
        );
        check(
            lh,
            (2027, 4, 4),
            (1, 29),
            "2027-04-03T14:29:00Z",
            "2027-04-04T01:29:00+11:00",
        );
        check(
            lh,
            (2027, 4, 4),
            (2, 0),
            "2027-04-03T15:30:00Z",
            "2027-04-04T02:00:00+10:30",
        );
        // Spring, 2027-10-03: 02:00 +10:30 jumps to 02:30 +11:00.
        check(
            lh,
            (2027, 10, 3),
            (2, 15),
            "2027-10-02T15:45:00Z",
            "2027-10-03T02:45:00+11:00",
        );
        check(
            lh,
            (2027, 10, 3),
            (2, 0),
            "2027-10-02T15:30:00Z",
            "2027-10-03T02:30:00+11:00",
        );
        check(
            lh,
            (2027, 10, 3),
            (2, 30),
            "2027-10-02T15:30:00Z",
            "2027-10-03T02:30:00+11:00",
        );
        check(
            lh,
            (2027, 10, 3),
            (1, 59),
            "2027-10-02T15:29:00Z",
            "2027-10-03T01:59:00+10:30",
        );
    }

    #[test]
    fn southern_hemisphere_zones() {
        let sydney = "Australia/Sydney";
        // 03:00 AEDT falls back to 02:00 AEST on 2027-04-04.
        check(
            sydney,
            (2027, 4, 4),
            (2, 30),
            "2027-04-03T15:30:00Z",
            "2027-04-04T02:30:00+11:00",
        );
        check(
            sydney,
            (2027, 4, 4),
            (3, 0),
            "2027-04-03T17:00:00Z",
            "2027-04-04T03:00:00+10:00",
        );
        // 02:00 AEST jumps to 03:00 AEDT on 2027-10-03.
        check(
            sydney,
            (2027, 10, 3),
            (2, 30),
            "2027-10-02T16:30:00Z",
            "2027-10-03T03:30:00+11:00",
        );
        check(
            sydney,
            (2027, 10, 4),
            (2, 30),
            "2027-10-03T15:30:00Z",
            "2027-10-04T02:30:00+11:00",
        );

        let santiago = "America/Santiago";
        // Midnight changes: 24:00 -03 on Saturday 3 April goes back to 23:00 -04,
        // so the repeated hour belongs to Saturday.
        check(
            santiago,
            (2027, 4, 3),
            (23, 30),
            "2027-04-04T02:30:00Z",
            "2027-04-03T23:30:00-03:00",
        );
        check(
            santiago,
            (2027, 4, 4),
            (0, 30),
            "2027-04-04T04:30:00Z",
            "2027-04-04T00:30:00-04:00",
        );
        // 00:00 -04 on Sunday 5 September jumps to 01:00 -03: midnight hour missing.
        check(
            santiago,
            (2027, 9, 5),
            (0, 0),
            "2027-09-05T04:00:00Z",
            "2027-09-05T01:00:00-03:00",
        );
        check(
            santiago,
            (2027, 9, 5),
            (0, 30),
            "2027-09-05T04:30:00Z",
            "2027-09-05T01:30:00-03:00",
        );
        check(
            santiago,
            (2027, 9, 4),
            (23, 59),
            "2027-09-05T03:59:00Z",
            "2027-09-04T23:59:00-04:00",
        );
    }

    #[test]
    fn zones_without_dst() {
        check(
            "Asia/Kolkata",
            (2027, 3, 14),
            (7, 30),
            "2027-03-14T02:00:00Z",
            "2027-03-14T07:30:00+05:30",
        );
        check(
            "Asia/Tokyo",
            (2027, 11, 7),
            (1, 30),
            "2027-11-06T16:30:00Z",
            "2027-11-07T01:30:00+09:00",
        );
        check(
            "UTC",
            (2027, 3, 28),
            (1, 30),
            "2027-03-28T01:30:00Z",
            "2027-03-28T01:30:00+00:00",
        );
        let kolkata = tz("Asia/Kolkata");
        let next = next_reminder(kolkata, at(7, 30), utc("2027-03-14T02:00:00Z"));
        assert_eq!(next, utc("2027-03-15T02:00:00Z"));
    }

    #[test]
    fn apia_skipped_day_never_panics_and_merges() {
        // Samoa skipped Friday 2011-12-30 entirely (-10:00 to +14:00).
        let apia = "Pacific/Apia";
        check(
            apia,
            (2011, 12, 29),
            (7, 30),
            "2011-12-29T17:30:00Z",
            "2011-12-29T07:30:00-10:00",
        );
        check(
            apia,
            (2011, 12, 30),
            (7, 30),
            "2011-12-30T17:30:00Z",
            "2011-12-31T07:30:00+14:00",
        );
        check(
            apia,
            (2011, 12, 31),
            (7, 30),
            "2011-12-30T17:30:00Z",
            "2011-12-31T07:30:00+14:00",
        );
        let got = reminders_between(tz(apia), at(7, 30), utc("2011-12-28T00:00:00Z"), 4);
        let want = vec![
            (date(2011, 12, 28), utc("2011-12-28T17:30:00Z")),
            (date(2011, 12, 29), utc("2011-12-29T17:30:00Z")),
            (date(2011, 12, 31), utc("2011-12-30T17:30:00Z")),
            (date(2012, 1, 1), utc("2011-12-31T17:30:00Z")),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn nuuk_gap_crosses_midnight() {
        // Greenland changes at 01:00 UTC, which is 23:00 on Saturday local time:
        // 23:00-24:00 on Saturday 2027-03-27 does not exist, and 23:00-24:00 on
        // Saturday 2027-10-30 happens twice.
        let nuuk = "America/Nuuk";
        check(
            nuuk,
            (2027, 3, 27),
            (22, 30),
            "2027-03-28T00:30:00Z",
            "2027-03-27T22:30:00-02:00",
        );
        check(
            nuuk,
            (2027, 3, 27),
            (23, 30),
            "2027-03-28T01:30:00Z",
            "2027-03-28T00:30:00-01:00",
        );
        check(
            nuuk,
            (2027, 3, 28),
            (23, 30),
            "2027-03-29T00:30:00Z",
            "2027-03-28T23:30:00-01:00",
        );
        check(
            nuuk,
            (2027, 10, 30),
            (23, 30),
            "2027-10-31T00:30:00Z",
            "2027-10-30T23:30:00-01:00",
        );
        check(
            nuuk,
            (2027, 10, 31),
            (23, 30),
            "2027-11-01T01:30:00Z",
            "2027-10-31T23:30:00-02:00",
        );
        // So Sunday 28 March has two 23:30 reminders: Saturday's, moved past
        // midnight, and its own. Each keeps the date it belongs to.
        let got = reminders_between(tz(nuuk), at(23, 30), utc("2027-03-27T12:00:00Z"), 2);
        assert_eq!(
            got,
            vec![
                (date(2027, 3, 27), utc("2027-03-28T01:30:00Z")),
                (date(2027, 3, 28), utc("2027-03-29T00:30:00Z")),
            ]
        );
        assert_eq!(local_date(tz(nuuk), got[0].1), date(2027, 3, 28));
        assert_eq!(next_reminder(tz(nuuk), at(23, 30), got[0].1), got[1].1);
    }

    #[test]
    fn next_reminder_at_exactly_the_instant_moves_to_the_next_day() {
        let berlin = tz("Europe/Berlin");
        let seven_thirty = at(7, 30);
        let fire = utc("2027-01-15T06:30:00Z");
        assert_eq!(
            next_reminder(berlin, seven_thirty, fire),
            utc("2027-01-16T06:30:00Z")
        );
        let just_before = fire - TimeDelta::seconds(1);
        assert_eq!(next_reminder(berlin, seven_thirty, just_before), fire);
        let just_after = fire + TimeDelta::nanoseconds(1);
        assert_eq!(
            next_reminder(berlin, seven_thirty, just_after),
            utc("2027-01-16T06:30:00Z")
        );
        // Late in the evening, local "today" is done: tomorrow.
        assert_eq!(
            next_reminder(berlin, seven_thirty, utc("2027-01-15T22:59:00Z")),
            utc("2027-01-16T06:30:00Z")
        );
        // Just after local midnight (still the previous day in UTC): today.
        assert_eq!(
            next_reminder(berlin, seven_thirty, utc("2027-01-15T23:01:00Z")),
            utc("2027-01-16T06:30:00Z")
        );
    }

    #[test]
    fn new_york_reminders_across_both_change_days() {
        let ny = tz("America/New_York");
        let got = reminders_between(ny, at(2, 30), utc("2027-03-12T12:00:00Z"), 4);
        let want = vec![
            (date(2027, 3, 13), utc("2027-03-13T07:30:00Z")),
            (date(2027, 3, 14), utc("2027-03-14T07:30:00Z")),
            (date(2027, 3, 15), utc("2027-03-15T06:30:00Z")),
            (date(2027, 3, 16), utc("2027-03-16T06:30:00Z")),
        ];
        assert_eq!(got, want);
        let isos: Vec<String> = got.iter().map(|&(_, t)| iso_local(ny, t)).collect();
        assert_eq!(
            isos,
            [
                "2027-03-13T02:30:00-05:00",
                "2027-03-14T03:30:00-04:00",
                "2027-03-15T02:30:00-04:00",
                "2027-03-16T02:30:00-04:00",
            ]
        );
        let gaps: Vec<i64> = got
            .windows(2)
            .map(|w| (w[1].1 - w[0].1).num_hours())
            .collect();
        assert_eq!(gaps, [24, 23, 24]);

        // The day after the gap fires at 02:30 local again.
        assert_eq!(
            next_reminder(ny, at(2, 30), utc("2027-03-14T07:30:00Z")),
            utc("2027-03-15T06:30:00Z")
        );
        // On the gap day, just before the moved reminder.
        assert_eq!(
            next_reminder(ny, at(2, 30), utc("2027-03-14T07:29:59Z")),
            utc("2027-03-14T07:30:00Z")
        );

        // 07:30 every day: 23 hours across spring, 25 across autumn.
        let spring = reminders_between(ny, at(7, 30), utc("2027-03-13T00:00:00Z"), 2);
        assert_eq!((spring[1].1 - spring[0].1).num_hours(), 23);
        let autumn = reminders_between(ny, at(7, 30), utc("2027-11-06T00:00:00Z"), 2);
        assert_eq!((autumn[1].1 - autumn[0].1).num_hours(), 25);

        // 01:30 in autumn: first occurrence on the change day, then EST.
        let got = reminders_between(ny, at(1, 30), utc("2027-11-06T05:30:00Z"), 2);
        assert_eq!(
            got,
            vec![
                (date(2027, 11, 7), utc("2027-11-07T05:30:00Z")),
                (date(2027, 11, 8), utc("2027-11-08T06:30:00Z")),
            ]
        );
        assert_eq!(iso_local(ny, got[0].1), "2027-11-07T01:30:00-04:00");
        assert_eq!(iso_local(ny, got[1].1), "2027-11-08T01:30:00-05:00");
        // During the second 01:30 (EST) the day's reminder has already fired.
        assert_eq!(
            next_reminder(ny, at(1, 30), utc("2027-11-07T06:15:00Z")),
            utc("2027-11-08T06:30:00Z")
        );
    }

    #[test]
    fn london_and_lord_howe_reminder_sequences() {
        let london = tz("Europe/London");
        let got = reminders_between(london, at(1, 30), utc("2027-03-27T12:00:00Z"), 3);
        let isos: Vec<String> = got.iter().map(|&(_, t)| iso_local(london, t)).collect();
        assert_eq!(
            isos,
            [
                "2027-03-28T02:30:00+01:00",
                "2027-03-29T01:30:00+01:00",
                "2027-03-30T01:30:00+01:00"
            ]
        );
        let got = reminders_between(london, at(1, 30), utc("2027-10-30T12:00:00Z"), 2);
        assert_eq!(got[0].1, utc("2027-10-31T00:30:00Z"));
        assert_eq!(got[1].1, utc("2027-11-01T01:30:00Z"));
        assert_eq!((got[1].1 - got[0].1).num_hours(), 25);

        let lh = tz("Australia/Lord_Howe");
        let got = reminders_between(lh, at(2, 15), utc("2027-10-01T12:00:00Z"), 3);
        let isos: Vec<String> = got.iter().map(|&(_, t)| iso_local(lh, t)).collect();
        assert_eq!(
            isos,
            [
                "2027-10-02T02:15:00+10:30",
                "2027-10-03T02:45:00+11:00",
                "2027-10-04T02:15:00+11:00"
            ]
        );
        let minutes: Vec<i64> = got
            .windows(2)
            .map(|w| (w[1].1 - w[0].1).num_minutes())
            .collect();
        assert_eq!(minutes, [24 * 60, 23 * 60 + 30]);
    }

    #[test]
    fn iso_and_words() {
        let ny = tz("America/New_York");
        let fire = utc("2027-03-14T07:30:00Z");
        assert_eq!(iso_local(ny, fire), "2027-03-14T03:30:00-04:00");
        assert_eq!(iso_local(Timezone::UTC, fire), "2027-03-14T07:30:00+00:00");
        assert_eq!(
            words_local(ny, fire, utc("2027-03-14T01:30:00Z")),
            "tomorrow at 03:30 (EDT), in 6 hours"
        );
        assert_eq!(
            words_local(ny, fire, utc("2027-03-14T05:00:00Z")),
            "today at 03:30 (EDT), in 2 hours 30 minutes"
        );
        assert_eq!(
            words_local(ny, fire, utc("2027-03-11T01:00:00Z")),
            "Sunday 14 March 2027 at 03:30 (EDT), in 3 days 6 hours"
        );
        let berlin = tz("Europe/Berlin");
        assert_eq!(
            words_local(
                berlin,
                utc("2027-01-16T06:30:00Z"),
                utc("2027-01-15T21:18:00Z")
            ),
            "tomorrow at 07:30 (CET), in 9 hours 12 minutes"
        );
        assert_eq!(
            words_local(
                berlin,
                utc("2027-01-16T06:30:00Z"),
                utc("2027-01-16T06:29:30Z")
            ),
            "today at 07:30 (CET), in less than a minute"
        );
        assert_eq!(
            words_local(
                berlin,
                utc("2027-01-16T06:30:00Z"),
                utc("2027-01-16T07:31:00Z")
            ),
            "today at 07:30 (CET), 1 hour 1 minute ago"
        );
        assert_eq!(
            words_local(
                berlin,
                utc("2027-01-16T06:30:00Z"),
                utc("2027-01-17T06:30:00Z")
            ),
            "yesterday at 07:30 (CET), 24 hours ago"
        );
        // Zones whose abbreviation is numeric get a UTC offset instead.
        assert_eq!(
            words_local(
                tz("America/Sao_Paulo"),
                utc("2027-06-01T10:30:00Z"),
                utc("2027-06-01T10:00:00Z")
            ),
            "today at 07:30 (UTC-3), in 30 minutes"
        );
        assert_eq!(
            words_local(
                tz("Asia/Kolkata"),
                utc("2027-06-01T02:00:00Z"),
                utc("2027-06-01T01:59:00Z")
            ),
            "today at 07:30 (IST), in 1 minute"
        );
        assert_eq!(
            words_local(
                tz("Australia/Lord_Howe"),
                utc("2027-06-01T02:00:00Z"),
                utc("2027-06-01T00:00:00Z")
            ),
            "today at 12:30 (UTC+10:30), in 2 hours"
        );
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        for zone in [
            "America/New_York",
            "Pacific/Apia",
            "Pacific/Kiritimati",
            "Etc/GMT+12",
            "UTC",
        ] {
            let z = tz(zone);
            for d in [NaiveDate::MIN, NaiveDate::MAX] {
                for t in [at(0, 0), at(23, 59)] {
                    let _ = resolve_local(z, d, t);
                }
            }
            for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
                let _ = next_reminder(z, at(7, 30), now);
                let _ = reminders_between(z, at(7, 30), now, 3);
                let _ = iso_local(z, now);
                let _ = words_local(z, now, DateTime::<Utc>::MIN_UTC);
            }
        }
    }

    fn any_zone() -> impl Strategy<Value = Timezone> {
        (0..chrono_tz::TZ_VARIANTS.len()).prop_map(|i| Timezone::from(chrono_tz::TZ_VARIANTS[i]))
    }

    fn any_time() -> impl Strategy<Value = LocalTime> {
        (0u32..24, 0u32..60).prop_map(|(h, m)| LocalTime::new(h, m).unwrap())
    }

    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 1970-01-01 to 2100-01-01.
        (0i64..4_102_444_800).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    /// Zones and instants where the rules are at their strangest.
    const CHANGES: &[(&str, &str)] = &[
        ("America/New_York", "2027-03-14T07:00:00Z"),
        ("America/New_York", "2027-11-07T06:00:00Z"),
        ("Europe/London", "2027-03-28T01:00:00Z"),
        ("Australia/Lord_Howe", "2027-10-02T15:30:00Z"),
        ("Australia/Lord_Howe", "2027-04-03T15:00:00Z"),
        ("America/Santiago", "2027-09-05T04:00:00Z"),
        ("America/Santiago", "2027-04-04T03:00:00Z"),
        ("America/Nuuk", "2027-03-28T01:00:00Z"),
        ("America/Nuuk", "2027-10-31T01:00:00Z"),
        ("Pacific/Apia", "2011-12-30T10:00:00Z"),
    ];

    /// Within two days either side of a change.
    fn near_a_change() -> impl Strategy<Value = (Timezone, DateTime<Utc>)> {
        (0..CHANGES.len(), -172_800i64..172_800).prop_map(|(i, seconds)| {
            let (zone, at) = CHANGES[i];
            (tz(zone), utc(at) + TimeDelta::seconds(seconds))
        })
    }

    /// Checks next_reminder against its definition: the earliest daily
    /// occurrence after `now`, found by brute force over nearby local dates.
    fn check_next(
        zone: Timezone,
        time: LocalTime,
        now: DateTime<Utc>,
    ) -> Result<(), TestCaseError> {
        let next = next_reminder(zone, time, now);
        let context = format!("{} {time} {now} -> {next}", zone.name());
        prop_assert!(next > now, "{}", context);
        prop_assert!(next <= now + TimeDelta::hours(50), "{}", context);
        let today = local_date(zone, now);
        let earliest = (-3..=4)
            .map(|k| resolve_local(zone, today + TimeDelta::days(k), time))
            .filter(|&t| t > now)
            .min();
        prop_assert_eq!(earliest, Some(next), "{}", context);
        // It belongs to its own local date, or (when a gap crosses midnight,
        // as in America/Nuuk) to the day before.
        let (day, at) = reminders_between(zone, time, now, 1)[0];
        prop_assert_eq!(at, next, "{}", context);
        prop_assert_eq!(resolve_local(zone, day, time), next, "{}", context);
        let local = local_date(zone, next);
        prop_assert!(
            day == local || day.succ_opt() == Some(local),
            "{} belongs to {}",
            context,
            day
        );
        if day == local {
            prop_assert_eq!(resolve_local(zone, local, time), next, "{}", context);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn next_reminder_is_soon_after_and_on_its_own_day(zone in any_zone(), time in any_time(), now in any_instant()) {
            check_next(zone, time, now)?;
        }

        #[test]
        fn next_reminder_near_change_days((zone, now) in near_a_change(), time in any_time()) {
            check_next(zone, time, now)?;
        }

        #[test]
        fn reminders_are_increasing_and_belong_to_their_dates(zone in any_zone(), time in any_time(), from in any_instant()) {
            let got = reminders_between(zone, time, from, 5);
            prop_assert_eq!(got.len(), 5);
            prop_assert_eq!(got[0].1, next_reminder(zone, time, from));
            prop_assert!(got[0].1 > from);
            for w in got.windows(2) {
                prop_assert!(w[0].1 < w[1].1);
                prop_assert!(w[0].0 < w[1].0);
            }
            for &(d, t) in &got {
                prop_assert_eq!(resolve_local(zone, d, time), t);
            }
        }
    }
}
