//! The round-trip counting proxy of tests/support/pg_proxy.rs: its parser on
//! split and merged frames, and the proxy itself in front of the real server.

use std::time::Duration;

use proptest::prelude::*;
use sqlx::{Connection, Executor, PgPool};

use crate::support::db;
use crate::support::pg_proxy::{ClientParser, Event, PgProxy};

fn typed(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn untyped(code: u32, body: &[u8]) -> Vec<u8> {
    let mut m = (body.len() as u32 + 8).to_be_bytes().to_vec();
    m.extend_from_slice(&code.to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn ssl_request() -> Vec<u8> {
    untyped(80_877_103, &[])
}

fn startup() -> Vec<u8> {
    untyped(196_608, b"user\0postgres\0database\0db\0\0")
}

fn parse(name: &str, sql: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(name.as_bytes());
    body.push(0);
    body.extend_from_slice(sql.as_bytes());
    body.push(0);
    body.extend_from_slice(&0u16.to_be_bytes());
    typed(b'P', &body)
}

fn bind(statement: &str) -> Vec<u8> {
    let mut body = vec![0]; // the unnamed portal
    body.extend_from_slice(statement.as_bytes());
    body.push(0);
    body.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 7, 0, 1, 0, 1]);
    typed(b'B', &body)
}

fn describe(statement: &str) -> Vec<u8> {
    let mut body = vec![b'S'];
    body.extend_from_slice(statement.as_bytes());
    body.push(0);
    typed(b'D', &body)
}

fn execute() -> Vec<u8> {
    typed(b'E', &[0, 0, 0, 0, 0])
}

fn close_portal() -> Vec<u8> {
    typed(b'C', &[b'P', 0])
}

fn close_statement(name: &str) -> Vec<u8> {
    let mut body = vec![b'S'];
    body.extend_from_slice(name.as_bytes());
    body.push(0);
    typed(b'C', &body)
}

fn sync() -> Vec<u8> {
    typed(b'S', &[])
}

fn query(sql: &str) -> Vec<u8> {
    let mut body = sql.as_bytes().to_vec();
    body.push(0);
    typed(b'Q', &body)
}

/// A session as sqlx writes it: TLS asked for and refused, startup,
/// a password message, a prepare, two executions, a transaction, a ping.
fn session() -> (Vec<u8>, Vec<u8>, Vec<Event>) {
    let parts: Vec<Vec<u8>> = vec![
        ssl_request(),
        startup(),
        typed(b'p', b"secret\0"),
        parse("sqlx_s_1", "SELECT id\n   FROM users WHERE id = $1"),
        describe("sqlx_s_1"),
        sync(),
        bind("sqlx_s_1"),
        execute(),
        close_portal(),
        sync(),
        query("BEGIN"),
        bind("sqlx_s_1"),
        execute(),
        close_portal(),
        sync(),
        query("COMMIT"),
        sync(),
        close_statement("sqlx_s_1"),
        sync(),
        typed(b'X', &[]),
    ];
    let stream: Vec<u8> = parts.concat();
    let forwarded: Vec<u8> = parts[1..].concat();
    let rt = |s: &str| Event::RoundTrip {
        what: s.to_owned(),
        cache_fill: s.starts_with("prepare:"),
    };
    let events = vec![
        Event::EncryptionRequest,
        Event::Startup,
        rt("prepare: SELECT id FROM users WHERE id = $1"),
        rt("execute: SELECT id FROM users WHERE id = $1"),
        rt("query: BEGIN"),
        rt("execute: SELECT id FROM users WHERE id = $1"),
        rt("query: COMMIT"),
        rt("ping (Sync alone)"),
        rt("close 1 statement(s)"),
        Event::Terminate,
    ];
    (stream, forwarded, events)
}

/// Feeds `stream` cut at `cuts` (sorted, deduplicated offsets).
fn feed_in_pieces(stream: &[u8], cuts: &[usize]) -> (Vec<u8>, Vec<Event>) {
    let mut parser = ClientParser::new();
    let (mut forward, mut events) = (Vec::new(), Vec::new());
    let mut from = 0;
    for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
        parser.feed(&stream[from..cut], &mut forward, &mut events);
        from = cut;
    }
    (forward, events)
}

#[test]
fn a_whole_session_in_one_read() {
    let (stream, forwarded, expected) = session();
    let (forward, events) = feed_in_pieces(&stream, &[]);
    assert_eq!(events, expected);
    assert_eq!(forward, forwarded, "all but the SSLRequest, unchanged");
}

#[test]
fn a_session_one_byte_at_a_time() {
    let (stream, forwarded, expected) = session();
    let cuts: Vec<usize> = (1..stream.len()).collect();
    let (forward, events) = feed_in_pieces(&stream, &cuts);
    assert_eq!(events, expected);
    assert_eq!(forward, forwarded);
}

#[test]
fn a_session_cut_once_anywhere() {
    let (stream, forwarded, expected) = session();
    for cut in 0..=stream.len() {
        let (forward, events) = feed_in_pieces(&stream, &[cut]);
        assert_eq!(events, expected, "cut at {cut}");
        assert_eq!(forward, forwarded, "cut at {cut}");
    }
}

proptest! {
    #[test]
    fn a_session_cut_anywhere_many_times(mut cuts in prop::collection::vec(0usize..1000, 0..40)) {
        let (stream, forwarded, expected) = session();
        cuts.iter_mut().for_each(|c| *c %= stream.len() + 1);
        cuts.sort_unstable();
        cuts.dedup();
        let (forward, events) = feed_in_pieces(&stream, &cuts);
        prop_assert_eq!(events, expected);
        prop_assert_eq!(forward, forwarded);
    }
}

#[test]
fn a_long_statement_is_forwarded_whole_and_labelled_short() {
    let sql = format!("SELECT '{}'", "x".repeat(200_000));
    let stream = [startup(), parse("", &sql), bind(""), execute(), sync()].concat();
    let (forward, events) = feed_in_pieces(&stream, &[10, 70_000, 150_000]);
    assert_eq!(forward, stream);
    let Event::RoundTrip {
        what: label,
        cache_fill: false,
    } = &events[1]
    else {
        panic!("an unnamed statement is prepared each time: {events:?}")
    };
    assert!(label.starts_with("prepare+execute: SELECT 'xxx"), "{label}");
    assert!(label.chars().count() <= 140, "{label}");
    assert_eq!(events.len(), 2);
}

#[test]
fn gss_and_cancel_requests() {
    let gss = untyped(80_877_104, &[]);
    let cancel = untyped(80_877_102, &[0, 0, 0, 9, 1, 2, 3, 4]);
    let (forward, events) = feed_in_pieces(&[gss, startup(), sync()].concat(), &[3]);
    assert_eq!(
        events,
        [
            Event::EncryptionRequest,
            Event::Startup,
            Event::RoundTrip {
                what: "ping (Sync alone)".into(),
                cache_fill: false
            }
        ]
    );
    assert_eq!(forward, [startup(), sync()].concat());
    let (forward, events) = feed_in_pieces(&cancel, &[5]);
    assert_eq!(events, [Event::Cancel]);
    assert_eq!(forward, cancel);
}

#[test]
fn garbage_is_forwarded_unchanged_and_not_counted() {
    let stream = [startup(), vec![b'S', 0, 0, 0, 2], sync(), sync()].concat();
    let (forward, events) = feed_in_pieces(&stream, &[]);
    assert_eq!(forward, stream);
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(events[1], Event::Desync(_)), "{events:?}");
}

#[sqlx::test]
async fn the_proxy_counts_what_sqlx_sends(pool: PgPool) {
    let database = db::current_database(&pool).await;
    let proxy = PgProxy::start(&pool.connect_options()).await;
    let mut conn = sqlx::PgConnection::connect_with(&proxy.connect_options(&database))
        .await
        .unwrap();
    assert_eq!(
        proxy.count(),
        0,
        "connecting is not counted:\n{}",
        proxy.describe()
    );
    let statement = "SELECT $1::int8 + 1";
    for (i, expected) in [(1i64, 2u64), (2, 3), (3, 4)] {
        let n: i64 = sqlx::query_scalar(statement)
            .bind(i)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, i + 1);
        // Prepared once (one round trip), then one round trip each.
        assert_eq!(proxy.count(), expected, "{}", proxy.describe());
    }
    conn.execute("SELECT 1").await.unwrap();
    conn.ping().await.unwrap();
    let lines: Vec<String> = proxy.round_trips().into_iter().map(|r| r.what).collect();
    assert_eq!(
        lines,
        [
            "prepare: SELECT $1::int8 + 1",
            "execute: SELECT $1::int8 + 1",
            "execute: SELECT $1::int8 + 1",
            "execute: SELECT $1::int8 + 1",
            "query: SELECT 1",
            "ping (Sync alone)",
        ]
    );
    assert_eq!(proxy.count(), 6);
    assert_eq!(proxy.cache_fills(), 1);
    proxy.reset();
    assert_eq!(proxy.count(), 0);
    conn.close().await.unwrap();
    assert!(proxy.desyncs().is_empty(), "{:?}", proxy.desyncs());
}

#[sqlx::test]
async fn many_connections_at_once_get_their_own_answers(pool: PgPool) {
    let database = db::current_database(&pool).await;
    let proxy = PgProxy::start(&pool.connect_options()).await;
    let proxied = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .test_before_acquire(false)
        .connect_with(proxy.connect_options(&database))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..64i64)
        .map(|task| {
            let pool = proxied.clone();
            tokio::spawn(async move {
                for i in 0..20i64 {
                    // Some answers are far bigger than a socket read.
                    let text = format!(
                        "{task}:{i}:{}",
                        "y".repeat((task * i % 7) as usize * 30_000)
                    );
                    let (n, back): (i64, String) =
                        sqlx::query_as("SELECT $1::int8 * 1000 + $2::int8, $3::text")
                            .bind(task)
                            .bind(i)
                            .bind(&text)
                            .fetch_one(&pool)
                            .await
                            .unwrap();
                    assert_eq!((n, back), (task * 1000 + i, text));
                }
            })
        })
        .collect();
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("the queries finish")
            .unwrap();
    }
    assert!(proxy.connections() >= 2, "{}", proxy.connections());
    // 1,280 executions, each followed by the ping sqlx's pool sends when a
    // connection goes back to it, and one prepare per connection.
    let count = proxy.count();
    assert!(
        (2560..=2560 + proxy.connections()).contains(&count),
        "{count} round trips over {} connections",
        proxy.connections()
    );
    assert!(proxy.desyncs().is_empty(), "{:?}", proxy.desyncs());
    proxied.close().await;
}
