//! Server features end to end: `/coach channel`, the daily server post and
//! the opt-in weekly streak board, with the real bot and the real Discord
//! messenger against the fake Discord.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::support::app::{daily_post_at_eight, join_board, App};
use crate::support::bot::{self, messenger, saturday_noon, RunningBot};
use crate::support::chat::{button_ids, ephemeral, interact, press, strings, sub, text, WAIT};
use crate::support::db;
use crate::support::fake_discord::{self as fake, FakeDiscord, Interaction};

const ADMIN: u64 = 1_500_000_000_000_000_001;
const BOB: u64 = 1_500_000_000_000_000_002;
const CAROL: u64 = 1_500_000_000_000_000_003;
const GUILD: u64 = 1_500_000_000_000_000_100;
const CHANNEL: u64 = 1_500_000_000_000_000_200;
const LOCKED: u64 = 1_500_000_000_000_000_201;
const HIDDEN: u64 = 1_500_000_000_000_000_202;

fn at(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, day, h, m, 0).unwrap()
}

/// The fake Discord with a server of three channels: CHANNEL, where the bot
/// may post, LOCKED, where it may not, and HIDDEN, which it cannot see; and
/// the bot ready on it at Saturday noon.
async fn server_and_bot(pool: &PgPool) -> (FakeDiscord, RunningBot) {
    let fake = FakeDiscord::start().await;
    fake.add_guild_channel(GUILD, CHANNEL);
    fake.add_guild_channel(GUILD, LOCKED);
    fake.add_guild_channel(GUILD, HIDDEN);
    fake.deny_bot_in_channel(LOCKED, false);
    fake.deny_bot_in_channel(HIDDEN, true);
    let running = bot::ready(pool, &fake, None, saturday_noon()).await;
    (fake, running)
}

/// `/coach <sub> options` in the server, by a member with `permissions`.
fn coach_command(user: u64, permissions: u64, name: &str, options: Value) -> Interaction {
    fake::with_member_permissions(
        sub("coach", name, options).in_server(user, GUILD, CHANNEL),
        permissions,
    )
}

fn channel_options(channel: u64, time: Option<&str>, timezone: Option<&str>) -> Value {
    let mut options = vec![json!({"name": "channel", "type": 7, "value": channel.to_string()})];
    if let Some(t) = time {
        options.push(json!({"name": "time", "type": 3, "value": t}));
    }
    if let Some(tz) = timezone {
        options.push(json!({"name": "timezone", "type": 3, "value": tz}));
    }
    Value::Array(options)
}

/// What the bot posted in the coach channel itself (not interaction answers).
fn channel_posts(fake: &FakeDiscord) -> Vec<fake::StoredMessage> {
    fake.messages_in(CHANNEL)
        .into_iter()
        .filter(|m| m.origin == fake::Origin::Channel)
        .collect()
}

/// The daily posts (not the announcement, which has no buttons) in the coach channel.
fn daily_posts(fake: &FakeDiscord) -> Vec<fake::StoredMessage> {
    channel_posts(fake)
        .into_iter()
        .filter(|m| !m.json["components"].as_array().is_none_or(Vec::is_empty))
        .collect()
}

async fn log_done(pool: &PgPool, user: u64, days: &[u32]) {
    sqlx::query("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(user as i64)
        .execute(pool)
        .await
        .unwrap();
    for day in days {
        sqlx::query(
            "INSERT INTO activity_log (user_id, local_date, routine_id, step, outcome, source, logged_at)
             VALUES ($1, make_date(2027, 3, $2), 'morning', 0, 'done', 'test', now())",
        )
        .bind(user as i64)
        .bind(*day as i32)
        .execute(pool)
        .await
        .unwrap();
    }
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn coach_channel_is_for_admins_and_checks_the_channel_and_the_input(pool: PgPool) {
    let (fake, running) = server_and_bot(&pool).await;

    // Registered for servers only, for Manage Server by default, with a text-channel option.
    let commands = fake.registered_commands(None);
    let coach = commands.iter().find(|c| c["name"] == "coach").unwrap();
    assert_eq!(coach["default_member_permissions"], "32");
    assert_eq!(coach["contexts"], json!([0]));
    let channel_sub = coach["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "channel")
        .unwrap();
    assert_eq!(channel_sub["options"][0]["type"], 7);
    assert_eq!(channel_sub["options"][0]["channel_types"], json!([0, 5]));

    let admin = fake::PERMISSION_MANAGE_GUILD;
    for (options, says) in [
        (
            channel_options(CHANNEL, Some("25:61"), None),
            "\"25:61\" is not a time",
        ),
        (
            channel_options(CHANNEL, Some("7h30 🦶"), None),
            "is not a time",
        ),
        (
            channel_options(CHANNEL, None, Some("Mars/Olympus_Mons")),
            "is not a timezone",
        ),
        (channel_options(LOCKED, None, None), "I cannot post in"),
        (channel_options(HIDDEN, None, None), "I cannot post in"),
    ] {
        let body = interact(&fake, &coach_command(ADMIN, admin, "channel", options)).await;
        assert!(ephemeral(&body), "{body}");
        assert!(text(&body).contains(says), "{says}: {body}");
        assert!(text(&body).contains("Nothing was changed"), "{body}");
        assert_eq!(db::count(&pool, "servers").await, 0);
    }
    assert!(channel_posts(&fake).is_empty());

    let body = interact(&fake, &coach_command(ADMIN, admin, "off", json!([]))).await;
    assert!(
        text(&body).contains("no daily post, so nothing changed"),
        "{body}"
    );

    let body = interact(
        &fake,
        &coach_command(
            ADMIN,
            admin,
            "channel",
            channel_options(CHANNEL, Some("07:30"), Some("Europe/Berlin")),
        ),
    )
    .await;
    assert!(ephemeral(&body));
    // 07:30 in Berlin on Sunday 14 March 2027 (CET) is 06:30 UTC.
    let first = at(14, 6, 30).timestamp();
    assert!(text(&body).contains(&format!("<t:{first}:F>")), "{body}");
    assert!(text(&body).contains(&format!("<#{CHANNEL}>")), "{body}");
    let announcement = channel_posts(&fake);
    assert_eq!(announcement.len(), 1, "the bot says hello in the channel");
    assert!(announcement[0]
        .content()
        .contains("every day at 07:30 (Europe/Berlin)"));
    assert!(
        announcement[0].json["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("not medical advice"),
        "the announcement carries the safety note in an embed"
    );
    let row: (i64, i16, String, chrono::NaiveDate, DateTime<Utc>) = sqlx::query_as(
        "SELECT channel_id, post_minute, timezone, next_date, next_due_at FROM servers WHERE guild_id = $1",
    )
    .bind(GUILD as i64)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            CHANNEL as i64,
            450,
            "Europe/Berlin".to_owned(),
            chrono::NaiveDate::from_ymd_opt(2027, 3, 14).unwrap(),
            at(14, 6, 30)
        )
    );

    // A server that opens /coach to everyone lets members use the board,
    // but only those with Manage Server change the daily post.
    fake.open_command_to_everyone(GUILD, "coach");
    let body = interact(
        &fake,
        &coach_command(
            CAROL,
            0,
            "channel",
            channel_options(CHANNEL, Some("06:00"), None),
        ),
    )
    .await;
    assert!(
        text(&body).contains("Only members with the Manage Server permission"),
        "{body}"
    );
    let body = interact(&fake, &coach_command(CAROL, 0, "off", json!([]))).await;
    assert!(
        text(&body).contains("Only members with the Manage Server permission"),
        "{body}"
    );
    assert_eq!(db::count(&pool, "servers").await, 1);
    let board = |choice: &str| strings(&[("choice", choice)]);
    let body = interact(&fake, &coach_command(CAROL, 0, "board", board("maybe"))).await;
    assert!(text(&body).contains("Type on or off"), "{body}");
    let body = interact(&fake, &coach_command(CAROL, 0, "board", board("on"))).await;
    assert!(
        text(&body).contains("You are on this server's weekly streak board"),
        "{body}"
    );
    let members: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM board_members")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(members, vec![CAROL as i64]);

    let body = interact(&fake, &coach_command(ADMIN, admin, "off", json!([]))).await;
    assert!(text(&body).contains("no more daily posts"), "{body}");
    assert_eq!(db::count(&pool, "servers").await, 0);
    running.stop_clean(&fake).await;
}

/// Sets the server's daily post at 08:00 UTC through the real command.
async fn set_channel(fake: &FakeDiscord) {
    let body = interact(
        fake,
        &coach_command(
            ADMIN,
            fake::PERMISSION_MANAGE_GUILD,
            "channel",
            channel_options(CHANNEL, Some("08:00"), Some("UTC")),
        ),
    )
    .await;
    assert!(text(&body).starts_with("Done."), "{body}");
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_daily_post_goes_out_once_and_the_board_shows_only_those_who_opted_in(pool: PgPool) {
    let (fake, running) = server_and_bot(&pool).await;
    set_channel(&fake).await;
    // The worker, on a Coach of its own, posts through the real messenger.
    let app = App::new(&pool, at(14, 8, 0));
    let worker = app.scheduler(messenger(&fake, &pool));

    // Sunday 14 March, 08:00 UTC: one post, whatever the worker is asked again.
    assert_eq!(
        worker.run_server_posts_once(at(14, 7, 59)).await.unwrap(),
        0
    );
    assert_eq!(worker.run_server_posts_once(at(14, 8, 0)).await.unwrap(), 1);
    assert_eq!(worker.run_server_posts_once(at(14, 8, 1)).await.unwrap(), 0);
    assert_eq!(
        worker.run_server_posts_once(at(14, 23, 0)).await.unwrap(),
        0
    );
    let posts = daily_posts(&fake);
    assert_eq!(posts.len(), 1);
    let sunday = &posts[0].json;
    assert!(posts[0].content().starts_with("Good morning!"), "{sunday}");
    assert!(sunday["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Today: "));
    assert_eq!(
        sunday["embeds"].as_array().unwrap().len(),
        1,
        "no board on Sunday"
    );
    assert_eq!(button_ids(sunday), ["fc:board:join"]);
    let call = &fake.calls_to("POST", &format!("/channels/{CHANNEL}/messages"))[1];
    assert_eq!(call.body["enforce_nonce"], true);
    assert_eq!(call.body["allowed_mentions"], json!({"parse": []}));

    // Bob, an ordinary member, joins with the button; pressing again changes nothing.
    for expected in ["You are on", "You were already on"] {
        let body = press(&fake, BOB, Some(GUILD), CHANNEL, sunday, "fc:board:join").await;
        assert!(ephemeral(&body));
        assert!(text(&body).starts_with(expected), "{body}");
    }
    // The admin joins with the command; Carol never opts in.
    let body = interact(
        &fake,
        &coach_command(
            ADMIN,
            fake::PERMISSION_MANAGE_GUILD,
            "board",
            strings(&[("choice", "on")]),
        ),
    )
    .await;
    assert!(text(&body).contains("2 members are on it"), "{body}");

    // Last week (8 to 14 March): Bob did Friday to Sunday, the admin Sunday,
    // Carol every day.
    log_done(&pool, BOB, &[12, 13, 14]).await;
    log_done(&pool, ADMIN, &[14]).await;
    log_done(&pool, CAROL, &[8, 9, 10, 11, 12, 13, 14]).await;

    app.clock.set(at(15, 8, 0));
    assert_eq!(worker.run_server_posts_once(at(15, 8, 0)).await.unwrap(), 1);
    let posts = daily_posts(&fake);
    assert_eq!(posts.len(), 2);
    let monday = &posts[1].json;
    let board = &monday["embeds"][1];
    assert_eq!(
        board["title"], "Weekly streak board, 8 March to 14 March",
        "{monday}"
    );
    assert_eq!(
        board["description"],
        format!(
            "1. <@{BOB}>: streak 3 days, 3 of 7 days last week\n2. <@{ADMIN}>: streak 1 day, 1 of 7 days last week"
        )
    );
    assert!(
        !monday.to_string().contains(&CAROL.to_string()),
        "Carol did not opt in: {monday}"
    );
    assert_eq!(button_ids(monday), ["fc:board:join", "fc:board:leave"]);

    // Bob leaves with the button on the board; the next board is the admin's alone.
    let body = press(&fake, BOB, Some(GUILD), CHANNEL, monday, "fc:board:leave").await;
    assert!(text(&body).contains("you are off"), "{body}");
    let members: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM board_members")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(members, vec![ADMIN as i64]);

    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn after_downtime_a_missed_day_is_skipped_and_today_goes_out_late(pool: PgPool) {
    let (fake, running) = server_and_bot(&pool).await;
    set_channel(&fake).await;
    let worker = App::new(&pool, at(15, 9, 0)).scheduler(messenger(&fake, &pool));

    // Down from Saturday until Monday 09:00: Sunday's post is over, Monday's is late.
    assert_eq!(worker.run_server_posts_once(at(15, 9, 0)).await.unwrap(), 1);
    assert!(
        daily_posts(&fake).is_empty(),
        "Sunday's post is not sent on Monday"
    );
    let error: Option<String> = sqlx::query_scalar("SELECT last_error FROM servers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(error, None, "downtime is not the server's problem to fix");
    assert_eq!(worker.run_server_posts_once(at(15, 9, 0)).await.unwrap(), 1);
    let posts = daily_posts(&fake);
    assert_eq!(posts.len(), 1);
    assert!(
        posts[0].content().contains("a little late"),
        "{}",
        posts[0].json
    );
    assert_eq!(worker.run_server_posts_once(at(15, 9, 1)).await.unwrap(), 0);
    let next: DateTime<Utc> = sqlx::query_scalar("SELECT next_due_at FROM servers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(next, at(16, 8, 0));

    // The bot loses Send Messages there: no retry that day, a note of why.
    fake.deny_bot_in_channel(CHANNEL, false);
    assert_eq!(worker.run_server_posts_once(at(16, 8, 0)).await.unwrap(), 1);
    assert_eq!(
        worker.run_server_posts_once(at(16, 12, 0)).await.unwrap(),
        0
    );
    let (next, error): (DateTime<Utc>, Option<String>) =
        sqlx::query_as("SELECT next_due_at, last_error FROM servers")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(next, at(17, 8, 0));
    assert!(error.unwrap().contains("50013"));
    assert_eq!(daily_posts(&fake).len(), 1);
    let body = interact(
        &fake,
        &coach_command(ADMIN, fake::PERMISSION_MANAGE_GUILD, "show", json!([])),
    )
    .await;
    assert!(ephemeral(&body));
    assert!(
        text(&body).contains("did not go out") && text(&body).contains("Missing Permissions"),
        "{body}"
    );
    running.stop().await.unwrap();
}

/// A CHANNEL_DELETE payload: the deleted text channel of the server.
fn channel_delete(channel: u64) -> Value {
    json!({
        "id": channel.to_string(), "type": 0, "guild_id": GUILD.to_string(),
        "name": "gone", "position": 0, "permission_overwrites": [],
        "nsfw": false, "parent_id": null, "last_message_id": null,
        "rate_limit_per_user": 0, "topic": null, "flags": 0,
    })
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_deleted_channel_or_a_removal_from_the_server_stops_the_posts(pool: PgPool) {
    let (fake, running) = server_and_bot(&pool).await;
    set_channel(&fake).await;
    join_board(&running.coach, GUILD, BOB).await;

    // A server outage is not a removal: nothing is forgotten.
    fake.dispatch(
        "GUILD_DELETE",
        json!({"id": GUILD.to_string(), "unavailable": true}),
    )
    .await;
    fake.dispatch("CHANNEL_DELETE", channel_delete(LOCKED))
        .await;
    let body = interact(
        &fake,
        &coach_command(ADMIN, fake::PERMISSION_MANAGE_GUILD, "show", json!([])),
    )
    .await;
    assert!(
        text(&body).contains(&format!("goes to <#{CHANNEL}>")),
        "{body}"
    );

    fake.dispatch("CHANNEL_DELETE", channel_delete(CHANNEL))
        .await;
    db::wait_for_count(&pool, "servers", 0, WAIT).await;
    assert_eq!(
        db::count(&pool, "board_members").await,
        1,
        "opt-ins wait for a new channel"
    );

    fake.dispatch("GUILD_DELETE", json!({"id": GUILD.to_string()}))
        .await;
    db::wait_for_count(&pool, "board_members", 0, WAIT).await;
    running.stop().await.unwrap();
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_board_shows_twenty_members_best_first_and_counts_the_rest(pool: PgPool) {
    let coach = App::new(&pool, at(15, 8, 0)).coach;
    daily_post_at_eight(&coach, GUILD, CHANNEL).await;
    // Member i did the last i days of last week (at most 7): later joiners do more.
    for i in 0..22u64 {
        let user = BOB + i;
        join_board(&coach, GUILD, user).await;
        let days: Vec<u32> = (0..i.min(7) as u32).map(|d| 14 - d).collect();
        log_done(&pool, user, &days).await;
    }
    let board = coach
        .board(GUILD as i64, at(15, 8, 0).date_naive())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(board.rows.len(), 20);
    assert_eq!(board.more, 2);
    // The 15 members with 7 days lead, in the order they joined; the two
    // left off are those with the fewest days.
    assert_eq!(board.rows[0].user.0, (BOB + 7) as i64);
    assert_eq!(board.rows[0].days_done, 7);
    assert_eq!(board.rows[0].current_streak, 7);
    assert_eq!(board.rows[19].days_done, 2);
    let lines = footcoach::text::servers::board_lines(&board);
    assert_eq!(
        footcoach::discord::render::markup(lines.last().unwrap()),
        "and 2 more"
    );
}
