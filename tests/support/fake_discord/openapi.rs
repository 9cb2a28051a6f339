//! Discord's own OpenAPI description (from its `discord-api-spec`
//! repository, kept in `tests/support/discord-api-spec/`) as a check on
//! every REST request body.
//!
//! A request to a route the fake serves, with a JSON body (or a multipart
//! `payload_json`), is validated against the `requestBody` schema of its
//! operation (found by method and path template) for its content type,
//! plus the documented limits the schema does not carry (6,000 characters
//! over all embeds of a message; required command options before optional
//! ones; no option with both `choices` and `autocomplete`). A body that
//! fails is answered 400 50035 "Invalid Form Body", as Discord would, and
//! recorded as a [`SchemaViolation`]: the [`FakeDiscord`] panics when
//! dropped while any are left, so the test that caused one fails. A test
//! that sends a bad body on purpose takes them with
//! [`FakeDiscord::take_schema_violations`].
//!
//! The schema is stricter than Discord in three places its prose
//! documentation and its servers accept, which the fake treats as valid
//! (see the spec's README): `default_member_permissions` as a decimal string
//! (`"32"`), an upload's `attachments[].id` as an integer (`0`), and empty
//! `components`, `embeds` and `attachments` arrays on a message.
//!
//! The spec is read once per process; an operation's schema is compiled the
//! first time a request for it arrives.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{LazyLock, OnceLock, RwLock};

use boon::{Compiler, Draft, SchemaIndex, Schemas};
use serde_json::{json, Value};

use super::form_errors::schema_errors;
use super::validate::{command_option_rules, embeds_total_errors, FormError};
use super::{shortened, FakeDiscord, API};

/// The spec's base URL: the `$ref`s resolve against it; nothing is fetched.
const SPEC_URL: &str = "https://discord.com/api/v10/openapi.json";

/// Where the spec lives in the repository.
fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/discord-api-spec/openapi.json")
}

/// A request body the fake refused (400 50035) because Discord's OpenAPI
/// description, or a limit Discord documents, does.
#[derive(Clone, Debug)]
pub struct SchemaViolation {
    pub method: String,
    /// Full path without the query, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    /// The operation it was checked as, e.g.
    /// `POST /channels/{channel_id}/messages (create_message)`.
    pub operation: String,
    /// The media type the body came as (`application/json`, or
    /// `multipart/form-data` for a `payload_json`).
    pub content_type: String,
    /// The body as sent (for multipart, the parsed `payload_json`).
    pub body: Value,
    /// What is wrong, one line per problem, e.g.
    /// `embeds.0.title: Must be 256 or fewer in length. (BASE_TYPE_MAX_LENGTH)`.
    pub errors: Vec<String>,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = shortened(&self.body);
        writeln!(
            f,
            "{} {} as {} ({}):",
            self.method, self.path, self.operation, self.content_type
        )?;
        for e in &self.errors {
            writeln!(f, "      {e}")?;
        }
        write!(f, "      body: {body}")
    }
}

impl FakeDiscord {
    /// The request bodies refused so far because Discord's OpenAPI
    /// description (or a documented limit it does not carry) refuses them.
    /// Any still there when the fake is dropped fail the test.
    pub fn schema_violations(&self) -> Vec<SchemaViolation> {
        self.inner.lock().violations.clone()
    }

    /// The violations so far, forgotten: for a test that sends an invalid
    /// body on purpose (and checks that it is refused).
    pub fn take_schema_violations(&self) -> Vec<SchemaViolation> {
        std::mem::take(&mut self.inner.lock().violations)
    }
}

/// The panic message for violations left when the fake is dropped.
pub(super) fn describe_violations(violations: &[SchemaViolation]) -> String {
    let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
    format!(
        "the fake Discord refused {} request bod{} that Discord's OpenAPI description \
         (tests/support/discord-api-spec/) or its documented limits refuse; fix the sender, \
         or take them with fake.take_schema_violations() in a test that sends them on purpose:\n{}",
        violations.len(),
        if violations.len() == 1 { "y" } else { "ies" },
        list.join("\n")
    )
}

// ---------------------------------------------------------------------------
// The spec
// ---------------------------------------------------------------------------

/// One operation of the spec.
struct Operation {
    /// Upper case, e.g. `POST`.
    method: String,
    /// e.g. `/channels/{channel_id}/messages`.
    template: String,
    /// The template's segments; `None` for a `{parameter}`.
    segments: Vec<Option<String>>,
    id: String,
    /// Media type -> JSON pointer of the request body schema.
    bodies: Vec<(String, String)>,
}

struct Spec {
    doc: Value,
    operations: Vec<Operation>,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = spec_path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read Discord's OpenAPI description {path:?}: {e}"));
        let mut doc: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("parse Discord's OpenAPI description {path:?}: {e}"));
        accept_what_discord_accepts(&mut doc);
        let operations = operations(&doc);
        Spec { doc, operations }
    })
}

fn pointer_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (template, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let segments: Vec<Option<String>> = template
            .trim_start_matches('/')
            .split('/')
            .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
            .collect();
        for (method, op) in item {
            if !["get", "put", "post", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let bodies = op["requestBody"]["content"]
                .as_object()
                .map(|content| {
                    content
                        .keys()
                        .map(|media| {
                            let pointer = format!(
                                "/paths/{}/{method}/requestBody/content/{}/schema",
                                pointer_token(template),
                                pointer_token(media)
                            );
                            (media.clone(), pointer)
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Operation {
                method: method.to_ascii_uppercase(),
                template: template.clone(),
                segments: segments.clone(),
                id: op["operationId"].as_str().unwrap_or("").to_owned(),
                bodies,
            });
        }
    }
    out
}

/// The operation of `method` and `path` (under `/api/v10`): of the
/// templates that match, the one with the most literal segments (so
/// `/messages/@original` wins over `/messages/{message_id}`).
fn find_operation<'s>(spec: &'s Spec, method: &str, path: &str) -> Option<&'s Operation> {
    let rest = path.strip_prefix(API)?;
    let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    spec.operations
        .iter()
        .filter(|op| op.method == method && op.segments.len() == segs.len())
        .filter(|op| {
            op.segments
                .iter()
                .zip(&segs)
                .all(|(want, have)| match want {
                    Some(literal) => literal == have,
                    None => !have.is_empty(),
                })
        })
        .max_by_key(|op| op.segments.iter().filter(|s| s.is_some()).count())
}

/// The three places where the schema is stricter than Discord (see the
/// spec's README), loosened to what Discord accepts.
fn accept_what_discord_accepts(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    // Upload placeholders (`attachments[].id`) may be integers: the items of
    // every request's `attachments`.
    let mut attachment_items = Vec::new();
    for (name, schema) in schemas.iter() {
        if !name.ends_with("Request") && !name.ends_with("RequestPartial") {
            continue;
        }
        if let Some(target) = schema["properties"]["attachments"]["items"]["$ref"].as_str() {
            let target = target
                .trim_start_matches("#/components/schemas/")
                .to_owned();
            if !attachment_items.contains(&target) {
                attachment_items.push(target);
            }
        }
    }
    for (name, schema) in schemas.iter_mut() {
        let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        // Permissions as a decimal string, as the docs type them.
        if let Some(perms) = props.get_mut("default_member_permissions") {
            let takes_integer = perms["type"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "integer"));
            if takes_integer {
                let original = perms.take();
                *perms = json!({"anyOf": [
                    original,
                    {"type": "string", "pattern": "^(0|[1-9][0-9]{0,16})$"},
                ]});
            }
        }
        if attachment_items.contains(name) {
            if let Some(id) = props.get_mut("id") {
                let original = id.take();
                *id = json!({"anyOf": [original, {"type": "integer", "minimum": 0}]});
            }
        }
        // A message's "none": empty components, embeds, attachments (this
        // version of the spec sets no minimum on them; a later one might).
        if props.contains_key("content") {
            for key in ["components", "embeds", "attachments"] {
                if let Some(list) = props.get_mut(key).and_then(Value::as_object_mut) {
                    list.remove("minItems");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Compiled schemas
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Compiled {
    schemas: Schemas,
    /// Schema pointer -> compiled schema (or why it does not compile).
    by_pointer: HashMap<String, Result<SchemaIndex, String>>,
}

static COMPILED: LazyLock<RwLock<Compiled>> = LazyLock::new(Default::default);

/// The compiled schema at `pointer` in the spec, compiled on first use.
fn compiled(pointer: &str) -> Result<SchemaIndex, String> {
    if let Some(done) = COMPILED
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .by_pointer
        .get(pointer)
    {
        return done.clone();
    }
    let mut c = COMPILED.write().unwrap_or_else(|e| e.into_inner());
    if let Some(done) = c.by_pointer.get(pointer) {
        return done.clone();
    }
    // boon's compiler is not Send, so it cannot be kept: a fresh one adds to
    // the same `Schemas`, reusing what earlier ones compiled.
    let mut compiler = Compiler::new();
    compiler.set_default_draft(Draft::V2020_12);
    compiler.enable_format_assertions();
    let result = match compiler.add_resource(SPEC_URL, spec().doc.clone()) {
        Ok(()) => compiler
            .compile(&format!("{SPEC_URL}#{pointer}"), &mut c.schemas)
            .map_err(|e| format!("{e:#}")),
        Err(e) => Err(format!("{e:#}")),
    };
    c.by_pointer.insert(pointer.to_owned(), result.clone());
    result
}

// ---------------------------------------------------------------------------
// Checking a request
// ---------------------------------------------------------------------------

/// Checks a request body against its operation's schema and the documented
/// limits. `None` when it is valid, or not checked (no body, no such
/// operation, no request body schema); else the violation and the form
/// errors Discord would answer.
pub(super) fn check(
    method: &str,
    path: &str,
    content_type: &str,
    body: &Value,
) -> Option<(SchemaViolation, Vec<FormError>)> {
    if body.is_null() {
        return None;
    }
    let spec = spec();
    let op = find_operation(spec, method, path)?;
    if op.bodies.is_empty() {
        return None;
    }
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let media = if media.is_empty() {
        "application/json".to_owned()
    } else {
        media
    };
    let mut errors = match op.bodies.iter().find(|(m, _)| *m == media) {
        None => {
            let takes: Vec<&str> = op.bodies.iter().map(|(m, _)| m.as_str()).collect();
            vec![FormError {
                path: Vec::new(),
                code: "CONTENT_TYPE_INVALID",
                message: format!("Discord takes {} here, not {media}.", takes.join(", ")),
            }]
        }
        Some((_, pointer)) => match compiled(pointer) {
            Ok(index) => {
                let c = COMPILED.read().unwrap_or_else(|e| e.into_inner());
                match c.schemas.validate(body, index) {
                    Ok(()) => Vec::new(),
                    Err(e) => schema_errors(&e, body, &spec.doc),
                }
            }
            Err(why) => vec![FormError {
                path: Vec::new(),
                code: "FAKE_SCHEMA_UNUSABLE",
                message: format!("the fake could not compile the schema at {pointer}: {why}"),
            }],
        },
    };
    errors.extend(embeds_total_errors(body));
    if op.template.contains("/commands") {
        errors.extend(command_option_rules(body));
    }
    if errors.is_empty() {
        return None;
    }
    let violation = SchemaViolation {
        method: method.to_owned(),
        path: path.to_owned(),
        operation: format!("{} {} ({})", op.method, op.template, op.id),
        content_type: media,
        body: body.clone(),
        errors: errors.iter().map(describe_error).collect(),
    };
    Some((violation, errors))
}

fn describe_error(e: &FormError) -> String {
    let at = if e.path.is_empty() {
        "(body)".to_owned()
    } else {
        e.path.join(".")
    };
    format!("{at}: {} ({})", e.message, e.code)
}
