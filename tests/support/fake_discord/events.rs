//! What the fake learns from the events a test dispatches (users, channels,
//! messages, interactions), and the checks that keep those events possible:
//! a command interaction must match a registered command the member is
//! offered, a button press a button on the bot's message.

use std::time::Instant;

use serde_json::{json, Value};

use super::permissions::{check_member_may_use, resolve_channels};
use super::{field_id, id_str, ChannelKind, InteractionState, StateInner, BOT_USER_ID};

fn learn_user(st: &mut StateInner, user: &Value) {
    if let Some(id) = field_id(user, "id") {
        if id != BOT_USER_ID {
            st.users.insert(id, user.clone());
        }
    }
}

fn learn_channel(st: &mut StateInner, channel: u64, guild: Option<u64>, user: &Value) {
    match guild {
        Some(guild_id) => {
            st.channels.insert(channel, ChannelKind::Guild { guild_id });
        }
        None => {
            if let Some(user_id) = field_id(user, "id").filter(|id| *id != BOT_USER_ID) {
                st.channels
                    .entry(channel)
                    .or_insert_with(|| ChannelKind::Dm {
                        recipient: user.clone(),
                    });
                st.dm_by_user.entry(user_id).or_insert(channel);
            }
        }
    }
}

/// Updates what the fake knows from an event and checks interactions.
pub(super) fn observe(st: &mut StateInner, event: &str, mut data: Value) -> Result<Value, String> {
    match event {
        "MESSAGE_CREATE" => {
            let channel =
                field_id(&data, "channel_id").ok_or("MESSAGE_CREATE without channel_id")?;
            let author = data["author"].clone();
            learn_user(st, &author);
            learn_channel(st, channel, field_id(&data, "guild_id"), &author);
            if let Some(id) = field_id(&data, "id") {
                if field_id(&author, "id") != Some(BOT_USER_ID) {
                    let mut stored = data.clone();
                    if let Some(map) = stored.as_object_mut() {
                        // REST message objects carry neither of these.
                        map.remove("guild_id");
                        map.remove("member");
                    }
                    st.seen_messages.insert(id, stored);
                }
            }
        }
        "INTERACTION_CREATE" => {
            let id = field_id(&data, "id").ok_or("interaction without id")?;
            let token = data["token"]
                .as_str()
                .ok_or("interaction without token")?
                .to_owned();
            let kind = data["type"].as_u64().ok_or("interaction without type")?;
            let channel = field_id(&data, "channel_id").ok_or("interaction without channel_id")?;
            let guild = field_id(&data, "guild_id");
            let user = if data["member"].is_object() {
                data["member"]["user"].clone()
            } else {
                data["user"].clone()
            };
            if field_id(&user, "id").is_none() {
                return Err("interaction without member.user or user".into());
            }
            if st.interactions.contains_key(&id) {
                return Err(format!("interaction {id} was already dispatched"));
            }
            match kind {
                2 | 4 => check_command_interaction(st, &mut data, guild, kind == 4)?,
                3 => check_button_press(&data)?,
                5 => check_form_submit(st, &data, &user)?,
                _ => {}
            }
            learn_user(st, &user);
            // Only where the bot itself is: not a server that only the
            // person installed the app for, nor their DMs with others.
            if bot_is_present(&data, guild) {
                learn_channel(st, channel, guild, &user);
            }
            st.tokens.insert(token.clone(), id);
            st.interactions.insert(
                id,
                InteractionState {
                    token,
                    kind,
                    channel_id: channel,
                    dispatched_at: Instant::now(),
                    ack: None,
                    original: None,
                    loading: false,
                    messages: Vec::new(),
                    component_message: (matches!(kind, 3 | 5) && data["message"].is_object())
                        .then(|| data["message"].clone()),
                    user,
                },
            );
        }
        _ => {}
    }
    Ok(data)
}

/// Whether the bot is in the place an interaction comes from: a server that
/// installed it (`authorizing_integration_owners` "0" is that server) or its
/// own DM (context 1).
fn bot_is_present(data: &Value, guild: Option<u64>) -> bool {
    match (data["context"].as_u64(), guild) {
        (Some(2), _) => false,
        (_, Some(g)) => {
            data["authorizing_integration_owners"]["0"].as_str() == Some(&g.to_string())
        }
        _ => true,
    }
}

/// Whether a command is offered where the interaction comes from (its
/// `contexts`) for the installation used (its `integration_types`).
fn offered_here(command: &Value, data: &Value, guild: Option<u64>) -> bool {
    let context = data["context"]
        .as_u64()
        .unwrap_or(if guild.is_some() { 0 } else { 1 });
    let owners = &data["authorizing_integration_owners"];
    let install = if owners.get("0").is_none() && owners.get("1").is_some() {
        1
    } else {
        0
    };
    let in_context = match command["contexts"].as_array() {
        Some(contexts) => contexts.iter().any(|v| v.as_u64() == Some(context)),
        // Unset: the legacy rule, everywhere but DMs with dm_permission false.
        None => context == 0 || command["dm_permission"].as_bool() != Some(false),
    };
    let installed = command["integration_types"]
        .as_array()
        .is_none_or(|types| types.iter().any(|v| v.as_u64() == Some(install)));
    in_context && installed
}

fn check_command_interaction(
    st: &StateInner,
    data: &mut Value,
    guild: Option<u64>,
    autocomplete: bool,
) -> Result<(), String> {
    let name = data["data"]["name"].as_str().unwrap_or("").to_owned();
    let kind = data["data"]["type"].as_u64().unwrap_or(1);
    let matches = |c: &&Value| c["name"] == json!(name) && c["type"].as_u64() == Some(kind);
    // The current registration first, then the shapes a client may still show.
    let candidates = |scope: Option<u64>| -> Vec<Value> {
        let current = st
            .commands
            .get(&scope)
            .into_iter()
            .flatten()
            .map(|(_, out)| out);
        let replaced = st.replaced_commands.get(&scope).into_iter().flatten();
        current.chain(replaced).filter(matches).cloned().collect()
    };
    // A server's own commands exist only where the bot was installed.
    let scoped = guild.filter(|_| bot_is_present(data, guild));
    let commands: Vec<Value> = scoped
        .map(|g| candidates(Some(g)))
        .unwrap_or_default()
        .into_iter()
        .chain(candidates(None))
        .filter(|c| c.get("guild_id").is_some() || offered_here(c, data, guild))
        .collect();
    if commands.is_empty() {
        let known: Vec<String> = st
            .commands
            .iter()
            .flat_map(|(scope, cmds)| {
                cmds.iter()
                    .map(move |(_, c)| format!("{} ({scope:?})", c["name"].as_str().unwrap_or("")))
            })
            .collect();
        return Err(format!(
            "/{name} is not registered for {} (registered: {known:?})",
            guild.map_or("DMs".to_owned(), |g| format!("guild {g}"))
        ));
    }
    let mut first_error = None;
    for command in &commands {
        let mut attempt = data.clone();
        match check_against(st, &mut attempt, command, &name, guild, autocomplete) {
            Ok(()) => {
                *data = attempt;
                return Ok(());
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_default())
}

/// Checks an interaction against one registered shape of its command.
fn check_against(
    st: &StateInner,
    data: &mut Value,
    command: &Value,
    name: &str,
    guild: Option<u64>,
    autocomplete: bool,
) -> Result<(), String> {
    check_member_may_use(st, command, name, guild, data)?;
    data["data"]["id"] = command["id"].clone();
    if let Some(g) = command.get("guild_id") {
        data["data"]["guild_id"] = g.clone();
    }
    let given = data["data"]["options"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let schema = command["options"].as_array().cloned().unwrap_or_default();
    let mut focused = 0;
    check_options(
        &given,
        &schema,
        autocomplete,
        &mut focused,
        &format!("/{name}"),
    )?;
    resolve_channels(st, data);
    match (autocomplete, focused) {
        (true, 1) | (false, 0) => Ok(()),
        (true, n) => Err(format!(
            "autocomplete needs exactly one focused option, got {n}"
        )),
        (false, _) => Err("a focused option outside autocomplete".into()),
    }
}

fn check_options(
    given: &[Value],
    schema: &[Value],
    autocomplete: bool,
    focused: &mut usize,
    path: &str,
) -> Result<(), String> {
    for opt in given {
        let name = opt["name"].as_str().unwrap_or("");
        let at = format!("{path} {name}");
        let Some(s) = schema.iter().find(|s| s["name"].as_str() == Some(name)) else {
            let names: Vec<&str> = schema.iter().filter_map(|s| s["name"].as_str()).collect();
            return Err(format!("{at}: no such option (registered: {names:?})"));
        };
        let kind = opt["type"].as_u64().unwrap_or(0);
        if s["type"].as_u64() != Some(kind) {
            return Err(format!("{at}: type {kind}, registered as {}", s["type"]));
        }
        if kind == 1 || kind == 2 {
            let inner = opt["options"].as_array().cloned().unwrap_or_default();
            let inner_schema = s["options"].as_array().cloned().unwrap_or_default();
            check_options(&inner, &inner_schema, autocomplete, focused, &at)?;
            continue;
        }
        let value = &opt["value"];
        if opt["focused"].as_bool() == Some(true) {
            *focused += 1;
            if s["autocomplete"].as_bool() != Some(true) {
                return Err(format!("{at}: focused, but the option has no autocomplete"));
            }
            if value.is_null() {
                return Err(format!("{at}: focused option without value"));
            }
            continue;
        }
        let type_ok = match kind {
            3 => value.is_string(),
            4 => value.is_i64(),
            5 => value.is_boolean(),
            6..=9 | 11 => id_str(value).is_some() && value.is_string(),
            10 => value.is_number(),
            _ => false,
        };
        if !type_ok {
            return Err(format!(
                "{at}: value {value} does not fit option type {kind}"
            ));
        }
        if let Some(text) = value.as_str().filter(|_| kind == 3) {
            let len = text.chars().count() as u64;
            if s["min_length"].as_u64().is_some_and(|m| len < m)
                || s["max_length"].as_u64().is_some_and(|m| len > m)
                || len > 6000
            {
                return Err(format!("{at}: length {len} outside the registered limits"));
            }
        }
        if let Some(n) = value.as_f64().filter(|_| kind == 4 || kind == 10) {
            if s["min_value"].as_f64().is_some_and(|m| n < m)
                || s["max_value"].as_f64().is_some_and(|m| n > m)
            {
                return Err(format!("{at}: {n} outside the registered range"));
            }
        }
        if let Some(choices) = s["choices"].as_array().filter(|c| !c.is_empty()) {
            if !choices.iter().any(|c| &c["value"] == value) {
                return Err(format!(
                    "{at}: {value} is not one of the registered choices"
                ));
            }
        }
    }
    let sub_level = schema
        .iter()
        .any(|s| matches!(s["type"].as_u64(), Some(1 | 2)));
    if sub_level {
        if given.len() != 1 {
            return Err(format!("{path}: exactly one subcommand must be chosen"));
        }
    } else if !autocomplete {
        for s in schema
            .iter()
            .filter(|s| s["required"].as_bool() == Some(true))
        {
            if !given.iter().any(|g| g["name"] == s["name"]) {
                return Err(format!("{path}: required option {} missing", s["name"]));
            }
        }
    }
    Ok(())
}

fn check_button_press(data: &Value) -> Result<(), String> {
    let message = &data["message"];
    if field_id(&message["author"], "id") != Some(BOT_USER_ID) {
        return Err("the button's message is not the bot's".into());
    }
    let custom_id = &data["data"]["custom_id"];
    let found = message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find(|c| &c["custom_id"] == custom_id);
    match found {
        None => Err(format!(
            "no component with custom_id {custom_id} on the message"
        )),
        Some(c) if c["disabled"].as_bool() == Some(true) => {
            Err(format!("the button {custom_id} is disabled"))
        }
        Some(c) if c["type"].as_u64() != data["data"]["component_type"].as_u64() => Err(format!(
            "component {custom_id} has type {}, the press says {}",
            c["type"], data["data"]["component_type"]
        )),
        Some(c) if c["type"].as_u64() == Some(3) => check_selected(&c, &data["data"]["values"]),
        Some(_) => Ok(()),
    }
}

/// A string select sends between `min_values` (default 1) and `max_values`
/// (default 1) of its own options' values.
fn check_selected(select: &Value, values: &Value) -> Result<(), String> {
    let Some(values) = values.as_array() else {
        return Err("a string select without values".into());
    };
    let offered: Vec<&Value> = select["options"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| &o["value"])
        .collect();
    let min = select["min_values"].as_u64().unwrap_or(1) as usize;
    let max = select["max_values"].as_u64().unwrap_or(1) as usize;
    if !(min..=max).contains(&values.len()) {
        return Err(format!(
            "{} values chosen, the select takes {min} to {max}",
            values.len()
        ));
    }
    match values.iter().find(|v| !offered.contains(v)) {
        Some(v) => Err(format!("{v} is not one of the select's options")),
        None => Ok(()),
    }
}

/// A form is submitted only after the bot opened it for that person.
fn check_form_submit(st: &mut StateInner, data: &Value, user: &Value) -> Result<(), String> {
    let custom_id = data["data"]["custom_id"].as_str().unwrap_or_default();
    let user_id = field_id(user, "id").unwrap_or(0);
    let opened = st
        .forms_opened
        .iter()
        .position(|(u, form)| *u == user_id && form["custom_id"] == custom_id);
    let Some(i) = opened else {
        return Err(format!("no form {custom_id} was opened for this user"));
    };
    let form = st.forms_opened.remove(i).1;
    let inputs: Vec<&Value> = form["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .collect();
    for row in data["data"]["components"].as_array().into_iter().flatten() {
        for field in row["components"].as_array().into_iter().flatten() {
            let Some(input) = inputs.iter().find(|i| i["custom_id"] == field["custom_id"]) else {
                return Err(format!("the form has no field {}", field["custom_id"]));
            };
            let len = field["value"].as_str().map_or(0, |v| v.chars().count());
            let max = input["max_length"].as_u64().unwrap_or(4000) as usize;
            let min = input["min_length"].as_u64().unwrap_or(0) as usize;
            if !(min..=max).contains(&len) {
                return Err(format!(
                    "{} is {len} characters, the field takes {min} to {max}",
                    field["custom_id"]
                ));
            }
        }
    }
    Ok(())
}
