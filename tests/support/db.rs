//! The PostgreSQL server the tests use (DATABASE_URL, see
//! .cargo/config.toml) as the binary sees it, and quick reads of a test's
//! database.

use std::time::Duration;

use chrono::Utc;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, PgExecutor, PgPool};

/// The server, from DATABASE_URL (which names no database).
pub fn server() -> PgConnectOptions {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names the test server");
    url.parse().expect("DATABASE_URL parses")
}

/// The URL of `database` on the server, for the binary's DATABASE_URL.
pub fn url_for(database: &str) -> String {
    let s = server();
    format!(
        "postgres://{}@{}:{}/{}",
        s.get_username(),
        s.get_host(),
        s.get_port(),
        database
    )
}

/// A connection to `database` on the server.
pub async fn connect(database: &str) -> PgConnection {
    server()
        .database(database)
        .connect()
        .await
        .expect("the test server answers")
}

/// The name of the database `pool` is on (each `#[sqlx::test]` has its own).
pub async fn current_database(pool: &PgPool) -> String {
    sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A database name no other test uses, for the binary to create itself.
pub fn fresh_database(tag: &str) -> String {
    format!(
        "footcoach_{tag}_{}_{}",
        std::process::id(),
        Utc::now().timestamp_micros()
    )
}

pub async fn drop_database(name: &str) {
    let mut conn = connect("postgres").await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
}

/// `SELECT count(*) FROM {from}`: a table, or a table and its WHERE clause;
/// on a pool or a connection.
pub async fn count<'c>(db: impl PgExecutor<'c>, from: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {from}"))
        .fetch_one(db)
        .await
        .unwrap()
}

/// Waits until `SELECT count(*) FROM {from}` is `want`, for changes that
/// have no REST answer to wait for (a gateway event the bot handles).
pub async fn wait_for_count(pool: &PgPool, from: &str, want: i64, timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let n = count(pool, from).await;
        if n == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{from} has {n} rows, want {want}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
