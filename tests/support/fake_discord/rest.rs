//! The REST server: reads each request (JSON or multipart/form-data),
//! checks its body against Discord's OpenAPI description (`openapi`),
//! records it as a [`Call`], applies injected faults and routes it to the
//! handlers in `messages`, `interactions` and `commands`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::commands::{put_commands, registered};
use super::faults::{take_fault, take_hold};
use super::interactions::{
    create_followup, interaction_callback, webhook_interaction, webhook_message,
};
use super::messages::{channel_message, create_channel_message};
use super::multipart::parse_multipart;
use super::openapi::{self, SchemaViolation};
use super::payloads::{application_json, bot_user_json};
use super::permissions::channel_json;
use super::ratelimits;
use super::validate::{body_errors, form_error, invalid_form};
use super::{field_id, open_dm, Call, Inner, StateInner, API, APPLICATION_ID, BOT_USER_ID};

/// What the fake answers a REST call with.
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) body: Option<Value>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) unexpected: bool,
}

impl Reply {
    pub(super) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
            unexpected: false,
        }
    }
    pub(super) fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }
    pub(super) fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
            unexpected: false,
        }
    }
    pub(super) fn error(status: u16, code: u64, message: &str) -> Reply {
        Reply::json(status, json!({"message": message, "code": code}))
    }
    pub(super) fn not_found() -> Reply {
        Reply {
            unexpected: true,
            ..Reply::error(404, 0, "404: Not Found")
        }
    }
    pub(super) fn method_not_allowed() -> Reply {
        Reply {
            unexpected: true,
            ..Reply::error(405, 0, "405: Method Not Allowed")
        }
    }
    pub(super) fn unknown_channel() -> Reply {
        Reply::error(404, 10003, "Unknown Channel")
    }
    pub(super) fn unknown_message() -> Reply {
        Reply::error(404, 10008, "Unknown Message")
    }
    pub(super) fn unknown_webhook() -> Reply {
        Reply::error(404, 10015, "Unknown Webhook")
    }
    pub(super) fn unknown_interaction() -> Reply {
        Reply::error(404, 10062, "Unknown interaction")
    }
    pub(super) fn missing_access() -> Reply {
        Reply::error(403, 50001, "Missing Access")
    }
}

pub(super) fn parse_snowflake(raw: &str, field: &str) -> Result<u64, Reply> {
    raw.parse::<u64>().ok().filter(|v| *v > 0).ok_or_else(|| {
        invalid_form(vec![form_error(
            &[field],
            "NUMBER_TYPE_COERCE",
            format!("Value \"{raw}\" is not snowflake."),
        )])
    })
}

pub(super) struct Parsed {
    pub(super) body: Value,
    pub(super) files: Vec<(String, usize)>,
    /// The bytes of each file, in the order of `files`.
    pub(super) file_bytes: Vec<Vec<u8>>,
}

fn parse_body(headers: &HeaderMap, bytes: &[u8]) -> Result<Parsed, Reply> {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return parse_multipart(&content_type, bytes)
            .map_err(|e| Reply::error(400, 50035, &format!("Invalid Form Body ({e})")));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Parsed {
            body: Value::Null,
            files: Vec::new(),
            file_bytes: Vec::new(),
        });
    }
    serde_json::from_slice(bytes)
        .map(|body| Parsed {
            body,
            files: Vec::new(),
            file_bytes: Vec::new(),
        })
        .map_err(|_| Reply::error(400, 50109, "The request body contains invalid JSON."))
}

/// The axum handler of every REST request.
pub(super) async fn handle(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    // When the request arrives, before the fake reads or checks its body:
    // latencies measured from `Call::at` leave out the fake's own work.
    let at = Instant::now();
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    let (parsed, parse_error) = match parse_body(&headers, &bytes) {
        Ok(p) => (p, None),
        Err(reply) => (
            Parsed {
                body: Value::Null,
                files: Vec::new(),
                file_bytes: Vec::new(),
            },
            Some(reply),
        ),
    };
    let token = inner.lock().token.clone();
    let (violation, refused) = match parse_error {
        None => match check_body(&method, &path, &headers, token.as_deref(), &parsed.body) {
            Some((violation, reply)) => (Some(violation), Some(reply)),
            None => (None, None),
        },
        Some(_) => (None, None),
    };
    let (reply, hold) = {
        let mut st = inner.lock();
        let hold = take_hold(&mut st, &method, &path);
        let reply = match take_fault(&mut st, &method, &path) {
            Some(fault) => fault,
            // Discord limits a request before it reads its body.
            None => match ratelimits::count(&mut st, &method, &path) {
                Err(limited) => limited,
                Ok(limit_headers) => {
                    let mut reply = match (parse_error, refused) {
                        (Some(err), _) => err,
                        (None, Some(refused)) => refused,
                        (None, None) => route(
                            &mut st,
                            &inner.gateway_url,
                            &method,
                            &path,
                            query.as_deref(),
                            &headers,
                            &parsed,
                        ),
                    };
                    reply.headers.extend(limit_headers);
                    reply
                }
            },
        };
        // Recorded even when a fault answered: the body was still wrong.
        st.violations.extend(violation);
        st.calls.push(Call {
            method,
            path,
            query,
            body: parsed.body,
            files: parsed.files,
            file_bytes: parsed.file_bytes,
            status: reply.status,
            response: reply.body.clone().unwrap_or(Value::Null),
            unexpected: reply.unexpected,
            at,
        });
        (reply, hold)
    };
    inner.calls_changed.notify_waiters();
    if let Some(delay) = hold {
        tokio::time::sleep(delay).await;
    }

    let mut builder = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (k, v) in &reply.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    match reply.body {
        Some(body) => builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("response")
}

/// The segments of a path after `/api/v10`.
fn api_segments(path: &str) -> Option<Vec<&str>> {
    let rest = path.strip_prefix(API)?;
    Some(rest.trim_start_matches('/').split('/').collect())
}

/// Interaction callbacks and webhooks are authorised by their token;
/// everything else needs `Authorization: Bot <token>`, with the bot's token
/// once a test set one ([`super::FakeDiscord::require_token`]).
fn authorised(segs: &[&str], headers: &HeaderMap, token: Option<&str>) -> bool {
    if matches!(segs.first(), Some(&"interactions") | Some(&"webhooks")) {
        return true;
    }
    let Some(given) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    token.is_none_or(|token| given.strip_prefix("Bot ") == Some(token))
}

/// A route of Discord's that the fake serves.
pub(super) enum Endpoint<'a> {
    Gateway,
    GatewayBot,
    Application,
    Me,
    User(&'a str),
    OpenDm,
    PutCommands {
        app: &'a str,
        guild: Option<&'a str>,
    },
    GetCommands {
        app: &'a str,
        guild: Option<&'a str>,
    },
    Callback {
        id: &'a str,
        token: &'a str,
    },
    Followup {
        app: &'a str,
        token: &'a str,
    },
    /// Any method: the handler answers 405 for those Discord lacks.
    WebhookMessage {
        app: &'a str,
        token: &'a str,
        which: &'a str,
    },
    Channel(&'a str),
    CreateMessage(&'a str),
    /// GET, PATCH or DELETE.
    ChannelMessage {
        channel: &'a str,
        message: &'a str,
    },
    Typing(&'a str),
}

impl<'a> Endpoint<'a> {
    /// The route of `method` and the segments after `/api/v10`, if the fake
    /// serves it.
    fn of(method: &str, segs: &[&'a str]) -> Option<Endpoint<'a>> {
        Some(match (method, segs) {
            ("GET", &["gateway"]) => Endpoint::Gateway,
            ("GET", &["gateway", "bot"]) => Endpoint::GatewayBot,
            ("GET", &["oauth2", "applications", "@me"]) | ("GET", &["applications", "@me"]) => {
                Endpoint::Application
            }
            ("GET", &["users", "@me"]) => Endpoint::Me,
            ("GET", &["users", id]) => Endpoint::User(id),
            ("POST", &["users", "@me", "channels"]) => Endpoint::OpenDm,
            ("PUT", &["applications", app, "commands"]) => {
                Endpoint::PutCommands { app, guild: None }
            }
            ("GET", &["applications", app, "commands"]) => {
                Endpoint::GetCommands { app, guild: None }
            }
            ("PUT", &["applications", app, "guilds", guild, "commands"]) => Endpoint::PutCommands {
                app,
                guild: Some(guild),
            },
            ("GET", &["applications", app, "guilds", guild, "commands"]) => Endpoint::GetCommands {
                app,
                guild: Some(guild),
            },
            ("POST", &["interactions", id, token, "callback"]) => Endpoint::Callback { id, token },
            ("POST", &["webhooks", app, token]) => Endpoint::Followup { app, token },
            (_, &["webhooks", app, token, "messages", which]) => {
                Endpoint::WebhookMessage { app, token, which }
            }
            ("GET", &["channels", channel]) => Endpoint::Channel(channel),
            ("POST", &["channels", channel, "messages"]) => Endpoint::CreateMessage(channel),
            ("GET" | "PATCH" | "DELETE", &["channels", channel, "messages", message]) => {
                Endpoint::ChannelMessage { channel, message }
            }
            ("POST", &["channels", channel, "typing"]) => Endpoint::Typing(channel),
            _ => return None,
        })
    }
}

/// Checks the body of a request to a route the fake serves against
/// Discord's OpenAPI description (see `openapi`). On a violation, the answer
/// lists everything wrong with the body, as Discord's does: what the fake's
/// own checks find, then what only the schema finds. Requests that are
/// answered 401 or 404 anyway are not checked.
fn check_body(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    token: Option<&str>,
    body: &Value,
) -> Option<(SchemaViolation, Reply)> {
    let segs = api_segments(path)?;
    if !authorised(&segs, headers, token) {
        return None;
    }
    let endpoint = Endpoint::of(method, &segs)?;
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (violation, schema_errors) = openapi::check(method, path, content_type, body)?;
    let mut errors = body_errors(&endpoint, body);
    for e in schema_errors {
        if !errors.iter().any(|known| known.path == e.path) {
            errors.push(e);
        }
    }
    Some((violation, invalid_form(errors)))
}

fn route(
    st: &mut StateInner,
    gateway_url: &str,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    parsed: &Parsed,
) -> Reply {
    let Some(segs) = api_segments(path) else {
        return Reply::not_found();
    };
    if !authorised(&segs, headers, st.token.as_deref()) {
        return Reply::error(401, 0, "401: Unauthorized");
    }
    let Some(endpoint) = Endpoint::of(method, &segs) else {
        return Reply::not_found();
    };
    let body = &parsed.body;
    let files = &parsed.files;
    let result: Result<Reply, Reply> = (|| {
        Ok(match endpoint {
            Endpoint::Gateway => Reply::ok(json!({"url": gateway_url})),
            Endpoint::GatewayBot => Reply::ok(json!({
                "url": gateway_url,
                "shards": st.gateway.recommended_shards.max(1),
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - st.gateway.identifies.len().min(1000),
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            })),
            Endpoint::Application => Reply::ok(application_json()),
            Endpoint::Me => Reply::ok(bot_user_json()),
            Endpoint::User(id) => {
                let id = parse_snowflake(id, "user_id")?;
                match st.users.get(&id) {
                    Some(u) => Reply::ok(u.clone()),
                    None if id == BOT_USER_ID => Reply::ok(bot_user_json()),
                    None => Reply::error(404, 10013, "Unknown User"),
                }
            }
            Endpoint::OpenDm => {
                let Some(recipient) = field_id(body, "recipient_id") else {
                    return Err(invalid_form(vec![form_error(
                        &["recipient_id"],
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    )]));
                };
                let channel = open_dm(st, recipient);
                Reply::ok(channel_json(st, channel))
            }

            Endpoint::PutCommands { app, guild } => {
                check_app(app)?;
                let guild = guild.map(|g| parse_snowflake(g, "guild_id")).transpose()?;
                put_commands(st, guild, body)
            }
            Endpoint::GetCommands { app, guild } => {
                check_app(app)?;
                let guild = guild.map(|g| parse_snowflake(g, "guild_id")).transpose()?;
                Reply::ok(json!(registered(st, guild)))
            }

            Endpoint::Callback { id, token } => {
                let id = parse_snowflake(id, "interaction_id")?;
                interaction_callback(st, id, token, body, files)
            }
            Endpoint::Followup { app, token } => {
                let interaction = webhook_interaction(st, app, token)?;
                create_followup(st, interaction, body, files, query)
            }
            Endpoint::WebhookMessage { app, token, which } => {
                let interaction = webhook_interaction(st, app, token)?;
                webhook_message(st, interaction, method, which, body, files)
            }

            Endpoint::Channel(channel) => {
                let channel = parse_snowflake(channel, "channel_id")?;
                if !st.channels.contains_key(&channel) {
                    return Err(Reply::unknown_channel());
                }
                Reply::ok(channel_json(st, channel))
            }
            Endpoint::CreateMessage(channel) => {
                let channel = parse_snowflake(channel, "channel_id")?;
                create_channel_message(st, channel, body, files)
            }
            Endpoint::ChannelMessage { channel, message } => {
                let channel = parse_snowflake(channel, "channel_id")?;
                let message = parse_snowflake(message, "message_id")?;
                channel_message(st, method, channel, message, body, files)
            }
            Endpoint::Typing(channel) => {
                let channel = parse_snowflake(channel, "channel_id")?;
                if !st.channels.contains_key(&channel) {
                    return Err(Reply::unknown_channel());
                }
                Reply::no_content()
            }
        })
    })();
    result.unwrap_or_else(|e| e)
}

fn check_app(app: &str) -> Result<(), Reply> {
    if app == APPLICATION_ID.to_string() {
        Ok(())
    } else {
        Err(Reply::missing_access())
    }
}
