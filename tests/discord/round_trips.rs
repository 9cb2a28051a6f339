//! What the bot's busiest actions cost in PostgreSQL round trips, counted on
//! the wire by the proxy of tests/support/pg_proxy.rs.

use std::time::Duration;

use sqlx::PgPool;

use crate::support::bot::{self, saturday_noon};
use crate::support::chat::{command, dm, strings, sub, WAIT};
use crate::support::db;
use crate::support::fake_discord::FakeDiscord;
use crate::support::pg_proxy::PgProxy;

/// Someone who ran `/remind set time:07:30 timezone:Europe/Berlin` and has
/// written to the bot before: welcomed, their DM channel known.
async fn known_user(fake: &FakeDiscord, user: u64) {
    command(
        fake,
        user,
        sub(
            "remind",
            "set",
            strings(&[("time", "07:30"), ("timezone", "Europe/Berlin")]),
        ),
    )
    .await;
    dm(fake, user, "hello").await;
}

/// The PostgreSQL round trips of `action`: counted from when it starts (the
/// gateway event) until its answer reached the fake and traffic stayed quiet
/// a moment; how many of them only filled a connection's statement cache;
/// and the list of what each was.
async fn round_trips_of(proxy: &PgProxy, action: impl std::future::Future) -> (u64, u64, String) {
    // Nothing else may be talking to the database: the set-up's timeline
    // writes woke the worker, which must have gone back to sleep.
    proxy.settle(Duration::from_millis(300), WAIT).await;
    proxy.reset();
    action.await;
    proxy.settle(Duration::from_millis(150), WAIT).await;
    (proxy.count(), proxy.cache_fills(), proxy.describe())
}

/// What a known user's DM "done" and `/routine today` cost in PostgreSQL
/// round trips (each Sync or simple Query on the wire), through a counting
/// proxy, with the production pool settings and warm statement caches.
///
/// sqlx prepares a statement the first time each pooled connection runs it
/// (a round trip of its own), and an action lands on whichever connections
/// are idle: after a warm-up, the few such cache fills left are listed but
/// not counted, as a connection that has run the statement before would not
/// make them. Repeated preparing, of unnamed statements, is counted.
///
/// The timeline worker stays out of the windows: the clock stands at 12:00
/// UTC and the reminders are at 07:30 Berlin time, so nothing is due and the
/// worker sleeps its longest (5 minutes); neither action writes the timeline,
/// so no NOTIFY wakes it; and each window starts only after the database
/// traffic of the set-up (whose timeline writes do wake it) has stopped.
///
/// When this test was written it failed: a DM "done" took 16 round trips
/// and `/routine today` 6 (24 and 9 with sqlx's default ping before each
/// acquire): each statement takes a pool connection of its own, and sqlx
/// pings every connection that goes back to the pool (a Sync alone).
#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_dm_done_and_routine_today_take_few_database_round_trips(pool: PgPool) {
    const DONE_GOAL: u64 = 5;
    const TODAY_GOAL: u64 = 2;
    const WARM_UPS: usize = 2;
    const MEASURED: usize = 3;
    let database = db::current_database(&pool).await;
    let proxy = PgProxy::start(&pool.connect_options()).await;
    let proxied = footcoach::store::pool_options(10)
        .connect_with(proxy.connect_options(&database))
        .await
        .unwrap();
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&proxied, &fake, None, saturday_noon()).await;

    // A "done" counts only once a day, so each is by another known user.
    let users: Vec<u64> = (0..(WARM_UPS + MEASURED) as u64)
        .map(|i| 1_300_000_000_000_000_010 + i)
        .collect();
    for user in &users {
        known_user(&fake, *user).await;
    }
    // One round: a DM "done" from a new user, then their `/routine today`.
    let round = |user: u64| {
        let (proxy, fake) = (&proxy, &fake);
        async move {
            let done = round_trips_of(proxy, dm(fake, user, "done")).await;
            let today = round_trips_of(
                proxy,
                command(fake, user, sub("routine", "today", serde_json::json!([]))),
            )
            .await;
            [done, today]
        }
    };
    for user in &users[..WARM_UPS] {
        round(*user).await;
    }
    let mut runs = Vec::new();
    for user in &users[WARM_UPS..] {
        let [done, today] = round(*user).await;
        runs.push(("DM \"done\"", DONE_GOAL, done));
        runs.push(("/routine today", TODAY_GOAL, today));
    }
    let report: String = runs
        .iter()
        .map(|(what, goal, (n, fills, list))| {
            format!(
                "{what}: {} round trips (goal ≤ {goal}), and {fills} statement cache fill(s)\n{list}",
                n - fills
            )
        })
        .collect();
    println!("{report}");
    running.stop().await.unwrap();
    proxied.close().await;
    assert!(proxy.desyncs().is_empty(), "{:?}", proxy.desyncs());
    for (what, goal, (n, fills, _)) in &runs {
        let n = n - fills;
        assert!(
            n <= *goal,
            "{what} took {n} PostgreSQL round trips, the goal is at most {goal}:\n{report}"
        );
    }
}
