//! From a failed validation (boon's error tree) to the form errors
//! Discord answers: paths into the body, Discord's codes and wording.

use boon::{ErrorKind, InstanceToken, Type, ValidationError};
use serde_json::Value;

use super::validate::FormError;

/// `SnowflakeType`'s pattern.
const SNOWFLAKE_PATTERN: &str = "^(0|[1-9][0-9]*)$";

/// What a failed validation comes down to.
enum Problem<'e, 's, 'v> {
    /// A keyword that failed.
    Leaf(&'e ValidationError<'s, 'v>),
    /// A value that fits none of a union's alternatives: a `type` field
    /// (Discord's discriminator) that is none of `choices`, a value that is
    /// none of `choices`, or (no `choices`) a value of the wrong JSON type.
    Union {
        at: Vec<String>,
        choices: Vec<Value>,
        discriminator: bool,
    },
}

fn location(e: &ValidationError<'_, '_>) -> Vec<String> {
    e.instance_location
        .tokens
        .iter()
        .map(|t| match t {
            InstanceToken::Prop(p) => p.to_string(),
            InstanceToken::Item(i) => i.to_string(),
        })
        .collect()
}

/// The problems of `e`. Of a union (`anyOf`/`oneOf`), only the
/// alternatives the value was meant as count: those whose JSON type fits,
/// whose `type` field matches and which are not just another constant; of
/// these, the one with the fewest problems. Without such an alternative,
/// the union itself is the problem.
fn problems<'e, 's, 'v>(e: &'e ValidationError<'s, 'v>, out: &mut Vec<Problem<'e, 's, 'v>>) {
    match &e.kind {
        ErrorKind::AnyOf | ErrorKind::OneOf(None) => {
            let here = location(e);
            let mut type_field = here.clone();
            type_field.push("type".to_owned());
            let mut best: Option<Vec<Problem>> = None;
            let mut discriminators = Vec::new();
            let mut constants = Vec::new();
            for alternative in &e.causes {
                let mut found = Vec::new();
                problems(alternative, &mut found);
                let mut mismatch = false;
                for p in &found {
                    let Problem::Leaf(leaf) = p else {
                        continue;
                    };
                    let at = location(leaf);
                    let wanted = match &leaf.kind {
                        ErrorKind::Type { .. } if at == here => {
                            mismatch = true;
                            continue;
                        }
                        ErrorKind::Enum { want } => want.to_vec(),
                        ErrorKind::Const { want } => vec![(*want).clone()],
                        _ => continue,
                    };
                    if at == type_field {
                        mismatch = true;
                        discriminators.extend(wanted);
                    } else if at == here {
                        mismatch = true;
                        constants.extend(wanted);
                    }
                }
                if !mismatch && best.as_ref().is_none_or(|b| found.len() < b.len()) {
                    best = Some(found);
                }
            }
            match best {
                Some(found) => out.extend(found),
                None if !discriminators.is_empty() => out.push(Problem::Union {
                    at: type_field,
                    choices: discriminators,
                    discriminator: true,
                }),
                None => out.push(Problem::Union {
                    at: here,
                    choices: constants,
                    discriminator: false,
                }),
            }
        }
        _ if !e.causes.is_empty() => {
            for cause in &e.causes {
                problems(cause, out);
            }
        }
        _ => out.push(Problem::Leaf(e)),
    }
}

/// The form errors Discord would give for a failed validation.
pub(super) fn schema_errors(
    e: &ValidationError<'_, '_>,
    body: &Value,
    doc: &Value,
) -> Vec<FormError> {
    let mut found = Vec::new();
    problems(e, &mut found);
    let mut errors: Vec<FormError> = Vec::new();
    for p in found {
        for error in form_errors(&p, body, doc) {
            let duplicate = errors.iter().any(|e| {
                e.path == error.path && e.code == error.code && e.message == error.message
            });
            if !duplicate {
                errors.push(error);
            }
        }
    }
    errors
}

fn value_at<'b>(body: &'b Value, path: &[String]) -> &'b Value {
    path.iter().fold(body, |v, key| match v {
        Value::Array(items) => key
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .unwrap_or(&Value::Null),
        _ => &v[key.as_str()],
    })
}

/// The schema (in the spec) at a compiled schema's location.
fn schema_at<'d>(doc: &'d Value, schema_url: &str) -> &'d Value {
    let fragment = schema_url.split_once('#').map_or("", |(_, f)| f);
    let mut decoded = Vec::with_capacity(fragment.len());
    let bytes = fragment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| fragment.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                decoded.push(b);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    let pointer = String::from_utf8_lossy(&decoded);
    doc.pointer(&pointer).unwrap_or(&Value::Null)
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn choices_text(choices: &[Value]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for c in choices {
        let c = shown(c);
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.join(", ")
}

/// Discord's wording for a length limit: "between" when the schema has a
/// lower and an upper bound.
fn length_error(
    schema: &Value,
    keys: (&str, &str),
    min: bool,
    want: usize,
) -> (&'static str, String) {
    let low = schema[keys.0].as_u64().filter(|m| *m > 0);
    let high = schema[keys.1].as_u64();
    match (low, high) {
        (Some(low), Some(high)) => (
            "BASE_TYPE_BAD_LENGTH",
            format!("Must be between {low} and {high} in length."),
        ),
        _ if min => (
            "BASE_TYPE_MIN_LENGTH",
            format!("Must be {want} or more in length."),
        ),
        _ => (
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {want} or fewer in length."),
        ),
    }
}

fn form_errors(p: &Problem<'_, '_, '_>, body: &Value, doc: &Value) -> Vec<FormError> {
    let one = |path: Vec<String>, code: &'static str, message: String| {
        vec![FormError {
            path,
            code,
            message,
        }]
    };
    let leaf = match p {
        Problem::Union {
            at,
            choices,
            discriminator: true,
        } => {
            return one(
                at.clone(),
                "UNION_TYPE_CHOICES",
                format!(
                    "Value of field \"type\" must be one of ({}).",
                    choices_text(choices)
                ),
            );
        }
        Problem::Union { at, choices, .. } if !choices.is_empty() => {
            return one(
                at.clone(),
                "BASE_TYPE_CHOICES",
                format!("Value must be one of {{{}}}.", choices_text(choices)),
            );
        }
        Problem::Union { at, .. } => {
            let got = value_at(body, at);
            return one(
                at.clone(),
                "BASE_TYPE_INVALID",
                format!("Value \"{}\" fits none of the allowed types.", shown(got)),
            );
        }
        Problem::Leaf(leaf) => leaf,
    };
    let path = location(leaf);
    let got = value_at(body, &path);
    let schema = schema_at(doc, leaf.schema_url);
    let (code, message) = match &leaf.kind {
        ErrorKind::Required { want } => {
            return want
                .iter()
                .map(|field| {
                    let mut at = path.clone();
                    at.push((*field).to_owned());
                    FormError {
                        path: at,
                        code: "BASE_TYPE_REQUIRED",
                        message: "This field is required".to_owned(),
                    }
                })
                .collect();
        }
        ErrorKind::Type {
            got: Type::Null, ..
        } => ("BASE_TYPE_REQUIRED", "This field is required".to_owned()),
        ErrorKind::Type { want, .. } => {
            let wants = |t: Type| want.contains(t);
            if wants(Type::Integer) {
                (
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{}\" is not int.", shown(got)),
                )
            } else if wants(Type::Number) {
                (
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{}\" is not a valid number.", shown(got)),
                )
            } else if wants(Type::String) {
                (
                    "BASE_TYPE_STRING",
                    format!("Could not interpret \"{}\" as string.", shown(got)),
                )
            } else if wants(Type::Boolean) {
                (
                    "BASE_TYPE_BOOLEAN",
                    "Must be either true or false.".to_owned(),
                )
            } else if wants(Type::Array) {
                (
                    "LIST_TYPE_CONVERT",
                    "Only iterables may be used in a ListType".to_owned(),
                )
            } else if wants(Type::Object) {
                (
                    "MODEL_TYPE_CONVERT",
                    "Only dictionaries may be used in a ModelType".to_owned(),
                )
            } else {
                ("BASE_TYPE_INVALID", leaf.kind.to_string())
            }
        }
        ErrorKind::MaxLength { want, .. } => {
            length_error(schema, ("minLength", "maxLength"), false, *want)
        }
        ErrorKind::MinLength { want, .. } => {
            length_error(schema, ("minLength", "maxLength"), true, *want)
        }
        ErrorKind::MaxItems { want, .. } => {
            length_error(schema, ("minItems", "maxItems"), false, *want)
        }
        ErrorKind::MinItems { want, .. } => {
            length_error(schema, ("minItems", "maxItems"), true, *want)
        }
        ErrorKind::MaxProperties { want, .. } => (
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {want} or fewer in length."),
        ),
        ErrorKind::Minimum { want, .. } | ErrorKind::ExclusiveMinimum { want, .. } => (
            "NUMBER_TYPE_MIN",
            format!("int value should be greater than or equal to {want}."),
        ),
        ErrorKind::Maximum { want, .. } | ErrorKind::ExclusiveMaximum { want, .. } => (
            "NUMBER_TYPE_MAX",
            format!("int value should be less than or equal to {want}."),
        ),
        ErrorKind::Enum { want } => (
            "BASE_TYPE_CHOICES",
            format!("Value must be one of {{{}}}.", choices_text(want)),
        ),
        ErrorKind::Const { want } => (
            "BASE_TYPE_CHOICES",
            format!("Value must be one of {{{}}}.", shown(want)),
        ),
        ErrorKind::Pattern { got, want } if *want == SNOWFLAKE_PATTERN => (
            "NUMBER_TYPE_COERCE",
            format!("Value \"{got}\" is not snowflake."),
        ),
        ErrorKind::Pattern { .. } => (
            "STRING_TYPE_REGEX",
            "String value did not match validation regex.".to_owned(),
        ),
        ErrorKind::Format { want: "uri", .. } => {
            ("URL_TYPE_INVALID_URL", "Not a well formed URL.".to_owned())
        }
        ErrorKind::Format {
            want: "date-time", ..
        } => (
            "DATE_TIME_TYPE_PARSE",
            format!("Could not parse {}. Should be ISO8601.", shown(got)),
        ),
        ErrorKind::Format { want, .. } => ("FORMAT_INVALID", format!("Not a valid {want}.")),
        ErrorKind::UniqueItems { .. } => (
            "SET_TYPE_ALREADY_CONTAINS_VALUE",
            "The set already contains this value.".to_owned(),
        ),
        ErrorKind::OneOf(Some(_)) => (
            "UNION_TYPE_CHOICES",
            "Value matches more than one choice.".to_owned(),
        ),
        other => ("BASE_TYPE_INVALID", other.to_string()),
    };
    one(path, code, message)
}
