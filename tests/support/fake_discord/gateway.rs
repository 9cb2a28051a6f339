//! The gateway: a WebSocket server speaking Discord's gateway protocol v10
//! (HELLO, IDENTIFY, heartbeats, RESUME, close codes) and the dispatches a
//! test sends through it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::events::observe;
use super::{
    field_id, random_string, wait_until, FakeDiscord, Identify, Inner, Interaction, APPLICATION_ID,
    BOT_NAME, BOT_USER_ID, INTENT_DIRECT_MESSAGES, INTENT_GUILD_MESSAGES, INTENT_MESSAGE_CONTENT,
    PRIVILEGED_INTENTS,
};

/// A frame for a connection's writer.
pub(super) enum Outgoing {
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
pub(super) struct GatewayState {
    next_conn: u64,
    pub(super) conns: HashMap<u64, mpsc::UnboundedSender<Outgoing>>,
    conn_session: HashMap<u64, String>,
    sessions: HashMap<String, Session>,
    pub(super) identifies: Vec<Identify>,
    resumes: usize,
    heartbeats: usize,
    connect_uris: Vec<String>,
    privileged_allowed: u64,
    /// What `GET /gateway/bot` recommends; 1 until a test sets it.
    pub(super) recommended_shards: u64,
    /// The gateway is out: connections are dropped before the handshake.
    down: bool,
}

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
    /// Makes `GET /gateway/bot` recommend `shards` shards, as Discord does
    /// for a bot in many servers.
    pub fn recommend_shards(&self, shards: u64) {
        self.inner.lock().gateway.recommended_shards = shards;
    }

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

    /// Takes the gateway down: every connection closes and none is taken
    /// until [`Self::gateway_up`], as in a Discord gateway outage.
    pub fn gateway_down(&self) {
        self.inner.lock().gateway.down = true;
        self.send_all(|| Outgoing::Close(4000, "Unknown error."));
    }

    pub fn gateway_up(&self) {
        self.inner.lock().gateway.down = false;
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
pub(super) async fn serve_connection(inner: Arc<Inner>, stream: TcpStream) {
    if inner.lock().gateway.down {
        return;
    }
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
