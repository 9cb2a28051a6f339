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
//!   routes without an `Authorization` header answer 401.
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
//!   `fail_if_not_exists: false`.
//! - Commands: bulk overwrite validates names (1-32, lowercase),
//!   descriptions (1-100), <= 25 options/choices, required options first;
//!   ids stay stable across overwrites by name; more than 200 new commands a
//!   day in a scope is 429 30034.
//! - Gateway: HELLO, heartbeat ACKs, READY with an increasing `s`, RESUME
//!   replaying missed dispatches, op 9 for unknown sessions, close codes
//!   4001-4014 for bad frames (4014 for privileged intents not allowed with
//!   [`FakeDiscord::allow_privileged_intents`]). Dispatches honour intents
//!   and shard routing, and strip message content without MESSAGE_CONTENT.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Map, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::{AbortHandle, JoinHandle};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;

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
    /// The status the fake answered with.
    pub status: u16,
    /// The JSON the fake answered with (`Null` for 204).
    pub response: Value,
    /// No such route on Discord (404 `404: Not Found` or 405).
    pub unexpected: bool,
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

struct Fault {
    method: String,
    pattern: String,
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
    remaining: usize,
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

enum Outgoing {
    Text(String),
    Close(u16, &'static str),
}

struct Session {
    seq: u64,
    intents: u64,
    /// (shard id, shard count).
    shard: (u64, u64),
    conn: Option<u64>,
    /// Every dispatch sent in this session: (s, frame), for RESUME replays.
    sent: Vec<(u64, String)>,
    invalid: bool,
}

#[derive(Default)]
struct GatewayState {
    next_conn: u64,
    conns: HashMap<u64, mpsc::UnboundedSender<Outgoing>>,
    conn_session: HashMap<u64, String>,
    sessions: HashMap<String, Session>,
    identifies: Vec<Identify>,
    resumes: usize,
    heartbeats: usize,
    connect_uris: Vec<String>,
    privileged_allowed: u64,
}

#[derive(Default)]
struct StateInner {
    calls: Vec<Call>,
    faults: Vec<Fault>,
    /// Registered commands per scope (`None` = global): (given, answered).
    commands: HashMap<Option<u64>, Vec<(Value, Value)>>,
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

/// REST + gateway fake. Dropping it stops its server tasks.
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

        let router = Router::new().fallback(rest).with_state(inner.clone());
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
                let task = tokio::spawn(serve_gateway_connection(conn_inner, stream));
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

    /// One line per call, for failure messages.
    pub fn describe_calls(&self) -> String {
        let st = self.inner.lock();
        if st.calls.is_empty() {
            return "  (none)".to_owned();
        }
        st.calls
            .iter()
            .map(|c| {
                let mut body = c.body.to_string();
                if body.len() > 300 {
                    let mut cut = 300;
                    while !body.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    body.truncate(cut);
                    body.push('…');
                }
                format!("  {} {} -> {} {}", c.method, c.path, c.status, body)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    // ----- Faults ------------------------------------------------------------

    /// The next `times` calls matching method and path pattern are answered
    /// with `status` and `body` (and nothing happens).
    pub fn fail_next(
        &self,
        method: &str,
        path_pattern: &str,
        status: u16,
        body: Value,
        times: usize,
    ) {
        self.fail_next_with_headers(method, path_pattern, status, body, &[], times);
    }

    /// [`Self::fail_next`] with extra response headers.
    pub fn fail_next_with_headers(
        &self,
        method: &str,
        path_pattern: &str,
        status: u16,
        body: Value,
        headers: &[(&str, &str)],
        times: usize,
    ) {
        self.inner.lock().faults.push(Fault {
            method: method.to_owned(),
            pattern: path_pattern.to_owned(),
            status,
            body,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            remaining: times,
        });
    }

    /// A per-route 429 as Discord sends it: body `{message, retry_after,
    /// global: false}` and the `Retry-After`, `X-RateLimit-*` headers
    /// (scope `user`).
    pub fn rate_limit_next(
        &self,
        method: &str,
        path_pattern: &str,
        retry_after_secs: f64,
        times: usize,
    ) {
        let retry_after_header = format!("{}", retry_after_secs.ceil() as u64);
        let reset_after = format!("{retry_after_secs:.3}");
        let reset = format!(
            "{:.3}",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64())
                + retry_after_secs
        );
        self.fail_next_with_headers(
            method,
            path_pattern,
            429,
            json!({"message": "You are being rate limited.", "retry_after": retry_after_secs, "global": false}),
            &[
                ("Retry-After", retry_after_header.as_str()),
                ("X-RateLimit-Limit", "5"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", reset.as_str()),
                ("X-RateLimit-Reset-After", reset_after.as_str()),
                ("X-RateLimit-Bucket", "fakebucket0000000000000000000000"),
                ("X-RateLimit-Scope", "user"),
            ],
            times,
        );
    }

    /// Discard faults that have not fired yet.
    pub fn clear_faults(&self) {
        self.inner.lock().faults.clear();
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

    /// Make `channel_id` a text channel of `guild_id` (channels are also
    /// learnt from dispatched events).
    pub fn add_guild_channel(&self, guild_id: u64, channel_id: u64) {
        self.inner
            .lock()
            .channels
            .insert(channel_id, ChannelKind::Guild { guild_id });
    }

    /// A server admin lets every member use `/name` (Server Settings,
    /// Integrations), overriding its default member permissions.
    pub fn open_command_to_everyone(&self, guild_id: u64, name: &str) {
        self.inner
            .lock()
            .opened_commands
            .push((guild_id, name.to_owned()));
    }

    /// Take the bot's Send Messages away in `channel_id` (403 50013 on a
    /// post), or with `hidden` its View Channel too (403 50001).
    pub fn deny_bot_in_channel(&self, channel_id: u64, hidden: bool) {
        self.inner.lock().bot_denied.insert(channel_id, hidden);
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

fn bot_user_json() -> Value {
    json!({
        "id": BOT_USER_ID.to_string(),
        "username": BOT_NAME,
        "discriminator": "0000",
        "global_name": null,
        "avatar": null,
        "bot": true,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
    })
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

fn default_username(id: u64) -> String {
    format!("user{}", id % 100_000)
}

// ---------------------------------------------------------------------------
// Payload builders
// ---------------------------------------------------------------------------

/// A user object as Discord sends it.
pub fn user_json(id: u64, name: &str, bot: bool) -> Value {
    let mut user = json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": if bot { "0000" } else { "0" },
        "global_name": if bot { Value::Null } else { Value::from(name) },
        "avatar": null,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
    });
    if bot {
        user["bot"] = json!(true);
    }
    user
}

/// A complete message object (type 0, no guild).
pub fn message_json(id: u64, channel_id: u64, author: Value, content: &str) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": content,
        "timestamp": snowflake_timestamp(id),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    })
}

// ---------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------

struct Reply {
    status: u16,
    body: Option<Value>,
    headers: Vec<(String, String)>,
    unexpected: bool,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
            unexpected: false,
        }
    }
    fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }
    fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
            unexpected: false,
        }
    }
    fn error(status: u16, code: u64, message: &str) -> Reply {
        Reply::json(status, json!({"message": message, "code": code}))
    }
    fn not_found() -> Reply {
        Reply {
            unexpected: true,
            ..Reply::error(404, 0, "404: Not Found")
        }
    }
    fn method_not_allowed() -> Reply {
        Reply {
            unexpected: true,
            ..Reply::error(405, 0, "405: Method Not Allowed")
        }
    }
    fn unknown_channel() -> Reply {
        Reply::error(404, 10003, "Unknown Channel")
    }
    fn unknown_message() -> Reply {
        Reply::error(404, 10008, "Unknown Message")
    }
    fn unknown_webhook() -> Reply {
        Reply::error(404, 10015, "Unknown Webhook")
    }
    fn unknown_interaction() -> Reply {
        Reply::error(404, 10062, "Unknown interaction")
    }
    fn missing_access() -> Reply {
        Reply::error(403, 50001, "Missing Access")
    }
}

/// One field error of a 50035 "Invalid Form Body".
struct FormError {
    path: Vec<String>,
    code: &'static str,
    message: String,
}

fn form_error(path: &[&str], code: &'static str, message: impl Into<String>) -> FormError {
    FormError {
        path: path.iter().map(|s| (*s).to_owned()).collect(),
        code,
        message: message.into(),
    }
}

fn max_length_error(path: Vec<String>, max: usize) -> FormError {
    FormError {
        path,
        code: "BASE_TYPE_MAX_LENGTH",
        message: format!("Must be {max} or fewer in length."),
    }
}

/// 400 `{"code": 50035, "message": "Invalid Form Body", "errors": {...}}`
/// with Discord's nested `_errors` layout.
fn invalid_form(errors: Vec<FormError>) -> Reply {
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

fn parse_snowflake(raw: &str, field: &str) -> Result<u64, Reply> {
    raw.parse::<u64>().ok().filter(|v| *v > 0).ok_or_else(|| {
        invalid_form(vec![form_error(
            &[field],
            "NUMBER_TYPE_COERCE",
            format!("Value \"{raw}\" is not snowflake."),
        )])
    })
}

struct Parsed {
    body: Value,
    files: Vec<(String, usize)>,
}

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
fn parse_multipart(content_type: &str, bytes: &[u8]) -> Result<Parsed, String> {
    let boundary = header_param(content_type, "boundary").ok_or("no multipart boundary")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut body = Value::Null;
    let mut files = Vec::new();
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
    Ok(Parsed { body, files })
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
        });
    }
    serde_json::from_slice(bytes)
        .map(|body| Parsed {
            body,
            files: Vec::new(),
        })
        .map_err(|_| Reply::error(400, 50109, "The request body contains invalid JSON."))
}

async fn rest(State(inner): State<Arc<Inner>>, req: Request) -> Response {
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
            },
            Some(reply),
        ),
    };
    let reply = {
        let mut st = inner.lock();
        let reply = match take_fault(&mut st, &method, &path) {
            Some(fault) => fault,
            None => match parse_error {
                Some(err) => err,
                None => route(
                    &mut st,
                    &inner.gateway_url,
                    &method,
                    &path,
                    query.as_deref(),
                    &headers,
                    &parsed,
                ),
            },
        };
        st.calls.push(Call {
            method,
            path,
            query,
            body: parsed.body,
            files: parsed.files,
            status: reply.status,
            response: reply.body.clone().unwrap_or(Value::Null),
            unexpected: reply.unexpected,
            at: Instant::now(),
        });
        reply
    };
    inner.calls_changed.notify_waiters();

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

fn take_fault(st: &mut StateInner, method: &str, path: &str) -> Option<Reply> {
    let fault = st.faults.iter_mut().find(|f| {
        f.remaining > 0 && method_matches(&f.method, method) && path_matches(&f.pattern, path)
    })?;
    fault.remaining -= 1;
    let reply = Reply {
        status: fault.status,
        body: Some(fault.body.clone()),
        headers: fault.headers.clone(),
        unexpected: false,
    };
    st.faults.retain(|f| f.remaining > 0);
    Some(reply)
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
    let Some(rest) = path.strip_prefix(API) else {
        return Reply::not_found();
    };
    let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let body = &parsed.body;

    // Interaction callbacks and webhooks are authorised by their token;
    // everything else needs `Authorization: Bot <token>`.
    let token_routes = matches!(segs.first(), Some(&"interactions") | Some(&"webhooks"));
    if !token_routes && !headers.contains_key("authorization") {
        return Reply::error(401, 0, "401: Unauthorized");
    }

    let result: Result<Reply, Reply> = (|| {
        Ok(match (method, segs.as_slice()) {
            ("GET", ["gateway"]) => Reply::ok(json!({"url": gateway_url})),
            ("GET", ["gateway", "bot"]) => Reply::ok(json!({
                "url": gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - st.gateway.identifies.len().min(1000),
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            })),
            ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
                Reply::ok(application_json())
            }
            ("GET", ["users", "@me"]) => Reply::ok(bot_user_json()),
            ("GET", ["users", id]) => {
                let id = parse_snowflake(id, "user_id")?;
                match st.users.get(&id) {
                    Some(u) => Reply::ok(u.clone()),
                    None if id == BOT_USER_ID => Reply::ok(bot_user_json()),
                    None => Reply::error(404, 10013, "Unknown User"),
                }
            }
            ("POST", ["users", "@me", "channels"]) => {
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

            ("PUT", ["applications", app, "commands"]) => {
                check_app(app)?;
                put_commands(st, None, body)
            }
            ("GET", ["applications", app, "commands"]) => {
                check_app(app)?;
                Reply::ok(json!(registered(st, None)))
            }
            ("PUT", ["applications", app, "guilds", guild, "commands"]) => {
                check_app(app)?;
                let guild = parse_snowflake(guild, "guild_id")?;
                put_commands(st, Some(guild), body)
            }
            ("GET", ["applications", app, "guilds", guild, "commands"]) => {
                check_app(app)?;
                let guild = parse_snowflake(guild, "guild_id")?;
                Reply::ok(json!(registered(st, Some(guild))))
            }

            ("POST", ["interactions", id, token, "callback"]) => {
                let id = parse_snowflake(id, "interaction_id")?;
                interaction_callback(st, id, token, body, &parsed.files)
            }
            ("POST", ["webhooks", app, token]) => {
                let interaction = webhook_interaction(st, app, token)?;
                create_followup(st, interaction, body, &parsed.files, query)
            }
            (_, ["webhooks", app, token, "messages", which]) => {
                let interaction = webhook_interaction(st, app, token)?;
                webhook_message(st, interaction, method, which, body, &parsed.files)
            }

            ("GET", ["channels", channel]) => {
                let channel = parse_snowflake(channel, "channel_id")?;
                if !st.channels.contains_key(&channel) {
                    return Err(Reply::unknown_channel());
                }
                Reply::ok(channel_json(st, channel))
            }
            ("POST", ["channels", channel, "messages"]) => {
                let channel = parse_snowflake(channel, "channel_id")?;
                create_channel_message(st, channel, body, &parsed.files)
            }
            ("GET" | "PATCH" | "DELETE", ["channels", channel, "messages", message]) => {
                let channel = parse_snowflake(channel, "channel_id")?;
                let message = parse_snowflake(message, "message_id")?;
                channel_message(st, method, channel, message, body, &parsed.files)
            }
            ("POST", ["channels", channel, "typing"]) => {
                let channel = parse_snowflake(channel, "channel_id")?;
                if !st.channels.contains_key(&channel) {
                    return Err(Reply::unknown_channel());
                }
                Reply::no_content()
            }
            _ => Reply::not_found(),
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

fn application_json() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(),
        "name": BOT_NAME,
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "hook": true,
        "bot_public": true,
        "bot_require_code_grant": false,
        "verify_key": "1e0a356058d627ca38a5c8c9648818061d49e49bd9da9e3ab17d98ad4d6bg2u8",
        "flags": 0,
        "owner": user_json(1_187_000_000_000_000_100, "owner", false),
        "team": null,
        "bot": bot_user_json(),
        "rpc_origins": [],
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "tags": [],
        "integration_types_config": {"0": {}},
    })
}

fn channel_json(st: &StateInner, channel: u64) -> Value {
    match st.channels.get(&channel) {
        Some(ChannelKind::Dm { recipient }) => json!({
            "id": channel.to_string(),
            "type": 1,
            "last_message_id": last_message_id(st, channel),
            "flags": 0,
            "recipients": [recipient],
        }),
        Some(ChannelKind::Guild { guild_id }) => json!({
            "id": channel.to_string(),
            "type": 0,
            "guild_id": guild_id.to_string(),
            "name": format!("channel-{}", channel % 10_000),
            "position": 0,
            "permission_overwrites": [],
            "parent_id": null,
            "nsfw": false,
            "topic": null,
            "last_message_id": last_message_id(st, channel),
            "rate_limit_per_user": 0,
            "flags": 0,
        }),
        None => Value::Null,
    }
}

fn last_message_id(st: &StateInner, channel: u64) -> Value {
    st.messages
        .iter()
        .filter(|m| m.channel_id == channel && !m.deleted)
        .map(|m| m.id)
        .max()
        .map_or(Value::Null, |id| json!(id.to_string()))
}

// ----- Messages ------------------------------------------------------------

fn str_len(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn p(base: &[String], rest: &[&str]) -> Vec<String> {
    base.iter()
        .cloned()
        .chain(rest.iter().map(|s| (*s).to_owned()))
        .collect()
}

/// Discord's limits on a message body (content, embeds, components, nonce).
fn validate_message(body: &Value, base: &[String]) -> Vec<FormError> {
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
        let mut total = 0;
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
                total += len;
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
                        total += len;
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
        if total > 6000 {
            errors.push(FormError {
                path: p(base, &["embeds"]),
                code: "MAX_EMBED_SIZE_EXCEEDED",
                message: "Embed size exceeds maximum size of 6000".to_owned(),
            });
        }
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

fn has_visible_payload(msg: &Value) -> bool {
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

fn empty_message() -> Reply {
    Reply::error(400, 50006, "Cannot send an empty message")
}

fn attachment_json(channel: u64, filename: &str, size: usize) -> Value {
    let id = snowflake();
    let lower = filename.to_ascii_lowercase();
    let content_type = match lower.rsplit('.').next() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("txt") => "text/plain; charset=utf-8",
        Some("json") => "application/json; charset=utf-8",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    };
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": format!("https://cdn.discordapp.com/attachments/{channel}/{id}/{filename}"),
        "proxy_url": format!("https://media.discordapp.net/attachments/{channel}/{id}/{filename}"),
        "content_type": content_type,
    })
}

/// Applies the editable fields of a create/edit body to `msg`.
fn apply_message_fields(msg: &mut Value, body: &Value, files: &[(String, usize)], edit: bool) {
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
    for (name, size) in files {
        attachments.push(attachment_json(channel, name, *size));
    }
    msg["attachments"] = json!(attachments);
}

fn new_bot_message(
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

fn store_message(st: &mut StateInner, msg: Value, origin: Origin) -> u64 {
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

fn stored_mut(st: &mut StateInner, id: u64) -> Option<&mut StoredMessage> {
    st.messages.iter_mut().find(|m| m.id == id && !m.deleted)
}

/// Flags a bot may set: SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS (and
/// EPHEMERAL for interaction answers).
const SETTABLE_FLAGS: u64 = 4 | 4096;

fn create_channel_message(
    st: &mut StateInner,
    channel: u64,
    body: &Value,
    files: &[(String, usize)],
) -> Reply {
    let Some(kind) = st.channels.get(&channel).cloned() else {
        return Reply::unknown_channel();
    };
    match st.bot_denied.get(&channel) {
        Some(true) => return Reply::missing_access(),
        Some(false) => return Reply::error(403, 50013, "Missing Permissions"),
        None => {}
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

fn channel_message(
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
fn edit_stored(
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

// ----- Interactions --------------------------------------------------------

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

fn interaction_callback(
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
            let mut msg = interaction_message(st, id, &data, files);
            if !has_visible_payload(&msg) {
                return empty_message();
            }
            if command_kind == 2 {
                msg["type"] = json!(20);
            }
            let msg_id = store_message(st, msg, Origin::InteractionResponse { interaction_id: id });
            let ix = st.interactions.get_mut(&id).expect("interaction");
            ix.original = Some(msg_id);
            ix.messages.push(msg_id);
        }
        5 => {
            let flags = data["flags"].as_u64().unwrap_or(0) & FLAG_EPHEMERAL;
            let mut msg = interaction_message(st, id, &json!({}), &[]);
            msg["flags"] = json!(flags | FLAG_LOADING);
            if command_kind == 2 {
                msg["type"] = json!(20);
            }
            let msg_id = store_message(st, msg, Origin::InteractionResponse { interaction_id: id });
            let ix = st.interactions.get_mut(&id).expect("interaction");
            ix.original = Some(msg_id);
            ix.messages.push(msg_id);
            ix.loading = true;
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
            if !errors.is_empty() {
                return invalid_form(errors);
            }
        }
        9 => {
            let title = str_len(&data["title"]);
            if title == 0 || title > 45 || data["custom_id"].as_str().is_none() {
                return invalid_form(vec![form_error(
                    &["data"],
                    "BASE_TYPE_REQUIRED",
                    "A modal needs custom_id and a title of 1 to 45 characters",
                )]);
            }
        }
        _ => {}
    }
    st.interactions.get_mut(&id).expect("interaction").ack = Some(kind);
    Reply::no_content()
}

fn base_path(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

/// The interaction an interaction webhook (`/webhooks/{app}/{token}`) belongs to.
fn webhook_interaction(st: &StateInner, app: &str, token: &str) -> Result<u64, Reply> {
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

fn create_followup(
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

fn webhook_message(
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

// ----- Application commands ------------------------------------------------

fn registered(st: &StateInner, scope: Option<u64>) -> Vec<Value> {
    st.commands
        .get(&scope)
        .map(|v| v.iter().map(|(_, out)| out.clone()).collect())
        .unwrap_or_default()
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
    let mut names: Vec<&str> = Vec::new();
    let mut seen_optional = false;
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
        let required = opt["required"].as_bool().unwrap_or(false);
        if required && seen_optional {
            errors.push(FormError {
                path: at("required"),
                code: "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                message: "Required options must be placed before non-required options".to_owned(),
            });
        }
        seen_optional |= !required;
        let choices = opt["choices"].as_array().cloned().unwrap_or_default();
        if choices.len() > 25 {
            errors.push(max_length_error(at("choices"), 25));
        }
        if !choices.is_empty() && opt["autocomplete"].as_bool() == Some(true) {
            errors.push(FormError {
                path: at("autocomplete"),
                code: "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_AND_CHOICES",
                message: "Autocomplete cannot be set if there are choices present".to_owned(),
            });
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

fn validate_command(cmd: &Value, index: usize) -> Vec<FormError> {
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

fn put_commands(st: &mut StateInner, scope: Option<u64>, body: &Value) -> Reply {
    let Some(list) = body.as_array() else {
        return invalid_form(vec![form_error(
            &[],
            "BASE_TYPE_ARRAY",
            "Must be an array.",
        )]);
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
    if !errors.is_empty() {
        return invalid_form(errors);
    }

    let previous = st.commands.get(&scope).cloned().unwrap_or_default();
    let find_previous = |c: &Value| {
        previous
            .iter()
            .find(|(given, _)| {
                given["name"] == c["name"]
                    && given["type"].as_u64().unwrap_or(1) == c["type"].as_u64().unwrap_or(1)
            })
            .cloned()
    };
    let new_names = list.iter().filter(|c| find_previous(c).is_none()).count();
    let creates = st.command_creates.entry(scope).or_default();
    creates.retain(|t| t.elapsed() < Duration::from_secs(86_400));
    if creates.len() + new_names > 200 {
        return Reply::json(
            429,
            json!({
                "message": "Max number of daily application command creates has been reached (200)",
                "code": 30034,
                "retry_after": 86_400.0,
                "global": false,
            }),
        );
    }
    creates.extend(std::iter::repeat_n(Instant::now(), new_names));

    let mut stored = Vec::new();
    for c in list {
        let before = find_previous(c);
        let mut out = c.clone();
        let obj = out.as_object_mut().expect("command object");
        let (id, version) = match &before {
            Some((given, answered)) => {
                let version = if given == c {
                    answered["version"].clone()
                } else {
                    json!(snowflake().to_string())
                };
                (answered["id"].clone(), version)
            }
            None => {
                let id = json!(snowflake().to_string());
                (id.clone(), id)
            }
        };
        obj.insert("id".into(), id);
        obj.insert("application_id".into(), json!(APPLICATION_ID.to_string()));
        obj.insert("version".into(), version);
        obj.entry("type").or_insert(json!(1));
        obj.entry("description").or_insert(json!(""));
        obj.entry("default_member_permissions")
            .or_insert(Value::Null);
        obj.entry("nsfw").or_insert(json!(false));
        match scope {
            Some(guild) => {
                obj.insert("guild_id".into(), json!(guild.to_string()));
            }
            None => {
                obj.entry("dm_permission").or_insert(json!(true));
                obj.entry("integration_types").or_insert(json!([0]));
                obj.entry("contexts").or_insert(Value::Null);
            }
        }
        stored.push((c.clone(), out));
    }
    let answer: Vec<Value> = stored.iter().map(|(_, out)| out.clone()).collect();
    st.commands.insert(scope, stored);
    Reply::ok(json!(answer))
}

// ---------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------

impl FakeDiscord {
    /// Sends an op 0 dispatch (next `s` of each session) to every session
    /// the event is for, as Discord does: guild events to the shard of the
    /// guild (`(guild_id >> 22) % shard_count`), everything else (DMs) to
    /// shard 0; events needing an intent the session lacks are not sent,
    /// and without MESSAGE_CONTENT a guild message that does not mention the
    /// bot arrives with empty `content`, `embeds`, `attachments`,
    /// `components`. Sessions whose connection dropped keep the event for a
    /// RESUME. Returns how many sessions it was sent to.
    ///
    /// `INTERACTION_CREATE` payloads are checked like Discord's client would
    /// (the command and options must be registered, a button must be on the
    /// bot's message): a test that builds an impossible interaction panics
    /// here. The command's `data.id` is set to the registered id.
    pub async fn dispatch(&self, event: &str, data: Value) -> usize {
        let sent = {
            let mut st = self.inner.lock();
            let data = match observe(&mut st, event, data) {
                Ok(d) => d,
                Err(why) => {
                    drop(st);
                    panic!("fake Discord would never send this {event}: {why}");
                }
            };
            let g = &mut st.gateway;
            assert!(
                !g.sessions.is_empty(),
                "dispatch({event}) before any IDENTIFY: call wait_for_identify first"
            );
            let target_guild = field_id(&data, "guild_id").or_else(|| {
                event
                    .starts_with("GUILD_")
                    .then(|| field_id(&data, "id"))
                    .flatten()
            });
            let ids: Vec<String> = g
                .sessions
                .iter()
                .filter(|(_, s)| !s.invalid)
                .filter(|(_, s)| {
                    let (shard, total) = s.shard;
                    match target_guild {
                        Some(guild) => (guild >> 22) % total.max(1) == shard,
                        None => shard == 0,
                    }
                })
                .map(|(id, _)| id.clone())
                .collect();
            let mut sent = 0;
            for id in ids {
                let intents = g.sessions[&id].intents;
                if let Some(d) = filter_for_intents(event, &data, intents) {
                    send_dispatch(g, &id, event, d);
                    sent += 1;
                }
            }
            sent
        };
        self.inner.gateway_changed.notify_waiters();
        sent
    }

    /// Dispatches `INTERACTION_CREATE` for `interaction`.
    pub async fn dispatch_interaction(&self, interaction: &Interaction) -> usize {
        self.dispatch("INTERACTION_CREATE", interaction.payload.clone())
            .await
    }

    /// The first IDENTIFY (past or future); panics after `timeout`.
    pub async fn wait_for_identify(&self, timeout: Duration) -> Identify {
        self.wait_for_identifies(1, timeout).await.remove(0)
    }

    /// The first `n` IDENTIFYs; panics after `timeout`.
    pub async fn wait_for_identifies(&self, n: usize, timeout: Duration) -> Vec<Identify> {
        let found = wait_until(&self.inner, &self.inner.gateway_changed, timeout, |st| {
            (st.gateway.identifies.len() >= n).then(|| st.gateway.identifies[..n].to_vec())
        })
        .await;
        found.unwrap_or_else(|| {
            let (count, uris) = {
                let st = self.inner.lock();
                (st.gateway.identifies.len(), st.gateway.connect_uris.clone())
            };
            panic!(
                "timed out after {timeout:?} waiting for {n} IDENTIFY; saw {count} (connections: {uris:?}); REST calls:\n{}",
                self.describe_calls()
            )
        })
    }

    /// Waits until `n` RESUMEs were accepted; panics after `timeout`.
    pub async fn wait_for_resumes(&self, n: usize, timeout: Duration) {
        let found = wait_until(&self.inner, &self.inner.gateway_changed, timeout, |st| {
            (st.gateway.resumes >= n).then_some(())
        })
        .await;
        assert!(
            found.is_some(),
            "timed out after {timeout:?} waiting for {n} RESUME"
        );
    }

    pub fn identify_count(&self) -> usize {
        self.inner.lock().gateway.identifies.len()
    }

    pub fn identifies(&self) -> Vec<Identify> {
        self.inner.lock().gateway.identifies.clone()
    }

    pub fn resume_count(&self) -> usize {
        self.inner.lock().gateway.resumes
    }

    pub fn heartbeat_count(&self) -> usize {
        self.inner.lock().gateway.heartbeats
    }

    /// Sessions with a live connection (identified or resumed).
    pub fn connected_shards(&self) -> usize {
        let st = self.inner.lock();
        st.gateway
            .sessions
            .values()
            .filter(|s| s.conn.is_some() && !s.invalid)
            .count()
    }

    /// The URIs shards connected with (e.g. `/?v=10`).
    pub fn connect_uris(&self) -> Vec<String> {
        self.inner.lock().gateway.connect_uris.clone()
    }

    /// Privileged intents the application has switched on in the developer
    /// portal (none by default: IDENTIFY asking for one is closed with
    /// 4014 "Disallowed intent(s).").
    pub fn allow_privileged_intents(&self, intents: u64) {
        self.inner.lock().gateway.privileged_allowed = intents & PRIVILEGED_INTENTS;
    }

    /// Closes every gateway connection with 4000 (Unknown error), as when
    /// Discord drops a connection; sessions stay resumable.
    pub fn disconnect_all(&self) {
        self.send_all(|| Outgoing::Close(4000, "Unknown error."));
    }

    /// Sends op 7 RECONNECT to every connection (the client should
    /// reconnect and RESUME).
    pub fn request_reconnect_all(&self) {
        self.send_all(|| Outgoing::Text(json!({"op": 7, "d": null}).to_string()));
    }

    /// Sends op 9 INVALID_SESSION with `d = resumable` to every connection;
    /// when not resumable the sessions are forgotten.
    pub fn invalidate_sessions(&self, resumable: bool) {
        {
            let mut st = self.inner.lock();
            if !resumable {
                for s in st.gateway.sessions.values_mut() {
                    s.invalid = true;
                }
            }
        }
        self.send_all(|| Outgoing::Text(json!({"op": 9, "d": resumable}).to_string()));
    }

    fn send_all(&self, make: impl Fn() -> Outgoing) {
        let st = self.inner.lock();
        for tx in st.gateway.conns.values() {
            let _ = tx.send(make());
        }
    }
}

fn send_dispatch(g: &mut GatewayState, session_id: &str, event: &str, d: Value) {
    let Some(session) = g.sessions.get_mut(session_id) else {
        return;
    };
    session.seq += 1;
    let frame = json!({"op": 0, "s": session.seq, "t": event, "d": d}).to_string();
    session.sent.push((session.seq, frame.clone()));
    if let Some(tx) = session.conn.and_then(|c| g.conns.get(&c)) {
        let _ = tx.send(Outgoing::Text(frame));
    }
}

// The handshake callback's signature is tungstenite's.
#[allow(clippy::result_large_err)]
async fn serve_gateway_connection(inner: Arc<Inner>, stream: TcpStream) {
    // Small frames go out at once: with Nagle on, a dispatch queued behind an
    // unacknowledged one waits for the peer's delayed ACK (up to 40 ms).
    let _ = stream.set_nodelay(true);
    let mut uri = String::new();
    let ws = tokio_tungstenite::accept_hdr_async(
        stream,
        |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
         resp: tokio_tungstenite::tungstenite::handshake::server::Response| {
            uri = req.uri().to_string();
            Ok(resp)
        },
    )
    .await;
    let Ok(ws) = ws else {
        return;
    };
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    let conn = {
        let mut st = inner.lock();
        let g = &mut st.gateway;
        g.next_conn += 1;
        g.conns.insert(g.next_conn, tx.clone());
        g.connect_uris.push(uri.clone());
        g.next_conn
    };
    inner.gateway_changed.notify_waiters();

    let version = uri
        .split_once('?')
        .and_then(|(_, q)| q.split('&').find_map(|kv| kv.strip_prefix("v=")))
        .unwrap_or("");
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 45000, "_trace": ["[\"fake-gateway\",{\"micros\":0}]"]}, "s": null, "t": null});
    let _ = tx.send(Outgoing::Text(hello.to_string()));
    if version != "10" {
        let _ = tx.send(Outgoing::Close(4012, "Invalid API version."));
    }

    loop {
        tokio::select! {
            incoming = source.next() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    handle_gateway_frame(&inner, conn, &tx, &text);
                    inner.gateway_changed.notify_waiters();
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    // Only with `encoding=etf`; serenity sends JSON text.
                    let _ = tx.send(Outgoing::Close(4002, "Error while decoding payload."));
                }
                Some(Ok(WsMessage::Close(frame))) => {
                    // A client closing with 1000/1001 ends its session for good.
                    let code = frame.map(|f| u16::from(f.code));
                    if matches!(code, Some(1000 | 1001)) {
                        let mut st = inner.lock();
                        let g = &mut st.gateway;
                        if let Some(s) = g.conn_session.get(&conn).and_then(|sid| g.sessions.get_mut(sid)) {
                            s.invalid = true;
                        }
                    }
                    // Sends tungstenite's queued close reply.
                    let _ = sink.flush().await;
                    break;
                }
                Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            out = rx.recv() => match out {
                Some(Outgoing::Text(text)) => {
                    if sink.send(WsMessage::Text(text)).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Close(code, reason)) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                    let _ = sink.send(WsMessage::Close(Some(frame))).await;
                    let _ = sink.close().await;
                    break;
                }
                None => break,
            },
        }
    }

    {
        let mut st = inner.lock();
        let g = &mut st.gateway;
        g.conns.remove(&conn);
        if let Some(sid) = g.conn_session.remove(&conn) {
            if let Some(s) = g.sessions.get_mut(&sid) {
                if s.conn == Some(conn) {
                    s.conn = None;
                }
            }
        }
    }
    inner.gateway_changed.notify_waiters();
}

fn handle_gateway_frame(
    inner: &Inner,
    conn: u64,
    tx: &mpsc::UnboundedSender<Outgoing>,
    text: &str,
) {
    let close = |code, reason| {
        let _ = tx.send(Outgoing::Close(code, reason));
    };
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        close(4002, "Error while decoding payload.");
        return;
    };
    let mut st = inner.lock();
    let g = &mut st.gateway;
    let identified = g.conn_session.contains_key(&conn);
    let d = &frame["d"];
    match frame["op"].as_u64() {
        Some(1) => {
            g.heartbeats += 1;
            let _ = tx.send(Outgoing::Text(json!({"op": 11}).to_string()));
        }
        Some(2) if identified => close(4005, "Already authenticated."),
        Some(2) => {
            let Some(token) = d["token"].as_str().filter(|t| !t.is_empty()) else {
                close(4004, "Authentication failed.");
                return;
            };
            let Some(intents) = d["intents"].as_u64() else {
                close(4013, "Invalid intent(s).");
                return;
            };
            if intents & PRIVILEGED_INTENTS & !g.privileged_allowed != 0 {
                close(4014, "Disallowed intent(s).");
                return;
            }
            let shard = match d["shard"].as_array().map(|a| a.as_slice()) {
                Some([id, total]) => match (id.as_u64(), total.as_u64()) {
                    (Some(id), Some(total)) if id < total => Some((id, total)),
                    _ => {
                        close(4010, "Invalid shard.");
                        return;
                    }
                },
                None => None,
                Some(_) => {
                    close(4010, "Invalid shard.");
                    return;
                }
            };
            let session_id = random_string(32, b"0123456789abcdef");
            g.sessions.insert(
                session_id.clone(),
                Session {
                    seq: 0,
                    intents,
                    shard: shard.unwrap_or((0, 1)),
                    conn: Some(conn),
                    sent: Vec::new(),
                    invalid: false,
                },
            );
            g.conn_session.insert(conn, session_id.clone());
            let mut ready = json!({
                "v": 10,
                "user_settings": {},
                "user": {
                    "id": BOT_USER_ID.to_string(),
                    "username": BOT_NAME,
                    "discriminator": "0000",
                    "global_name": null,
                    "avatar": null,
                    "bot": true,
                    "verified": true,
                    "mfa_enabled": false,
                    "flags": 0,
                    "email": null,
                },
                "guilds": [],
                "guild_join_requests": [],
                "relationships": [],
                "private_channels": [],
                "presences": [],
                "session_id": session_id,
                "session_type": "normal",
                "resume_gateway_url": inner.gateway_url,
                "application": {"id": APPLICATION_ID.to_string(), "flags": 0},
                "geo_ordered_rtc_regions": ["rotterdam", "frankfurt"],
                "_trace": ["[\"fake-gateway\",{\"micros\":0}]"],
            });
            if let Some((id, total)) = shard {
                ready["shard"] = json!([id, total]);
            }
            let mut payload = d.clone();
            payload["token"] = json!("<redacted>");
            g.identifies.push(Identify {
                intents,
                shard,
                token: token.to_owned(),
                session_id: session_id.clone(),
                payload,
                at: Instant::now(),
            });
            send_dispatch(g, &session_id, "READY", ready);
        }
        Some(6) if identified => close(4005, "Already authenticated."),
        Some(6) => {
            let sid = d["session_id"].as_str().unwrap_or("").to_owned();
            let seq = d["seq"].as_u64().unwrap_or(0);
            match g.sessions.get_mut(&sid) {
                Some(s) if !s.invalid => {
                    if seq > s.seq {
                        close(4007, "Invalid seq.");
                        return;
                    }
                    if let Some(old) = s.conn.replace(conn) {
                        g.conn_session.remove(&old);
                    }
                    for (_, frame) in s.sent.iter().filter(|(n, _)| *n > seq) {
                        let _ = tx.send(Outgoing::Text(frame.clone()));
                    }
                    g.conn_session.insert(conn, sid.clone());
                    g.resumes += 1;
                    send_dispatch(
                        g,
                        &sid,
                        "RESUMED",
                        json!({"_trace": ["[\"fake-gateway\",{}]"]}),
                    );
                }
                _ => {
                    let _ = tx.send(Outgoing::Text(json!({"op": 9, "d": false}).to_string()));
                }
            }
        }
        // Presence, voice state, request guild members, request soundboard sounds.
        Some(3 | 4 | 8 | 31) if identified => {}
        Some(_) if !identified => close(4003, "Not authenticated."),
        _ => close(4001, "Unknown opcode."),
    }
}

/// What a session with `intents` receives of `event`, if anything.
fn filter_for_intents(event: &str, data: &Value, intents: u64) -> Option<Value> {
    let in_guild = data.get("guild_id").is_some_and(|g| !g.is_null());
    let need = |guild_bit: u64, dm_bit: u64| {
        let bit = if in_guild { guild_bit } else { dm_bit };
        intents & bit != 0
    };
    match event {
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" => {
            if !need(INTENT_GUILD_MESSAGES, INTENT_DIRECT_MESSAGES) {
                return None;
            }
            let mut data = data.clone();
            if intents & INTENT_MESSAGE_CONTENT == 0 {
                blank_content(&mut data, in_guild);
            }
            Some(data)
        }
        "MESSAGE_DELETE" | "MESSAGE_DELETE_BULK" => {
            need(INTENT_GUILD_MESSAGES, INTENT_DIRECT_MESSAGES).then(|| data.clone())
        }
        "MESSAGE_REACTION_ADD" | "MESSAGE_REACTION_REMOVE" | "MESSAGE_REACTION_REMOVE_ALL" => {
            need(1 << 10, 1 << 13).then(|| data.clone())
        }
        "TYPING_START" => need(1 << 11, 1 << 14).then(|| data.clone()),
        "GUILD_CREATE" | "GUILD_UPDATE" | "GUILD_DELETE" | "CHANNEL_CREATE" | "CHANNEL_UPDATE"
        | "CHANNEL_DELETE" | "THREAD_CREATE" | "THREAD_UPDATE" | "THREAD_DELETE" => {
            (intents & 1 != 0).then(|| data.clone())
        }
        _ => Some(data.clone()),
    }
}

/// Without MESSAGE_CONTENT, content fields are empty except in DMs, the
/// bot's own messages, and messages that mention the bot.
fn blank_content(msg: &mut Value, in_guild: bool) {
    let by_bot = field_id(&msg["author"], "id") == Some(BOT_USER_ID);
    let mentions_bot = msg["mentions"]
        .as_array()
        .is_some_and(|m| m.iter().any(|u| field_id(u, "id") == Some(BOT_USER_ID)));
    if in_guild && !by_bot && !mentions_bot {
        if msg.get("content").is_some() {
            msg["content"] = json!("");
        }
        for key in ["embeds", "attachments", "components"] {
            if msg.get(key).is_some() {
                msg[key] = json!([]);
            }
        }
        if let Some(map) = msg.as_object_mut() {
            map.remove("poll");
        }
    }
    if let Some(referenced) = msg.get_mut("referenced_message").filter(|r| r.is_object()) {
        blank_content(referenced, in_guild);
    }
}

// ----- What the fake learns from dispatched events --------------------------

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
fn observe(st: &mut StateInner, event: &str, mut data: Value) -> Result<Value, String> {
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
                _ => {}
            }
            learn_user(st, &user);
            learn_channel(st, channel, guild, &user);
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
                    component_message: (kind == 3).then(|| data["message"].clone()),
                    user,
                },
            );
        }
        _ => {}
    }
    Ok(data)
}

fn check_command_interaction(
    st: &StateInner,
    data: &mut Value,
    guild: Option<u64>,
    autocomplete: bool,
) -> Result<(), String> {
    let name = data["data"]["name"].as_str().unwrap_or("").to_owned();
    let kind = data["data"]["type"].as_u64().unwrap_or(1);
    let find = |scope: Option<u64>| {
        st.commands.get(&scope).and_then(|cmds| {
            cmds.iter()
                .map(|(_, out)| out)
                .find(|c| c["name"] == json!(name) && c["type"].as_u64() == Some(kind))
                .cloned()
        })
    };
    let command = match guild {
        Some(g) => find(Some(g)).or_else(|| find(None)),
        None => find(None).filter(|c| {
            c["dm_permission"].as_bool() != Some(false)
                && c["contexts"]
                    .as_array()
                    .is_none_or(|ctx| ctx.iter().any(|v| v.as_u64() == Some(1)))
        }),
    };
    let Some(command) = command else {
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
    };
    let opened = guild.is_some_and(|g| st.opened_commands.contains(&(g, name.clone())));
    if let Some(needed) = command["default_member_permissions"]
        .as_str()
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|_| !opened)
    {
        // Discord hides such a command from members without the permissions
        // (administrators have them all); in DMs it is not limited.
        let has = data["member"]["permissions"]
            .as_str()
            .and_then(|p| p.parse::<u64>().ok());
        if let Some(has) = has {
            if has & PERMISSION_ADMINISTRATOR == 0 && has & needed != needed {
                return Err(format!(
                    "/{name} needs permissions {needed}; the member has {has}, so Discord does not offer it"
                ));
            }
        }
    }
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

/// Discord sends the channels picked in options under `data.resolved.channels`
/// with the invoking member's permissions there.
fn resolve_channels(st: &StateInner, data: &mut Value) {
    fn picked(options: &[Value], out: &mut Vec<u64>) {
        for o in options {
            match o["type"].as_u64() {
                Some(1 | 2) => picked(o["options"].as_array().map_or(&[][..], Vec::as_slice), out),
                Some(7) => out.extend(id_str(&o["value"])),
                _ => {}
            }
        }
    }
    let mut ids = Vec::new();
    picked(
        data["data"]["options"]
            .as_array()
            .map_or(&[][..], Vec::as_slice),
        &mut ids,
    );
    if ids.is_empty() {
        return;
    }
    let permissions = data["member"]["permissions"].clone();
    let mut channels = Map::new();
    for id in ids {
        let mut channel = channel_json(st, id);
        if channel.is_null() {
            channel = json!({"id": id.to_string(), "type": 0, "name": format!("channel-{}", id % 10_000)});
        }
        let mut partial = json!({
            "id": channel["id"].clone(),
            "name": channel["name"].clone(),
            "type": channel["type"].clone(),
            "permissions": permissions.clone(),
            "parent_id": channel["parent_id"].clone(),
        });
        if let Some(g) = channel.get("guild_id") {
            partial["guild_id"] = g.clone();
        }
        channels.insert(id.to_string(), partial);
    }
    data["data"]["resolved"] = json!({ "channels": channels });
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
        Some(_) => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Interaction and message payload builders
// ---------------------------------------------------------------------------

fn member_json(user: Value) -> Value {
    json!({
        "user": user,
        "roles": [],
        "premium_since": null,
        "permissions": "2248473465835073",
        "pending": false,
        "nick": null,
        "mute": false,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "flags": 0,
        "deaf": false,
        "communication_disabled_until": null,
        "avatar": null,
        "banner": null,
        "unusual_dm_activity_until": null,
    })
}

/// The fields every interaction has; `guild` is (guild id, channel id).
fn interaction_base(
    kind: u64,
    user_id: u64,
    guild: Option<(u64, u64)>,
    dm_channel_id: u64,
) -> Interaction {
    let id = snowflake();
    let token = interaction_token();
    let user = user_json(user_id, &default_username(user_id), false);
    let mut payload = json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": kind,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "app_permissions": APP_PERMISSIONS.to_string(),
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    });
    match guild {
        Some((guild_id, channel_id)) => {
            payload["guild_id"] = json!(guild_id.to_string());
            payload["guild"] =
                json!({"id": guild_id.to_string(), "locale": "en-US", "features": []});
            payload["guild_locale"] = json!("en-US");
            payload["member"] = member_json(user);
            payload["channel_id"] = json!(channel_id.to_string());
            payload["channel"] = json!({
                "id": channel_id.to_string(),
                "type": 0,
                "guild_id": guild_id.to_string(),
                "name": format!("channel-{}", channel_id % 10_000),
                "position": 0,
                "parent_id": null,
                "nsfw": false,
                "topic": null,
                "last_message_id": null,
                "rate_limit_per_user": 0,
                "flags": 0,
                "permissions": APP_PERMISSIONS.to_string(),
            });
            payload["context"] = json!(0);
            payload["authorizing_integration_owners"] = json!({"0": guild_id.to_string()});
        }
        None => {
            payload["user"] = user.clone();
            payload["channel_id"] = json!(dm_channel_id.to_string());
            payload["channel"] = json!({
                "id": dm_channel_id.to_string(),
                "type": 1,
                "last_message_id": null,
                "flags": 0,
                "recipients": [user],
            });
            payload["context"] = json!(1);
            // Guild-installed app used in its bot DM: the guild id is "0".
            payload["authorizing_integration_owners"] = json!({"0": "0"});
        }
    }
    Interaction { id, token, payload }
}

fn command_data(name: &str, options: Value) -> Value {
    let mut data = json!({"id": snowflake().to_string(), "name": name, "type": 1});
    if options.as_array().is_some_and(|o| !o.is_empty()) {
        data["options"] = options;
    }
    data
}

/// A slash command (`type: 2`). `guild` is (guild id, channel id); without
/// it the command comes from the DM channel `dm_channel_id`. `options` is
/// Discord's array, e.g. `[{"name": "set", "type": 1, "options":
/// [{"name": "time", "type": 3, "value": "07:30"}]}]` (`json!([])` for none).
pub fn slash_command(
    user_id: u64,
    guild: Option<(u64, u64)>,
    dm_channel_id: u64,
    name: &str,
    options: Value,
) -> Interaction {
    let mut ix = interaction_base(2, user_id, guild, dm_channel_id);
    ix.payload["data"] = command_data(name, options);
    ix
}

/// `ix` from a member with these permissions (the default member has
/// neither Administrator nor Manage Server).
pub fn with_member_permissions(mut ix: Interaction, permissions: u64) -> Interaction {
    if ix.payload["member"].is_object() {
        ix.payload["member"]["permissions"] = json!(permissions.to_string());
    }
    ix
}

/// An autocomplete request (`type: 4`); mark the option being typed with
/// `"focused": true` (its `value` is the partial text).
pub fn autocomplete(
    user_id: u64,
    guild: Option<(u64, u64)>,
    dm_channel_id: u64,
    name: &str,
    options: Value,
) -> Interaction {
    let mut ix = interaction_base(4, user_id, guild, dm_channel_id);
    ix.payload["data"] = command_data(name, options);
    ix
}

/// A button press (`type: 3`) on `message` (a message object, normally one
/// from [`FakeDiscord::messages`]) in `channel_id`, in `guild` or a DM.
pub fn button_press(
    user_id: u64,
    guild: Option<u64>,
    channel_id: u64,
    message: Value,
    custom_id: &str,
) -> Interaction {
    let mut ix = interaction_base(3, user_id, guild.map(|g| (g, channel_id)), channel_id);
    ix.payload["data"] = json!({"custom_id": custom_id, "component_type": 2});
    ix.payload["message"] = message;
    ix
}

/// A MESSAGE_CREATE payload. A DM has no `guild_id` key at all; a guild
/// message has `guild_id` and `member`. With `referenced_message` it is a
/// reply (type 19, `message_reference`) that pings the replied-to author
/// (Discord's client default: the author is in `mentions`); remove them from
/// `mentions` for a reply with the ping switched off.
pub fn message_create(
    channel_id: u64,
    guild_id: Option<u64>,
    author_id: u64,
    author_is_bot: bool,
    content: &str,
    referenced_message: Option<Value>,
) -> Value {
    let id = snowflake();
    let author = if author_id == BOT_USER_ID {
        bot_user_json()
    } else {
        user_json(author_id, &default_username(author_id), author_is_bot)
    };
    let mut msg = message_json(id, channel_id, author, content);
    msg["nonce"] = json!(snowflake().to_string());
    if let Some(referenced) = referenced_message {
        msg["type"] = json!(19);
        let mut reference = json!({
            "type": 0,
            "channel_id": referenced["channel_id"].clone(),
            "message_id": referenced["id"].clone(),
        });
        if let Some(g) = guild_id {
            reference["guild_id"] = json!(g.to_string());
        }
        msg["message_reference"] = reference;
        msg["mentions"] = json!([referenced["author"].clone()]);
        msg["referenced_message"] = referenced;
    }
    if let Some(g) = guild_id {
        msg["guild_id"] = json!(g.to_string());
        let mut member = member_json(Value::Null);
        if let Some(map) = member.as_object_mut() {
            map.remove("user");
            map.remove("permissions");
        }
        msg["member"] = member;
    }
    msg
}
