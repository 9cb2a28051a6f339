//! Snoozing a reminder from its buttons: 10 minutes, 30 minutes, 1 hour or
//! until this evening, each sending the reminder again exactly once.

use serde_json::Value;
use sqlx::PgPool;

use crate::support::app::users_due;
use crate::support::bot::{self, saturday_noon};
use crate::support::chat::{button_ids, button_labels, press, text, WAIT};
use crate::support::fake_discord::{Call, FakeDiscord};
use crate::ALICE;

/// The bot's `n` first reminder posts in `channel` (posts with the card embed).
async fn reminders(fake: &FakeDiscord, channel: u64, n: usize) -> Vec<Call> {
    let path = format!("/channels/{channel}/messages");
    fake.wait_for_calls(
        |c| c.method == "POST" && c.path.ends_with(&path) && c.status < 300,
        n,
        WAIT,
    )
    .await
}

async fn wake(pool: &PgPool) {
    sqlx::query("SELECT pg_notify('footcoach_timeline', '')")
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn each_snooze_button_sends_the_reminder_again_once(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    users_due(&pool, ALICE as i64, 1, saturday_noon()).await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let dm = fake.dm_channel_for(ALICE);
    let first = reminders(&fake, dm, 1).await.remove(0).response;
    assert_eq!(
        button_labels(&first),
        [
            "Start",
            "Done",
            "Skip",
            "Snooze 10 min",
            "Snooze 30 min",
            "Snooze 1 hour",
            "Until this evening"
        ]
    );
    let ids = button_ids(&first);
    assert_eq!(ids[3], format!("fc:snooze10:{ALICE}"));

    // Ten minutes: the reminder comes again once, with its own nonce.
    let answer = press(&fake, ALICE, None, dm, &first, &ids[3]).await;
    assert!(text(&answer).contains("Snoozed"), "{answer}");
    running.clock.advance(chrono::Duration::minutes(10));
    wake(&pool).await;
    let posts = reminders(&fake, dm, 2).await;
    assert_ne!(posts[0].body["nonce"], posts[1].body["nonce"]);

    // An hour, from the second reminder.
    let second: &Value = &posts[1].response;
    let answer = press(&fake, ALICE, None, dm, second, &button_ids(second)[5]).await;
    assert!(text(&answer).contains("Snoozed"), "{answer}");
    running.clock.advance(chrono::Duration::minutes(60));
    wake(&pool).await;
    let posts = reminders(&fake, dm, 3).await;

    // This evening (19:00 UTC, her nudge time): the third and last snooze.
    let third: &Value = &posts[2].response;
    let answer = press(&fake, ALICE, None, dm, third, &button_ids(third)[6]).await;
    assert!(text(&answer).contains("Snoozed"), "{answer}");
    running
        .clock
        .set(saturday_noon() + chrono::Duration::hours(7));
    wake(&pool).await;
    let posts = reminders(&fake, dm, 4).await;
    let fourth: &Value = &posts[3].response;
    let answer = press(&fake, ALICE, None, dm, fourth, &button_ids(fourth)[4]).await;
    assert!(text(&answer).contains("3"), "the limit: {answer}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        fake.messages_in(dm)
            .iter()
            .filter(|m| !m.json["embeds"].as_array().is_none_or(Vec::is_empty))
            .count(),
        4,
        "the reminder and three snoozes, once each"
    );
    running.stop_clean(&fake).await;
}
