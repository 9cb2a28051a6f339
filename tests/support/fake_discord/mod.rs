//! A fake Discord on 127.0.0.1 for tests: REST (axum) and the gateway
//! (WebSocket, tokio-tungstenite), behaving like Discord's API v10 as
//! documented, so the real serenity/poise client can run against it.
//!
//! Point serenity at it with
//! `HttpBuilder::new("any-token").proxy(fake.api_url()).ratelimiter_disabled(true)`
//! (the proxy only applies with serenity's own rate limiter off).
//!
//! Path patterns (for [`FakeDiscord::fail_next`], [`FakeDiscord::calls_to`]):
//! matched segment by segment as a prefix; a `*` segment matches any one
//! segment; a pattern not starting with `/api/` gets `/api/v10` put in front.
//! So `"/channels/*/messages"` matches `POST /api/v10/channels/123/messages`
//! (and also `/api/v10/channels/123/messages/456`), `"/channels/"` matches
//! every channel route. A method of `"*"` matches any method.
//!
//! Discord's documented rules the fake applies (so tests see what
//! production would):
//! - Routes it does not know answer 404 `{"message": "404: Not Found",
//!   "code": 0}` and are listed by [`FakeDiscord::unexpected_calls`]. Bot
//!   routes without an `Authorization` header answer 401 `{"message":
//!   "401: Unauthorized", "code": 0}`, and so do those with another token
//!   than the one set by [`FakeDiscord::require_token`] (any token until
//!   then).
//! - Interactions: the first callback must come within 3 s of the dispatch
//!   (else 404 10062 "Unknown interaction"); a second one is 400 40060. The
//!   callback type must fit the interaction (8 only for autocomplete, 6/7
//!   only for components). Type 4 creates the original message, type 5 a
//!   loading one; the first follow-up after a type 5 replaces the loading
//!   message and keeps the defer's visibility (an ephemeral follow-up after a
//!   public defer is public). Follow-ups/edits before any answer, or after an
//!   autocomplete answer, are 404 10015 "Unknown Webhook"; after 15 min 401
//!   50027.
//! - Messages: channels must be known (opened DMs, or learnt from dispatched
//!   events, or [`FakeDiscord::add_guild_channel`]) else 404 10003; empty
//!   messages are 400 50006; content > 2000, > 10 embeds, embed limits,
//!   component limits and duplicate custom ids, nonce > 25 chars are 400
//!   50035 with Discord's nested `errors`. `enforce_nonce` with a nonce used
//!   in the same channel within 5 minutes answers the earlier message.
//!   A reply (`message_reference`) to an unknown message is 50035 unless
//!   `fail_if_not_exists: false`. Creates in one channel are limited to 5
//!   per 5 s, stated in `X-RateLimit-*` headers; a 6th is a per-route 429.
//! - Commands: bulk overwrite validates names (1-32, lowercase),
//!   descriptions (1-100), <= 25 options/choices, required options first;
//!   ids stay stable across overwrites by name; more than 200 new commands a
//!   day in a scope is 429 30034.
//! - Gateway: HELLO, heartbeat ACKs, READY with an increasing `s`, RESUME
//!   replaying missed dispatches, op 9 for unknown sessions, close codes
//!   4001-4014 for bad frames (4014 for privileged intents not allowed with
//!   [`FakeDiscord::allow_privileged_intents`]). Dispatches honour intents
//!   and shard routing, and strip message content without MESSAGE_CONTENT.
//!
//! The parts, by what they play:
//! - this file: the [`FakeDiscord`] handle, the state its parts share, the
//!   records tests read ([`Call`], [`StoredMessage`], [`Interaction`], ...)
//!   and path patterns;
//! - `rest`: the REST server, request bodies (`multipart`), routing; `messages`,
//!   `interactions` and `commands`: what the routes do;
//! - `gateway`: the WebSocket gateway; `events`: what the fake learns from
//!   the events a test dispatches, and the checks on those events;
//! - `faults`: failures a test injects ([`FakeDiscord::fail_next`] and
//!   friends, [`FakeDiscord::hold_next`] for a stuck answer);
//! - `ratelimits`: the per-channel limit on message creates (5 per 5 s),
//!   in the `X-RateLimit-*` headers of their answers and enforced with 429s;
//! - `permissions`: guild channels, the bot's and members' permissions,
//!   commands' default member permissions;
//! - `validate`: Discord's limits on messages and commands;
//! - `openapi`: every request body checked against Discord's own OpenAPI
//!   description; a body it refuses is answered 400 50035 and recorded as a
//!   [`SchemaViolation`], and the fake panics when dropped while any are
//!   left (see [`FakeDiscord::take_schema_violations`]); `form_errors`:
//!   the validator's findings in Discord's words;
//! - `payloads`: the JSON objects Discord sends ([`user_json`],
//!   [`message_json`], [`slash_command`], [`message_create`], ...).

mod commands;
mod events;
mod faults;
mod form_errors;
mod gateway;
mod interactions;
mod messages;
mod multipart;
mod openapi;
mod payloads;
mod permissions;
mod ratelimits;
mod rest;
mod validate;

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Notify};
use tokio::task::{AbortHandle, JoinHandle};

use faults::{Fault, Hold};
use gateway::GatewayState;
pub use openapi::SchemaViolation;
// Not every test binary uses every builder.
#[allow(unused_imports)]
pub use payloads::{
    autocomplete, button_press, form_submit, message_create, message_json, slash_command,
    string_select, user_installed, user_json, UserPlace,
};
use payloads::{bot_user_json, default_username};
#[allow(unused_imports)]
pub use permissions::with_member_permissions;

/// Every REST route lives under this prefix.
pub const API: &str = "/api/v10";
/// The application (client) id of the fake bot.
pub const APPLICATION_ID: u64 = 1_187_000_000_000_000_001;
/// The bot user's id (deliberately different from the application id, as
/// for older applications, so mixing them up shows).
pub const BOT_USER_ID: u64 = 1_187_000_000_000_000_002;
pub const BOT_NAME: &str = "footcoach";
/// Discord's window for the first answer to an interaction.
pub const INTERACTION_ACK_WINDOW: Duration = Duration::from_secs(3);
/// How long an interaction token works for follow-ups and edits.
pub const INTERACTION_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// How long `enforce_nonce` remembers a nonce.
pub const NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);
/// Default `attachment_size_limit` in interactions (10 MiB).
pub const ATTACHMENT_SIZE_LIMIT: u64 = 10 * 1024 * 1024;
/// `app_permissions` sent in interactions: VIEW_CHANNEL, SEND_MESSAGES,
/// EMBED_LINKS, ATTACH_FILES, READ_MESSAGE_HISTORY, ADD_REACTIONS,
/// USE_EXTERNAL_EMOJIS.
pub const APP_PERMISSIONS: u64 = 64 | 1024 | 2048 | 16384 | 32768 | 65536 | 262_144;

/// Gateway intents that need a switch in the developer portal.
pub const PRIVILEGED_INTENTS: u64 = (1 << 1) | (1 << 8) | (1 << 15);
pub const INTENT_GUILD_MESSAGES: u64 = 1 << 9;
pub const INTENT_DIRECT_MESSAGES: u64 = 1 << 12;
pub const INTENT_MESSAGE_CONTENT: u64 = 1 << 15;

/// Permission bits a test may give a member.
pub const PERMISSION_ADMINISTRATOR: u64 = 1 << 3;
pub const PERMISSION_MANAGE_GUILD: u64 = 1 << 5;

/// Message flags.
pub const FLAG_EPHEMERAL: u64 = 1 << 6;
pub const FLAG_LOADING: u64 = 1 << 7;

const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

// ---------------------------------------------------------------------------
// Ids, tokens, timestamps
// ---------------------------------------------------------------------------

static LAST_SNOWFLAKE: AtomicU64 = AtomicU64::new(0);
static RANDOM_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, increasing snowflake carrying the current time.
pub fn snowflake() -> u64 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let candidate = now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
    let prev = LAST_SNOWFLAKE
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some((last + 1).max(candidate))
        })
        .unwrap_or(0);
    (prev + 1).max(candidate)
}

/// RFC 3339 time of a snowflake, as Discord writes it (`+00:00`, microseconds).
pub fn snowflake_timestamp(id: u64) -> String {
    let ms = (id >> 22) + DISCORD_EPOCH_MS;
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

fn now_timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(RANDOM_COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

fn random_string(len: usize, alphabet: &[u8]) -> String {
    (0..len)
        .map(|_| alphabet[(random_u64() % alphabet.len() as u64) as usize] as char)
        .collect()
}

/// A random-looking interaction token (real ones are long base64 strings).
fn interaction_token() -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    format!("aW50ZXJhY3Rpb246{}", random_string(160, B64))
}

fn id_str(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn field_id(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(id_str)
}

// ---------------------------------------------------------------------------
// Public records
// ---------------------------------------------------------------------------

/// One REST request the fake answered.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    /// Full path without the query, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    pub query: Option<String>,
    /// The JSON body; for multipart/form-data the parsed `payload_json`;
    /// `Null` when there was none.
    pub body: Value,
    /// Uploaded files of a multipart body: (file name, size in bytes).
    pub files: Vec<(String, usize)>,
    /// Their bytes, in the same order.
    pub file_bytes: Vec<Vec<u8>>,
    /// The status the fake answered with.
    pub status: u16,
    /// The JSON the fake answered with (`Null` for 204).
    pub response: Value,
    /// No such route on Discord (404 `404: Not Found` or 405).
    pub unexpected: bool,
    /// When the request arrived, before the fake read or checked its body
    /// (latencies measured from it leave out the fake's own work).
    pub at: Instant,
}

/// Where a message the bot created came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `POST /channels/{id}/messages`.
    Channel,
    /// The first answer to an interaction (callback type 4 or 5).
    InteractionResponse { interaction_id: u64 },
    /// `POST /webhooks/{app}/{token}`.
    Followup { interaction_id: u64 },
}

/// A message the bot created, as it stands now.
#[derive(Clone, Debug)]
pub struct StoredMessage {
    pub id: u64,
    pub channel_id: u64,
    /// The message object as Discord would return it now (after edits).
    pub json: Value,
    pub origin: Origin,
    /// How many later creates with the same nonce (`enforce_nonce`) were
    /// answered with this message instead of creating a new one.
    pub nonce_repeats: usize,
    pub edits: usize,
    pub deleted: bool,
}

impl StoredMessage {
    pub fn content(&self) -> &str {
        self.json["content"].as_str().unwrap_or("")
    }
    pub fn flags(&self) -> u64 {
        self.json["flags"].as_u64().unwrap_or(0)
    }
    pub fn is_ephemeral(&self) -> bool {
        self.flags() & FLAG_EPHEMERAL != 0
    }
}

/// An IDENTIFY the gateway received.
#[derive(Clone, Debug)]
pub struct Identify {
    pub intents: u64,
    /// `[shard_id, shard_count]`.
    pub shard: Option<(u64, u64)>,
    pub token: String,
    pub session_id: String,
    /// The IDENTIFY `d` object, token removed.
    pub payload: Value,
    pub at: Instant,
}

/// An interaction payload for `INTERACTION_CREATE`.
#[derive(Clone, Debug)]
pub struct Interaction {
    pub id: u64,
    pub token: String,
    pub payload: Value,
}

/// The path serenity posts the first answer of `interaction` to.
pub fn callback_path(interaction: &Interaction) -> String {
    format!(
        "{API}/interactions/{}/{}/callback",
        interaction.id, interaction.token
    )
}

/// The path of the original answer of `interaction` (edits go there).
pub fn original_path(interaction: &Interaction) -> String {
    format!(
        "{API}/webhooks/{APPLICATION_ID}/{}/messages/@original",
        interaction.token
    )
}

/// The path follow-ups of `interaction` are posted to.
pub fn followup_path(interaction: &Interaction) -> String {
    format!("{API}/webhooks/{APPLICATION_ID}/{}", interaction.token)
}

/// `body` as JSON text, cut after 300 bytes (with an ellipsis), for
/// failure messages.
fn shortened(body: &Value) -> String {
    let mut text = body.to_string();
    if text.len() > 300 {
        let mut cut = 300;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// Does `path` match `pattern` (see the module docs)?
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = if pattern.starts_with("/api/") {
        pattern.to_owned()
    } else {
        format!("{API}/{}", pattern.trim_start_matches('/'))
    };
    let want: Vec<&str> = pattern
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let have: Vec<&str> = path.trim_matches('/').split('/').collect();
    want.len() <= have.len() && want.iter().zip(&have).all(|(w, h)| *w == "*" || w == h)
}

fn method_matches(pattern: &str, method: &str) -> bool {
    pattern == "*" || pattern.eq_ignore_ascii_case(method)
}

// ---------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum ChannelKind {
    Dm { recipient: Value },
    Guild { guild_id: u64 },
}

struct InteractionState {
    token: String,
    kind: u64,
    channel_id: u64,
    dispatched_at: Instant,
    /// Callback type of the first answer, once acknowledged.
    ack: Option<u64>,
    /// Message id of `@original` (the answer, or the component's message).
    original: Option<u64>,
    /// A deferred (type 5) answer whose loading message the first
    /// follow-up replaces.
    loading: bool,
    messages: Vec<u64>,
    /// The message a component was on (type 3).
    component_message: Option<Value>,
    user: Value,
}

#[derive(Default)]
struct StateInner {
    /// The only bot token REST accepts; `None`: any.
    token: Option<String>,
    calls: Vec<Call>,
    faults: Vec<Fault>,
    holds: Vec<Hold>,
    /// Registered commands per scope (`None` = global): (given, answered).
    commands: HashMap<Option<u64>, Vec<(Value, Value)>>,
    /// Commands an overwrite replaced or removed, newest first: Discord's
    /// clients keep offering them for a while (up to an hour for global
    /// commands), so interactions for them still arrive.
    replaced_commands: HashMap<Option<u64>, Vec<Value>>,
    /// Forms (modals) the bot opened and the user they were opened for: a
    /// form can only be submitted once it was shown.
    forms_opened: Vec<(u64, Value)>,
    command_creates: HashMap<Option<u64>, Vec<Instant>>,
    channels: HashMap<u64, ChannelKind>,
    /// (guild, command name) a server opened to every member in its
    /// Integrations settings, whatever the command's default permissions.
    opened_commands: Vec<(u64, String)>,
    /// Guild channels the bot cannot post in: true when it cannot even see them.
    bot_denied: HashMap<u64, bool>,
    dm_by_user: HashMap<u64, u64>,
    users: HashMap<u64, Value>,
    messages: Vec<StoredMessage>,
    /// Messages by others seen in dispatched events, by id.
    seen_messages: HashMap<u64, Value>,
    nonces: HashMap<(u64, String), (u64, Instant)>,
    interactions: HashMap<u64, InteractionState>,
    tokens: HashMap<String, u64>,
    gateway: GatewayState,
    tasks: Vec<AbortHandle>,
    /// Request bodies refused because Discord's OpenAPI description does.
    violations: Vec<SchemaViolation>,
    message_limits: ratelimits::MessageLimits,
}

struct Inner {
    state: Mutex<StateInner>,
    calls_changed: Notify,
    gateway_changed: Notify,
    gateway_url: String,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, StateInner> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

// ---------------------------------------------------------------------------
// FakeDiscord
// ---------------------------------------------------------------------------

/// REST + gateway fake. Dropping it stops its server tasks, and panics
/// (failing the test) if a request body was refused for breaking Discord's
/// OpenAPI description and no test took the violation.
pub struct FakeDiscord {
    inner: Arc<Inner>,
    api_addr: std::net::SocketAddr,
    rest_task: JoinHandle<()>,
    gateway_task: JoinHandle<()>,
    rest_shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        if let Some(tx) = self.rest_shutdown.take() {
            let _ = tx.send(());
        }
        self.rest_task.abort();
        self.gateway_task.abort();
        let mut st = self.inner.lock();
        for task in st.tasks.drain(..) {
            task.abort();
        }
        st.gateway.conns.clear();
        let violations = std::mem::take(&mut st.violations);
        drop(st);
        if !violations.is_empty() && !std::thread::panicking() {
            panic!("{}", openapi::describe_violations(&violations));
        }
    }
}

impl FakeDiscord {
    /// Binds REST and gateway on 127.0.0.1 ephemeral ports and serves them.
    pub async fn start() -> FakeDiscord {
        let rest_listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake REST");
        let gateway_listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake gateway");
        let api_addr = rest_listener.local_addr().expect("REST address");
        let gateway_addr = gateway_listener.local_addr().expect("gateway address");
        let inner = Arc::new(Inner {
            state: Mutex::new(StateInner::default()),
            calls_changed: Notify::new(),
            gateway_changed: Notify::new(),
            gateway_url: format!("ws://{gateway_addr}"),
        });

        let router = Router::new()
            .fallback(rest::handle)
            .with_state(inner.clone());
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let rest_task = tokio::spawn(async move {
            let _ = axum::serve(rest_listener, router)
                .tcp_nodelay(true)
                .with_graceful_shutdown(async {
                    let _ = shutdown_rx.await;
                })
                .await;
        });

        let gw_inner = inner.clone();
        let gateway_task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = gateway_listener.accept().await else {
                    continue;
                };
                let conn_inner = gw_inner.clone();
                let task = tokio::spawn(gateway::serve_connection(conn_inner, stream));
                let mut st = gw_inner.lock();
                st.tasks.retain(|t| !t.is_finished());
                st.tasks.push(task.abort_handle());
            }
        });

        FakeDiscord {
            inner,
            api_addr,
            rest_task,
            gateway_task,
            rest_shutdown: Some(shutdown_tx),
        }
    }

    /// `http://127.0.0.1:PORT`: give it to `HttpBuilder::proxy`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.api_addr)
    }

    /// `ws://127.0.0.1:PORT`, as `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        self.inner.gateway_url.clone()
    }

    /// From now on, REST answers 401 to bot requests not authorised with
    /// `Bot {token}`, as Discord does for a wrong token.
    pub fn require_token(&self, token: &str) {
        self.inner.lock().token = Some(token.to_owned());
    }

    pub fn application_id(&self) -> u64 {
        APPLICATION_ID
    }

    pub fn bot_user_id(&self) -> u64 {
        BOT_USER_ID
    }

    /// The bot's user object (as in READY and message authors).
    pub fn bot_user(&self) -> Value {
        bot_user_json()
    }

    // ----- REST records ----------------------------------------------------

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().calls.clone()
    }

    /// Calls whose method and path match (see the module docs on patterns).
    pub fn calls_to(&self, method: &str, path_pattern: &str) -> Vec<Call> {
        self.inner
            .lock()
            .calls
            .iter()
            .filter(|c| method_matches(method, &c.method) && path_matches(path_pattern, &c.path))
            .cloned()
            .collect()
    }

    /// Calls to routes Discord does not have (answered 404/405).
    pub fn unexpected_calls(&self) -> Vec<Call> {
        self.inner
            .lock()
            .calls
            .iter()
            .filter(|c| c.unexpected)
            .cloned()
            .collect()
    }

    /// The first recorded call (past or future) satisfying `pred`. Panics
    /// after `timeout` with the list of calls seen.
    pub async fn wait_for_call(&self, pred: impl Fn(&Call) -> bool, timeout: Duration) -> Call {
        self.wait_for_calls(pred, 1, timeout).await.remove(0)
    }

    /// The first `n` recorded calls satisfying `pred`; panics on timeout.
    pub async fn wait_for_calls(
        &self,
        pred: impl Fn(&Call) -> bool,
        n: usize,
        timeout: Duration,
    ) -> Vec<Call> {
        let found = wait_until(&self.inner, &self.inner.calls_changed, timeout, |st| {
            let hits: Vec<Call> = st
                .calls
                .iter()
                .filter(|c| pred(c))
                .take(n)
                .cloned()
                .collect();
            (hits.len() == n).then_some(hits)
        })
        .await;
        match found {
            Some(calls) => calls,
            None => panic!(
                "timed out after {timeout:?} waiting for {n} matching REST call(s); calls seen:\n{}",
                self.describe_calls()
            ),
        }
    }

    /// One line per call, for failure messages (then the schema violations,
    /// if any: a test that fails before the fake is dropped still shows
    /// them).
    pub fn describe_calls(&self) -> String {
        let st = self.inner.lock();
        if st.calls.is_empty() {
            return "  (none)".to_owned();
        }
        let mut lines: Vec<String> = st
            .calls
            .iter()
            .map(|c| {
                format!(
                    "  {} {} -> {} {}",
                    c.method,
                    c.path,
                    c.status,
                    shortened(&c.body)
                )
            })
            .collect();
        if !st.violations.is_empty() {
            lines.push(openapi::describe_violations(&st.violations));
        }
        lines.join("\n")
    }

    // ----- Stored objects --------------------------------------------------

    /// Messages the bot created (channel messages, interaction answers,
    /// follow-ups), oldest first.
    pub fn messages(&self) -> Vec<StoredMessage> {
        self.inner.lock().messages.clone()
    }

    /// Messages the bot created in `channel_id`.
    pub fn messages_in(&self, channel_id: u64) -> Vec<StoredMessage> {
        self.messages()
            .into_iter()
            .filter(|m| m.channel_id == channel_id)
            .collect()
    }

    pub fn message(&self, id: u64) -> Option<StoredMessage> {
        self.inner
            .lock()
            .messages
            .iter()
            .find(|m| m.id == id)
            .cloned()
    }

    /// The commands registered in a scope (`None` = global), as answered.
    pub fn registered_commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        self.inner
            .lock()
            .commands
            .get(&guild_id)
            .map(|v| v.iter().map(|(_, out)| out.clone()).collect())
            .unwrap_or_default()
    }

    /// The DM channel with `user_id`, opening one (as `POST
    /// /users/@me/channels` would) if there is none yet.
    pub fn dm_channel_for(&self, user_id: u64) -> u64 {
        let mut st = self.inner.lock();
        open_dm(&mut st, user_id)
    }

    /// Whether the first answer to `interaction_id` was sent, and its type.
    pub fn interaction_ack(&self, interaction_id: u64) -> Option<u64> {
        self.inner
            .lock()
            .interactions
            .get(&interaction_id)
            .and_then(|i| i.ack)
    }
}

/// Waits until `check` returns `Some`, woken by `notify` (no polling).
async fn wait_until<T>(
    inner: &Inner,
    notify: &Notify,
    timeout: Duration,
    mut check: impl FnMut(&StateInner) -> Option<T>,
) -> Option<T> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(v) = check(&inner.lock()) {
            return Some(v);
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return check(&inner.lock());
        }
    }
}

fn open_dm(st: &mut StateInner, user_id: u64) -> u64 {
    if let Some(id) = st.dm_by_user.get(&user_id) {
        return *id;
    }
    let id = snowflake();
    let recipient = st
        .users
        .get(&user_id)
        .cloned()
        .unwrap_or_else(|| user_json(user_id, &default_username(user_id), false));
    st.dm_by_user.insert(user_id, id);
    st.channels.insert(id, ChannelKind::Dm { recipient });
    id
}
