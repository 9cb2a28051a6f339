//! The real bot, end to end, against a fake Discord on 127.0.0.1.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::support::bot::{self, RunningBot};
use crate::support::fake_discord::{self as fake, Call, FakeDiscord, Interaction};
use crate::support::pg_proxy::PgProxy;

const T: Duration = Duration::from_secs(10);
const ALICE: u64 = 1_300_000_000_000_000_001;
const BOB: u64 = 1_300_000_000_000_000_002;
const GUILD: u64 = 1_300_000_000_000_000_100;
const CHANNEL: u64 = 1_300_000_000_000_000_200;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 13, 12, 0, 0).unwrap()
}

fn is_put_commands(c: &Call) -> bool {
    c.method == "PUT" && c.path.ends_with("/commands")
}

/// Starts the bot and waits until it registered its commands.
async fn start(pool: &PgPool, fake: &FakeDiscord) -> RunningBot {
    bot::init_tracing();
    let bot = bot::start(pool, fake, None, now());
    fake.wait_for_call(is_put_commands, T).await;
    bot
}

/// Sends an interaction and returns the body of its callback.
async fn interact(fake: &FakeDiscord, ix: &Interaction) -> Value {
    fake.dispatch_interaction(ix).await;
    let path = fake::callback_path(ix);
    fake.wait_for_call(|c| c.path == path, T).await.body
}

fn sub(group: &str, name: &str, options: Value) -> (String, Value) {
    (
        group.to_owned(),
        json!([{ "name": name, "type": 1, "options": options }]),
    )
}

async fn command(fake: &FakeDiscord, user: u64, (name, options): (String, Value)) -> Value {
    interact(
        fake,
        &fake::slash_command(user, None, fake.dm_channel_for(user), &name, options),
    )
    .await
}

fn assert_no_unexpected(fake: &FakeDiscord) {
    let unexpected = fake.unexpected_calls();
    assert!(
        unexpected.is_empty(),
        "unexpected REST calls: {unexpected:#?}"
    );
}

fn ephemeral(body: &Value) -> bool {
    body["data"]["flags"].as_u64().unwrap_or(0) & 64 != 0
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn start_up_registers_once_with_non_privileged_intents(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let first = start(&pool, &fake).await;
    let identify = fake.wait_for_identify(T).await;
    // guilds, guild messages, direct messages: nothing privileged.
    assert_eq!(identify.intents, 1 | (1 << 9) | (1 << 12));
    let put = fake.calls().into_iter().find(is_put_commands).unwrap();
    assert_eq!(
        put.path,
        format!("/api/v10/applications/{}/commands", fake::APPLICATION_ID)
    );
    let mut names: Vec<String> = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["coach", "help", "level", "mydata", "progress", "remind", "routine", "settings"]
    );
    let remind = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "remind")
        .unwrap();
    let subs: Vec<&str> = remind["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["set", "show", "off", "pause", "resume"]);
    let set = &remind["options"][0]["options"];
    assert_eq!(set[0]["name"], "time");
    assert_eq!(set[1]["name"], "timezone");
    assert_eq!(set[1]["autocomplete"], true);
    first.stop().await.unwrap();

    // A second start with the same command set does not register again.
    let second = bot::start(&pool, &fake, None, now());
    fake.wait_for_identifies(2, T).await;
    let body = command(&fake, ALICE, ("help".into(), json!([]))).await;
    assert!(body["data"]["content"]
        .as_str()
        .unwrap()
        .contains("not medical advice"));
    assert_eq!(
        fake.calls().iter().filter(|c| is_put_commands(c)).count(),
        1
    );
    second.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_guild_id_registers_in_that_guild(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    bot::init_tracing();
    let running = bot::start(&pool, &fake, Some(GUILD), now());
    let put = fake.wait_for_call(is_put_commands, T).await;
    assert_eq!(
        put.path,
        format!(
            "/api/v10/applications/{}/guilds/{GUILD}/commands",
            fake::APPLICATION_ID
        )
    );
    running.stop().await.unwrap();
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_refused_registration_ends_start_up_with_an_error(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    bot::init_tracing();
    fake.fail_next(
        "PUT",
        "/applications/*/commands",
        403,
        json!({"message": "Missing Access", "code": 50001}),
        1,
    );
    let running = bot::start(&pool, &fake, None, now());
    let err = running.ended().await.unwrap_err().to_string();
    assert!(err.contains("start-up failed"), "{err}");
    assert!(!err.contains("fake-token"), "never the token: {err}");
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn routine_today_answers_with_an_embed_and_buttons(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;
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
    let buttons = body["data"]["components"][0]["components"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = buttons
        .iter()
        .map(|b| b["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            format!("fc:start:{ALICE}"),
            format!("fc:done:{ALICE}"),
            format!("fc:skip:{ALICE}")
        ]
    );
    let labels: Vec<&str> = buttons
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Start", "Done", "Skip"]);
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn remind_set_shows_discord_timestamps_and_remembers_the_timezone(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;
    let body = command(
        &fake,
        ALICE,
        sub("remind", "set", json!([{"name": "time", "type": 3, "value": "02:30"}, {"name": "timezone", "type": 3, "value": "America/New_York"}])),
    )
    .await;
    // 02:30 does not exist on 14 March 2027 in New York: 03:30 EDT, 07:30 UTC.
    let next = Utc
        .with_ymd_and_hms(2027, 3, 14, 7, 30, 0)
        .unwrap()
        .timestamp();
    let content = body["data"]["content"].as_str().unwrap();
    assert!(content.contains(&format!("<t:{next}:F>")), "{content}");
    assert!(content.contains(&format!("<t:{next}:R>")), "{content}");
    assert!(!ephemeral(&body));

    // Later, the time alone is enough.
    let body = command(
        &fake,
        ALICE,
        sub(
            "remind",
            "set",
            json!([{"name": "time", "type": 3, "value": "06:45"}]),
        ),
    )
    .await;
    let next = Utc
        .with_ymd_and_hms(2027, 3, 14, 10, 45, 0)
        .unwrap()
        .timestamp();
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .contains(&format!("<t:{next}:F>")),
        "{body}"
    );
    let (tz, minute): (String, i16) =
        sqlx::query_as("SELECT timezone, remind_minute FROM users WHERE id = $1")
            .bind(ALICE as i64)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((tz.as_str(), minute), ("America/New_York", 6 * 60 + 45));

    let body = command(&fake, ALICE, sub("remind", "show", json!([]))).await;
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("06:45 (America/New_York)"),
        "{body}"
    );
    let body = command(&fake, ALICE, sub("remind", "off", json!([]))).await;
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Reminder off"),
        "{body}"
    );
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn bad_input_gets_an_ephemeral_answer_and_changes_nothing(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;
    for (time, tz, expect) in [
        ("25:61", Some("Europe/Berlin"), "HH:MM"),
        ("7am-ish", Some("Europe/Berlin"), "HH:MM"),
        ("07:30", Some("Mars/Olympus"), "Europe/Berlin"),
        ("07:30", None, "timezone"),
        ("🦶🦶", None, "HH:MM"),
    ] {
        let mut options = vec![json!({"name": "time", "type": 3, "value": time})];
        if let Some(tz) = tz {
            options.push(json!({"name": "timezone", "type": 3, "value": tz}));
        }
        let body = command(&fake, BOB, sub("remind", "set", Value::Array(options))).await;
        assert!(ephemeral(&body), "{time} {tz:?}: {body}");
        let content = body["data"]["content"].as_str().unwrap();
        assert!(content.contains(expect), "{time} {tz:?}: {content}");
    }
    let set: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE timezone IS NOT NULL OR remind_minute IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(set, 0);
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM timeline")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn timezones_autocomplete_best_first(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;
    let ix = fake::autocomplete(
        ALICE,
        None,
        fake.dm_channel_for(ALICE),
        "remind",
        json!([{"name": "set", "type": 1, "options": [
            {"name": "time", "type": 3, "value": "07:30"},
            {"name": "timezone", "type": 3, "value": "berl", "focused": true}
        ]}]),
    );
    let body = interact(&fake, &ix).await;
    assert_eq!(body["type"], 8);
    let choices = body["data"]["choices"].as_array().unwrap();
    assert_eq!(
        choices[0],
        json!({"name": "Europe/Berlin", "value": "Europe/Berlin"})
    );
    let ix = fake::autocomplete(
        ALICE,
        None,
        fake.dm_channel_for(ALICE),
        "remind",
        json!([{"name": "set", "type": 1, "options": [
            {"name": "time", "type": 3, "value": "07:30"},
            {"name": "timezone", "type": 3, "value": "a", "focused": true}
        ]}]),
    );
    let body = interact(&fake, &ix).await;
    assert_eq!(body["data"]["choices"].as_array().unwrap().len(), 25);
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_dm_done_is_logged_once_and_answered(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;
    let dm = fake.dm_channel_for(ALICE);
    for text in ["Done!", "done ✅"] {
        fake.dispatch(
            "MESSAGE_CREATE",
            fake::message_create(dm, None, ALICE, false, text, None),
        )
        .await;
    }
    let answers = fake
        .wait_for_calls(
            |c| c.method == "POST" && c.path == format!("/api/v10/channels/{dm}/messages"),
            2,
            T,
        )
        .await;
    // The two are handled concurrently: one logs, the other finds it logged.
    let mut texts: Vec<&str> = answers
        .iter()
        .map(|c| c.body["content"].as_str().unwrap())
        .collect();
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
    let long = "🦶".repeat(1000);
    fake.dispatch(
        "MESSAGE_CREATE",
        fake::message_create(dm, None, ALICE, false, &long, None),
    )
    .await;
    let third = fake
        .wait_for_calls(
            |c| c.method == "POST" && c.path == format!("/api/v10/channels/{dm}/messages"),
            3,
            T,
        )
        .await;
    assert!(third[2].body["content"]
        .as_str()
        .unwrap()
        .contains("did not catch"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        fake.calls_to("POST", "/channels/*/messages").len(),
        3,
        "{}",
        fake.describe_calls()
    );
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

/// Someone who ran `/remind set time:07:30 timezone:Europe/Berlin` and has
/// written to the bot before: welcomed, their DM channel known.
async fn known_user(fake: &FakeDiscord, user: u64) {
    command(
        fake,
        user,
        sub(
            "remind",
            "set",
            json!([{"name": "time", "type": 3, "value": "07:30"}, {"name": "timezone", "type": 3, "value": "Europe/Berlin"}]),
        ),
    )
    .await;
    dm(fake, user, "hello").await;
}

/// Sends `text` in `user`'s DM channel and waits for the bot's answer there.
async fn dm(fake: &FakeDiscord, user: u64, text: &str) {
    let channel = fake.dm_channel_for(user);
    let path = format!("/api/v10/channels/{channel}/messages");
    let answered = |c: &Call| c.method == "POST" && c.path == path;
    let before = fake.calls().iter().filter(|c| answered(c)).count();
    fake.dispatch(
        "MESSAGE_CREATE",
        fake::message_create(channel, None, user, false, text, None),
    )
    .await;
    fake.wait_for_calls(answered, before + 1, T).await;
}

/// The PostgreSQL round trips of `action`: counted from when it starts (the
/// gateway event) until its answer reached the fake and traffic stayed quiet
/// a moment; how many of them only filled a connection's statement cache;
/// and the list of what each was.
async fn round_trips_of(proxy: &PgProxy, action: impl std::future::Future) -> (u64, u64, String) {
    // Nothing else may be talking to the database: the set-up's timeline
    // writes woke the worker, which must have gone back to sleep.
    proxy.settle(Duration::from_millis(300), T).await;
    proxy.reset();
    action.await;
    proxy.settle(Duration::from_millis(150), T).await;
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
    let database: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    let proxy = PgProxy::start(&pool.connect_options()).await;
    let proxied = footcoach::store::pool_options(10)
        .connect_with(proxy.connect_options(&database))
        .await
        .unwrap();
    let fake = FakeDiscord::start().await;
    let running = start(&proxied, &fake).await;

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
                command(fake, user, sub("routine", "today", json!([]))),
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

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_reply_to_the_bot_in_a_server_channel_is_logged(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    fake.add_guild_channel(GUILD, CHANNEL);
    let running = start(&pool, &fake).await;
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
    let call = fake
        .wait_for_call(
            |c| c.method == "POST" && c.path == format!("/api/v10/channels/{CHANNEL}/messages"),
            T,
        )
        .await;
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
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn buttons_log_for_their_owner_and_refuse_anyone_else(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    fake.add_guild_channel(GUILD, CHANNEL);
    let running = start(&pool, &fake).await;
    let ix = fake::slash_command(
        ALICE,
        Some((GUILD, CHANNEL)),
        0,
        "routine",
        json!([{"name": "today", "type": 1, "options": []}]),
    );
    interact(&fake, &ix).await;
    let card = fake
        .messages()
        .into_iter()
        .find(|m| {
            m.origin
                == fake::Origin::InteractionResponse {
                    interaction_id: ix.id,
                }
        })
        .expect("the card was posted");

    // Bob presses Alice's Done: refused, privately, nothing logged.
    let press = fake::button_press(
        BOB,
        Some(GUILD),
        CHANNEL,
        card.json.clone(),
        &format!("fc:done:{ALICE}"),
    );
    let body = interact(&fake, &press).await;
    assert!(ephemeral(&body));
    assert!(body["data"]["content"]
        .as_str()
        .unwrap()
        .contains("not yours"));
    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM activity_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(logged, 0);

    // Alice's own press logs the day.
    let press = fake::button_press(
        ALICE,
        Some(GUILD),
        CHANNEL,
        card.json.clone(),
        &format!("fc:done:{ALICE}"),
    );
    let body = interact(&fake, &press).await;
    assert_eq!(body["type"], 4);
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("done. Logged."),
        "{body}"
    );
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT user_id, source FROM activity_log")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(rows, vec![(ALICE as i64, "discord-button".to_owned())]);

    // Start opens a guided session with the first prompt and its buttons.
    let press = fake::button_press(
        ALICE,
        Some(GUILD),
        CHANNEL,
        card.json,
        &format!("fc:start:{ALICE}"),
    );
    let body = interact(&fake, &press).await;
    assert!(
        body["data"]["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Step 1 of"),
        "{body}"
    );
    let ids: Vec<&str> = body["data"]["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            format!("fc:done:{ALICE}"),
            format!("fc:skip:{ALICE}"),
            format!("fc:stop:{ALICE}")
        ]
    );
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn routine_start_progress_and_help(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;
    let body = command(&fake, ALICE, sub("routine", "start", json!([]))).await;
    let content = body["data"]["content"].as_str().unwrap();
    assert!(
        content.starts_with(footcoach::text::WELCOME),
        "the first answer introduces the bot: {content}"
    );
    assert!(
        content.contains("Guided session: **Stability drills**"),
        "{content}"
    );
    let start = now().timestamp();
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

    let body = command(&fake, ALICE, ("progress".into(), json!([]))).await;
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
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Current streak: 0 days."),
        "{body}"
    );
    let body = command(&fake, ALICE, ("help".into(), json!([]))).await;
    let help = body["data"]["content"].as_str().unwrap();
    assert!(
        help.contains("not medical advice")
            && help.contains("sharp pain")
            && help.contains("done, skip"),
        "{help}"
    );
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

/// `footcoach run`, the binary, against the fake: it connects, registers,
/// answers, and stops cleanly on SIGTERM and on SIGINT.
#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_binary_runs_the_bot_and_stops_on_signals(pool: PgPool) {
    let db: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let server: sqlx::postgres::PgConnectOptions =
        std::env::var("DATABASE_URL").unwrap().parse().unwrap();
    let url = format!(
        "postgres://{}@{}:{}/{db}",
        server.get_username(),
        server.get_host(),
        server.get_port()
    );
    let fake = FakeDiscord::start().await;
    for (run, signal) in ["-TERM", "-INT"].into_iter().enumerate() {
        let log_path =
            std::env::temp_dir().join(format!("footcoach-run-{}-{run}.log", std::process::id()));
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_footcoach"))
            .arg("run")
            .env("DATABASE_URL", &url)
            .env("DISCORD_TOKEN", "fake-token-from-env")
            .env("DISCORD_API_URL", fake.api_url())
            .env_remove("DISCORD_GUILD_ID")
            .env("RUST_LOG", "debug")
            // Debug logs go to a file: an unread pipe would fill and block the bot.
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        fake.wait_for_identifies(run + 1, T).await;
        fake.wait_for_call(is_put_commands, T).await;
        let body = command(&fake, ALICE, ("help".into(), json!([]))).await;
        assert!(body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("not medical advice"));
        let pid = child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success());
        let out = tokio::time::timeout(T, child.wait_with_output())
            .await
            .expect("stops in time")
            .unwrap();
        assert!(out.status.success(), "{signal}: {:?}", out.status);
        let logs = std::fs::read_to_string(&log_path).unwrap();
        std::fs::remove_file(&log_path).ok();
        assert!(logs.contains("DEBUG"), "debug logging was on");
        assert!(
            !logs.contains("fake-token-from-env"),
            "the token never appears in logs, even at debug"
        );
    }
    assert_eq!(
        fake.calls().iter().filter(|c| is_put_commands(c)).count(),
        1,
        "registered once"
    );
    assert_no_unexpected(&fake);
}

#[tokio::test]
async fn the_binary_stops_with_one_line_when_the_database_is_gone() {
    let fake = FakeDiscord::start().await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_footcoach"))
        .arg("run")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/footcoach")
        .env("DISCORD_TOKEN", "fake-token")
        .env("DISCORD_API_URL", fake.api_url())
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn pause_and_rest_days_refuse_bad_input_and_say_what_changes(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;
    for (until, expect) in [
        ("2027-03-12", "has passed"),
        ("next week", "YYYY-MM-DD"),
        ("2029-01-01", "up to a year"),
    ] {
        let body = command(
            &fake,
            ALICE,
            sub(
                "remind",
                "pause",
                json!([{"name": "until", "type": 3, "value": until}]),
            ),
        )
        .await;
        assert!(ephemeral(&body), "{until}: {body}");
        assert!(
            body["data"]["content"].as_str().unwrap().contains(expect),
            "{until}: {body}"
        );
    }
    let body = command(
        &fake,
        ALICE,
        sub(
            "settings",
            "restdays",
            json!([{"name": "days", "type": 3, "value": "sat funday"}]),
        ),
    )
    .await;
    assert!(ephemeral(&body));
    assert!(
        body["data"]["content"].as_str().unwrap().contains("funday"),
        "{body}"
    );
    let (paused, rest): (Option<chrono::NaiveDate>, i16) =
        sqlx::query_as("SELECT paused_until, rest_days FROM users WHERE id = $1")
            .bind(ALICE as i64)
            .fetch_optional(&pool)
            .await
            .unwrap()
            .unwrap_or((None, 0));
    assert_eq!((paused, rest), (None, 0), "bad input changes nothing");

    let body = command(
        &fake,
        ALICE,
        sub(
            "remind",
            "pause",
            json!([{"name": "until", "type": 3, "value": "2027-03-20"}]),
        ),
    )
    .await;
    assert!(!ephemeral(&body));
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Paused until Saturday 20 March 2027"),
        "{body}"
    );
    let body = command(
        &fake,
        ALICE,
        sub(
            "settings",
            "restdays",
            json!([{"name": "days", "type": 3, "value": "sat sun"}]),
        ),
    )
    .await;
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Rest days: Sat Sun."),
        "{body}"
    );
    let body = command(&fake, ALICE, sub("remind", "resume", json!([]))).await;
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Welcome back"),
        "{body}"
    );
    let (paused, rest): (Option<chrono::NaiveDate>, i16) =
        sqlx::query_as("SELECT paused_until, rest_days FROM users WHERE id = $1")
            .bind(ALICE as i64)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((paused, rest), (None, 0b110_0000));
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn mydata_export_and_delete_are_for_the_user_alone(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    fake.add_guild_channel(GUILD, CHANNEL);
    let running = start(&pool, &fake).await;
    command(
        &fake,
        ALICE,
        sub("remind", "set", json!([{"name": "time", "type": 3, "value": "07:30"}, {"name": "timezone", "type": 3, "value": "Europe/Berlin"}])),
    )
    .await;
    let dm = fake.dm_channel_for(ALICE);
    fake.dispatch(
        "MESSAGE_CREATE",
        fake::message_create(dm, None, ALICE, false, "done", None),
    )
    .await;
    fake.wait_for_call(|c| c.path == format!("/api/v10/channels/{dm}/messages"), T)
        .await;
    command(&fake, BOB, sub("remind", "set", json!([{"name": "time", "type": 3, "value": "08:00"}, {"name": "timezone", "type": 3, "value": "UTC"}]))).await;

    // Alice is on a server's streak board, Bob on the same one.
    running
        .coach
        .set_coach_channel(
            GUILD as i64,
            CHANNEL as i64,
            "08:00".parse().unwrap(),
            "UTC".parse().unwrap(),
        )
        .await
        .unwrap();
    for user in [ALICE, BOB] {
        running
            .coach
            .set_board(GUILD as i64, footcoach::store::UserId(user as i64), true)
            .await
            .unwrap();
    }
    let ix = fake::slash_command(
        ALICE,
        None,
        dm,
        "mydata",
        json!([{"name": "export", "type": 1, "options": []}]),
    );
    fake.dispatch_interaction(&ix).await;
    let path = fake::callback_path(&ix);
    let call = fake.wait_for_call(|c| c.path == path, T).await;
    assert_eq!(call.files.len(), 1, "a JSON file is attached: {call:?}");
    assert_eq!(call.files[0].0, "footcoach-data.json");
    assert!(
        call.body["data"]["flags"].as_u64().unwrap() & 64 != 0,
        "only Alice sees it"
    );

    let ix = fake::slash_command(
        ALICE,
        Some((GUILD, CHANNEL)),
        0,
        "mydata",
        json!([{"name": "delete", "type": 1, "options": []}]),
    );
    let body = interact(&fake, &ix).await;
    assert!(ephemeral(&body));
    let button = &body["data"]["components"][0]["components"][0];
    assert_eq!(button["custom_id"], format!("fc:delete:{ALICE}"));
    assert_eq!(button["style"], 4, "a danger button");
    let asked = fake
        .messages()
        .into_iter()
        .find(|m| {
            m.origin
                == fake::Origin::InteractionResponse {
                    interaction_id: ix.id,
                }
        })
        .unwrap();

    // Bob cannot delete Alice.
    let press = fake::button_press(
        BOB,
        Some(GUILD),
        CHANNEL,
        asked.json.clone(),
        &format!("fc:delete:{ALICE}"),
    );
    assert!(interact(&fake, &press).await["data"]["content"]
        .as_str()
        .unwrap()
        .contains("not yours"));
    let alice_rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM activity_log WHERE user_id = $1")
            .bind(ALICE as i64)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(alice_rows, 1);

    let press = fake::button_press(
        ALICE,
        Some(GUILD),
        CHANNEL,
        asked.json,
        &format!("fc:delete:{ALICE}"),
    );
    let body = interact(&fake, &press).await;
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("everything about you is deleted"),
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
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE user_id = $1"))
                .bind(ALICE as i64)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(n, 0, "{table} still has Alice's rows");
    }
    let users: Vec<i64> = sqlx::query_scalar("SELECT id FROM users")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(users, vec![BOB as i64], "only Bob is left");
    let bob_pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM timeline WHERE user_id = $1 AND state = 'pending'",
    )
    .bind(BOB as i64)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(bob_pending > 0, "Bob's reminders are untouched");
    let board: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM board_members")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(board, vec![BOB as i64], "Bob stays on the board");
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn level_down_and_the_pain_question_setting(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;
    let body = command(&fake, ALICE, sub("level", "down", json!([]))).await;
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("gentler: level 1 of 4"),
        "{body}"
    );
    let body = command(&fake, ALICE, sub("level", "down", json!([]))).await;
    assert!(
        ephemeral(&body)
            && body["data"]["content"]
                .as_str()
                .unwrap()
                .contains("easiest level"),
        "{body}"
    );
    let body = command(
        &fake,
        ALICE,
        sub(
            "settings",
            "painprompt",
            json!([{"name": "ask", "type": 3, "value": "maybe"}]),
        ),
    )
    .await;
    assert!(ephemeral(&body), "{body}");
    let body = command(
        &fake,
        ALICE,
        sub(
            "settings",
            "painprompt",
            json!([{"name": "ask", "type": 3, "value": "off"}]),
        ),
    )
    .await;
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("will not ask"),
        "{body}"
    );
    let (level, ask): (Option<i16>, bool) =
        sqlx::query_as("SELECT level, ask_pain FROM users WHERE id = $1")
            .bind(ALICE as i64)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((level, ask), (Some(1), false));
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn first_use_is_introduced_once_and_high_pain_makes_sessions_gentler(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;

    // The first answer introduces the bot, with the safety note and the way out.
    let body = command(&fake, ALICE, sub("routine", "start", json!([]))).await;
    let first = body["data"]["content"].as_str().unwrap();
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
        !body["data"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("Hi, I am footcoach"),
        "said once: {body}"
    );

    // Pain of 8, told in a DM mid-session: a clinician, and gentler sessions.
    let dm = fake.dm_channel_for(ALICE);
    let posts = |n| {
        let fake = &fake;
        async move {
            fake.wait_for_calls(
                |c| c.method == "POST" && c.path == format!("/api/v10/channels/{dm}/messages"),
                n,
                T,
            )
            .await
        }
    };
    fake.dispatch(
        "MESSAGE_CREATE",
        fake::message_create(dm, None, ALICE, false, "pain 8/10", None),
    )
    .await;
    let answer = posts(1).await[0].body["content"]
        .as_str()
        .unwrap()
        .to_owned();
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
    fake.dispatch(
        "MESSAGE_CREATE",
        fake::message_create(dm, None, ALICE, false, "pain 11", None),
    )
    .await;
    let answer = posts(2).await[1].body["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(answer.contains("0") && answer.contains("10"), "{answer}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM activity_log WHERE user_id = $1")
        .bind(ALICE as i64)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_slow_export_is_deferred_where_only_its_owner_sees_it(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = start(&pool, &fake).await;
    command(&fake, ALICE, sub("routine", "today", json!([]))).await;

    // Hold the log table so the export takes longer than Discord's patience.
    let mut lock = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE activity_log IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let ix = fake::slash_command(
        ALICE,
        Some((GUILD, CHANNEL)),
        0,
        "mydata",
        json!([{"name": "export", "type": 1, "options": []}]),
    );
    let deferred = interact(&fake, &ix).await;
    assert_eq!(deferred["type"], 5, "{deferred}");
    assert!(ephemeral(&deferred), "the deferral is private: {deferred}");
    lock.rollback().await.unwrap();

    // poise answers a deferred interaction with a follow-up, which takes
    // the place of the private "thinking" message.
    let followup = fake::followup_path(&ix);
    let answer = fake
        .wait_for_call(|c| c.path == followup && c.method == "POST", T)
        .await;
    assert_eq!(answer.files.len(), 1, "{answer:?}");
    assert!(
        answer.response["flags"].as_u64().unwrap_or(0) & 64 != 0,
        "{answer:?}"
    );
    running.stop().await.unwrap();
    assert_no_unexpected(&fake);
}
