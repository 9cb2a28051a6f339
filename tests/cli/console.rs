//! The console end to end: the real binary, typed lines, the real database.

use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use sqlx::{Connection, Row};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::support::db::{connect, count, drop_database, fresh_database, url_for};
use crate::support::png::{decode, drawn_share};
use footcoach::coach::schedule::{iso_local, next_reminder};
use footcoach::coach::{LocalTime, Timezone};

/// Runs `footcoach console --user NAME` with `input` piped in.
async fn console(database_url: &str, user: &str, input: &str) -> std::process::Output {
    console_in(database_url, user, input, &std::env::temp_dir()).await
}

/// `console`, which must end well: what it printed.
async fn console_ok(database_url: &str, user: &str, input: &str) -> String {
    let out = console(database_url, user, input).await;
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

/// `console`, started in `dir`.
async fn console_in(
    database_url: &str,
    user: &str,
    input: &str,
    dir: &std::path::Path,
) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_footcoach"))
        .current_dir(dir)
        .args(["console", "--user", user])
        .env("DATABASE_URL", database_url)
        .env_remove("DISCORD_TOKEN")
        .env_remove("CONTENT_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).await.unwrap();
    drop(stdin);
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the console ends at end of input")
        .unwrap()
}

#[tokio::test]
async fn a_whole_morning_in_the_console_lands_in_the_database() {
    let db = fresh_database("console");
    let url = url_for(&db);
    let before = Utc::now();
    let stdout = console_ok(
        &url,
        "alex",
        "/remind set 07:30 America/New_York\n/routine today\ndone\ndone\n/progress\n",
    )
    .await;
    let after = Utc::now();

    // The first thing a person sees carries the safety note.
    assert!(stdout.contains("not medical advice"), "{stdout}");
    // The reminder answer gives the next instant in ISO 8601 with its offset, and in words.
    let tz: Timezone = "America/New_York".parse().unwrap();
    let time: LocalTime = "07:30".parse().unwrap();
    let candidates = [
        next_reminder(tz, time, before),
        next_reminder(tz, time, after),
    ];
    assert!(
        candidates
            .iter()
            .any(|next| stdout.contains(&iso_local(tz, *next))),
        "expected {} in:\n{stdout}",
        iso_local(tz, candidates[0])
    );
    assert!(stdout.contains("at 07:30"), "{stdout}");
    // Today's routine lists its steps with doses and minutes.
    assert!(stdout.contains("min)"), "{stdout}");
    assert!(stdout.contains("1. "), "{stdout}");
    // "done" twice logs once and says so.
    assert!(stdout.contains(": done. Logged."), "{stdout}");
    assert!(stdout.contains("already logged"), "{stdout}");
    assert!(stdout.contains("Current streak: 1 day."), "{stdout}");
    let picture = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Your calendar of the last 12 weeks: "))
        .expect("/progress names its picture");
    let bytes = std::fs::read(picture).expect("the picture is written");
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    // /routine today writes the day's exercises as one numbered picture.
    let sheet = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Today's exercises as pictures: "))
        .expect("/routine today names its picture sheet");
    assert!(sheet.ends_with("footcoach-routine-alex.png"), "{sheet}");
    let (width, height, pixels) = decode(&std::fs::read(sheet).expect("the sheet is written"));
    assert_eq!(width, 2 * 320 + 3 * 12, "two drawings a row");
    assert!(height >= 2 * 252 + 12, "at least two rows: {height}");
    assert!(drawn_share(&pixels) > 0.1, "something is drawn");

    let mut conn = connect(&db).await;
    let user =
        sqlx::query("SELECT id, timezone, remind_minute FROM users WHERE console_name = 'alex'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let id: i64 = user.get("id");
    assert_eq!(
        user.get::<Option<String>, _>("timezone").as_deref(),
        Some("America/New_York")
    );
    assert_eq!(
        user.get::<Option<i16>, _>("remind_minute"),
        Some(7 * 60 + 30)
    );
    let logs = sqlx::query("SELECT step, outcome, source FROM activity_log WHERE user_id = $1")
        .bind(id)
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(logs.len(), 1, "done twice is stored once");
    assert_eq!(logs[0].get::<i16, _>("step"), 0);
    assert_eq!(logs[0].get::<String, _>("outcome"), "done");
    assert_eq!(logs[0].get::<String, _>("source"), "console");
    conn.close().await.ok();

    // A second run sees what the first saved.
    let again = console(&url, "alex", "/remind show\n/progress\n").await;
    let stdout = String::from_utf8(again.stdout).unwrap();
    assert!(
        stdout.contains("Reminder every day at 07:30 (America/New_York)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Evening nudge at 19:00"),
        "the default nudge is shown: {stdout}"
    );
    assert!(stdout.contains("Current streak: 1 day."), "{stdout}");
    drop_database(&db).await;
}

#[tokio::test]
async fn a_guided_session_walks_through_the_steps() {
    let db = fresh_database("session");
    let stdout = console_ok(
        &url_for(&db),
        "sam",
        "/routine start\ndone\nskip\npain 8\nstop\nstop\n",
    )
    .await;
    assert!(stdout.contains("Step 1 of"), "{stdout}");
    assert!(stdout.contains("Step 2 of"), "{stdout}");
    assert!(stdout.contains("Step 3 of"), "{stdout}");
    assert!(
        stdout.contains("Next up: "),
        "each prompt says what comes next: {stdout}"
    );
    assert!(
        stdout.contains("clinician"),
        "pain 8 suggests a clinician: {stdout}"
    );
    assert!(stdout.contains("Session stopped at step 3"), "{stdout}");
    assert!(stdout.contains("No guided session is running"), "{stdout}");
    let mut conn = connect(&db).await;
    let rows: Vec<(i16, String)> =
        sqlx::query_as("SELECT step, outcome FROM activity_log ORDER BY step, outcome")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![(1, "done".into()), (2, "skip".into()), (3, "pain".into())]
    );
    let state: String = sqlx::query_scalar("SELECT state FROM guided_sessions")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(state, "stopped");
    conn.close().await.ok();
    drop_database(&db).await;
}

#[tokio::test]
async fn bad_input_gets_one_line_and_changes_nothing() {
    let db = fresh_database("badinput");
    let long = "x".repeat(4000);
    let input = format!(
        "/remind set 25:61 Europe/Berlin\n/remind set 07:30 Mars/Olympus\n/remind set 7am-ish\n/remind set 06:45\n/dance\n{long}\n🦶🦶🦶\n/routine\n"
    );
    let stdout = console_ok(&url_for(&db), "kim", &input).await;
    // After the one-line introduction, one answer per line typed.
    let answers: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(answers.len(), 8, "one line per bad line:\n{stdout}");
    assert!(
        answers[0].contains("25:61") && answers[0].contains("HH:MM"),
        "{}",
        answers[0]
    );
    assert!(
        answers[1].contains("Mars/Olympus") && answers[1].contains("Europe/Berlin"),
        "{}",
        answers[1]
    );
    assert!(answers[2].contains("7am-ish"), "{}", answers[2]);
    assert!(
        answers[3].contains("timezone"),
        "no timezone known yet: {}",
        answers[3]
    );
    assert!(answers[4].contains("Unknown command"), "{}", answers[4]);
    assert!(
        answers[5].contains("did not catch") && answers[5].len() < 200,
        "{}",
        answers[5]
    );
    assert!(answers[6].contains("did not catch"), "{}", answers[6]);
    assert!(answers[7].contains("/routine today"), "{}", answers[7]);
    let mut conn = connect(&db).await;
    let (reminders, logs): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM users WHERE remind_minute IS NOT NULL OR timezone IS NOT NULL),
                (SELECT count(*) FROM activity_log)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!((reminders, logs), (0, 0));
    conn.close().await.ok();
    drop_database(&db).await;
}

#[tokio::test]
async fn a_city_is_its_zone_and_an_abbreviation_is_refused() {
    let db = fresh_database("zones");
    let stdout = console_ok(
        &url_for(&db),
        "sam",
        "/remind set 07:30 EST\n/remind set 07:30 são paulo\n",
    )
    .await;
    let answers: Vec<&str> = stdout.lines().skip(1).collect();
    assert!(
        answers[0].contains("like America/New_York") && answers[0].contains("Nothing was changed."),
        "{stdout}"
    );
    assert!(stdout.contains("(America/Sao_Paulo)"), "{stdout}");
    let mut conn = connect(&db).await;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT timezone FROM users WHERE console_name = 'sam'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(stored.as_deref(), Some("America/Sao_Paulo"));
    conn.close().await.ok();
    drop_database(&db).await;
}

#[tokio::test]
async fn an_unreachable_or_malformed_database_stops_start_up_with_one_line() {
    for (url, expect) in [
        ("postgres://postgres@127.0.0.1:1/footcoach", "DATABASE_URL"),
        ("mysql://nope", "DATABASE_URL is not a PostgreSQL URL"),
    ] {
        let out = console(url, "x", "").await;
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expect), "{stderr}");
    }
}

#[tokio::test]
async fn pause_resume_and_rest_days_in_the_console() {
    let db = fresh_database("pause");
    let today = Utc::now().date_naive();
    let until = today + chrono::Days::new(10);
    let input = format!(
        "/remind pause {}\n/remind pause {until}\n/settings restdays sat sun\n/settings restdays funday\n/remind show\n/remind resume\n/remind resume\n",
        today - chrono::Days::new(3)
    );
    let stdout = console_ok(&url_for(&db), "pat", &input).await;
    let answers: Vec<&str> = stdout.lines().skip(1).collect();
    assert!(answers[0].contains("has passed"), "{stdout}");
    assert!(answers[1].starts_with("Paused until"), "{stdout}");
    assert!(answers[2].starts_with("Rest days: Sat Sun."), "{stdout}");
    assert!(
        answers[3].contains("funday") && answers[3].contains("/settings restdays"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("until {}", until.format("%-d %B %Y"))),
        "{stdout}"
    );
    assert!(stdout.contains("Welcome back"), "{stdout}");
    assert!(stdout.contains("You were not paused"), "{stdout}");
    let mut conn = connect(&db).await;
    let (paused, rest): (Option<chrono::NaiveDate>, i16) =
        sqlx::query_as("SELECT paused_until, rest_days FROM users WHERE console_name = 'pat'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!((paused, rest), (None, 0b110_0000));
    conn.close().await.ok();
    drop_database(&db).await;
}

#[tokio::test]
async fn export_then_delete_everything_from_the_console() {
    let db = fresh_database("mydata");
    let url = url_for(&db);
    let dir = std::env::temp_dir().join(format!("footcoach-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = console_in(
        &url,
        "dana",
        "/remind set 07:30 Europe/Paris\n/routine start\ndone\n/mydata export\n",
        &dir,
    )
    .await;
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Your data is in"), "{stdout}");
    assert!(
        stdout
            .lines()
            .next()
            .unwrap()
            .contains("not medical advice"),
        "first use says it: {stdout}"
    );
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("footcoach-data-dana.json")).unwrap())
            .unwrap();
    assert_eq!(data["format"], "footcoach-export");
    assert_eq!(data["version"], 1);
    assert_eq!(data["user"]["timezone"], "Europe/Paris");
    assert_eq!(data["user"]["reminder_time"], "07:30");
    assert_eq!(data["log"][0]["step"], 1);
    assert_eq!(data["log"][0]["outcome"], "done");
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    assert!(!data["timeline"].as_array().unwrap().is_empty());
    assert_eq!(data["boards"], serde_json::json!([]));

    // Once welcomed, a second start says hello without repeating the introduction.
    let out = console_in(
        &url,
        "dana",
        "/mydata delete\n/mydata delete confirm\n/progress\n",
        &dir,
    )
    .await;
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("footcoach: hello again, dana."),
        "{stdout}"
    );
    assert!(stdout.contains("/mydata delete confirm"), "{stdout}");
    assert!(
        stdout.contains("everything about you is deleted"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("Current streak"),
        "the session ends after deleting: {stdout}"
    );
    let mut conn = connect(&db).await;
    // Every table but the bot's own bookkeeping and the servers' settings,
    // which name nobody.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
           AND table_name NOT IN ('_sqlx_migrations', 'bot_state', 'servers')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(tables.len() >= 6, "{tables:?}");
    for table in tables {
        let n = count(&mut conn, &table).await;
        assert_eq!(n, 0, "{table} still has rows");
    }
    conn.close().await.ok();
    std::fs::remove_dir_all(&dir).ok();
    drop_database(&db).await;
}

#[tokio::test]
async fn coach_in_the_console_previews_the_server_post_and_changes_nothing() {
    let db = fresh_database("coach");
    let url = url_for(&db);
    let stdout = console_ok(
        &url,
        "erin",
        "done\n/coach board on\n/coach board maybe\n/coach channel general 08:00\n/coach\n",
    )
    .await;
    assert!(stdout.contains("/coach is for Discord servers"), "{stdout}");
    assert!(
        stdout.contains("Good morning! Today's foot routine"),
        "{stdout}"
    );
    assert!(stdout.contains("Weekly streak board"), "{stdout}");
    assert!(stdout.contains("1. you: streak 1 day"), "{stdout}");
    assert_eq!(
        stdout
            .matches("Type /coach channel, /coach show, /coach off, or /coach board on (or off)")
            .count(),
        2,
        "{stdout}"
    );
    let mut conn = connect(&db).await;
    for table in ["servers", "board_members"] {
        let n = count(&mut conn, table).await;
        assert_eq!(n, 0, "the console changed {table}");
    }
    conn.close().await.ok();
    drop_database(&db).await;
}

#[tokio::test]
async fn length_and_equipment_in_the_console_fit_the_routine_and_are_exported() {
    let db = fresh_database("fit");
    let dir = std::env::temp_dir().join(format!("footcoach-fit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = console_in(
        &url_for(&db),
        "fay",
        "/settings length 5\n/settings equipment tennis ball\n/settings equipment marbles\n/settings length 7\n/routine today\n/remind show\n/mydata export\n",
        &dir,
    )
    .await;
    let stdout = String::from_utf8(out.stdout).unwrap();
    let answers: Vec<&str> = stdout.lines().skip(1).collect();
    assert!(
        answers[0].starts_with("Routine length: 5 minutes a day."),
        "{stdout}"
    );
    assert!(
        answers[1].starts_with("Your equipment: tennis ball."),
        "{stdout}"
    );
    assert!(
        answers[2].contains("\"marbles\"") && answers[2].contains("/settings equipment"),
        "{stdout}"
    );
    assert!(
        answers[3].contains("\"7\"") && answers[3].contains("/settings length"),
        "{stdout}"
    );
    // Days count in UTC until a timezone is set: every day's routine has a
    // five-minute form, and each lacks something else.
    let weekday = chrono::Datelike::weekday(&Utc::now().date_naive());
    let expected: &[&str] = match weekday {
        chrono::Weekday::Wed | chrono::Weekday::Sat => &[
            "Short stability drills (5 min)",
            "Short stability drills instead of stability drills: you chose 5 minutes a day.",
            "Squat instead of squat and step-up: you have no step.",
        ],
        _ => &[
            "Towel arch stretch left out: you have no towel.",
            "Tennis ball foot roll instead of golf ball sole roll: you have no chair or golf ball.",
        ],
    };
    for line in expected {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    assert_eq!(
        stdout.matches("Routine length: 5 minutes a day.").count(),
        2,
        "set, then /remind show: {stdout}"
    );
    assert!(
        stdout.contains("Your equipment: tennis ball.\n"),
        "/remind show: {stdout}"
    );

    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("footcoach-data-fay.json")).unwrap())
            .unwrap();
    assert_eq!(data["user"]["routine_minutes"], 5);
    assert_eq!(
        data["user"]["equipment"],
        serde_json::json!(["tennis ball"])
    );
    let mut conn = connect(&db).await;
    let row =
        sqlx::query("SELECT routine_minutes, equipment FROM users WHERE console_name = 'fay'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let saved: (Option<i16>, Option<i16>) = (row.get(0), row.get(1));
    assert_eq!(saved, (Some(5), Some(1)));
    conn.close().await.ok();
    std::fs::remove_dir_all(&dir).ok();
    drop_database(&db).await;
}

#[tokio::test]
async fn a_newcomer_is_offered_the_setup_and_answers_it_line_by_line() {
    let db = fresh_database("setup");
    let url = url_for(&db);
    // The time on the clock an hour ahead of UTC finds zones; then a city;
    // a bad time is asked again; an empty line skips the length.
    let clock = (Utc::now() + chrono::Duration::hours(1)).format("%H:%M");
    let stdout = console_ok(
        &url,
        "robin",
        &format!("/setup\n{clock}\nsão paulo\n25:61\n06:45\n\ntennis ball and a towel\n"),
    )
    .await;
    assert!(
        stdout.contains("/setup for four quick questions"),
        "{stdout}"
    );
    assert!(
        stdout.contains("you are probably in one of these:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Your timezone: America/Sao_Paulo."),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"25:61\" is not a time of day"),
        "{stdout}"
    );
    assert!(stdout.contains("All set."), "{stdout}");

    let mut conn = connect(&db).await;
    let row = sqlx::query(
        "SELECT timezone, remind_minute, routine_minutes, equipment FROM users
         WHERE console_name = 'robin'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        row.get::<Option<String>, _>(0).as_deref(),
        Some("America/Sao_Paulo")
    );
    assert_eq!(row.get::<Option<i16>, _>(1), Some(6 * 60 + 45));
    assert_eq!(row.get::<Option<i16>, _>(2), None, "skipped");
    assert_eq!(row.get::<Option<i16>, _>(3), Some(0b101));
    conn.close().await.unwrap();

    // Only a newcomer is offered it.
    let again = console_ok(&url, "robin", "").await;
    assert!(!again.contains("/setup for four"), "{again}");
    drop_database(&db).await;
}

#[tokio::test]
async fn settings_weekly_in_the_console_and_a_review_prints_with_its_picture() {
    use chrono::Datelike;
    use tokio::io::{AsyncBufReadExt, BufReader};

    let db = fresh_database("weekly");
    let url = url_for(&db);
    let stdout = console_ok(
        &url,
        "wes",
        "/settings weekly someday\n/settings weekly off\n/remind set 07:30 UTC\n/settings weekly sunday\n/remind show\n",
    )
    .await;
    let answers: Vec<&str> = stdout.lines().skip(1).collect();
    assert!(
        answers[0].contains("\"someday\"") && answers[0].contains("/settings weekly"),
        "{stdout}"
    );
    assert_eq!(
        answers[1], "Week in review off. Turn it back on with /settings weekly sunday",
        "{stdout}"
    );
    assert!(
        answers[3].starts_with(
            "Your week in review comes every Sunday at your reminder time, 07:30. Next: "
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Week in review: Sundays at your reminder time"),
        "{stdout}"
    );

    // A review due now, today being the review day, with a day done this
    // week: the open console prints it and writes its picture.
    let mut conn = connect(&db).await;
    let today = Utc::now().date_naive();
    let id: i64 = sqlx::query_scalar(
        "UPDATE users SET weekly_day = $1 WHERE console_name = 'wes' RETURNING id",
    )
    .bind(today.weekday().num_days_from_sunday() as i16)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO activity_log (user_id, local_date, routine_id, step, outcome, source, logged_at)
         VALUES ($1, $2, 'morning', 0, 'done', 'console', now())",
    )
    .bind(id)
    .bind(today - chrono::Days::new(2))
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query("DELETE FROM timeline WHERE user_id = $1 AND kind = 'weekly'")
        .bind(id)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date)
         VALUES ($1, 'weekly', now(), now(), $2)",
    )
    .bind(id)
    .bind(today)
    .execute(&mut conn)
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("footcoach-weekly-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_footcoach"))
        .current_dir(&dir)
        .args(["console", "--user", "wes"])
        .env("DATABASE_URL", &url)
        .env_remove("DISCORD_TOKEN")
        .env_remove("CONTENT_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    // Input stays open until the review printed.
    let stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let picture = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            printed.push(line.clone());
            if let Some(path) = line.strip_prefix("The picture of your week: ") {
                return path.to_owned();
            }
        }
        panic!("no picture in:\n{}", printed.join("\n"))
    })
    .await
    .expect("the review prints while the console is open");
    drop(stdin);
    child.wait().await.unwrap();
    let printed = printed.join("\n");
    assert!(printed.contains("Your week in review: "), "{printed}");
    assert!(printed.contains("  Days done: 1 of "), "{printed}");
    let bytes = std::fs::read(&picture).expect("the picture is written");
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    assert!(picture.ends_with("footcoach-week-wes.png"), "{picture}");
    let state: String = sqlx::query_scalar(
        "SELECT state FROM timeline WHERE user_id = $1 AND kind = 'weekly' AND local_date = $2",
    )
    .bind(id)
    .bind(today)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(state, "sent");
    conn.close().await.ok();
    std::fs::remove_dir_all(&dir).ok();
    drop_database(&db).await;
}
