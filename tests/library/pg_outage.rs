//! A database outage, on a private PostgreSQL cluster since the shared server
//! must never be stopped: the store fails while the server is down, without
//! hanging, and works again once it is back, without being rebuilt.

use std::time::{Duration, Instant};

use footcoach::store::{Store, UserId};

use crate::support::pg_cluster::PgCluster;

const MAX_CONNECTIONS: u32 = 2;

#[tokio::test]
async fn the_store_fails_during_an_outage_and_works_again_after_it() {
    let t = Instant::now();
    let mut pg = PgCluster::start().await;
    let started = t.elapsed();

    let store = Store::open(pg.connect_options().database("footcoach"), MAX_CONNECTIONS)
        .await
        .unwrap();
    let id = UserId(42);
    store.user(id).await.unwrap();
    let acquire_timeout = store.pool().options().get_acquire_timeout();

    let t = Instant::now();
    pg.stop().await;
    let stopped = t.elapsed();

    // The pool's idle connections are dead: each fails its one query at once
    // (no ping before acquire). Then the pool has to connect, is refused, and
    // retries until its acquire timeout: the query fails then, not later.
    let mut timed_out = false;
    for attempt in 0..=MAX_CONNECTIONS {
        let t = Instant::now();
        let error = store
            .find_user(id)
            .await
            .expect_err("no query succeeds while the server is down");
        let took = t.elapsed();
        println!("query {attempt} during the outage failed after {took:?}: {error}");
        assert!(
            took < acquire_timeout + Duration::from_secs(2),
            "took {took:?}, the acquire timeout is {acquire_timeout:?}"
        );
        if matches!(error, sqlx::Error::PoolTimedOut) {
            timed_out = true;
            break;
        }
    }
    assert!(
        timed_out,
        "a query had to wait for a connection and gave up"
    );

    let t = Instant::now();
    pg.start_again().await;
    let started_again = t.elapsed();

    // The same store, and the row written before the outage.
    let found = store.find_user(id).await.unwrap();
    assert_eq!(found.map(|u| u.id), Some(id));
    store.user(UserId(43)).await.unwrap();

    println!(
        "private PostgreSQL: start {started:?}, stop {stopped:?}, start again {started_again:?}"
    );

    // Dropping it leaves no server and no directory behind.
    let pid = pg.postmaster_pid().expect("the server runs");
    let dir = pg.dir().to_owned();
    let t = Instant::now();
    drop(pg);
    println!("private PostgreSQL: drop {:?}", t.elapsed());
    assert!(!dir.exists(), "{} is left behind", dir.display());
    assert!(!runs(pid), "the server (pid {pid}) still runs");
}

/// Whether `pid` is a live process. A zombie is not: the server, orphaned
/// by pg_ctl, is init's child, and init reaps it when it gets to it.
fn runs(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // "pid (comm) state ppid ...": comm may hold spaces, so after the last ')'.
    let after_comm = &stat[stat.rfind(')').unwrap() + 1..];
    let mut fields = after_comm.split_whitespace();
    let state = fields.next().unwrap();
    let ppid: u32 = fields.next().unwrap().parse().unwrap();
    println!("pid {pid} after drop: state {state}, parent {ppid}");
    state != "Z" && state != "X"
}
