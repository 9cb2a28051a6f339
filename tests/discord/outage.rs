//! A database outage, on a private PostgreSQL the test stops and starts (the
//! shared server is never stopped): a command is answered at once that the
//! records are out of reach, a DM "done" is answered "not logged, send it
//! again", and a reminder due during the outage comes once when it is over.

use std::time::{Duration, Instant};

use crate::support::bot::{self, saturday_noon};
use crate::support::chat::{command, dm, posts_in, strings, sub, text, WAIT};
use crate::support::db;
use crate::support::fake_discord::FakeDiscord;
use crate::support::pg_cluster::PgCluster;
use crate::{ALICE, BOB};
use footcoach::store::Store;
use footcoach::text::{NOT_LOGGED, UNREACHABLE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_an_outage_everyone_is_told_and_nothing_is_lost() {
    let mut pg = PgCluster::start().await;
    let store = Store::open(pg.connect_options().database("footcoach"), 5)
        .await
        .unwrap();
    let pool = store.pool().clone();
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    command(
        &fake,
        ALICE,
        sub(
            "remind",
            "set",
            strings(&[("time", "12:30"), ("timezone", "UTC")]),
        ),
    )
    .await;

    pg.stop().await;
    running.clock.advance(chrono::Duration::minutes(31));

    // A command: answered at once, not deferred, only to its asker.
    let t = Instant::now();
    let answer = command(&fake, BOB, sub("routine", "today", serde_json::json!([]))).await;
    let command_took = t.elapsed();
    assert_eq!(answer["type"], 4, "{answer}");
    assert_eq!(answer["data"]["flags"], 64, "{answer}");
    assert_eq!(text(&answer), UNREACHABLE);
    // A DM "done": answered that it was not logged.
    let t = Instant::now();
    assert_eq!(dm(&fake, ALICE, "done").await, NOT_LOGGED);
    let dm_took = t.elapsed();

    pg.start_again().await;
    let back = Instant::now();
    // The reminder due at 12:30, during the outage, comes once it is over.
    let alice_dm = fake.dm_channel_for(ALICE);
    let posts = fake
        .wait_for_calls(
            |c| {
                c.method == "POST"
                    && c.path.ends_with(&format!("/channels/{alice_dm}/messages"))
                    && c.status < 300
            },
            2,
            Duration::from_secs(40),
        )
        .await;
    let reminder_after = back.elapsed();
    assert!(
        posts[1].body["embeds"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{}",
        posts[1].body
    );
    println!(
        "outage: command answered in {command_took:?}, DM in {dm_took:?}; \
         the reminder due during it came {reminder_after:?} after the database was back"
    );

    // Sent again, the "done" is logged; the reminder was sent exactly once.
    assert!(dm(&fake, ALICE, "done").await.contains("Logged"));
    assert_eq!(db::count(&pool, "activity_log").await, 1);
    // Recorded shortly after the send.
    db::wait_for_count(
        &pool,
        "timeline WHERE kind = 'reminder' AND state = 'sent'",
        1,
        WAIT,
    )
    .await;
    posts_in(&fake, alice_dm, 3).await;
    running.stop_clean(&fake).await;
}
