//! The week in review on Discord: one DM with its embed and the week's
//! picture attached, and `/settings weekly` from its choices.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::support::app::App;
use crate::support::bot::{self, init_tracing, messenger, saturday_noon};
use crate::support::chat::{command, strings, sub, text, WAIT};
use crate::support::fake_discord::FakeDiscord;
use crate::ALICE;
use footcoach::app::Command;
use footcoach::coach::reply::Intent;
use footcoach::store::timeline::SendKind;
use footcoach::store::UserId;

/// Pending week-in-review rows of `user`.
async fn pending_reviews(app_store: &footcoach::store::Store, user: UserId) -> usize {
    app_store
        .timeline_of(user)
        .await
        .unwrap()
        .into_iter()
        .filter(|(kind, _, _, state)| *kind == SendKind::Weekly && state == "pending")
        .count()
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_weekly_review_is_one_dm_with_its_embed_and_picture(pool: PgPool) {
    init_tracing();
    let fake = FakeDiscord::start().await;
    // Tuesday 9 March 2027; the review comes on Sunday the 14th at 07:00 UTC.
    let app = App::new(&pool, Utc.with_ymd_and_hms(2027, 3, 9, 12, 0, 0).unwrap());
    let alice = UserId(ALICE as i64);
    app.say(
        alice,
        Command::RemindSet {
            time: "07:00".parse().unwrap(),
            timezone: Some("UTC".parse().unwrap()),
        },
    )
    .await;
    app.say(alice, Command::FollowupSet(None)).await;
    app.say(alice, Command::Reply(Intent::Done)).await;
    let review_at = Utc.with_ymd_and_hms(2027, 3, 14, 7, 0, 0).unwrap();
    app.clock.set(review_at);
    let worker = app.scheduler(messenger(&fake, &pool));
    // Every reminder from Wednesday on (all late but Sunday's), and the review.
    while worker.run_due_once(review_at).await.unwrap() > 0 {}

    let posts = fake.calls_to("POST", "/channels/*/messages");
    let reviews: Vec<_> = posts
        .iter()
        .filter(|c| c.body["embeds"][0]["image"]["url"].is_string())
        .collect();
    assert_eq!(reviews.len(), 1, "{}", fake.describe_calls());
    let review = reviews[0];
    assert_eq!(review.status, 200, "{}", review.response);
    assert!(review.path.ends_with(&format!(
        "/channels/{}/messages",
        fake.dm_channel_for(ALICE)
    )));
    let embed = &review.body["embeds"][0];
    assert_eq!(embed["title"], "Your week in review: 7 to 13 March");
    assert_eq!(embed["image"]["url"], "attachment://week.png");
    let description = embed["description"].as_str().unwrap();
    assert!(
        description.starts_with("Days done: 1 of 7 planned."),
        "{description}"
    );
    assert!(review.body["nonce"].is_string());
    assert_eq!(review.body["attachments"][0]["filename"], "week.png");
    assert_eq!(review.files.len(), 1, "{:?}", review.files);
    let (name, size) = &review.files[0];
    assert_eq!(name, "week.png");
    assert!((1024..64 * 1024).contains(size), "{size} bytes");
    let (width, height, pixels) = crate::support::png::decode(&review.file_bytes[0]);
    assert!(width >= 200 && height >= 80, "{width}×{height}");
    assert!(
        crate::support::png::drawn_share(&pixels) > 0.05,
        "a week is drawn"
    );
    // The review went out once, and next Sunday's waits.
    assert_eq!(pending_reviews(&app.store, alice).await, 1);
    worker
        .run_due_once(review_at + Duration::minutes(5))
        .await
        .unwrap();
    let again = fake
        .calls_to("POST", "/channels/*/messages")
        .iter()
        .filter(|c| c.body["embeds"][0]["image"]["url"].is_string())
        .count();
    assert_eq!(again, 1);
    assert!(fake.unexpected_calls().is_empty());
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn settings_weekly_offers_the_days_and_off_and_off_cancels(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    // The option offers the seven days and off.
    let put = fake
        .wait_for_call(crate::support::chat::is_put_commands, WAIT)
        .await;
    let settings = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "settings")
        .unwrap();
    let weekly = settings["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "weekly")
        .expect("/settings weekly");
    let choices: Vec<&Value> = weekly["options"][0]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(choices.len(), 8);
    let pair = |c: &Value| json!([c["name"], c["value"]]);
    assert_eq!(pair(choices[0]), json!(["Sunday", "sunday"]));
    assert_eq!(pair(choices[6]), json!(["Saturday", "saturday"]));
    assert_eq!(pair(choices[7]), json!(["Off", "off"]));

    let set = strings(&[("time", "07:30"), ("timezone", "UTC")]);
    command(&fake, ALICE, sub("remind", "set", set)).await;
    let alice = UserId(ALICE as i64);
    assert_eq!(pending_reviews(&running.store, alice).await, 1);

    let weekly = |day: &str| sub("settings", "weekly", strings(&[("day", day)]));
    let body = command(&fake, ALICE, weekly("wednesday")).await;
    // Saturday noon: the next Wednesday is the 17th.
    let next = Utc
        .with_ymd_and_hms(2027, 3, 17, 7, 30, 0)
        .unwrap()
        .timestamp();
    assert_eq!(
        text(&body),
        format!(
            "Your week in review comes every Wednesday at your reminder time, 07:30. Next: <t:{next}:F> (<t:{next}:R>)"
        )
    );
    assert_eq!(pending_reviews(&running.store, alice).await, 1);

    let body = command(&fake, ALICE, weekly("off")).await;
    assert_eq!(
        text(&body),
        "Week in review off. Turn it back on with /settings weekly sunday"
    );
    assert_eq!(pending_reviews(&running.store, alice).await, 0);
    let day: Option<i16> = sqlx::query_scalar("SELECT weekly_day FROM users WHERE id = $1")
        .bind(ALICE as i64)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(day, None);
    running.stop_clean(&fake).await;
}
