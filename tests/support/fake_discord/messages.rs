//! Messages the bot creates, edits and deletes in channels, and the message
//! objects the fake keeps for them (shared with interaction answers and
//! follow-ups).

use std::time::Instant;

use serde_json::{json, Value};

use super::payloads::{attachment_json, bot_user_json, message_json};
use super::permissions::check_bot_may_post;
use super::rest::Reply;
use super::validate::{form_error, invalid_form, str_len, validate_message};
use super::{
    field_id, now_timestamp, snowflake, ChannelKind, Origin, StateInner, StoredMessage,
    FLAG_LOADING, NONCE_WINDOW,
};

pub(super) fn has_visible_payload(msg: &Value) -> bool {
    str_len(&msg["content"]) > 0
        || msg["embeds"].as_array().is_some_and(|a| !a.is_empty())
        || msg["components"].as_array().is_some_and(|a| !a.is_empty())
        || msg["attachments"].as_array().is_some_and(|a| !a.is_empty())
        || msg["sticker_items"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        || msg["sticker_ids"].as_array().is_some_and(|a| !a.is_empty())
        || !msg["poll"].is_null()
}

pub(super) fn empty_message() -> Reply {
    Reply::error(400, 50006, "Cannot send an empty message")
}

/// Applies the editable fields of a create/edit body to `msg`.
pub(super) fn apply_message_fields(
    msg: &mut Value,
    body: &Value,
    files: &[(String, usize)],
    edit: bool,
) {
    let channel = field_id(msg, "channel_id").unwrap_or(0);
    if let Some(content) = body.get("content") {
        msg["content"] = json!(content.as_str().unwrap_or(""));
    }
    if let Some(embeds) = body.get("embeds") {
        let embeds: Vec<Value> = embeds
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut e| {
                if e.get("type").is_none() {
                    e["type"] = json!("rich");
                }
                e
            })
            .collect();
        msg["embeds"] = json!(embeds);
    }
    if let Some(components) = body.get("components") {
        msg["components"] = json!(components.as_array().cloned().unwrap_or_default());
    }
    let mut attachments: Vec<Value> = if edit {
        let existing = msg["attachments"].as_array().cloned().unwrap_or_default();
        match body.get("attachments").and_then(Value::as_array) {
            Some(keep) => existing
                .into_iter()
                .filter(|a| keep.iter().any(|k| k["id"] == a["id"]))
                .collect(),
            None => existing,
        }
    } else {
        Vec::new()
    };
    for (index, (name, size)) in files.iter().enumerate() {
        let mut attachment = attachment_json(channel, name, *size);
        // A new file's entry in the body's `attachments` (its id is the
        // file's index) may describe it: the alt text clients read out.
        let described = body["attachments"].as_array().and_then(|list| {
            list.iter().find(|a| {
                a["id"].as_u64() == Some(index as u64)
                    || a["id"].as_str() == Some(index.to_string().as_str())
            })
        });
        if let Some(description) = described.and_then(|a| a["description"].as_str()) {
            attachment["description"] = json!(description);
        }
        attachments.push(attachment);
    }
    msg["attachments"] = json!(attachments);
}

pub(super) fn new_bot_message(
    channel: u64,
    body: &Value,
    files: &[(String, usize)],
    allowed_flags: u64,
) -> Value {
    let id = snowflake();
    let mut msg = message_json(id, channel, bot_user_json(), "");
    msg["tts"] = json!(body["tts"].as_bool().unwrap_or(false));
    apply_message_fields(&mut msg, body, files, false);
    msg["flags"] = json!(body["flags"].as_u64().unwrap_or(0) & allowed_flags);
    if let Some(nonce) = body.get("nonce").filter(|n| !n.is_null()) {
        msg["nonce"] = nonce.clone();
    }
    msg
}

pub(super) fn store_message(st: &mut StateInner, msg: Value, origin: Origin) -> u64 {
    let id = field_id(&msg, "id").expect("message id");
    let channel_id = field_id(&msg, "channel_id").expect("channel id");
    st.messages.push(StoredMessage {
        id,
        channel_id,
        json: msg,
        origin,
        nonce_repeats: 0,
        edits: 0,
        deleted: false,
    });
    id
}

pub(super) fn stored_mut(st: &mut StateInner, id: u64) -> Option<&mut StoredMessage> {
    st.messages.iter_mut().find(|m| m.id == id && !m.deleted)
}

/// Flags a bot may set: SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS (and
/// EPHEMERAL for interaction answers).
pub(super) const SETTABLE_FLAGS: u64 = 4 | 4096;

pub(super) fn create_channel_message(
    st: &mut StateInner,
    channel: u64,
    body: &Value,
    files: &[(String, usize)],
) -> Reply {
    let Some(kind) = st.channels.get(&channel).cloned() else {
        return Reply::unknown_channel();
    };
    if let Err(denied) = check_bot_may_post(st, channel) {
        return denied;
    }
    let errors = validate_message(body, &[]);
    if !errors.is_empty() {
        return invalid_form(errors);
    }
    let nonce_key = body
        .get("nonce")
        .filter(|n| !n.is_null())
        .map(|n| n.as_str().map_or_else(|| n.to_string(), str::to_owned));
    if let Some(key) = &nonce_key {
        if body["enforce_nonce"].as_bool() == Some(true) {
            if let Some((id, at)) = st.nonces.get(&(channel, key.clone())).copied() {
                if at.elapsed() < NONCE_WINDOW {
                    if let Some(m) = stored_mut(st, id) {
                        m.nonce_repeats += 1;
                        return Reply::ok(m.json.clone());
                    }
                }
            }
        }
    }
    let mut msg = new_bot_message(channel, body, files, SETTABLE_FLAGS);
    if !has_visible_payload(&msg) {
        return empty_message();
    }
    let reference = &body["message_reference"];
    if let Some(ref_id) = field_id(reference, "message_id") {
        let ref_channel = field_id(reference, "channel_id").unwrap_or(channel);
        let found = st
            .messages
            .iter()
            .find(|m| m.id == ref_id && !m.deleted && !m.is_ephemeral())
            .map(|m| m.json.clone())
            .or_else(|| st.seen_messages.get(&ref_id).cloned())
            .filter(|m| field_id(m, "channel_id") == Some(channel) && ref_channel == channel);
        match found {
            Some(referenced) => {
                msg["type"] = json!(19);
                let mut reference = json!({
                    "type": 0,
                    "channel_id": channel.to_string(),
                    "message_id": ref_id.to_string(),
                });
                if let ChannelKind::Guild { guild_id } = kind {
                    reference["guild_id"] = json!(guild_id.to_string());
                }
                msg["message_reference"] = reference;
                if body["allowed_mentions"]["replied_user"].as_bool() == Some(true) {
                    msg["mentions"] = json!([referenced["author"].clone()]);
                }
                msg["referenced_message"] = referenced;
            }
            None if reference["fail_if_not_exists"].as_bool() == Some(false) => {}
            None => {
                return invalid_form(vec![form_error(
                    &["message_reference"],
                    "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                    "Unknown message",
                )])
            }
        }
    }
    let id = store_message(st, msg.clone(), Origin::Channel);
    if let Some(key) = nonce_key {
        st.nonces.insert((channel, key), (id, Instant::now()));
    }
    Reply::ok(msg)
}

pub(super) fn channel_message(
    st: &mut StateInner,
    method: &str,
    channel: u64,
    message: u64,
    body: &Value,
    files: &[(String, usize)],
) -> Reply {
    if !st.channels.contains_key(&channel) {
        return Reply::unknown_channel();
    }
    let own = st.messages.iter().position(|m| {
        m.id == message && m.channel_id == channel && !m.deleted && !m.is_ephemeral()
    });
    let Some(index) = own else {
        let seen = st
            .seen_messages
            .get(&message)
            .filter(|m| field_id(m, "channel_id") == Some(channel))
            .cloned();
        return match (method, seen) {
            ("GET", Some(m)) => Reply::ok(m),
            ("PATCH", Some(_)) => {
                Reply::error(403, 50005, "Cannot edit a message authored by another user")
            }
            ("DELETE", Some(_)) => Reply::error(403, 50013, "Missing Permissions"),
            _ => Reply::unknown_message(),
        };
    };
    match method {
        "GET" => Reply::ok(st.messages[index].json.clone()),
        "DELETE" => {
            st.messages[index].deleted = true;
            Reply::no_content()
        }
        _ => edit_stored(&mut st.messages[index], body, files, &[]),
    }
}

/// Applies an edit to a stored message (shared by channel and webhook edits).
pub(super) fn edit_stored(
    m: &mut StoredMessage,
    body: &Value,
    files: &[(String, usize)],
    base: &[String],
) -> Reply {
    let errors = validate_message(body, base);
    if !errors.is_empty() {
        return invalid_form(errors);
    }
    let mut next = m.json.clone();
    apply_message_fields(&mut next, body, files, true);
    let was_loading = next["flags"].as_u64().unwrap_or(0) & FLAG_LOADING != 0;
    if let Some(flags) = body["flags"].as_u64() {
        // Only SUPPRESS_EMBEDS can change on an edit.
        let old = next["flags"].as_u64().unwrap_or(0);
        next["flags"] = json!((old & !4) | (flags & 4));
    }
    if was_loading {
        next["flags"] = json!(next["flags"].as_u64().unwrap_or(0) & !FLAG_LOADING);
    } else {
        next["edited_timestamp"] = json!(now_timestamp());
    }
    if !has_visible_payload(&next) {
        return empty_message();
    }
    m.json = next;
    m.edits += 1;
    Reply::ok(m.json.clone())
}
