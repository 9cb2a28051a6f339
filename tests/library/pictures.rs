//! The exercise pictures: every exercise has a drawing that renders, the
//! content check refuses one that is missing, broken, blank or the wrong
//! size, and the picture a prompt shows and the day's sheet are real PNGs
//! with something drawn on them.

use std::collections::HashSet;
use std::sync::Arc;

use footcoach::content::{Content, Sources, PICTURES_DIR};
use footcoach::pictures::{DRAWING_HEIGHT, DRAWING_WIDTH};

use super::content::{errors_of, expect, sources, EXERCISES, PLAIN_DRAWING, PLAN, ROUTINES};
use crate::support::png::{decode, drawn_share};

#[test]
fn every_exercise_has_a_drawing_that_renders_at_twice_its_size() {
    let content = Content::embedded().unwrap();
    let mut seen = HashSet::new();
    for exercise in content.exercises() {
        let png = content
            .pictures()
            .of(&exercise.id)
            .unwrap_or_else(|| panic!("{} has no picture", exercise.id));
        let (w, h, pixels) = decode(png.bytes());
        assert_eq!(
            (w, h),
            (DRAWING_WIDTH * 2, DRAWING_HEIGHT * 2),
            "{}",
            exercise.id
        );
        let drawn = drawn_share(&pixels);
        // A figure, its equipment and an arrow: neither an empty card nor a blot.
        assert!(
            (0.03..0.6).contains(&drawn),
            "{}: {:.1}% of the picture is drawn",
            exercise.id,
            drawn * 100.0
        );
        let colours: HashSet<[u8; 4]> = pixels.iter().copied().collect();
        assert!(
            colours.len() > 8,
            "{}: {} colours",
            exercise.id,
            colours.len()
        );
        // Each exercise is drawn for itself.
        assert!(
            seen.insert(png.bytes().to_vec()),
            "{} repeats a picture",
            exercise.id
        );
    }
    assert_eq!(seen.len(), 15);
}

#[test]
fn the_day_sheet_numbers_every_exercise_and_is_made_once() {
    let content = Content::embedded().unwrap();
    let routine = content.routine("morning").unwrap();
    let ids: Vec<&str> = content
        .steps(routine)
        .iter()
        .map(|s| s.exercise.id.as_str())
        .collect();
    let sheet = content
        .pictures()
        .sheet(&ids)
        .expect("every exercise is drawn");
    let (w, h, pixels) = decode(sheet.bytes());
    let rows = (ids.len() as u32).div_ceil(2);
    assert_eq!(w, 2 * DRAWING_WIDTH + 3 * 12);
    assert_eq!(h, rows * (DRAWING_HEIGHT + 12) + 12);
    assert!(
        drawn_share(&pixels) > 0.1,
        "the tiles are drawn on the sheet"
    );
    // The number badges are drawn in their orange at each tile's corner.
    let badge = |i: u32| {
        let (x, y) = (
            12 + (i % 2) * (DRAWING_WIDTH + 12) + 24,
            12 + (i / 2) * (DRAWING_HEIGHT + 12) + 12,
        );
        pixels[(y * w + x) as usize]
    };
    for i in 0..ids.len() as u32 {
        assert_eq!(badge(i), [0xe8, 0x59, 0x0c, 255], "badge {}", i + 1);
    }
    // Asked again, the same picture comes back without being drawn again.
    let again = content.pictures().sheet(&ids).unwrap();
    assert!(Arc::ptr_eq(&sheet.0, &again.0));
    // An exercise without a drawing gives no sheet rather than a wrong one.
    assert!(content.pictures().sheet(&["no-such-exercise"]).is_none());
}

fn with_picture(id: &str, svg: Option<&str>) -> Sources {
    let mut s = sources(EXERCISES, ROUTINES, PLAN);
    match svg {
        Some(svg) => s.pictures.insert(id.to_owned(), svg.to_owned()),
        None => s.pictures.remove(id),
    };
    s
}

fn picture_file(id: &str) -> String {
    format!("{PICTURES_DIR}/{id}.svg")
}

#[test]
fn the_content_check_refuses_a_missing_drawing() {
    let errors = errors_of(with_picture("squat", None));
    expect(
        &errors,
        &picture_file("squat"),
        "exercise \"squat\"",
        &["has no drawing"],
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn the_content_check_refuses_a_drawing_that_does_not_render() {
    for (svg, problem) in [
        ("<svg", "is not a drawing resvg can read"),
        ("not a picture at all", "is not a drawing resvg can read"),
        (
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 240" width="320" height="240"><rect width="320" height="240" fill="#f6f8fa"/></svg>"##,
            "renders as an empty picture",
        ),
        (
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100"><circle cx="50" cy="50" r="20"/></svg>"##,
            "every drawing is 320×240",
        ),
    ] {
        let errors = errors_of(with_picture("squat", Some(svg)));
        expect(
            &errors,
            &picture_file("squat"),
            "exercise \"squat\"",
            &[problem],
        );
    }
}

#[test]
fn the_content_check_refuses_a_drawing_of_no_exercise() {
    let errors = errors_of(with_picture("sqaut", Some(PLAIN_DRAWING)));
    expect(
        &errors,
        &picture_file("sqaut"),
        "(file)",
        &["names no exercise"],
    );
}

#[test]
fn the_content_folder_brings_its_own_drawings() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let from_dir = Content::from_dir(&dir).unwrap();
    let embedded = Content::embedded().unwrap();
    for exercise in embedded.exercises() {
        assert_eq!(
            from_dir.pictures().of(&exercise.id),
            embedded.pictures().of(&exercise.id),
            "{}",
            exercise.id
        );
    }
}
