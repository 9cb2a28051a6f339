//! The week in review in the console: its words, and its picture written
//! to a file beside them.

use super::files::picture_to_file;
use crate::coach::review::WeekReview;
use crate::text::review;

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
    picture_to_file("week", name, &png, review::week_file)
}
