//! Exercises shown, and a session that feels coached: the day's picture
//! sheet beside `/routine today`, each step's picture in its prompt, the
//! step's own message edited when the other side or the next set begins
//! (and nothing after `stop`), and the summary that ends a session.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::support::bot;
use crate::support::chat::{answer_to, callback, command, dm, sub, text, WAIT};
use crate::support::fake_discord::{self as fake, Call, FakeDiscord};
use crate::support::png::{decode, drawn_share};
use crate::ALICE;

/// Monday 15 March 2027, 12:00 UTC: a "morning" routine day, whose first
/// step (the seated foot stretch, 15 s each side, twice) has three cues.
fn monday_noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 15, 12, 0, 0).unwrap()
}

async fn wake(pool: &PgPool) {
    sqlx::query("SELECT pg_notify('footcoach_timeline', '')")
        .execute(pool)
        .await
        .unwrap();
}

/// Edits of messages: through an interaction's webhook or by channel.
fn is_edit(c: &Call) -> bool {
    c.method == "PATCH" && c.path.contains("/messages/") && !c.path.ends_with("@original")
}

fn edits(fake: &FakeDiscord) -> Vec<Call> {
    fake.calls().into_iter().filter(is_edit).collect()
}

/// Waits for the `n`th edit of a message by its channel.
async fn nth_edit(fake: &FakeDiscord, n: usize) -> Call {
    fake.wait_for_calls(is_edit, n, WAIT).await.remove(n - 1)
}

/// Waits until the session knows where its current step was posted.
async fn step_message(pool: &PgPool, step: i16) -> i64 {
    for _ in 0..100 {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT step_message_id FROM guided_sessions
             WHERE user_id = $1 AND step_message_step = $2 AND current_step = $2",
        )
        .bind(ALICE as i64)
        .bind(step)
        .fetch_optional(pool)
        .await
        .unwrap()
        .flatten();
        if let Some(id) = at {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("step {step}'s message was never recorded");
}

/// Nothing more arrives for a moment: for asserting what did not happen.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

fn attached_png(call: &Call, name: &str) -> Vec<u8> {
    let at = call
        .files
        .iter()
        .position(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", call.files));
    call.file_bytes[at].clone()
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn routine_today_shows_the_days_exercises_as_one_numbered_picture(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, monday_noon()).await;
    let ix = sub("routine", "today", json!([])).in_dm(&fake, ALICE);
    fake.dispatch_interaction(&ix).await;
    let answer = callback(&fake, &ix).await;
    let embed = &answer.body["data"]["embeds"][0];
    assert_eq!(embed["image"]["url"], "attachment://routine.png", "{embed}");
    // The list is still there beside the picture: one field per exercise.
    let fields = embed["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 8, "{embed}");
    let (w, h, pixels) = decode(&attached_png(&answer, "routine.png"));
    assert_eq!((w, h), (676, 4 * 252 + 12), "eight tiles, two a row");
    assert!(drawn_share(&pixels) > 0.1);
    // As Discord shows it: the message carries the picture as an attachment.
    let posted = answer_to(&fake, &ix);
    assert_eq!(posted.json["attachments"][0]["filename"], "routine.png");
    // Described for screen readers.
    assert_eq!(
        posted.json["attachments"][0]["description"],
        "Drawings of today's exercises, numbered as in the list"
    );
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_guided_step_says_switch_sides_and_sets_by_editing_its_own_message(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let start = monday_noon();
    let running = bot::ready(&pool, &fake, None, start).await;
    let dm_channel = fake.dm_channel_for(ALICE);

    // Step 1 is the answer to /routine start: its picture, and what comes next.
    let ix = sub("routine", "start", json!([])).in_dm(&fake, ALICE);
    fake.dispatch_interaction(&ix).await;
    let answer = callback(&fake, &ix).await;
    let prompt = &answer.body["data"]["embeds"][0];
    assert_eq!(prompt["image"]["url"], "attachment://foot-stretch.png");
    assert!(
        prompt["description"]
            .as_str()
            .unwrap()
            .contains("Next up: Walk on the balls of your feet."),
        "{prompt}"
    );
    let (w, h, pixels) = decode(&attached_png(&answer, "foot-stretch.png"));
    assert_eq!((w, h), (640, 480));
    assert!(drawn_share(&pixels) > 0.03);
    let first = answer_to(&fake, &ix);
    assert!(
        first.content().contains("Guided session"),
        "{}",
        first.content()
    );
    assert_eq!(step_message(&pool, 1).await, first.id as i64);

    // Just before the first switch, nothing is edited.
    running.clock.set(start + chrono::Duration::seconds(14));
    wake(&pool).await;
    settle().await;
    assert!(edits(&fake).is_empty(), "{}", fake.describe_calls());

    // Each moment edits the step's message, once, and posts nothing new.
    let posts_before = fake.calls_to("POST", "/channels/*/messages").len();
    // The answer to /routine start is edited through its interaction.
    let step_path = format!(
        "/webhooks/{}/{}/messages/{}",
        fake::APPLICATION_ID,
        ix.token,
        first.id
    );
    for (n, at, says) in [
        (1, 15, "↔ Other side now (set 1 of 2)."),
        (2, 30, "Set 2 of 2: back to the first side."),
        (3, 45, "↔ Other side now (set 2 of 2)."),
    ] {
        running.clock.set(start + chrono::Duration::seconds(at));
        wake(&pool).await;
        let edit = nth_edit(&fake, n).await;
        assert!(edit.path.ends_with(&step_path), "{}", edit.path);
        // The cue goes on top of the words the message had, which stay.
        assert_eq!(
            edit.body,
            json!({ "content": format!("{says}\n\n{}", first.content()) })
        );
        assert_eq!(edit.status, 200);
    }
    settle().await;
    assert_eq!(edits(&fake).len(), 3, "{}", fake.describe_calls());
    assert_eq!(
        fake.calls_to("POST", "/channels/*/messages").len(),
        posts_before
    );
    let shown = fake
        .messages_in(dm_channel)
        .into_iter()
        .find(|m| m.id == first.id)
        .unwrap();
    assert!(shown
        .content()
        .starts_with("↔ Other side now (set 2 of 2).\n\nHi, I am footcoach"));
    assert_eq!(
        shown.json["embeds"][0]["title"], prompt["title"],
        "the prompt stays"
    );

    // Steps 2 and 3 come from the timeline, as DMs with their pictures;
    // step 3 (two sets, no sides) is edited for its second set.
    let prompts = |n| {
        fake.wait_for_calls(
            move |c| {
                c.method == "POST"
                    && c.path
                        .ends_with(&format!("/channels/{dm_channel}/messages"))
                    && !c.files.is_empty()
            },
            n,
            WAIT,
        )
    };
    running.clock.set(start + chrono::Duration::seconds(70));
    wake(&pool).await;
    prompts(1).await;
    let step3_at = start + chrono::Duration::seconds(70 + 135);
    running.clock.set(step3_at);
    wake(&pool).await;
    let posts = prompts(2).await;
    assert_eq!(posts[0].files[0].0, "ball-walk.png");
    assert_eq!(posts[1].files[0].0, "heel-toe-walk.png");
    assert_eq!(
        posts[1].body["embeds"][0]["image"]["url"],
        "attachment://heel-toe-walk.png"
    );
    assert_eq!(
        posts[1].body["attachments"],
        json!([{
            "id": 0,
            "filename": "heel-toe-walk.png",
            "description": "Drawing of the exercise: Heel-to-toe walk"
        }])
    );
    let step3_id = posts[1].response["id"].as_str().unwrap().to_owned();
    assert_eq!(step_message(&pool, 3).await.to_string(), step3_id);
    running.clock.set(step3_at + chrono::Duration::seconds(30));
    wake(&pool).await;
    let edit = nth_edit(&fake, 4).await;
    assert!(edit.path.ends_with(&format!("/messages/{step3_id}")));
    assert_eq!(edit.body, json!({ "content": "Set 2 of 2: go." }));

    // Stopped: no edit and no prompt after it, however long we wait.
    let answer = dm(&fake, ALICE, "stop").await;
    assert!(answer.contains("stopped"), "{answer}");
    let calls_after_stop = fake.calls().len();
    for minutes in [1, 5, 30] {
        running
            .clock
            .set(step3_at + chrono::Duration::minutes(minutes));
        wake(&pool).await;
        settle().await;
    }
    let later: Vec<String> = fake.calls()[calls_after_stop..]
        .iter()
        .map(|c| format!("{} {}", c.method, c.path))
        .collect();
    assert!(later.is_empty(), "after stop: {later:?}");
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_last_done_ends_the_session_with_its_summary(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    // Sunday: the short routine, six steps.
    let sunday = Utc.with_ymd_and_hms(2027, 3, 14, 9, 0, 0).unwrap();
    let running = bot::ready(&pool, &fake, None, sunday).await;
    let body = command(&fake, ALICE, sub("routine", "start", json!([]))).await;
    assert!(text(&body).contains("Guided session"), "{body}");
    assert!(dm(&fake, ALICE, "pain 3").await.contains("Pain 3/10 noted"));
    let mut last = String::new();
    for (i, word) in ["done", "skip", "done", "done", "done", "done"]
        .iter()
        .enumerate()
    {
        // Within the DM channel's 5 answers per 5 s (see fake_discord's ratelimits).
        tokio::time::sleep(Duration::from_millis(1100)).await;
        last = dm(&fake, ALICE, word).await;
        assert!(last.contains(&format!("Step {} of 6", i + 1)), "{last}");
    }
    for says in [
        "session complete",
        "Steps done: 5 of 6, 1 skipped",
        "min of exercise",
        "Current streak: 1 day.",
        "Pain you reported today: 3/10.",
    ] {
        assert!(last.contains(says), "{says}: {last}");
    }
    running.stop_clean(&fake).await;
}
