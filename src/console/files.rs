//! Files the console writes for a person: their export, their calendar.

use crate::text::replies;

/// A user name made safe for a file name.
pub(super) fn safe_file_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes a picture to footcoach-WHAT-NAME.png in the working directory and
/// says where, in `say`'s words.
pub(super) fn picture_to_file(
    what: &str,
    name: &str,
    png: &[u8],
    say: fn(&str) -> String,
) -> String {
    let file = format!("footcoach-{what}-{}.png", safe_file_part(name));
    match std::fs::write(&file, png) {
        Ok(()) => {
            let shown = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone().into());
            say(&shown.display().to_string())
        }
        Err(e) => replies::file_not_written(&file, &e),
    }
}

/// Writes an export to footcoach-data-NAME.json in the working directory.
pub(super) fn export_to_file(name: &str, data: &serde_json::Value) -> String {
    let path = std::path::PathBuf::from(format!("footcoach-data-{}.json", safe_file_part(name)));
    let written = serde_json::to_vec_pretty(data)
        .map_err(std::io::Error::other)
        .and_then(|bytes| std::fs::write(&path, bytes));
    match written {
        Ok(()) => {
            let shown = std::fs::canonicalize(&path).unwrap_or(path);
            replies::export_file(&shown.display().to_string())
        }
        Err(e) => replies::file_not_written(&path.display().to_string(), &e),
    }
}
