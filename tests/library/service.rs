//! What the Coach remembers about a person with each command: a first
//! contact is introduced once and remembered with the channel it came from;
//! exporting or deleting data never re-creates anything.

use chrono::{TimeZone, Utc};
use sqlx::PgPool;

use crate::support::app::App;
use crate::support::db::count;
use footcoach::app::{Command, Origin, Reply, Source};
use footcoach::store::UserId;

const CHANNEL: i64 = 1_400_000_000_000_000_300;

fn in_server(source: Source) -> Origin {
    Origin {
        server_channel: Some(CHANNEL),
        ..Origin::new(source)
    }
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_first_contact_in_a_server_is_introduced_once_and_its_channel_kept(pool: PgPool) {
    let app = App::new(&pool, Utc.with_ymd_and_hms(2027, 6, 7, 8, 0, 0).unwrap());
    let user = UserId(3001);
    let origin = in_server(Source::DiscordCommand);
    let first = app
        .coach
        .handle(user, origin, Command::RoutineToday)
        .await
        .unwrap();
    assert!(
        first.first_time,
        "the first answer carries the introduction"
    );
    assert!(matches!(first.reply, Reply::Today(_)));
    let channel: Option<i64> =
        sqlx::query_scalar("SELECT last_channel_id FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        channel,
        Some(CHANNEL),
        "where to tell them if DMs are closed"
    );
    let again = app
        .coach
        .handle(user, origin, Command::RoutineToday)
        .await
        .unwrap();
    assert!(!again.first_time, "introduced once");
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn deleting_or_exporting_from_a_server_channel_recreates_nothing(pool: PgPool) {
    let app = App::new(&pool, Utc.with_ymd_and_hms(2027, 6, 7, 8, 0, 0).unwrap());
    let user = UserId(3002);
    app.say(user, Command::Reply(footcoach::coach::reply::Intent::Done))
        .await;
    assert_eq!(count(&pool, "users").await, 1);
    let answer = app
        .coach
        .handle(
            user,
            in_server(Source::DiscordButton),
            Command::DeleteConfirmed,
        )
        .await
        .unwrap();
    assert_eq!(answer.reply, Reply::Deleted { anything: true });
    assert!(!answer.first_time);
    assert_eq!(
        count(&pool, "users").await,
        0,
        "the button's channel is not kept"
    );
    assert_eq!(count(&pool, "activity_log").await, 0);

    let stranger = UserId(3003);
    let export = app
        .coach
        .handle(stranger, in_server(Source::DiscordCommand), Command::Export)
        .await
        .unwrap();
    assert!(matches!(export.reply, Reply::Export(_)));
    assert_eq!(count(&pool, "users").await, 0, "an export stores nothing");
}
