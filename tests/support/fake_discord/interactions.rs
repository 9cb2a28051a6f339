//! Interaction answers: the callback (`POST /interactions/{id}/{token}/callback`),
//! follow-ups (`POST /webhooks/{app}/{token}`) and edits or deletes of the
//! original answer and follow-ups (`/webhooks/{app}/{token}/messages/...`).

use serde_json::{json, Value};

use super::messages::{
    apply_message_fields, edit_stored, empty_message, has_visible_payload, new_bot_message,
    store_message, stored_mut, SETTABLE_FLAGS,
};
use super::rest::{parse_snowflake, Reply};
use super::validate::{
    form_error, invalid_form, validate_autocomplete_choices, validate_message, validate_modal,
};
use super::{
    field_id, InteractionState, Origin, StateInner, APPLICATION_ID, FLAG_EPHEMERAL, FLAG_LOADING,
    INTERACTION_ACK_WINDOW, INTERACTION_TOKEN_LIFETIME,
};

fn interaction_message(
    st: &StateInner,
    ix_id: u64,
    body: &Value,
    files: &[(String, usize)],
) -> Value {
    let ix = &st.interactions[&ix_id];
    let mut msg = new_bot_message(ix.channel_id, body, files, SETTABLE_FLAGS | FLAG_EPHEMERAL);
    msg["webhook_id"] = json!(APPLICATION_ID.to_string());
    msg["application_id"] = json!(APPLICATION_ID.to_string());
    let mut metadata = json!({
        "id": ix_id.to_string(),
        "type": ix.kind,
        "user": ix.user,
        "authorizing_integration_owners": {},
    });
    if let Some(m) = &ix.component_message {
        metadata["interacted_message_id"] = m["id"].clone();
    }
    msg["interaction_metadata"] = metadata;
    msg
}

/// Stores `msg` as the original answer to interaction `id` (of type
/// `command_kind`: the answer to a slash command is a message of type 20).
fn store_original(
    st: &mut StateInner,
    id: u64,
    mut msg: Value,
    command_kind: u64,
) -> &mut InteractionState {
    if command_kind == 2 {
        msg["type"] = json!(20);
    }
    let msg_id = store_message(st, msg, Origin::InteractionResponse { interaction_id: id });
    let ix = st.interactions.get_mut(&id).expect("interaction");
    ix.original = Some(msg_id);
    ix.messages.push(msg_id);
    ix
}

pub(super) fn interaction_callback(
    st: &mut StateInner,
    id: u64,
    token: &str,
    body: &Value,
    files: &[(String, usize)],
) -> Reply {
    let Some(ix) = st.interactions.get(&id) else {
        return Reply::unknown_interaction();
    };
    if ix.token != token {
        return Reply::unknown_interaction();
    }
    if ix.ack.is_some() {
        return Reply::error(400, 40060, "Interaction has already been acknowledged.");
    }
    if ix.dispatched_at.elapsed() > INTERACTION_ACK_WINDOW {
        return Reply::unknown_interaction();
    }
    let Some(kind) = body["type"].as_u64() else {
        return invalid_form(vec![form_error(
            &["type"],
            "BASE_TYPE_REQUIRED",
            "This field is required",
        )]);
    };
    let allowed: &[u64] = match ix.kind {
        2 => &[4, 5, 9],
        3 => &[4, 5, 6, 7, 9],
        4 => &[8],
        5 => &[4, 5, 6, 7],
        _ => &[1],
    };
    if !allowed.contains(&kind) {
        return invalid_form(vec![form_error(
            &["type"],
            "INTERACTION_RESPONSE_TYPE_INVALID",
            format!(
                "Interaction response type {kind} is not valid for interaction type {}",
                ix.kind
            ),
        )]);
    }
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let base = vec!["data".to_owned()];
    let command_kind = ix.kind;
    let component_message = ix.component_message.clone();
    match kind {
        4 => {
            let errors = validate_message(&data, &base);
            if !errors.is_empty() {
                return invalid_form(errors);
            }
            let msg = interaction_message(st, id, &data, files);
            if !has_visible_payload(&msg) {
                return empty_message();
            }
            store_original(st, id, msg, command_kind);
        }
        5 => {
            let flags = data["flags"].as_u64().unwrap_or(0) & FLAG_EPHEMERAL;
            let mut msg = interaction_message(st, id, &json!({}), &[]);
            msg["flags"] = json!(flags | FLAG_LOADING);
            store_original(st, id, msg, command_kind).loading = true;
        }
        6 | 7 => {
            let Some(message) = component_message else {
                return invalid_form(vec![form_error(
                    &["type"],
                    "INTERACTION_RESPONSE_TYPE_INVALID",
                    "There is no message to update",
                )]);
            };
            let msg_id = field_id(&message, "id").unwrap_or(0);
            if kind == 7 {
                if stored_mut(st, msg_id).is_none() {
                    store_message(st, message, Origin::Channel);
                }
                let m = stored_mut(st, msg_id).expect("stored");
                let reply = edit_stored(m, &data, files, &base);
                if reply.status != 200 {
                    return reply;
                }
            }
            st.interactions.get_mut(&id).expect("interaction").original = Some(msg_id);
        }
        8 => {
            let errors = validate_autocomplete_choices(&data);
            if !errors.is_empty() {
                return invalid_form(errors);
            }
        }
        9 => {
            let errors = validate_modal(&data);
            if !errors.is_empty() {
                return invalid_form(errors);
            }
            let user = field_id(&st.interactions[&id].user, "id").unwrap_or(0);
            st.forms_opened.push((user, data.clone()));
        }
        _ => {}
    }
    st.interactions.get_mut(&id).expect("interaction").ack = Some(kind);
    Reply::no_content()
}

/// The interaction an interaction webhook (`/webhooks/{app}/{token}`) belongs to.
pub(super) fn webhook_interaction(st: &StateInner, app: &str, token: &str) -> Result<u64, Reply> {
    if app != APPLICATION_ID.to_string() {
        return Err(Reply::unknown_webhook());
    }
    let id = *st.tokens.get(token).ok_or_else(Reply::unknown_webhook)?;
    let ix = &st.interactions[&id];
    if ix.dispatched_at.elapsed() > INTERACTION_TOKEN_LIFETIME {
        return Err(Reply::error(401, 50027, "Invalid Webhook Token"));
    }
    match ix.ack {
        None | Some(8) => Err(Reply::unknown_webhook()),
        Some(_) => Ok(id),
    }
}

pub(super) fn create_followup(
    st: &mut StateInner,
    id: u64,
    body: &Value,
    files: &[(String, usize)],
    _query: Option<&str>,
) -> Reply {
    let errors = validate_message(body, &[]);
    if !errors.is_empty() {
        return invalid_form(errors);
    }
    let ix = &st.interactions[&id];
    if ix.loading {
        // The first follow-up after a deferred answer replaces the loading
        // message; its visibility was fixed by the defer.
        let original = ix.original.expect("deferred original");
        let Some(m) = stored_mut(st, original) else {
            return Reply::unknown_message();
        };
        let mut next = m.json.clone();
        apply_message_fields(&mut next, body, files, true);
        let flags = next["flags"].as_u64().unwrap_or(0) & !FLAG_LOADING;
        next["flags"] = json!(flags | (body["flags"].as_u64().unwrap_or(0) & SETTABLE_FLAGS));
        if !has_visible_payload(&next) {
            return empty_message();
        }
        m.json = next.clone();
        st.interactions.get_mut(&id).expect("interaction").loading = false;
        return Reply::ok(next);
    }
    let msg = interaction_message(st, id, body, files);
    if !has_visible_payload(&msg) {
        return empty_message();
    }
    let msg_id = store_message(st, msg.clone(), Origin::Followup { interaction_id: id });
    st.interactions
        .get_mut(&id)
        .expect("interaction")
        .messages
        .push(msg_id);
    Reply::ok(msg)
}

pub(super) fn webhook_message(
    st: &mut StateInner,
    id: u64,
    method: &str,
    which: &str,
    body: &Value,
    files: &[(String, usize)],
) -> Reply {
    let ix = &st.interactions[&id];
    let msg_id = if which == "@original" {
        match ix.original {
            Some(m) => m,
            None => return Reply::unknown_message(),
        }
    } else {
        match parse_snowflake(which, "message_id") {
            Ok(m) if ix.messages.contains(&m) || ix.original == Some(m) => m,
            Ok(_) => return Reply::unknown_message(),
            Err(e) => return e,
        }
    };
    if stored_mut(st, msg_id).is_none() {
        // The message a component was on, created outside the fake.
        match st.interactions[&id].component_message.clone() {
            Some(m) if field_id(&m, "id") == Some(msg_id) => {
                store_message(st, m, Origin::Channel);
            }
            _ => return Reply::unknown_message(),
        }
    }
    let was_loading = st.interactions[&id].loading && st.interactions[&id].original == Some(msg_id);
    let m = stored_mut(st, msg_id).expect("stored");
    match method {
        "GET" => Reply::ok(m.json.clone()),
        "DELETE" => {
            m.deleted = true;
            Reply::no_content()
        }
        "PATCH" => {
            let reply = edit_stored(m, body, files, &[]);
            if reply.status == 200 && was_loading {
                st.interactions.get_mut(&id).expect("interaction").loading = false;
            }
            reply
        }
        _ => Reply::method_not_allowed(),
    }
}
