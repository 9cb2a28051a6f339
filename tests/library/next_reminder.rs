//! The next reminder a person is shown is the one that will really be sent:
//! rest days, a pause and a day already done send none, and closed DMs
//! send nothing at all.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;

use crate::support::app::App;
use footcoach::app::{Command, Reply};
use footcoach::coach::plan::RestDays;
use footcoach::coach::reply::Intent;
use footcoach::coach::{LocalTime, Timezone};
use footcoach::store::UserId;

/// Saturday 5 June 2027, 12:00 UTC.
fn saturday_noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 6, 5, 12, 0, 0).unwrap()
}

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 6, day, hour, minute, 0).unwrap()
}

async fn set_reminder(app: &App, user: UserId, hour: u32, minute: u32) -> Option<DateTime<Utc>> {
    let reply = app
        .say(
            user,
            Command::RemindSet {
                time: LocalTime::new(hour, minute).unwrap(),
                timezone: Some("UTC".parse::<Timezone>().unwrap()),
            },
        )
        .await;
    let Reply::ReminderSet(view) = reply else {
        panic!("{reply:?}")
    };
    view.next
}

async fn shown_next(app: &App, user: UserId) -> Option<DateTime<Utc>> {
    match app.say(user, Command::RemindShow).await {
        Reply::ReminderShow {
            reminder: Some(view),
            ..
        } => view.next,
        other => panic!("{other:?}"),
    }
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_next_reminder_shown_skips_rest_days_pauses_and_a_day_done(pool: PgPool) {
    let app = App::new(&pool, saturday_noon());

    // Sunday is a rest day: after Saturday's 07:30 has passed, Monday's comes.
    let rester = UserId(5001);
    assert_eq!(set_reminder(&app, rester, 7, 30).await, Some(at(6, 7, 30)));
    app.say(
        rester,
        Command::RestDays(RestDays::parse_list("sun").unwrap()),
    )
    .await;
    assert_eq!(shown_next(&app, rester).await, Some(at(7, 7, 30)));

    // Today's 18:00 is still to come, until the day is done.
    let doer = UserId(5002);
    assert_eq!(set_reminder(&app, doer, 18, 0).await, Some(at(5, 18, 0)));
    app.say(doer, Command::Reply(Intent::Done)).await;
    assert_eq!(shown_next(&app, doer).await, Some(at(6, 18, 0)));
    // Setting it again on a day done also names tomorrow's.
    assert_eq!(set_reminder(&app, doer, 19, 0).await, Some(at(6, 19, 0)));

    // Paused through Tuesday: Wednesday's is next.
    let traveller = UserId(5003);
    set_reminder(&app, traveller, 7, 30).await;
    app.say(
        traveller,
        Command::Pause {
            until: chrono::NaiveDate::from_ymd_opt(2027, 6, 8).unwrap(),
        },
    )
    .await;
    assert_eq!(shown_next(&app, traveller).await, Some(at(9, 7, 30)));

    // DMs closed: no reminder is coming, and none is promised.
    let closed = UserId(5004);
    set_reminder(&app, closed, 7, 30).await;
    sqlx::query("UPDATE users SET dm_blocked_at = now() WHERE id = $1")
        .bind(closed.0)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(shown_next(&app, closed).await, None);
}
