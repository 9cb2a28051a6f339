//! A routine that fits: `/settings length` and `/settings equipment`, and
//! what they do to `/routine today`, `/routine start` and `/remind show`.

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::support::bot::{self, saturday_noon};
use crate::support::chat::{command, ephemeral, strings, sub, text};
use crate::support::fake_discord::FakeDiscord;
use crate::ALICE;

async fn settings(pool: &PgPool) -> (Option<i16>, Option<i16>) {
    sqlx::query_as("SELECT routine_minutes, equipment FROM users WHERE id = $1")
        .bind(ALICE as i64)
        .fetch_optional(pool)
        .await
        .unwrap()
        .unwrap_or_default()
}

fn field_names(body: &Value) -> Vec<String> {
    body["data"]["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn routine_today_fits_the_equipment_and_the_length_and_says_so(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let equipment = |have: &str| sub("settings", "equipment", strings(&[("have", have)]));

    let body = command(&fake, ALICE, equipment("golf ball, marbles")).await;
    assert!(ephemeral(&body), "{body}");
    assert!(
        text(&body).contains("\"marbles\"") && text(&body).contains("tennis ball"),
        "{body}"
    );
    assert_eq!(settings(&pool).await, (None, None), "nothing changed");

    let body = command(&fake, ALICE, equipment("Tennis ball, a towel")).await;
    assert!(
        text(&body).ends_with("Your equipment: tennis ball, towel. Exercises needing anything else are swapped or left out; /routine today shows which."),
        "{body}"
    );
    assert_eq!(settings(&pool).await, (None, Some(0b101)));

    // 2027-03-13 is a Saturday: the stability drills, which need a step
    // only for the squat and step-up.
    let body = command(&fake, ALICE, sub("routine", "today", json!([]))).await;
    let embed = &body["data"]["embeds"][0];
    // 598 s, less the step-ups' 120, plus the squat's own 80: 9 minutes.
    assert_eq!(embed["title"], "Today: Stability drills (9 min)");
    let description = embed["description"].as_str().unwrap();
    assert!(
        description.contains("Squat instead of squat and step-up: you have no step."),
        "{body}"
    );
    assert_eq!(field_names(&body).last().unwrap(), "5. Squat");

    let minutes = json!([{ "name": "minutes", "type": 4, "value": 5 }]);
    let body = command(&fake, ALICE, sub("settings", "length", minutes)).await;
    assert!(
        text(&body).starts_with("Routine length: 5 minutes a day."),
        "{body}"
    );
    assert_eq!(settings(&pool).await, (Some(5), Some(0b101)));

    let body = command(&fake, ALICE, sub("routine", "today", json!([]))).await;
    let embed = &body["data"]["embeds"][0];
    assert_eq!(embed["title"], "Today: Short stability drills (5 min)");
    let description = embed["description"].as_str().unwrap();
    for line in [
        "Short stability drills instead of stability drills: you chose 5 minutes a day.",
        "Squat instead of squat and step-up: you have no step.",
    ] {
        assert!(description.contains(line), "{line}: {body}");
    }
    assert_eq!(field_names(&body).len(), 4);

    // The guided session walks through the same fitted steps.
    let body = command(&fake, ALICE, sub("routine", "start", json!([]))).await;
    assert!(text(&body).contains("Short stability drills"), "{body}");
    assert!(text(&body).contains("4. Squat at"), "{body}");
    let routine: String = sqlx::query_scalar("SELECT routine_id FROM guided_sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(routine, "stability-short");

    let body = command(&fake, ALICE, sub("remind", "show", json!([]))).await;
    for line in [
        "Routine length: 5 minutes a day.",
        "Your equipment: tennis ball, towel.",
    ] {
        assert!(text(&body).contains(line), "{line}: {body}");
    }
    running.stop_clean(&fake).await;
}
