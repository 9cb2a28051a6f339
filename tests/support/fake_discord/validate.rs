//! Discord's documented limits on what a bot sends (message content,
//! embeds, components, nonces, commands and their options, autocomplete
//! choices), and the 400 50035 "Invalid Form Body" answer with Discord's
//! nested `errors` when one is broken.

use serde_json::{json, Map, Value};

use super::rest::{Endpoint, Reply};

/// One field error of a 50035 "Invalid Form Body".
#[derive(Clone, Debug)]
pub(super) struct FormError {
    pub(super) path: Vec<String>,
    pub(super) code: &'static str,
    pub(super) message: String,
}

pub(super) fn form_error(
    path: &[&str],
    code: &'static str,
    message: impl Into<String>,
) -> FormError {
    FormError {
        path: path.iter().map(|s| (*s).to_owned()).collect(),
        code,
        message: message.into(),
    }
}

pub(super) fn max_length_error(path: Vec<String>, max: usize) -> FormError {
    FormError {
        path,
        code: "BASE_TYPE_MAX_LENGTH",
        message: format!("Must be {max} or fewer in length."),
    }
}

/// 400 `{"code": 50035, "message": "Invalid Form Body", "errors": {...}}`
/// with Discord's nested `_errors` layout.
pub(super) fn invalid_form(errors: Vec<FormError>) -> Reply {
    let mut root = Value::Object(Map::new());
    for e in errors {
        let mut node = &mut root;
        for key in &e.path {
            node = node
                .as_object_mut()
                .expect("object")
                .entry(key.clone())
                .or_insert_with(|| Value::Object(Map::new()));
        }
        let list = node
            .as_object_mut()
            .expect("object")
            .entry("_errors")
            .or_insert_with(|| json!([]));
        list.as_array_mut()
            .expect("array")
            .push(json!({"code": e.code, "message": e.message}));
    }
    Reply::json(
        400,
        json!({"message": "Invalid Form Body", "code": 50035, "errors": root}),
    )
}

pub(super) fn str_len(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

pub(super) fn p(base: &[String], rest: &[&str]) -> Vec<String> {
    base.iter()
        .cloned()
        .chain(rest.iter().map(|s| (*s).to_owned()))
        .collect()
}

/// Discord's limits on a message body (content, embeds, components, nonce).
pub(super) fn validate_message(body: &Value, base: &[String]) -> Vec<FormError> {
    let mut errors = Vec::new();
    if str_len(&body["content"]) > 2000 {
        errors.push(max_length_error(p(base, &["content"]), 2000));
    }
    if let Some(nonce) = body["nonce"].as_str() {
        if nonce.chars().count() > 25 {
            errors.push(max_length_error(p(base, &["nonce"]), 25));
        }
    }
    if let Some(embeds) = body["embeds"].as_array() {
        if embeds.len() > 10 {
            errors.push(max_length_error(p(base, &["embeds"]), 10));
        }
        for (i, embed) in embeds.iter().enumerate() {
            let i = i.to_string();
            let limits: [(&[&str], usize); 4] = [
                (&["title"], 256),
                (&["description"], 4096),
                (&["footer", "text"], 2048),
                (&["author", "name"], 256),
            ];
            for (keys, max) in limits {
                let mut v = embed;
                for k in keys {
                    v = &v[*k];
                }
                let len = str_len(v);
                if len > max {
                    let mut path = p(base, &["embeds", &i]);
                    path.extend(keys.iter().map(|k| (*k).to_owned()));
                    errors.push(max_length_error(path, max));
                }
            }
            if let Some(fields) = embed["fields"].as_array() {
                if fields.len() > 25 {
                    errors.push(max_length_error(p(base, &["embeds", &i, "fields"]), 25));
                }
                for (j, field) in fields.iter().enumerate() {
                    let j = j.to_string();
                    for (key, max) in [("name", 256), ("value", 1024)] {
                        let len = str_len(&field[key]);
                        if len == 0 {
                            errors.push(FormError {
                                path: p(base, &["embeds", &i, "fields", &j, key]),
                                code: "BASE_TYPE_REQUIRED",
                                message: "This field is required".to_owned(),
                            });
                        } else if len > max {
                            errors.push(max_length_error(
                                p(base, &["embeds", &i, "fields", &j, key]),
                                max,
                            ));
                        }
                    }
                }
            }
        }
        errors.extend(embeds_total_error(embeds, base));
    }
    if let Some(rows) = body["components"].as_array() {
        if rows.len() > 5 {
            errors.push(max_length_error(p(base, &["components"]), 5));
        }
        let mut seen_ids: Vec<String> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let i = i.to_string();
            if row["type"].as_u64() != Some(1) {
                errors.push(FormError {
                    path: p(base, &["components", &i, "type"]),
                    code: "UNION_TYPE_CHOICES",
                    message: "Value of field \"type\" must be one of (1,).".to_owned(),
                });
                continue;
            }
            let items = row["components"].as_array().cloned().unwrap_or_default();
            if items.is_empty() || items.len() > 5 {
                errors.push(FormError {
                    path: p(base, &["components", &i, "components"]),
                    code: "BASE_TYPE_BAD_LENGTH",
                    message: "Must be between 1 and 5 in length.".to_owned(),
                });
            }
            for (j, item) in items.iter().enumerate() {
                let j = j.to_string();
                let at = |key: &str| p(base, &["components", &i, "components", &j, key]);
                if str_len(&item["label"]) > 80 {
                    errors.push(max_length_error(at("label"), 80));
                }
                let style = item["style"].as_u64().unwrap_or(0);
                // Link (5) and premium (6) buttons carry no custom_id.
                let needs_id = !(item["type"].as_u64() == Some(2) && (style == 5 || style == 6));
                match item["custom_id"].as_str() {
                    Some(_) if !needs_id => {
                        errors.push(FormError {
                            path: at("custom_id"),
                            code: "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                            message: "A custom id cannot be set on a link or premium button"
                                .to_owned(),
                        });
                    }
                    Some(id) => {
                        if id.is_empty() || id.chars().count() > 100 {
                            errors.push(FormError {
                                path: at("custom_id"),
                                code: "BASE_TYPE_BAD_LENGTH",
                                message: "Must be between 1 and 100 in length.".to_owned(),
                            });
                        }
                        if seen_ids.iter().any(|s| s == id) {
                            errors.push(FormError {
                                path: at("custom_id"),
                                code: "COMPONENT_CUSTOM_ID_DUPLICATED",
                                message: "Component custom id cannot be duplicated".to_owned(),
                            });
                        }
                        seen_ids.push(id.to_owned());
                    }
                    None if needs_id => {
                        errors.push(FormError {
                            path: at("custom_id"),
                            code: "BASE_TYPE_REQUIRED",
                            message: "This field is required".to_owned(),
                        });
                    }
                    None => {}
                }
            }
        }
    }
    errors
}

fn base_path(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

fn valid_command_name(name: &str, chat_input: bool) -> bool {
    let len = name.chars().count();
    (1..=32).contains(&len)
        && (!chat_input
            || name
                .chars()
                .all(|c| (c.is_alphanumeric() || "-_'".contains(c)) && !c.is_uppercase()))
}

fn check_length(
    errors: &mut Vec<FormError>,
    path: Vec<String>,
    value: &Value,
    min: usize,
    max: usize,
) {
    let len = str_len(value);
    if len < min || len > max {
        errors.push(FormError {
            path,
            code: "BASE_TYPE_BAD_LENGTH",
            message: format!("Must be between {min} and {max} in length."),
        });
    }
}

fn validate_command_options(
    errors: &mut Vec<FormError>,
    options: &[Value],
    base: &[String],
    depth: usize,
) {
    if options.len() > 25 {
        errors.push(max_length_error(base.to_vec(), 25));
    }
    errors.extend(option_rules(options, base));
    let mut names: Vec<&str> = Vec::new();
    let mut subcommand_level = None;
    for (i, opt) in options.iter().enumerate() {
        let i = i.to_string();
        let at = |key: &str| p(base, &[&i, key]);
        let kind = opt["type"].as_u64().unwrap_or(0);
        let name = opt["name"].as_str().unwrap_or("");
        if !valid_command_name(name, true) {
            errors.push(FormError {
                path: at("name"),
                code: "APPLICATION_COMMAND_INVALID_NAME",
                message: "Command name is invalid".to_owned(),
            });
        }
        if names.contains(&name) {
            errors.push(FormError {
                path: at("name"),
                code: "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                message: "Option name already exists".to_owned(),
            });
        }
        names.push(name);
        check_length(errors, at("description"), &opt["description"], 1, 100);
        if !(1..=11).contains(&kind) {
            errors.push(FormError {
                path: at("type"),
                code: "BASE_TYPE_CHOICES",
                message: "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.".to_owned(),
            });
            continue;
        }
        let is_sub = kind == 1 || kind == 2;
        if *subcommand_level.get_or_insert(is_sub) != is_sub {
            errors.push(FormError {
                path: at("type"),
                code: "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                message: "Sub-command and sub-command group option types are mutually exclusive to all other types".to_owned(),
            });
        }
        if is_sub {
            // depth 0: command level; a group's subcommands are at depth 1.
            if (kind == 2 && depth > 0) || depth > 1 {
                errors.push(FormError {
                    path: at("type"),
                    code: "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    message: "Sub-commands cannot be nested this deep".to_owned(),
                });
            }
            let inner = opt["options"].as_array().cloned().unwrap_or_default();
            validate_command_options(errors, &inner, &at("options"), depth + 1);
            continue;
        }
        let choices = opt["choices"].as_array().cloned().unwrap_or_default();
        if choices.len() > 25 {
            errors.push(max_length_error(at("choices"), 25));
        }
        for (j, choice) in choices.iter().enumerate() {
            let j = j.to_string();
            check_length(
                errors,
                p(base, &[&i, "choices", &j, "name"]),
                &choice["name"],
                1,
                100,
            );
            if str_len(&choice["value"]) > 100 {
                errors.push(max_length_error(
                    p(base, &[&i, "choices", &j, "value"]),
                    100,
                ));
            }
        }
        for (key, min) in [("min_length", 0), ("max_length", 1)] {
            if let Some(v) = opt[key].as_u64() {
                if v < min || v > 6000 {
                    errors.push(FormError {
                        path: at(key),
                        code: "NUMBER_TYPE_MAX",
                        message: format!("{key} must be between {min} and 6000"),
                    });
                }
            }
        }
    }
}

pub(super) fn validate_command(cmd: &Value, index: usize) -> Vec<FormError> {
    let mut errors = Vec::new();
    let base = vec![index.to_string()];
    let kind = cmd["type"].as_u64().unwrap_or(1);
    let name = cmd["name"].as_str().unwrap_or("");
    if !valid_command_name(name, kind == 1) {
        errors.push(FormError {
            path: p(&base, &["name"]),
            code: "APPLICATION_COMMAND_INVALID_NAME",
            message: "Command name is invalid".to_owned(),
        });
    }
    if kind == 1 {
        check_length(
            &mut errors,
            p(&base, &["description"]),
            &cmd["description"],
            1,
            100,
        );
        let options = cmd["options"].as_array().cloned().unwrap_or_default();
        validate_command_options(&mut errors, &options, &p(&base, &["options"]), 0);
    }
    errors
}

/// Discord's limits on an autocomplete answer's choices (<= 25; names
/// 1-100 characters, values <= 100).
pub(super) fn validate_autocomplete_choices(data: &Value) -> Vec<FormError> {
    let choices = data["choices"].as_array().cloned().unwrap_or_default();
    let mut errors = Vec::new();
    if choices.len() > 25 {
        errors.push(max_length_error(base_path(&["data", "choices"]), 25));
    }
    for (i, c) in choices.iter().enumerate() {
        let i = i.to_string();
        let name = str_len(&c["name"]);
        if name == 0 || name > 100 {
            errors.push(FormError {
                path: base_path(&["data", "choices", &i, "name"]),
                code: "BASE_TYPE_BAD_LENGTH",
                message: "Must be between 1 and 100 in length.".to_owned(),
            });
        }
        if str_len(&c["value"]) > 100 {
            errors.push(max_length_error(
                base_path(&["data", "choices", &i, "value"]),
                100,
            ));
        }
    }
    errors
}

/// A modal needs a `custom_id` and a title of 1 to 45 characters.
pub(super) fn validate_modal(data: &Value) -> Vec<FormError> {
    let title = str_len(&data["title"]);
    if title == 0 || title > 45 || data["custom_id"].as_str().is_none() {
        return vec![form_error(
            &["data"],
            "BASE_TYPE_REQUIRED",
            "A modal needs custom_id and a title of 1 to 45 characters",
        )];
    }
    Vec::new()
}

/// The characters of an embed that count towards Discord's 6,000 over all
/// embeds of a message: title, description, field names and values, footer
/// text, author name.
fn embed_chars(embed: &Value) -> usize {
    let fields = embed["fields"].as_array().map_or(0, |fields| {
        fields
            .iter()
            .map(|f| str_len(&f["name"]) + str_len(&f["value"]))
            .sum()
    });
    str_len(&embed["title"])
        + str_len(&embed["description"])
        + str_len(&embed["footer"]["text"])
        + str_len(&embed["author"]["name"])
        + fields
}

/// Discord's 6,000 characters over all embeds of a message (`base` is where
/// the message is in the body).
fn embeds_total_error(embeds: &[Value], base: &[String]) -> Option<FormError> {
    let total: usize = embeds.iter().map(embed_chars).sum();
    (total > 6000).then(|| FormError {
        path: p(base, &["embeds"]),
        code: "MAX_EMBED_SIZE_EXCEEDED",
        message: "Embed size exceeds maximum size of 6000".to_owned(),
    })
}

/// The embed total of a message body, or of an interaction answer's `data`
/// (a limit Discord's OpenAPI description does not carry).
pub(super) fn embeds_total_errors(body: &Value) -> Vec<FormError> {
    let mut errors = Vec::new();
    if let Some(embeds) = body["embeds"].as_array() {
        errors.extend(embeds_total_error(embeds, &[]));
    }
    if let Some(embeds) = body["data"]["embeds"].as_array() {
        errors.extend(embeds_total_error(embeds, &["data".to_owned()]));
    }
    errors
}

/// Discord's rules on one level of command options that its OpenAPI
/// description does not carry: required options come before optional ones,
/// and an option with choices has no autocomplete.
fn option_rules(options: &[Value], base: &[String]) -> Vec<FormError> {
    let mut errors = Vec::new();
    let mut seen_optional = false;
    for (i, opt) in options.iter().enumerate() {
        // Subcommands (1, 2) and unknown types have neither rule.
        if !(3..=11).contains(&opt["type"].as_u64().unwrap_or(0)) {
            continue;
        }
        let i = i.to_string();
        let required = opt["required"].as_bool().unwrap_or(false);
        if required && seen_optional {
            errors.push(FormError {
                path: p(base, &[&i, "required"]),
                code: "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                message: "Required options must be placed before non-required options".to_owned(),
            });
        }
        seen_optional |= !required;
        let has_choices = opt["choices"].as_array().is_some_and(|c| !c.is_empty());
        if has_choices && opt["autocomplete"].as_bool() == Some(true) {
            errors.push(FormError {
                path: p(base, &[&i, "autocomplete"]),
                code: "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_AND_CHOICES",
                message: "Autocomplete cannot be set if there are choices present".to_owned(),
            });
        }
    }
    errors
}

/// [`option_rules`] at every level of a command body: a list of commands (a
/// bulk overwrite) or one command.
pub(super) fn command_option_rules(body: &Value) -> Vec<FormError> {
    fn walk(options: &Value, base: Vec<String>, errors: &mut Vec<FormError>) {
        let Some(options) = options.as_array() else {
            return;
        };
        errors.extend(option_rules(options, &base));
        for (i, opt) in options.iter().enumerate() {
            if matches!(opt["type"].as_u64(), Some(1 | 2)) {
                walk(
                    &opt["options"],
                    p(&base, &[&i.to_string(), "options"]),
                    errors,
                );
            }
        }
    }
    let mut errors = Vec::new();
    match body {
        Value::Array(commands) => {
            for (i, command) in commands.iter().enumerate() {
                walk(
                    &command["options"],
                    vec![i.to_string(), "options".to_owned()],
                    &mut errors,
                );
            }
        }
        command => walk(&command["options"], vec!["options".to_owned()], &mut errors),
    }
    errors
}

/// Discord's limits on a bulk overwrite of commands: a list, each command
/// valid, names unique per type, at most 100 slash commands.
pub(super) fn validate_commands(body: &Value) -> Vec<FormError> {
    let Some(list) = body.as_array() else {
        return vec![form_error(&[], "BASE_TYPE_ARRAY", "Must be an array.")];
    };
    let mut errors: Vec<FormError> = list
        .iter()
        .enumerate()
        .flat_map(|(i, c)| validate_command(c, i))
        .collect();
    let mut keys: Vec<(u64, &str)> = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let key = (
            c["type"].as_u64().unwrap_or(1),
            c["name"].as_str().unwrap_or(""),
        );
        if keys.contains(&key) {
            errors.push(FormError {
                path: vec![i.to_string(), "name".to_owned()],
                code: "APPLICATION_COMMANDS_DUPLICATE_NAME",
                message: "Application command names must be unique".to_owned(),
            });
        }
        keys.push(key);
    }
    if list
        .iter()
        .filter(|c| c["type"].as_u64().unwrap_or(1) == 1)
        .count()
        > 100
    {
        errors.push(max_length_error(Vec::new(), 100));
    }
    errors
}

/// What the fake's own checks find wrong in the body of a request to
/// `endpoint`, without looking at its state: the errors its handler would
/// answer, for the one answer that lists everything wrong with a body.
pub(super) fn body_errors(endpoint: &Endpoint<'_>, body: &Value) -> Vec<FormError> {
    match endpoint {
        Endpoint::PutCommands { .. } => validate_commands(body),
        Endpoint::CreateMessage(_)
        | Endpoint::ChannelMessage { .. }
        | Endpoint::Followup { .. }
        | Endpoint::WebhookMessage { .. } => validate_message(body, &[]),
        Endpoint::Callback { .. } => {
            let data = &body["data"];
            match body["type"].as_u64() {
                Some(4 | 7) => validate_message(data, &["data".to_owned()]),
                Some(8) => validate_autocomplete_choices(data),
                Some(9) => validate_modal(data),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}
