//! When something around the bot fails or is out of date: commands, options
//! and buttons from an older version, and Discord failing on its side while
//! the bot answers. Every interaction gets an answer, and no answer claims
//! what did not happen.

use serde_json::json;
use sqlx::PgPool;

use crate::support::bot::{self, saturday_noon};
use crate::support::chat::{
    assert_no_unexpected, command, posts_in, press, send_dm, slash, strings, sub, text, WAIT,
};
use crate::support::db;
use crate::support::fake_discord::{self as fake, FakeDiscord};
use crate::ALICE;
use footcoach::text::{NOTHING_CHANGED, OUR_FAULT, STALE_BUTTON, STALE_COMMAND, STALE_OPTIONS};

/// An answer only its asker sees, sent at once (not deferred).
fn immediate_ephemeral(body: &serde_json::Value) -> &str {
    assert_eq!(body["type"], 4, "{body}");
    assert_eq!(
        body["data"]["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "{body}"
    );
    text(body)
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn commands_options_and_buttons_from_an_older_version_are_answered(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    // Two earlier versions: one had /stretch and a /remind without
    // subcommands, the next a /remind set whose time was an optional number.
    fake.register_commands(
        None,
        json!([
            {"name": "stretch", "description": "Stretch now", "type": 1},
            {"name": "remind", "description": "Your reminder", "type": 1},
        ]),
    );
    fake.register_commands(
        None,
        json!([{"name": "remind", "description": "Your reminder", "type": 1, "options": [
            {"name": "set", "description": "Set it", "type": 1, "options": [
                {"name": "time", "description": "Minutes after midnight", "type": 4, "required": false}
            ]}
        ]}]),
    );
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;

    // A command Discord still shows after a rename.
    let answer = command(&fake, ALICE, slash("stretch")).await;
    assert_eq!(immediate_ephemeral(&answer), STALE_COMMAND);
    // A required option missing, an option of another type, no subcommand.
    for stale in [
        sub("remind", "set", json!([])),
        sub(
            "remind",
            "set",
            json!([{"name": "time", "type": 4, "value": 730}]),
        ),
        slash("remind"),
    ] {
        let answer = command(&fake, ALICE, stale).await;
        assert_eq!(immediate_ephemeral(&answer), STALE_OPTIONS);
    }
    // A button whose custom id this version does not know.
    let dm = fake.dm_channel_for(ALICE);
    let mut old = fake::message_json(fake::snowflake(), dm, fake.bot_user(), "Ready?");
    old["components"] = json!([{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "Begin", "custom_id": "footcoach:v0:begin"}
    ]}]);
    let answer = press(&fake, ALICE, None, dm, &old, "footcoach:v0:begin").await;
    assert_eq!(immediate_ephemeral(&answer), STALE_BUTTON);

    assert_eq!(
        db::count(&pool, "users WHERE remind_minute IS NOT NULL").await,
        0,
        "nothing was set"
    );
    assert_no_unexpected(&fake);
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn answers_discord_failed_on_its_side_are_sent_again_and_tell_what_happened(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let bad_gateway = json!({"message": "502 Bad Gateway", "code": 0});

    // The reminder is saved; the first answer is lost to a 502.
    fake.fail_next(
        "POST",
        "/interactions/*/*/callback",
        502,
        bad_gateway.clone(),
        1,
    );
    let ix = sub(
        "remind",
        "set",
        strings(&[("time", "07:30"), ("timezone", "Europe/Berlin")]),
    )
    .in_dm(&fake, ALICE);
    fake.dispatch_interaction(&ix).await;
    let path = fake::callback_path(&ix);
    let tries = fake
        .wait_for_calls(|c| c.method == "POST" && c.path == path, 2, WAIT)
        .await;
    assert_eq!(tries[0].status, 502);
    assert!(tries[1].status < 300, "{}", fake.describe_calls());
    let said = text(&tries[1].body);
    assert!(said.contains("07:30"), "{said}");
    assert!(
        !said.contains(NOTHING_CHANGED) && said != OUR_FAULT,
        "{said}"
    );
    assert_eq!(
        db::count(&pool, "users WHERE remind_minute = 450").await,
        1,
        "saved once"
    );

    // A DM "done" whose answer first meets a 502: logged once, answered once.
    let dm = fake.dm_channel_for(ALICE);
    fake.fail_next(
        "POST",
        &format!("/channels/{dm}/messages"),
        502,
        bad_gateway,
        1,
    );
    send_dm(&fake, ALICE, "done").await;
    let posts = posts_in(&fake, dm, 2).await;
    assert_eq!(posts[0].status, 502);
    assert_eq!(posts[0].body["nonce"], posts[1].body["nonce"]);
    assert_eq!(posts[1].body["enforce_nonce"], true);
    let logged: Vec<_> = fake
        .messages_in(dm)
        .into_iter()
        .filter(|m| m.content().contains("Logged"))
        .collect();
    assert_eq!(logged.len(), 1, "{}", fake.describe_calls());
    assert_eq!(db::count(&pool, "activity_log").await, 1);
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_slow_button_press_is_deferred_then_answered_by_an_edit(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let ix = sub("routine", "today", json!([])).in_dm(&fake, ALICE);
    fake.dispatch_interaction(&ix).await;
    crate::support::chat::callback(&fake, &ix).await;
    let card = crate::support::chat::answer_to(&fake, &ix).json;

    // Hold the log so logging the day takes longer than Discord's 3 s.
    let mut lock = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE activity_log IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let dm = fake.dm_channel_for(ALICE);
    let pressed = fake::button_press(ALICE, None, dm, card, &format!("fc:done:{ALICE}"));
    fake.dispatch_interaction(&pressed).await;
    let deferred = crate::support::chat::callback(&fake, &pressed).await;
    assert_eq!(deferred.body["type"], 5, "{}", deferred.body);
    assert!(deferred.status < 300, "in time: {}", deferred.status);
    lock.rollback().await.unwrap();

    let original = fake::original_path(&pressed);
    let edit = fake
        .wait_for_call(|c| c.path == original && c.method == "PATCH", WAIT)
        .await;
    let said = edit.body["content"].as_str().unwrap_or_default();
    assert!(said.contains("Logged"), "{}", edit.body);
    assert_eq!(db::count(&pool, "activity_log").await, 1);
    running.stop_clean(&fake).await;
}
