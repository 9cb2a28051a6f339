//! The week in review in the console: its words, and its picture written
//! to a file beside them.

use super::files::safe_file_part;
use crate::coach::review::WeekReview;
use crate::text::{replies, review};

pub(super) fn review_lines(r: &WeekReview) -> Vec<String> {
    let t = review::review(r);
    let mut out = vec![format!("{}:", t.title)];
    out.extend(t.lines.into_iter().map(|l| format!("  {l}")));
    out
}

/// Writes the week's picture to footcoach-week-NAME.png in the working
/// directory and says where.
pub(super) fn review_picture(name: &str, r: &WeekReview) -> String {
    let png = crate::chart::week_png(&review::review(r).title, &r.days);
    let file = format!("footcoach-week-{}.png", safe_file_part(name));
    match std::fs::write(&file, png) {
        Ok(()) => {
            let shown = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone().into());
            review::week_file(&shown.display().to_string())
        }
        Err(e) => replies::file_not_written(&file, &e),
    }
}
