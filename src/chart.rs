//! The progress picture: the last 12 weeks as a calendar, one square per
//! local day, rendered in-process to a small PNG. The font ships in
//! `assets/` (DejaVu Sans), so no system font is needed.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use chrono::{Datelike, Days, NaiveDate};

use crate::coach::progress::DayStatus;

pub(crate) const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

pub const WEEKS: u32 = crate::coach::progress::RECENT_WEEKS as u32;
const CELL: u32 = 18;
const GAP: u32 = 4;
const LEFT: u32 = 44;
const TOP: u32 = 40;
const PAD: u32 = 14;

pub(crate) type Rgb = [u8; 3];

/// An opaque card, so the picture reads the same on Discord's dark and light themes.
pub const BACKGROUND: Rgb = [0x22, 0x27, 0x2e];
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

/// An RGB picture being drawn; also what the picture sheet is laid out on.
pub(crate) struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    pub(crate) fn new(width: u32, height: u32) -> Self {
        let mut pixels = Vec::with_capacity((width * height * 3) as usize);
        for _ in 0..width * height {
            pixels.extend_from_slice(&BACKGROUND);
        }
        Canvas {
            width,
            height,
            pixels,
        }
    }

    fn blend(&mut self, x: u32, y: u32, colour: Rgb, alpha: f32) {
        if x >= self.width || y >= self.height {
            return;
        }
        let i = ((y * self.width + x) * 3) as usize;
        for (channel, target) in self.pixels[i..i + 3].iter_mut().zip(colour) {
            let old = f32::from(*channel);
            *channel = (old + (f32::from(target) - old) * alpha.clamp(0.0, 1.0)).round() as u8;
        }
    }

    pub(crate) fn rect(&mut self, x: u32, y: u32, w: u32, h: u32, colour: Rgb) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.blend(xx, yy, colour, 1.0);
            }
        }
    }

    /// Draws `text` with its baseline at `y`.
    pub(crate) fn text(
        &mut self,
        font: &FontRef<'_>,
        x: f32,
        y: f32,
        size: f32,
        colour: Rgb,
        text: &str,
    ) {
        let scaled = font.as_scaled(PxScale::from(size));
        let mut caret = x;
        for ch in text.chars() {
            let id = scaled.glyph_id(ch);
            let glyph = id.with_scale_and_position(size, ab_glyph::point(caret, y));
            caret += scaled.h_advance(id);
            if let Some(outline) = font.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    let px = bounds.min.x as i64 + i64::from(gx);
                    let py = bounds.min.y as i64 + i64::from(gy);
                    if px >= 0 && py >= 0 {
                        self.blend(px as u32, py as u32, colour, coverage);
                    }
                });
            }
        }
    }

    /// Copies an opaque RGBA picture (`width` pixels a row) with its top left at (x, y).
    pub(crate) fn paste(&mut self, x: u32, y: u32, width: u32, rgba: &[u8]) {
        for (row, line) in rgba.chunks_exact(width as usize * 4).enumerate() {
            for (col, px) in line.chunks_exact(4).enumerate() {
                let alpha = f32::from(px[3]) / 255.0;
                if alpha > 0.0 {
                    // Premultiplied: undo it to blend.
                    let un = |c: u8| (f32::from(c) / alpha).round().min(255.0) as u8;
                    self.blend(
                        x + col as u32,
                        y + row as u32,
                        [un(px[0]), un(px[1]), un(px[2])],
                        alpha,
                    );
                }
            }
        }
    }

    /// A filled circle, its edge smoothed.
    pub(crate) fn disc(&mut self, cx: f32, cy: f32, r: f32, colour: Rgb) {
        let (x0, y0) = (
            (cx - r - 1.0).max(0.0) as u32,
            (cy - r - 1.0).max(0.0) as u32,
        );
        for y in y0..(cy + r + 2.0) as u32 {
            for x in x0..(cx + r + 2.0) as u32 {
                let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
                self.blend(x, y, colour, r + 0.5 - d);
            }
        }
    }

    pub(crate) fn png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Best);
            // Writing to a Vec cannot fail for a well-formed image of this size.
            if let Ok(mut writer) = encoder.write_header() {
                let _ = writer.write_image_data(&self.pixels);
            }
        }
        out
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
