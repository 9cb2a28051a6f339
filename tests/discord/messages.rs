//! Plain messages: DMs the coach understands ("done", "pain 8/10"), replies
//! to the bot in a server channel, and what it ignores.

use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;

use crate::support::bot::{self, saturday_noon};
use crate::support::chat::{command, dm, posts_in, send_dm, sub, text, WAIT};
use crate::support::db;
use crate::support::fake_discord::{self as fake, FakeDiscord};
use crate::{ALICE, BOB, CHANNEL, GUILD};

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_dm_done_is_logged_once_and_answered(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let dm = fake.dm_channel_for(ALICE);
    for text in ["Done!", "done ✅"] {
        send_dm(&fake, ALICE, text).await;
    }
    // Two answers, and beside the first one the setup's first question:
    // of two first contacts at once, one is welcomed.
    let answers = posts_in(&fake, dm, 3).await;
    let welcomes = answers
        .iter()
        .filter(|c| {
            c.body["content"]
                .as_str()
                .unwrap()
                .starts_with("Hi, I am footcoach")
        })
        .count();
    assert_eq!(welcomes, 1, "{}", fake.describe_calls());
    // The two are handled concurrently: one logs, the other finds it logged.
    let mut texts: Vec<&str> = answers
        .iter()
        .map(|c| c.body["content"].as_str().unwrap())
        .filter(|t| !t.starts_with(footcoach::text::setup::OFFER))
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    texts.sort_by_key(|t| t.contains("already logged"));
    assert!(texts[0].contains("done. Logged."), "{texts:?}");
    assert!(texts[1].contains("already logged"), "{texts:?}");
    let rows: Vec<(i16, String, String)> =
        sqlx::query_as("SELECT step, outcome, source FROM activity_log WHERE user_id = $1")
            .bind(ALICE as i64)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows, vec![(0, "done".to_owned(), "discord-dm".to_owned())]);
    let cached: Option<i64> = sqlx::query_scalar("SELECT dm_channel_id FROM users WHERE id = $1")
        .bind(ALICE as i64)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(cached, Some(dm as i64));

    // Bots are ignored, and so are words the coach does not know in a server.
    fake.dispatch(
        "MESSAGE_CREATE",
        fake::message_create(dm, None, BOB, true, "done", None),
    )
    .await;
    fake.dispatch(
        "MESSAGE_CREATE",
        fake::message_create(CHANNEL, Some(GUILD), BOB, false, "done", None),
    )
    .await;
    // A long DM of emoji is not understood, and says so.
    let before = fake.calls_to("POST", "/channels/*/messages").len();
    send_dm(&fake, ALICE, &"🦶".repeat(1000)).await;
    let answer = fake
        .wait_for_call(
            |c| {
                c.method == "POST"
                    && c.body["content"]
                        .as_str()
                        .is_some_and(|t| t.contains("did not catch"))
            },
            WAIT,
        )
        .await;
    assert!(answer.status < 300);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        fake.calls_to("POST", "/channels/*/messages").len(),
        before + 1,
        "the bot's and the server message got no answer: {}",
        fake.describe_calls()
    );
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_reply_to_the_bot_in_a_server_channel_is_logged(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    fake.add_guild_channel(GUILD, CHANNEL);
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let bot_message = fake::message_json(
        fake::snowflake(),
        CHANNEL,
        fake.bot_user(),
        "Step 1 of 6 ...",
    );
    let reply = fake::message_create(
        CHANNEL,
        Some(GUILD),
        ALICE,
        false,
        "skip",
        Some(bot_message),
    );
    let reply_id = reply["id"].as_str().unwrap().to_owned();
    fake.dispatch("MESSAGE_CREATE", reply).await;
    let call = posts_in(&fake, CHANNEL, 1).await.remove(0);
    assert!(
        call.body["content"]
            .as_str()
            .unwrap()
            .contains("skipped. Logged."),
        "{:?}",
        call.body
    );
    assert_eq!(
        call.body["message_reference"]["message_id"],
        json!(reply_id)
    );
    let source: String = sqlx::query_scalar("SELECT source FROM activity_log WHERE user_id = $1")
        .bind(ALICE as i64)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(source, "discord-reply");
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn first_use_is_introduced_once_and_high_pain_makes_sessions_gentler(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;

    // The first answer introduces the bot, with the safety note and the way out.
    let body = command(&fake, ALICE, sub("routine", "start", json!([]))).await;
    let first = text(&body);
    assert!(first.starts_with("Hi, I am footcoach"), "{first}");
    for says in [
        "not medical advice",
        "sharp pain",
        "/remind off",
        "/mydata delete",
    ] {
        assert!(first.contains(says), "{says}: {first}");
    }
    // The pain question comes before the session (on by default).
    assert!(
        first.contains("Before you start: how does your foot feel today? Reply pain 0-10"),
        "{first}"
    );
    let body = command(&fake, ALICE, sub("routine", "today", json!([]))).await;
    assert!(
        !text(&body).contains("Hi, I am footcoach"),
        "said once: {body}"
    );

    // Pain of 8, told in a DM mid-session: a clinician, and gentler sessions.
    let answer = dm(&fake, ALICE, "pain 8/10").await;
    assert!(answer.contains("Pain 8/10 noted"), "{answer}");
    assert!(answer.contains("see a clinician"), "{answer}");
    assert!(answer.contains("gentler"), "{answer}");
    let logged: Vec<(String, Option<i16>)> =
        sqlx::query_as("SELECT outcome, pain FROM activity_log WHERE user_id = $1")
            .bind(ALICE as i64)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(logged, vec![("pain".to_owned(), Some(8))]);
    // The reason is stored as a type: pain, with the level reported.
    let change: (i16, i16, String, Option<i16>) = sqlx::query_as(
        "SELECT from_level, to_level, reason::text, pain FROM level_changes WHERE user_id = $1",
    )
    .bind(ALICE as i64)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(change, (2, 1, "pain".to_owned(), Some(8)));

    // Pain out of range is not logged, and the answer says what to type.
    let answer = dm(&fake, ALICE, "pain 11").await;
    assert!(answer.contains("0") && answer.contains("10"), "{answer}");
    let rows = db::count(&pool, &format!("activity_log WHERE user_id = {ALICE}")).await;
    assert_eq!(rows, 1);
    running.stop_clean(&fake).await;
}
