//! Slash commands and the buttons on their answers, as a person uses them
//! in a DM or a server, with what they change in the database.

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::support::app::{daily_post_at_eight, join_board};
use crate::support::bot::{self, saturday_noon, RunningBot};
use crate::support::chat::{
    answer_to, button_ids, button_labels, callback, command, dm, ephemeral, interact, press, slash,
    strings, sub, text, Slash, WAIT,
};
use crate::support::db;
use crate::support::fake_discord::{self as fake, FakeDiscord};
use crate::{ALICE, BOB, CHANNEL, GUILD};

/// The fake Discord, knowing the server channel CHANNEL, and the bot ready
/// on it at Saturday noon.
async fn bot_in_server(pool: &PgPool) -> (FakeDiscord, RunningBot) {
    let fake = FakeDiscord::start().await;
    fake.add_guild_channel(GUILD, CHANNEL);
    let running = bot::ready(pool, &fake, None, saturday_noon()).await;
    (fake, running)
}

/// `user` presses the button `custom_id` on `message` in the server channel:
/// the body of the answer.
async fn press_in_channel(
    fake: &FakeDiscord,
    user: u64,
    message: &Value,
    custom_id: &str,
) -> Value {
    press(fake, user, Some(GUILD), CHANNEL, message, custom_id).await
}

/// `/remind set` with these options.
fn remind_set(options: &[(&str, &str)]) -> Slash {
    sub("remind", "set", strings(options))
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn routine_today_answers_with_an_embed_and_buttons(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    let body = command(&fake, ALICE, sub("routine", "today", json!([]))).await;
    assert_eq!(body["type"], 4);
    assert!(!ephemeral(&body));
    let embed = &body["data"]["embeds"][0];
    // 2027-03-13 is a Saturday: the stability routine.
    assert_eq!(embed["title"], "Today: Stability drills (10 min)");
    let fields = embed["fields"].as_array().unwrap();
    let content = footcoach::content::Content::embedded().unwrap();
    let routine = content.routine("stability").unwrap();
    assert_eq!(fields.len(), routine.steps.len());
    let first = &content.steps(routine)[0];
    assert_eq!(fields[0]["name"], format!("1. {}", first.exercise.name));
    assert_eq!(
        fields[0]["value"],
        format!(
            "{} · needs: {}",
            first.dose,
            first.exercise.equipment_text()
        )
    );
    assert_eq!(
        button_ids(&body["data"]),
        [
            format!("fc:start:{ALICE}"),
            format!("fc:done:{ALICE}"),
            format!("fc:skip:{ALICE}")
        ]
    );
    assert_eq!(button_labels(&body["data"]), ["Start", "Done", "Skip"]);
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn remind_set_shows_discord_timestamps_and_remembers_the_timezone(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    let body = command(
        &fake,
        ALICE,
        remind_set(&[("time", "02:30"), ("timezone", "America/New_York")]),
    )
    .await;
    // 02:30 does not exist on 14 March 2027 in New York: 03:30 EDT, 07:30 UTC.
    let next = Utc
        .with_ymd_and_hms(2027, 3, 14, 7, 30, 0)
        .unwrap()
        .timestamp();
    assert!(text(&body).contains(&format!("<t:{next}:F>")), "{body}");
    assert!(text(&body).contains(&format!("<t:{next}:R>")), "{body}");
    assert!(!ephemeral(&body));

    // Later, the time alone is enough.
    let body = command(&fake, ALICE, remind_set(&[("time", "06:45")])).await;
    let next = Utc
        .with_ymd_and_hms(2027, 3, 14, 10, 45, 0)
        .unwrap()
        .timestamp();
    assert!(text(&body).contains(&format!("<t:{next}:F>")), "{body}");
    let (tz, minute): (String, i16) =
        sqlx::query_as("SELECT timezone, remind_minute FROM users WHERE id = $1")
            .bind(ALICE as i64)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((tz.as_str(), minute), ("America/New_York", 6 * 60 + 45));

    let body = command(&fake, ALICE, sub("remind", "show", json!([]))).await;
    assert!(text(&body).contains("06:45 (America/New_York)"), "{body}");
    let body = command(&fake, ALICE, sub("remind", "off", json!([]))).await;
    assert!(text(&body).starts_with("Reminder off"), "{body}");
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn bad_input_gets_an_ephemeral_answer_and_changes_nothing(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    for (time, tz, expect) in [
        ("25:61", Some("Europe/Berlin"), "HH:MM"),
        ("7am-ish", Some("Europe/Berlin"), "HH:MM"),
        ("07:30", Some("Mars/Olympus"), "Europe/Berlin"),
        ("07:30", None, "timezone"),
        ("🦶🦶", None, "HH:MM"),
    ] {
        let mut options = vec![("time", time)];
        options.extend(tz.map(|tz| ("timezone", tz)));
        let body = command(&fake, BOB, remind_set(&options)).await;
        assert!(ephemeral(&body), "{time} {tz:?}: {body}");
        assert!(text(&body).contains(expect), "{time} {tz:?}: {body}");
    }
    let set = db::count(
        &pool,
        "users WHERE timezone IS NOT NULL OR remind_minute IS NOT NULL",
    )
    .await;
    assert_eq!(set, 0);
    assert_eq!(db::count(&pool, "timeline").await, 0);
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn timezones_autocomplete_best_first(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    // What Discord sends while Alice types `typed` as the timezone.
    let typing = |typed: &str| {
        fake::autocomplete(
            ALICE,
            None,
            fake.dm_channel_for(ALICE),
            "remind",
            json!([{"name": "set", "type": 1, "options": [
                {"name": "time", "type": 3, "value": "07:30"},
                {"name": "timezone", "type": 3, "value": typed, "focused": true}
            ]}]),
        )
    };
    let body = interact(&fake, &typing("berl")).await;
    assert_eq!(body["type"], 8);
    let choices = body["data"]["choices"].as_array().unwrap();
    assert_eq!(
        choices[0],
        json!({"name": "Europe/Berlin", "value": "Europe/Berlin"})
    );
    let body = interact(&fake, &typing("a")).await;
    assert_eq!(body["data"]["choices"].as_array().unwrap().len(), 25);
    // A city without its region, and an abbreviation offering the zones meant.
    let body = interact(&fake, &typing("berlin")).await;
    assert_eq!(body["data"]["choices"][0]["value"], "Europe/Berlin");
    let body = interact(&fake, &typing("EST")).await;
    let values: Vec<&str> = body["data"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["value"].as_str())
        .collect();
    assert!(values.contains(&"America/New_York"), "{values:?}");
    assert!(!values.contains(&"EST"), "{values:?}");
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn timezones_as_people_type_them(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    let stored = || async {
        sqlx::query_scalar::<_, Option<String>>("SELECT timezone FROM users WHERE id = $1")
            .bind(ALICE as i64)
            .fetch_optional(&pool)
            .await
            .unwrap()
            .flatten()
    };

    // EST never changes for summer time: refused privately, the zone meant offered.
    let body = command(
        &fake,
        ALICE,
        remind_set(&[("time", "07:30"), ("timezone", "EST")]),
    )
    .await;
    assert!(ephemeral(&body), "{body}");
    assert!(text(&body).contains("summer time"), "{body}");
    assert!(text(&body).contains("like America/New_York"), "{body}");
    assert!(text(&body).ends_with("Nothing was changed."), "{body}");
    assert_eq!(stored().await, None);
    assert_eq!(db::count(&pool, "timeline").await, 0);

    // A city, as typed, is stored and named by its IANA zone.
    let body = command(
        &fake,
        ALICE,
        remind_set(&[("time", "07:30"), ("timezone", "new york")]),
    )
    .await;
    assert!(!ephemeral(&body), "{body}");
    assert!(text(&body).contains("(America/New_York)"), "{body}");
    assert_eq!(stored().await.as_deref(), Some("America/New_York"));
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn buttons_log_for_their_owner_and_refuse_anyone_else(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    let ix = sub("routine", "today", json!([])).in_server(ALICE, GUILD, CHANNEL);
    interact(&fake, &ix).await;
    let card = answer_to(&fake, &ix).json;

    // Bob presses Alice's Done: refused, privately, nothing logged.
    let body = press_in_channel(&fake, BOB, &card, &format!("fc:done:{ALICE}")).await;
    assert!(ephemeral(&body));
    assert!(text(&body).contains("not yours"), "{body}");
    assert_eq!(db::count(&pool, "activity_log").await, 0);

    // Alice's own press logs the day.
    let body = press_in_channel(&fake, ALICE, &card, &format!("fc:done:{ALICE}")).await;
    assert_eq!(body["type"], 4);
    assert!(text(&body).contains("done. Logged."), "{body}");
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT user_id, source FROM activity_log")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(rows, vec![(ALICE as i64, "discord-button".to_owned())]);

    // Start opens a guided session with the first prompt and its buttons.
    let body = press_in_channel(&fake, ALICE, &card, &format!("fc:start:{ALICE}")).await;
    assert!(
        body["data"]["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Step 1 of"),
        "{body}"
    );
    assert_eq!(
        button_ids(&body["data"]),
        [
            format!("fc:done:{ALICE}"),
            format!("fc:skip:{ALICE}"),
            format!("fc:stop:{ALICE}")
        ]
    );
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn routine_start_progress_and_help(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    let body = command(&fake, ALICE, sub("routine", "start", json!([]))).await;
    let content = text(&body);
    assert!(
        content.starts_with(footcoach::text::WELCOME),
        "the first answer introduces the bot: {content}"
    );
    assert!(
        content.contains("Guided session: **Stability drills**"),
        "{content}"
    );
    let start = saturday_noon().timestamp();
    assert!(content.contains(&format!("<t:{start}:t>")), "{content}");
    let prompt = &body["data"]["embeds"][0];
    assert!(
        prompt["title"].as_str().unwrap().starts_with("Step 1 of"),
        "{prompt}"
    );
    assert!(
        prompt["description"].as_str().unwrap().contains(":R>"),
        "a live countdown: {prompt}"
    );
    let session: (String, i16) =
        sqlx::query_as("SELECT state, current_step FROM guided_sessions WHERE user_id = $1")
            .bind(ALICE as i64)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(session, ("active".to_owned(), 1));

    let body = command(&fake, ALICE, slash("progress")).await;
    let picture = fake
        .calls()
        .into_iter()
        .rev()
        .find(|c| c.path.ends_with("/callback") && !c.files.is_empty())
        .expect("/progress attaches its picture");
    assert_eq!(picture.files[0].0, "progress.png");
    assert!(
        picture.files[0].1 > 1000 && picture.files[0].1 < 100 * 1024,
        "{:?}",
        picture.files
    );
    assert!(text(&body).starts_with("Current streak: 0 days."), "{body}");
    let body = command(&fake, ALICE, slash("help")).await;
    let help = text(&body);
    assert!(
        help.contains("not medical advice")
            && help.contains("sharp pain")
            && help.contains("done, skip"),
        "{help}"
    );
    running.stop_clean(&fake).await;
}

/// `user`'s pause and rest days (for someone the bot does not know yet,
/// none).
async fn pause_and_rest_days(pool: &PgPool, user: u64) -> (Option<chrono::NaiveDate>, i16) {
    sqlx::query_as("SELECT paused_until, rest_days FROM users WHERE id = $1")
        .bind(user as i64)
        .fetch_optional(pool)
        .await
        .unwrap()
        .unwrap_or((None, 0))
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn pause_and_rest_days_refuse_bad_input_and_say_what_changes(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    let pause = |until: &str| sub("remind", "pause", strings(&[("until", until)]));
    let rest_days = |days: &str| sub("settings", "restdays", strings(&[("days", days)]));
    for (until, expect) in [
        ("2027-03-12", "has passed"),
        ("next week", "YYYY-MM-DD"),
        ("2029-01-01", "up to a year"),
    ] {
        let body = command(&fake, ALICE, pause(until)).await;
        assert!(ephemeral(&body), "{until}: {body}");
        assert!(text(&body).contains(expect), "{until}: {body}");
    }
    let body = command(&fake, ALICE, rest_days("sat funday")).await;
    assert!(ephemeral(&body));
    assert!(text(&body).contains("funday"), "{body}");
    assert_eq!(
        pause_and_rest_days(&pool, ALICE).await,
        (None, 0),
        "bad input changes nothing"
    );

    let body = command(&fake, ALICE, pause("2027-03-20")).await;
    assert!(!ephemeral(&body));
    assert!(
        text(&body).starts_with("Paused until Saturday 20 March 2027"),
        "{body}"
    );
    let body = command(&fake, ALICE, rest_days("sat sun")).await;
    assert!(text(&body).starts_with("Rest days: Sat Sun."), "{body}");
    let body = command(&fake, ALICE, sub("remind", "resume", json!([]))).await;
    assert!(text(&body).starts_with("Welcome back"), "{body}");
    assert_eq!(pause_and_rest_days(&pool, ALICE).await, (None, 0b110_0000));
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn mydata_export_and_delete_are_for_the_user_alone(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    command(
        &fake,
        ALICE,
        remind_set(&[("time", "07:30"), ("timezone", "Europe/Berlin")]),
    )
    .await;
    dm(&fake, ALICE, "done").await;
    command(
        &fake,
        BOB,
        remind_set(&[("time", "08:00"), ("timezone", "UTC")]),
    )
    .await;

    // Alice is on a server's streak board, Bob on the same one.
    daily_post_at_eight(&running.coach, GUILD, CHANNEL).await;
    for user in [ALICE, BOB] {
        join_board(&running.coach, GUILD, user).await;
    }
    let ix = sub("mydata", "export", json!([])).in_dm(&fake, ALICE);
    fake.dispatch_interaction(&ix).await;
    let call = callback(&fake, &ix).await;
    assert_eq!(call.files.len(), 1, "a JSON file is attached: {call:?}");
    assert_eq!(call.files[0].0, "footcoach-data.json");
    assert!(ephemeral(&call.body), "only Alice sees it");

    let ix = sub("mydata", "delete", json!([])).in_server(ALICE, GUILD, CHANNEL);
    let body = interact(&fake, &ix).await;
    assert!(ephemeral(&body));
    let button = &body["data"]["components"][0]["components"][0];
    assert_eq!(button["custom_id"], format!("fc:delete:{ALICE}"));
    assert_eq!(button["style"], 4, "a danger button");
    let asked = answer_to(&fake, &ix).json;

    // Bob cannot delete Alice.
    let body = press_in_channel(&fake, BOB, &asked, &format!("fc:delete:{ALICE}")).await;
    assert!(text(&body).contains("not yours"), "{body}");
    let alice_rows = db::count(&pool, &format!("activity_log WHERE user_id = {ALICE}")).await;
    assert_eq!(alice_rows, 1);

    let body = press_in_channel(&fake, ALICE, &asked, &format!("fc:delete:{ALICE}")).await;
    assert!(
        text(&body).contains("everything about you is deleted"),
        "{body}"
    );
    // Every table with a user_id column, so a new table cannot be forgotten.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name = 'user_id'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(tables.len() >= 5, "{tables:?}");
    for table in tables {
        let n = db::count(&pool, &format!("{table} WHERE user_id = {ALICE}")).await;
        assert_eq!(n, 0, "{table} still has Alice's rows");
    }
    let users: Vec<i64> = sqlx::query_scalar("SELECT id FROM users")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(users, vec![BOB as i64], "only Bob is left");
    let bob_pending = db::count(
        &pool,
        &format!("timeline WHERE user_id = {BOB} AND state = 'pending'"),
    )
    .await;
    assert!(bob_pending > 0, "Bob's reminders are untouched");
    let board: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM board_members")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(board, vec![BOB as i64], "Bob stays on the board");
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn level_down_and_the_pain_question_setting(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    let body = command(&fake, ALICE, sub("level", "down", json!([]))).await;
    assert!(text(&body).contains("gentler: level 1 of 4"), "{body}");
    let body = command(&fake, ALICE, sub("level", "down", json!([]))).await;
    assert!(
        ephemeral(&body) && text(&body).contains("easiest level"),
        "{body}"
    );
    let pain_prompt = |ask: &str| sub("settings", "painprompt", strings(&[("ask", ask)]));
    let body = command(&fake, ALICE, pain_prompt("maybe")).await;
    assert!(ephemeral(&body), "{body}");
    let body = command(&fake, ALICE, pain_prompt("off")).await;
    assert!(text(&body).contains("will not ask"), "{body}");
    let (level, ask): (Option<i16>, bool) =
        sqlx::query_as("SELECT level, ask_pain FROM users WHERE id = $1")
            .bind(ALICE as i64)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((level, ask), (Some(1), false));
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_slow_export_is_deferred_where_only_its_owner_sees_it(pool: PgPool) {
    let (fake, running) = bot_in_server(&pool).await;
    command(&fake, ALICE, sub("routine", "today", json!([]))).await;

    // Hold the log table so the export takes longer than Discord's patience.
    let mut lock = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE activity_log IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let ix = sub("mydata", "export", json!([])).in_server(ALICE, GUILD, CHANNEL);
    let deferred = interact(&fake, &ix).await;
    assert_eq!(deferred["type"], 5, "{deferred}");
    assert!(ephemeral(&deferred), "the deferral is private: {deferred}");
    lock.rollback().await.unwrap();

    // The answer replaces the private "thinking" message by editing it, so
    // a retried edit cannot post the export twice.
    let original = fake::original_path(&ix);
    let answer = fake
        .wait_for_call(|c| c.path == original && c.method == "PATCH", WAIT)
        .await;
    assert_eq!(answer.files.len(), 1, "{answer:?}");
    assert!(
        answer.response["flags"].as_u64().unwrap_or(0) & 64 != 0,
        "{answer:?}"
    );
    assert!(fake.calls_to("POST", &fake::followup_path(&ix)).is_empty());
    running.stop_clean(&fake).await;
}
