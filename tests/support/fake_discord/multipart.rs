//! multipart/form-data request bodies: `payload_json` and file parts.

use serde_json::{json, Value};

use super::rest::Parsed;

fn find_bytes(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (from..=haystack.len() - needle.len()).find(|&i| &haystack[i..i + needle.len()] == needle)
}

fn header_param(header: &str, name: &str) -> Option<String> {
    header.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Parses a multipart/form-data body: `payload_json` and file parts.
pub(super) fn parse_multipart(content_type: &str, bytes: &[u8]) -> Result<Parsed, String> {
    let boundary = header_param(content_type, "boundary").ok_or("no multipart boundary")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut body = Value::Null;
    let mut files = Vec::new();
    let mut file_bytes = Vec::new();
    let mut fields = Vec::new();
    let mut pos = find_bytes(bytes, &delimiter, 0).ok_or("no first boundary")?;
    loop {
        pos += delimiter.len();
        if bytes[pos..].starts_with(b"--") {
            break;
        }
        // Skip the CRLF after the delimiter.
        if bytes[pos..].starts_with(b"\r\n") {
            pos += 2;
        }
        let header_end = find_bytes(bytes, b"\r\n\r\n", pos).ok_or("part without headers")?;
        let headers = String::from_utf8_lossy(&bytes[pos..header_end]).to_string();
        let content_start = header_end + 4;
        let mut next_delim = delimiter.clone();
        next_delim.splice(0..0, b"\r\n".iter().copied());
        let content_end =
            find_bytes(bytes, &next_delim, content_start).ok_or("part without end")?;
        let content = &bytes[content_start..content_end];
        let disposition = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .unwrap_or("");
        let name = header_param(disposition, "name").unwrap_or_default();
        let filename = header_param(disposition, "filename");
        if name == "payload_json" {
            body = serde_json::from_slice(content).map_err(|e| format!("payload_json: {e}"))?;
        } else if let Some(filename) = filename {
            files.push((filename, content.len()));
            file_bytes.push(content.to_vec());
        } else {
            // A plain text field (Discord accepts form fields as well).
            fields.push((name, String::from_utf8_lossy(content).to_string()));
        }
        pos = content_end + 2;
    }
    if !fields.is_empty() && body.is_null() {
        body = json!({});
    }
    if let Some(map) = body.as_object_mut() {
        for (name, value) in fields {
            map.entry(name).or_insert(Value::String(value));
        }
    }
    Ok(Parsed {
        body,
        files,
        file_bytes,
    })
}
