//! The drawings' files: built into the binary, or read from CONTENT_DIR.

use std::collections::BTreeMap;
use std::path::Path;

use super::{ContentError, ContentErrors, PICTURES_DIR};

static EMBEDDED_PICTURES: include_dir::Dir<'_> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/content/pictures");

/// The built-in drawings by name.
pub(super) fn embedded_pictures() -> BTreeMap<String, String> {
    EMBEDDED_PICTURES
        .files()
        .filter_map(|f| {
            let name = f.path().file_name()?.to_str()?.strip_suffix(".svg")?;
            Some((name.to_owned(), f.contents_utf8()?.to_owned()))
        })
        .collect()
}

/// The `.svg` files of a folder by name; an unreadable file is an error.
pub(super) fn read_pictures(dir: &Path) -> Result<BTreeMap<String, String>, ContentErrors> {
    let fail = |path: &Path, e: std::io::Error| {
        ContentErrors(vec![ContentError {
            file: path.display().to_string(),
            entry: "(file)".to_owned(),
            problem: format!("cannot be read: {e} (CONTENT_DIR must hold a {PICTURES_DIR}/ folder with a drawing per exercise)"),
        }])
    };
    let mut pictures = BTreeMap::new();
    // A missing folder is reported as each exercise's missing drawing.
    if !dir.exists() {
        return Ok(pictures);
    }
    for entry in std::fs::read_dir(dir).map_err(|e| fail(dir, e))? {
        let path = entry.map_err(|e| fail(dir, e))?.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".svg"))
        else {
            continue;
        };
        let svg = std::fs::read_to_string(&path).map_err(|e| fail(&path, e))?;
        pictures.insert(name.to_owned(), svg);
    }
    Ok(pictures)
}
