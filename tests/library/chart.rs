//! The progress picture, decoded: each square has the colour of its day.

use chrono::{NaiveDate, Utc};

use footcoach::chart::{colour, progress_png, square_of, BACKGROUND};
use footcoach::coach::plan::{Pause, RestDays};
use footcoach::coach::progress::{Calendar, DayStatus, LogEntry, LogOutcome};
use footcoach::content::Content;

fn d(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, month, day).unwrap()
}

fn entry(date: NaiveDate, step: u16, outcome: LogOutcome) -> LogEntry {
    LogEntry {
        local_date: date,
        routine_id: "morning".into(),
        step,
        outcome,
        source: "test".into(),
        at: Utc::now(),
    }
}

fn decode(png_bytes: &[u8]) -> (u32, Vec<u8>) {
    let decoder = png::Decoder::new(png_bytes);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, buf)
}

#[test]
fn squares_are_coloured_by_how_each_day_went() {
    let content = Content::embedded().unwrap();
    let calendar = Calendar {
        content: &content,
        rest_days: RestDays::parse_list("sun").unwrap(),
        kit: footcoach::coach::fit::Kit::ALL,
        pause: Some(Pause {
            from: d(6, 10),
            until: d(6, 11),
        }),
    };
    // Wednesday 16 June 2027 is "today".
    let today = d(6, 16);
    let entries = vec![
        entry(d(6, 1), 0, LogOutcome::Done),
        entry(d(6, 2), 1, LogOutcome::Done),
        entry(d(6, 3), 0, LogOutcome::Skip),
        entry(d(6, 14), 0, LogOutcome::Done),
    ];
    let progress = calendar.progress(&entries, today);
    let png_bytes = progress_png(&progress);
    assert!(png_bytes.len() < 100 * 1024, "{} bytes", png_bytes.len());
    std::fs::write(
        std::env::temp_dir().join("footcoach-chart-test.png"),
        &png_bytes,
    )
    .unwrap();
    let (width, pixels) = decode(&png_bytes);
    let pixel = |x: u32, y: u32| {
        let i = ((y * width + x) * 3) as usize;
        [pixels[i], pixels[i + 1], pixels[i + 2]]
    };
    let centre = |date| {
        let (x, y, size) = square_of(today, date).expect("shown");
        pixel(x + size / 2, y + size / 2)
    };
    let expect = [
        (d(6, 1), Some(DayStatus::Done)),
        (d(6, 2), Some(DayStatus::Partial)),
        (d(6, 3), Some(DayStatus::Skipped)),
        (d(6, 4), Some(DayStatus::Missed)),
        (d(6, 6), Some(DayStatus::Rest)),    // a Sunday
        (d(6, 10), Some(DayStatus::Paused)), // paused
        (d(6, 14), Some(DayStatus::Done)),
        (d(6, 17), None), // to come
        (d(5, 31), None), // before the first entry
    ];
    for (date, status) in expect {
        assert_eq!(
            centre(date),
            colour(status),
            "{date} should look {status:?}"
        );
    }
    // The colours differ, and none is the background.
    let shades = [
        DayStatus::Done,
        DayStatus::Partial,
        DayStatus::Skipped,
        DayStatus::Rest,
        DayStatus::Missed,
    ]
    .map(|s| colour(Some(s)));
    for (i, a) in shades.iter().enumerate() {
        assert_ne!(*a, BACKGROUND);
        for b in &shades[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // The title and labels put light text on the card.
    let light = pixels
        .chunks(3)
        .filter(|p| p.iter().all(|c| *c > 200))
        .count();
    assert!(light > 50, "text is drawn: {light} light pixels");
}

#[test]
fn the_week_picture_has_a_square_per_day_in_its_colour() {
    use footcoach::chart::{week_png, week_square_of};
    let statuses = [
        DayStatus::Done,
        DayStatus::Partial,
        DayStatus::Skipped,
        DayStatus::Rest,
        DayStatus::Missed,
        DayStatus::Paused,
        DayStatus::Done,
    ];
    // Sunday 14 to Saturday 20 March 2027.
    let days: Vec<(NaiveDate, DayStatus)> = (0..7)
        .map(|i| (d(3, 14) + chrono::Days::new(i), statuses[i as usize]))
        .collect();
    let png_bytes = week_png("Your week in review: 14 to 20 March", &days);
    assert!(
        (1024..30 * 1024).contains(&png_bytes.len()),
        "{} bytes",
        png_bytes.len()
    );
    let (width, pixels) = decode(&png_bytes);
    let at = |x: u32, y: u32| {
        let i = ((y * width + x) * 3) as usize;
        [pixels[i], pixels[i + 1], pixels[i + 2]]
    };
    for (i, (_, status)) in (0..7).zip(&days) {
        let (x, y, size) = week_square_of(i);
        assert_eq!(
            at(x + size / 2, y + size / 2),
            colour(Some(*status)),
            "day {i}"
        );
    }
    // Between squares: the card.
    let (x, y, size) = week_square_of(0);
    assert_eq!(at(x + size + 2, y + size / 2), BACKGROUND);
    std::fs::write(
        std::env::temp_dir().join("footcoach-week-test.png"),
        &png_bytes,
    )
    .unwrap();
}
