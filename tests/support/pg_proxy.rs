//! A TCP proxy in front of PostgreSQL that counts round trips on the wire.
//!
//! Bytes go through unchanged both ways. The client → server stream is parsed
//! as the PostgreSQL v3 protocol: first the untyped packets (SSLRequest,
//! GSSENCRequest, CancelRequest, the startup message), then typed messages
//! (1-byte type, 4-byte big-endian length that counts itself). Each `Sync`
//! (`S`) and each simple `Query` (`Q`) is one round trip: the client waits for
//! the server's `ReadyForQuery` before it goes on.
//!
//! The proxy answers an SSLRequest or GSSENCRequest itself with `N` (no
//! encryption) instead of forwarding it, so the stream stays readable; the
//! client then goes on in plain text, as with a server without TLS. A client
//! that insists on TLS (`sslmode=require`) cannot connect through it.
//!
//! Every round trip is recorded with a label (`execute: SELECT ...`,
//! `prepare: ...`, `query: BEGIN`, `ping`) built from the statements the
//! connection prepared; [`PgProxy::breakdown`] groups them. Set
//! `PG_PROXY_TRACE=1` to print each one as it happens.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;
const CANCEL_REQUEST: u32 = 80_877_102;
/// Longer untyped packets are not PostgreSQL: the stream is left alone.
const MAX_STARTUP_LEN: usize = 10_000;
/// Body bytes kept of a `Parse`, `Bind`, `Close` or `Query` (enough for names
/// and the start of the SQL); the rest of a long message is only forwarded.
const KEEP: usize = 4096;
/// Characters of SQL in a label: its start, and its WHERE clause.
const LABEL_HEAD: usize = 60;
const LABEL_WHERE: usize = 60;

/// What the parser saw in the client's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// SSLRequest or GSSENCRequest: not forwarded; answer it with `N`.
    EncryptionRequest,
    /// The startup message: forwarded; typed messages follow.
    Startup,
    /// A CancelRequest: forwarded; nothing follows.
    Cancel,
    /// A `Sync` or a simple `Query`, labelled. `cache_fill` when all it did
    /// was prepare named statements: sqlx doing so the first time a
    /// connection runs a statement, to keep it in that connection's cache.
    RoundTrip {
        what: String,
        cache_fill: bool,
    },
    Terminate,
    /// The bytes are not the protocol; the rest is forwarded uncounted.
    Desync(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Startup,
    Typed,
    /// Forward without parsing (after a CancelRequest or a desync).
    Opaque,
}

/// What the messages since the last `Sync` asked for.
#[derive(Debug, Clone)]
enum Pending {
    Parse { named: bool, sql: String },
    Bind(String),
    Close(String),
}

/// Incremental parser of the client → server stream; bytes may arrive split
/// or merged in any way.
pub struct ClientParser {
    phase: Phase,
    /// The untyped packet being read (startup phase).
    packet: Vec<u8>,
    header: [u8; 5],
    header_len: usize,
    body_left: usize,
    body: Vec<u8>,
    /// Prepared statement name → label of its SQL ("" is the unnamed one).
    statements: HashMap<String, String>,
    pending: Vec<Pending>,
}

impl Default for ClientParser {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientParser {
    pub fn new() -> Self {
        ClientParser {
            phase: Phase::Startup,
            packet: Vec::new(),
            header: [0; 5],
            header_len: 0,
            body_left: 0,
            body: Vec::new(),
            statements: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// Still reading untyped packets (the server has not been asked to start).
    pub fn in_startup(&self) -> bool {
        self.phase == Phase::Startup
    }

    /// Parses `input`, appends the bytes to send on to `forward` (all of
    /// them except encryption requests) and what it saw to `events`.
    pub fn feed(&mut self, mut input: &[u8], forward: &mut Vec<u8>, events: &mut Vec<Event>) {
        while !input.is_empty() {
            match self.phase {
                Phase::Opaque => {
                    forward.extend_from_slice(input);
                    return;
                }
                Phase::Startup => {
                    let want = if self.packet.len() < 4 {
                        4
                    } else {
                        be_u32(&self.packet[..4]) as usize
                    };
                    let take = (want - self.packet.len()).min(input.len());
                    self.packet.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if self.packet.len() < 4 {
                        continue;
                    }
                    let len = be_u32(&self.packet[..4]) as usize;
                    if !(8..=MAX_STARTUP_LEN).contains(&len) {
                        forward.append(&mut self.packet);
                        events.push(Event::Desync(format!("untyped packet of length {len}")));
                        self.phase = Phase::Opaque;
                        continue;
                    }
                    if self.packet.len() < len {
                        continue;
                    }
                    match be_u32(&self.packet[4..8]) {
                        SSL_REQUEST | GSSENC_REQUEST => {
                            self.packet.clear();
                            events.push(Event::EncryptionRequest);
                        }
                        CANCEL_REQUEST => {
                            forward.append(&mut self.packet);
                            events.push(Event::Cancel);
                            self.phase = Phase::Opaque;
                        }
                        _ => {
                            forward.append(&mut self.packet);
                            events.push(Event::Startup);
                            self.phase = Phase::Typed;
                        }
                    }
                }
                Phase::Typed => {
                    if self.header_len < 5 {
                        let take = (5 - self.header_len).min(input.len());
                        self.header[self.header_len..self.header_len + take]
                            .copy_from_slice(&input[..take]);
                        self.header_len += take;
                        forward.extend_from_slice(&input[..take]);
                        input = &input[take..];
                        if self.header_len < 5 {
                            continue;
                        }
                        let len = be_u32(&self.header[1..5]) as usize;
                        if len < 4 {
                            events.push(Event::Desync(format!(
                                "message {:?} of length {len}",
                                self.header[0] as char
                            )));
                            self.phase = Phase::Opaque;
                            continue;
                        }
                        self.body_left = len - 4;
                        self.body.clear();
                    } else {
                        let take = self.body_left.min(input.len());
                        let keep = take.min(KEEP.saturating_sub(self.body.len()));
                        self.body.extend_from_slice(&input[..keep]);
                        forward.extend_from_slice(&input[..take]);
                        self.body_left -= take;
                        input = &input[take..];
                    }
                    if self.body_left == 0 {
                        self.header_len = 0;
                        let body = std::mem::take(&mut self.body);
                        self.message(self.header[0], &body, events);
                        self.body = body;
                    }
                }
            }
        }
    }

    fn message(&mut self, kind: u8, body: &[u8], events: &mut Vec<Event>) {
        match kind {
            b'Q' => events.push(Event::RoundTrip {
                what: format!("query: {}", sql_label(cstr(body, 0).0)),
                cache_fill: false,
            }),
            b'P' => {
                let (name, next) = cstr(body, 0);
                let sql = sql_label(cstr(body, next).0);
                self.statements.insert(name.to_owned(), sql.clone());
                self.pending.push(Pending::Parse {
                    named: !name.is_empty(),
                    sql,
                });
            }
            b'B' => {
                let (_portal, next) = cstr(body, 0);
                let statement = cstr(body, next).0;
                let sql = self
                    .statements
                    .get(statement)
                    .cloned()
                    .unwrap_or_else(|| format!("<statement {statement:?}>"));
                self.pending.push(Pending::Bind(sql));
            }
            b'C' if body.first() == Some(&b'S') => {
                let name = cstr(body, 1).0;
                let sql = self
                    .statements
                    .remove(name)
                    .unwrap_or_else(|| format!("<statement {name:?}>"));
                self.pending.push(Pending::Close(sql));
            }
            b'S' => {
                let what = round_trip_label(&self.pending);
                let cache_fill = !self.pending.is_empty()
                    && self
                        .pending
                        .iter()
                        .all(|p| matches!(p, Pending::Parse { named: true, .. }));
                self.pending.clear();
                events.push(Event::RoundTrip { what, cache_fill });
            }
            b'X' => events.push(Event::Terminate),
            // Describe, Execute, Flush, Close portal, copy data, passwords...
            _ => {}
        }
    }
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The NUL-terminated string at `at` (lossy, maybe cut at `KEEP`) and the
/// offset after it.
fn cstr(body: &[u8], at: usize) -> (&str, usize) {
    let rest = body.get(at..).unwrap_or(&[]);
    let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
    let text = std::str::from_utf8(&rest[..end])
        .unwrap_or_else(|e| std::str::from_utf8(&rest[..e.valid_up_to()]).expect("valid prefix"));
    (text, at + end + 1)
}

/// The SQL on one line, whitespace collapsed: its start and, when that is
/// cut, the start of its first WHERE clause, so that statements that begin
/// alike can be told apart.
fn sql_label(sql: &str) -> String {
    let line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut = |s: &str, n: usize| match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    };
    let head = cut(&line, LABEL_HEAD);
    if head.len() == line.len() {
        return head;
    }
    match line.find(" WHERE ") {
        Some(at) if line[..at].chars().count() >= LABEL_HEAD => {
            format!("{head} {}", cut(&line[at + 1..], LABEL_WHERE))
        }
        _ => cut(&line, LABEL_HEAD + LABEL_WHERE),
    }
}

fn round_trip_label(pending: &[Pending]) -> String {
    let binds: Vec<&str> = pending
        .iter()
        .filter_map(|p| match p {
            Pending::Bind(sql) => Some(sql.as_str()),
            _ => None,
        })
        .collect();
    let parses: Vec<&str> = pending
        .iter()
        .filter_map(|p| match p {
            Pending::Parse { sql, .. } => Some(sql.as_str()),
            _ => None,
        })
        .collect();
    let closes = pending
        .iter()
        .filter(|p| matches!(p, Pending::Close(_)))
        .count();
    match (binds.is_empty(), parses.is_empty()) {
        (false, true) => format!("execute: {}", binds.join(" ; ")),
        (false, false) => format!("prepare+execute: {}", binds.join(" ; ")),
        (true, false) => format!("prepare: {}", parses.join(" ; ")),
        (true, true) if closes > 0 => format!("close {closes} statement(s)"),
        (true, true) => "ping (Sync alone)".to_owned(),
    }
}

/// One round trip the proxy saw.
#[derive(Debug, Clone)]
pub struct RoundTrip {
    /// Which client connection, numbered from 1 in accept order.
    pub connection: u64,
    pub what: String,
    /// Only prepared named statements (see [`Event::RoundTrip`]).
    pub cache_fill: bool,
    pub at: Instant,
}

#[derive(Default)]
struct Shared {
    total: AtomicU64,
    base: AtomicU64,
    log: Mutex<Vec<RoundTrip>>,
    desyncs: Mutex<Vec<String>>,
    connections: AtomicU64,
    tasks: Mutex<Vec<AbortHandle>>,
    trace: bool,
}

impl Shared {
    fn record(&self, connection: u64, event: Event) {
        match event {
            Event::RoundTrip { what, cache_fill } => {
                if self.trace {
                    eprintln!("pg_proxy #{connection}: {what}");
                }
                let mut log = self.log.lock().unwrap();
                // Counted under the log's lock, so count and log agree.
                self.total.fetch_add(1, Ordering::SeqCst);
                log.push(RoundTrip {
                    connection,
                    what,
                    cache_fill,
                    at: Instant::now(),
                });
            }
            Event::Desync(why) => {
                eprintln!("pg_proxy #{connection}: cannot parse the stream: {why}");
                self.desyncs.lock().unwrap().push(why);
            }
            _ => {}
        }
    }

    fn track(&self, task: AbortHandle) {
        let mut tasks = self.tasks.lock().unwrap();
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }
}

/// The running proxy; dropping it closes every proxied connection.
pub struct PgProxy {
    addr: SocketAddr,
    upstream: PgConnectOptions,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.accept.abort();
        for task in self.shared.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

impl PgProxy {
    /// Listens on 127.0.0.1 (a free port) in front of the server `upstream`
    /// points at (over TCP).
    pub async fn start(upstream: &PgConnectOptions) -> PgProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the PostgreSQL proxy");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            trace: std::env::var_os("PG_PROXY_TRACE").is_some_and(|v| v != "0"),
            ..Shared::default()
        });
        let target = (upstream.get_host().to_owned(), upstream.get_port());
        let accept_shared = shared.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    // Out of file descriptors, say: try again shortly.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let id = accept_shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
                let task = tokio::spawn(serve(accept_shared.clone(), id, client, target.clone()));
                accept_shared.track(task.abort_handle());
            }
        });
        PgProxy {
            addr,
            upstream: upstream.clone(),
            shared,
            accept,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The upstream options (user, password, ...) with the proxy as host and
    /// `database`.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        self.upstream
            .clone()
            .host("127.0.0.1")
            .port(self.addr.port())
            .database(database)
    }

    /// Round trips since the start or the last [`reset`](Self::reset).
    pub fn count(&self) -> u64 {
        let _log = self.shared.log.lock().unwrap();
        self.shared.total.load(Ordering::SeqCst) - self.shared.base.load(Ordering::SeqCst)
    }

    /// Of [`count`](Self::count), the round trips that only filled a
    /// connection's statement cache: one-offs per connection and statement,
    /// which a warm connection does not make.
    pub fn cache_fills(&self) -> u64 {
        let log = self.shared.log.lock().unwrap();
        log.iter().filter(|r| r.cache_fill).count() as u64
    }

    /// Starts counting (and recording) from zero.
    pub fn reset(&self) {
        let mut log = self.shared.log.lock().unwrap();
        log.clear();
        self.shared
            .base
            .store(self.shared.total.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    /// The round trips since the start or the last reset, in order.
    pub fn round_trips(&self) -> Vec<RoundTrip> {
        self.shared.log.lock().unwrap().clone()
    }

    /// The round trips since the start or the last reset, one line each,
    /// with the connection they went over.
    pub fn describe(&self) -> String {
        self.round_trips()
            .iter()
            .map(|r| {
                let fill = if r.cache_fill { " (cache fill)" } else { "" };
                format!("  #{:<3} {}{fill}\n", r.connection, r.what)
            })
            .collect()
    }

    /// The round trips since the start or the last reset, grouped by what
    /// they were (first seen first): `  2 × execute: SELECT ...`.
    pub fn breakdown(&self) -> String {
        let mut groups: Vec<(String, usize)> = Vec::new();
        for r in self.round_trips() {
            match groups.iter_mut().find(|(what, _)| *what == r.what) {
                Some((_, n)) => *n += 1,
                None => groups.push((r.what, 1)),
            }
        }
        groups
            .iter()
            .map(|(what, n)| format!("  {n} × {what}\n"))
            .collect()
    }

    /// How many connections the proxy accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Streams the parser gave up on (none, for a client that speaks the protocol).
    pub fn desyncs(&self) -> Vec<String> {
        self.shared.desyncs.lock().unwrap().clone()
    }

    /// Waits until no round trip has started for `quiet`; panics after `timeout`.
    pub async fn settle(&self, quiet: Duration, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut last = self.shared.total.load(Ordering::SeqCst);
        let mut since = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let now = self.shared.total.load(Ordering::SeqCst);
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PostgreSQL traffic did not stop for {quiet:?} within {timeout:?}:\n{}",
                self.describe()
            );
        }
    }
}

async fn serve(shared: Arc<Shared>, id: u64, client: TcpStream, target: (String, u16)) {
    let Ok(server) = TcpStream::connect((target.0.as_str(), target.1)).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let mut parser = ClientParser::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut forward = Vec::with_capacity(buf.len());
    let mut events = Vec::new();

    // Until the startup message went through, the server says nothing, so
    // the proxy can answer encryption requests on the client's socket itself.
    while parser.in_startup() {
        let Ok(n) = client_read.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        parser.feed(&buf[..n], &mut forward, &mut events);
        for event in events.drain(..) {
            if event == Event::EncryptionRequest && client_write.write_all(b"N").await.is_err() {
                return;
            }
            shared.record(id, event);
        }
        if server_write.write_all(&forward).await.is_err() {
            return;
        }
        forward.clear();
    }

    let to_client = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    });
    shared.track(to_client.abort_handle());
    loop {
        let n = match client_read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        parser.feed(&buf[..n], &mut forward, &mut events);
        // Counted before the server can answer, so a count read after the
        // answer includes it.
        for event in events.drain(..) {
            shared.record(id, event);
        }
        if server_write.write_all(&forward).await.is_err() {
            break;
        }
        forward.clear();
    }
    let _ = server_write.shutdown().await;
    let _ = to_client.await;
}
