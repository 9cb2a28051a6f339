//! A small RGB canvas with text in the bundled font (DejaVu Sans, in
//! `assets/`, so no system font is needed), PNG-encoded: what the progress
//! calendar and the exercises' picture sheet are drawn on.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

pub(crate) const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

pub(crate) type Rgb = [u8; 3];

/// An opaque card, so the picture reads the same on Discord's dark and light themes.
pub const BACKGROUND: Rgb = [0x22, 0x27, 0x2e];

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
