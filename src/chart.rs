//! The progress picture: the last 12 weeks as a calendar, one square per
//! local day, rendered in-process to a small PNG. The font ships in
//! `assets/` (DejaVu Sans), so no system font is needed.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use chrono::{Datelike, Days, NaiveDate};

use crate::canvas::{Canvas, Rgb, FONT};
use crate::coach::progress::DayStatus;

pub use crate::canvas::BACKGROUND;

pub const WEEKS: u32 = crate::coach::progress::RECENT_WEEKS as u32;
const CELL: u32 = 18;
const GAP: u32 = 4;
const LEFT: u32 = 44;
const TOP: u32 = 40;
const PAD: u32 = 14;

const TEXT: Rgb = [0xe6, 0xe9, 0xee];
const MUTED: Rgb = [0x9a, 0xa4, 0xb1];

/// The colour of a day's square.
pub fn colour(status: Option<DayStatus>) -> Rgb {
    match status {
        Some(DayStatus::Done) => [0x3f, 0xb9, 0x50],
        Some(DayStatus::Partial) => [0xa5, 0xd6, 0x73],
        Some(DayStatus::Skipped) => [0xe0, 0x8a, 0x3c],
        Some(DayStatus::Rest) | Some(DayStatus::Paused) => [0x4c, 0x7d, 0xb3],
        Some(DayStatus::Missed) => [0x3a, 0x41, 0x4b],
        // Days to come, or before the user started.
        None => [0x2c, 0x32, 0x3a],
    }
}

/// The first day shown: the Monday 11 weeks before the week holding `today`.
pub fn first_day(today: NaiveDate) -> NaiveDate {
    today - Days::new(u64::from(today.weekday().num_days_from_monday()) + 7 * u64::from(WEEKS - 1))
}

/// Where the square of `date` sits, in pixels from the top left: (x, y, size).
pub fn square_of(today: NaiveDate, date: NaiveDate) -> Option<(u32, u32, u32)> {
    let offset = (date - first_day(today)).num_days();
    if !(0..i64::from(WEEKS) * 7).contains(&offset) {
        return None;
    }
    let week = offset as u32 / 7;
    let day = offset as u32 % 7;
    Some((LEFT + week * (CELL + GAP), TOP + day * (CELL + GAP), CELL))
}

/// The progress picture of `progress`.
pub fn progress_png(progress: &crate::coach::progress::Progress) -> Vec<u8> {
    let title = format!(
        "Last {WEEKS} weeks · streak {} · best {}",
        progress.current_streak, progress.best_streak
    );
    calendar_png(progress.today, &title, |date| {
        progress
            .recent
            .iter()
            .find(|(d, _)| *d == date)
            .and_then(|(_, s)| *s)
    })
}

/// Renders the calendar ending with the week of `today`; `status_of` gives
/// each day's status (`None` for days to come or before the user started).
pub fn calendar_png(
    today: NaiveDate,
    title: &str,
    status_of: impl Fn(NaiveDate) -> Option<DayStatus>,
) -> Vec<u8> {
    let font = FontRef::try_from_slice(FONT).expect("the bundled font parses");
    let grid_w = WEEKS * (CELL + GAP) - GAP;
    let width = LEFT + grid_w + PAD;
    let legend_top = TOP + 7 * (CELL + GAP) + 8;
    let height = legend_top + 26;
    let mut canvas = Canvas::new(width, height);

    canvas.text(&font, PAD as f32, 18.0, 14.0, TEXT, title);
    let first = first_day(today);
    let mut last_month = None;
    let mut last_label: Option<u32> = None;
    for week in 0..WEEKS {
        let monday = first + Days::new(u64::from(week) * 7);
        // A month is named where it starts, unless the previous name is too close.
        let room = last_label.is_none_or(|w| week >= w + 2);
        if last_month != Some(monday.month()) && room {
            last_month = Some(monday.month());
            last_label = Some(week);
            let x = (LEFT + week * (CELL + GAP)) as f32;
            canvas.text(
                &font,
                x,
                (TOP - 6) as f32,
                11.0,
                MUTED,
                &monday.format("%b").to_string(),
            );
        }
        for day in 0..7 {
            let date = monday + Days::new(day);
            let colour = if date > today {
                colour(None)
            } else {
                colour(status_of(date))
            };
            if let Some((x, y, size)) = square_of(today, date) {
                canvas.rect(x, y, size, size, colour);
            }
        }
    }
    for (row, label) in [(0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun")] {
        let y = TOP + row * (CELL + GAP) + CELL - 5;
        canvas.text(&font, PAD as f32 - 4.0, y as f32, 11.0, MUTED, label);
    }
    legend(&mut canvas, &font, LEFT, legend_top);
    canvas.png()
}

/// What each colour means, in one row from `x`.
fn legend(canvas: &mut Canvas, font: &FontRef<'_>, mut x: u32, top: u32) {
    for (label, status) in [
        ("done", Some(DayStatus::Done)),
        ("partly", Some(DayStatus::Partial)),
        ("skipped", Some(DayStatus::Skipped)),
        ("rest", Some(DayStatus::Rest)),
        ("none", Some(DayStatus::Missed)),
    ] {
        canvas.rect(x, top + 6, 10, 10, colour(status));
        canvas.text(font, (x + 13) as f32, (top + 15) as f32, 10.0, MUTED, label);
        x += 13 + label.len() as u32 * 6 + 10;
    }
}

/// Squares of the week picture, larger than the calendar's: seven only.
const WEEK_CELL: u32 = 30;
const WEEK_GAP: u32 = 6;
const WEEK_TOP: u32 = 50;

/// Where the square of the `index`th day (0 = oldest) of the week picture
/// sits, in pixels from the top left: (x, y, size).
pub fn week_square_of(index: u32) -> (u32, u32, u32) {
    (PAD + index * (WEEK_CELL + WEEK_GAP), WEEK_TOP, WEEK_CELL)
}

/// The picture of one week in review: a square per day, oldest first, each
/// under its weekday's initial, with the calendar's colours.
pub fn week_png(title: &str, days: &[(NaiveDate, DayStatus)]) -> Vec<u8> {
    let font = FontRef::try_from_slice(FONT).expect("the bundled font parses");
    let scaled = font.as_scaled(PxScale::from(14.0));
    let title_w = title
        .chars()
        .map(|c| scaled.h_advance(scaled.glyph_id(c)))
        .sum::<f32>()
        .ceil() as u32;
    let grid_w = 7 * (WEEK_CELL + WEEK_GAP) - WEEK_GAP;
    // The legend is about 250 pixels wide.
    let width = 2 * PAD + grid_w.max(title_w).max(250);
    let legend_top = WEEK_TOP + WEEK_CELL + 8;
    let mut canvas = Canvas::new(width, legend_top + 26);
    canvas.text(&font, PAD as f32, 18.0, 14.0, TEXT, title);
    for (i, (date, status)) in (0..7).zip(days) {
        let (x, y, size) = week_square_of(i);
        let initial = date.format("%a").to_string();
        let initial = initial.get(..1).unwrap_or_default();
        canvas.text(&font, x as f32 + 10.0, (y - 8) as f32, 12.0, MUTED, initial);
        canvas.rect(x, y, size, size, colour(Some(*status)));
    }
    legend(&mut canvas, &font, PAD, legend_top);
    canvas.png()
}
