//! Exercise pictures: each exercise's SVG drawing (content/pictures/) parsed
//! and rendered to PNG with resvg once, when the content loads, and the
//! numbered picture sheet of a day's exercises, laid out from those renders
//! and kept for the next person with the same exercises.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use resvg::{tiny_skia, usvg};

use crate::canvas::{Canvas, FONT};

/// The drawings' own size, in SVG units (their viewBox).
pub const DRAWING_WIDTH: u32 = 320;
pub const DRAWING_HEIGHT: u32 = 240;
/// A prompt's picture is rendered at twice the drawing's size, so it stays
/// sharp on a phone's dense screen at the width Discord gives an embed image.
const PROMPT_SCALE: f32 = 2.0;
/// The sheet's tiles, side by side in rows.
const SHEET_COLUMNS: u32 = 2;
const SHEET_GAP: u32 = 12;
const BADGE_RADIUS: f32 = 17.0;
const BADGE: [u8; 3] = [0xe8, 0x59, 0x0c];
const BADGE_TEXT: [u8; 3] = [0xff, 0xff, 0xff];

/// PNG bytes, shared: cloning one costs a reference count.
#[derive(Clone, PartialEq, Eq)]
pub struct Png(pub Arc<[u8]>);

impl Png {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Png {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Png({} bytes)", self.0.len())
    }
}

/// One exercise's drawing: the parsed tree (for sheets) and its prompt PNG.
pub struct Drawing {
    tree: usvg::Tree,
    png: Png,
}

impl Drawing {
    /// Parses and renders `svg`; says what is wrong when it cannot be shown.
    pub fn from_svg(svg: &str) -> Result<Drawing, String> {
        let tree = usvg::Tree::from_str(svg, &usvg::Options::default())
            .map_err(|e| format!("is not a drawing resvg can read: {e}"))?;
        let size = tree.size();
        let (w, h) = (size.width().round() as u32, size.height().round() as u32);
        if (w, h) != (DRAWING_WIDTH, DRAWING_HEIGHT) {
            return Err(format!(
                "is {w}×{h}; every drawing is {DRAWING_WIDTH}×{DRAWING_HEIGHT}, like the others"
            ));
        }
        let pixmap = render(&tree, PROMPT_SCALE)?;
        if blank(&pixmap) {
            return Err("renders as an empty picture".to_owned());
        }
        let png = pixmap
            .encode_png()
            .map_err(|e| format!("cannot be encoded as PNG: {e}"))?;
        Ok(Drawing {
            tree,
            png: Png(png.into()),
        })
    }

    /// The picture a step prompt shows.
    pub fn png(&self) -> &Png {
        &self.png
    }
}

fn render(tree: &usvg::Tree, scale: f32) -> Result<tiny_skia::Pixmap, String> {
    let size = tree.size();
    let mut pixmap = tiny_skia::Pixmap::new(
        (size.width() * scale).round() as u32,
        (size.height() * scale).round() as u32,
    )
    .ok_or("has no area")?;
    resvg::render(
        tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// Whether a picture is one colour all over (nothing drawn on the card).
fn blank(pixmap: &tiny_skia::Pixmap) -> bool {
    let mut pixels = pixmap.pixels().iter();
    let Some(first) = pixels.next() else {
        return true;
    };
    pixels.all(|p| p == first)
}

/// Every exercise's drawing, and the sheets made from them so far.
#[derive(Default)]
pub struct Pictures {
    drawings: HashMap<String, Drawing>,
    sheets: Mutex<HashMap<Vec<String>, Png>>,
}

impl fmt::Debug for Pictures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pictures")
            .field("drawings", &self.drawings.len())
            .finish()
    }
}

impl Pictures {
    pub fn new(drawings: HashMap<String, Drawing>) -> Self {
        Pictures {
            drawings,
            sheets: Mutex::default(),
        }
    }

    /// The prompt picture of an exercise.
    pub fn of(&self, exercise: &str) -> Option<&Png> {
        self.drawings.get(exercise).map(Drawing::png)
    }

    /// The exercises `ids`, numbered in order on one picture; `None` when
    /// one has no drawing (content validation makes sure each has).
    pub fn sheet(&self, ids: &[&str]) -> Option<Png> {
        let key: Vec<String> = ids.iter().map(|&id| id.to_owned()).collect();
        // A poisoned cache only lost a sheet being stored; the map is whole.
        let cached = |sheets: &Mutex<HashMap<Vec<String>, Png>>| {
            sheets
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .cloned()
        };
        if let Some(png) = cached(&self.sheets) {
            return Some(png);
        }
        let drawings: Vec<&Drawing> = ids
            .iter()
            .map(|id| self.drawings.get(*id))
            .collect::<Option<_>>()?;
        let png = Png(sheet_png(&drawings).into());
        self.sheets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, png.clone());
        Some(png)
    }
}

/// Lays the drawings out in rows of `SHEET_COLUMNS`, each numbered.
fn sheet_png(drawings: &[&Drawing]) -> Vec<u8> {
    let font = FontRef::try_from_slice(FONT).expect("the bundled font parses");
    let columns = SHEET_COLUMNS.min(drawings.len().max(1) as u32);
    let rows = (drawings.len() as u32).div_ceil(SHEET_COLUMNS).max(1);
    let width = columns * (DRAWING_WIDTH + SHEET_GAP) + SHEET_GAP;
    let height = rows * (DRAWING_HEIGHT + SHEET_GAP) + SHEET_GAP;
    let mut canvas = Canvas::new(width, height);
    for (i, drawing) in drawings.iter().enumerate() {
        let (col, row) = (i as u32 % SHEET_COLUMNS, i as u32 / SHEET_COLUMNS);
        let x = SHEET_GAP + col * (DRAWING_WIDTH + SHEET_GAP);
        let y = SHEET_GAP + row * (DRAWING_HEIGHT + SHEET_GAP);
        // Each drawing was checked to render when the content loaded.
        if let Ok(tile) = render(&drawing.tree, 1.0) {
            canvas.paste(x, y, tile.width(), tile.data());
        }
        let (cx, cy) = (x as f32 + 24.0, y as f32 + 24.0);
        canvas.disc(cx, cy, BADGE_RADIUS, BADGE);
        let number = (i + 1).to_string();
        let size = 22.0;
        let advance: f32 = {
            let scaled = font.as_scaled(PxScale::from(size));
            number
                .chars()
                .map(|c| scaled.h_advance(scaled.glyph_id(c)))
                .sum()
        };
        canvas.text(
            &font,
            cx - advance / 2.0,
            cy + size * 0.36,
            size,
            BADGE_TEXT,
            &number,
        );
    }
    canvas.png()
}
