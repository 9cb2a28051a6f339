//! The first-run setup: beside a person's first answer, a private message
//! asks four questions with lists, buttons and forms; each answer is saved
//! at once, and each question can be skipped.

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::support::bot::{self, saturday_noon};
use crate::support::chat::{callback, sub, WAIT};
use crate::support::fake_discord::{self as fake, FakeDiscord, Interaction};
use crate::{ALICE, BOB};

/// `user`'s first command, from a Discord set to `locale`: the setup
/// message offered beside the answer.
async fn first_command(fake: &FakeDiscord, user: u64, locale: &str) -> Value {
    let mut ix = sub("routine", "today", json!([])).in_dm(fake, user);
    ix.payload["locale"] = json!(locale);
    fake.dispatch_interaction(&ix).await;
    callback(fake, &ix).await;
    let path = fake::followup_path(&ix);
    let offer = fake
        .wait_for_call(|c| c.method == "POST" && c.path == path, WAIT)
        .await;
    assert_eq!(offer.body["flags"], 64, "only for them: {}", offer.body);
    offer.response
}

/// Sends `ix` and returns the body of its answer.
async fn act(fake: &FakeDiscord, ix: &Interaction) -> Value {
    fake.dispatch_interaction(ix).await;
    let answer = callback(fake, ix).await;
    assert!(answer.status < 300, "{}", fake.describe_calls());
    answer.body
}

/// The setup message as it stands now.
fn now_shown(fake: &FakeDiscord, message: &Value) -> Value {
    let id: u64 = message["id"].as_str().unwrap().parse().unwrap();
    fake.message(id).expect("the setup message").json
}

/// The values a message's first select offers.
fn options(message: &Value) -> Vec<String> {
    message["components"][0]["components"][0]["options"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| o["value"].as_str().unwrap().to_owned())
        .collect()
}

async fn column<T>(pool: &PgPool, user: u64, column: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    sqlx::query_scalar(&format!("SELECT {column} FROM users WHERE id = $1"))
        .bind(user as i64)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_newcomer_is_set_up_in_four_answers_each_saved_at_once(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let dm = fake.dm_channel_for(ALICE);
    let setup = first_command(&fake, ALICE, "de").await;
    // The likely zones for a German-speaking Discord come first.
    assert_eq!(options(&setup)[0], "Europe/Berlin");
    let ids = |m: &Value| crate::support::chat::button_ids(m);
    let id = |what: &str| format!("fcs:{what}:{ALICE}");

    // Finding the zone by the clock: a time that is no time is refused...
    let asked = act(
        &fake,
        &fake::button_press(ALICE, None, dm, setup.clone(), &id("clock")),
    )
    .await;
    assert_eq!(asked["type"], 9, "a form: {asked}");
    assert_eq!(asked["data"]["custom_id"], id("clockform"));
    let form = |time: &str| {
        fake::form_submit(
            ALICE,
            None,
            dm,
            now_shown(&fake, &setup),
            &id("clockform"),
            &[("time", time)],
        )
    };
    let refused = act(&fake, &form("25:61")).await;
    assert_eq!(refused["type"], 7);
    assert!(
        refused["data"]["content"]
            .as_str()
            .unwrap()
            .contains("25:61"),
        "{refused}"
    );
    // ...and 13:00 while it is noon in UTC, in March, is Central Europe.
    act(
        &fake,
        &fake::button_press(ALICE, None, dm, now_shown(&fake, &setup), &id("clock")),
    )
    .await;
    let found = act(&fake, &form("13:00")).await;
    assert!(
        options(&found["data"]).contains(&"Europe/Berlin".to_owned()),
        "{found}"
    );
    assert!(!options(&found["data"]).contains(&"America/New_York".to_owned()));
    let zone = fake::string_select(
        ALICE,
        None,
        dm,
        now_shown(&fake, &setup),
        &id("zone"),
        &["Europe/Berlin"],
    );
    let saved = act(&fake, &zone).await;
    assert!(
        saved["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Europe/Berlin"),
        "{saved}"
    );
    assert_eq!(
        column::<Option<String>>(&pool, ALICE, "timezone")
            .await
            .as_deref(),
        Some("Europe/Berlin")
    );

    // A reminder time not in the list, typed into a form.
    let shown = now_shown(&fake, &setup);
    assert!(options(&shown).contains(&"07:30".to_owned()));
    assert!(ids(&shown).contains(&id("othertime")));
    act(
        &fake,
        &fake::button_press(ALICE, None, dm, shown.clone(), &id("othertime")),
    )
    .await;
    let typed = fake::form_submit(
        ALICE,
        None,
        dm,
        shown,
        &id("timeform"),
        &[("time", "06:45")],
    );
    let saved = act(&fake, &typed).await;
    assert!(
        saved["data"]["content"].as_str().unwrap().contains("06:45"),
        "{saved}"
    );
    assert_eq!(
        column::<Option<i16>>(&pool, ALICE, "remind_minute").await,
        Some(405)
    );

    // Five minutes a day, then a tennis ball and a towel.
    let length = fake::string_select(
        ALICE,
        None,
        dm,
        now_shown(&fake, &setup),
        &id("length"),
        &["5"],
    );
    act(&fake, &length).await;
    assert_eq!(
        column::<Option<i16>>(&pool, ALICE, "routine_minutes").await,
        Some(5)
    );
    let kit = fake::string_select(
        ALICE,
        None,
        dm,
        now_shown(&fake, &setup),
        &id("kit"),
        &["tennis ball", "towel"],
    );
    let done = act(&fake, &kit).await;
    assert_eq!(done["data"]["components"], json!([]), "finished: {done}");
    assert_eq!(
        column::<Option<i16>>(&pool, ALICE, "equipment").await,
        Some(0b101)
    );
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn every_question_can_be_skipped_and_nothing_is_saved_for_it(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let dm = fake.dm_channel_for(BOB);
    let setup = first_command(&fake, BOB, "en-US").await;
    assert_eq!(options(&setup)[0], "America/New_York");
    // Someone else's setup is not theirs to answer.
    let alices = fake::button_press(
        ALICE,
        None,
        dm,
        now_shown(&fake, &setup),
        &format!("fcs:skipzone:{BOB}"),
    );
    let refused = act(&fake, &alices).await;
    assert_eq!(refused["data"]["flags"], 64);
    for what in ["skipzone", "skiptime", "skiplength", "skipkit"] {
        let press = fake::button_press(
            BOB,
            None,
            dm,
            now_shown(&fake, &setup),
            &format!("fcs:{what}:{BOB}"),
        );
        act(&fake, &press).await;
    }
    assert_eq!(now_shown(&fake, &setup)["components"], json!([]));
    assert_eq!(column::<Option<String>>(&pool, BOB, "timezone").await, None);
    assert_eq!(
        column::<Option<i16>>(&pool, BOB, "remind_minute").await,
        None
    );
    assert_eq!(column::<Option<i16>>(&pool, BOB, "equipment").await, None);
    running.stop_clean(&fake).await;
}
