//! Pain and progression: gentler after high or rising pain, up a level after
//! steady low-pain days, and back down on request; every change recorded.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::PgPool;

use crate::support::app::App;
use footcoach::app::{Command, Reply};
use footcoach::coach::progression::{LevelChange, LevelReason, PainAdvice};
use footcoach::coach::reply::Intent;
use footcoach::coach::PainLevel;
use footcoach::error::UserError;
use footcoach::store::UserId;

fn start() -> DateTime<Utc> {
    // Monday 7 June 2027, 08:00 UTC.
    Utc.with_ymd_and_hms(2027, 6, 7, 8, 0, 0).unwrap()
}

fn pain(n: u8) -> Command {
    Command::Reply(Intent::Pain(PainLevel::new(n).unwrap()))
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn high_pain_makes_sessions_gentler_and_suggests_a_clinician(pool: PgPool) {
    let app = App::new(&pool, start());
    let user = UserId(2001);
    let Reply::SessionStarted(before) = app.say(user, Command::RoutineStart).await else {
        panic!()
    };
    assert!(before.ask_pain, "asks about pain first");
    assert_eq!(before.card.level, 2);

    match app.say(user, pain(8)).await {
        Reply::Pain {
            advice,
            level_change,
            ..
        } => {
            assert_eq!(advice, PainAdvice::SeeClinician);
            assert_eq!(
                level_change,
                Some(LevelChange {
                    from: 2,
                    to: 1,
                    levels: 4,
                    reason: LevelReason::Pain(PainLevel::new(8).unwrap()),
                })
            );
        }
        other => panic!("{other:?}"),
    }
    // Once a day is enough: a second report does not drop another level.
    assert!(matches!(
        app.say(user, pain(9)).await,
        Reply::Pain {
            level_change: None,
            ..
        }
    ));

    let Reply::SessionStarted(after) = app.say(user, Command::RoutineStart).await else {
        panic!()
    };
    assert_eq!(after.card.level, 1);
    assert!(!after.ask_pain, "pain was already given today");
    let (first_before, first_after) = (&before.card.steps[0], &after.card.steps[0]);
    assert_eq!(first_before.name, first_after.name);
    assert!(
        first_after.seconds < first_before.seconds,
        "{first_before:?} vs {first_after:?}"
    );
    let recorded = app.store.level_changes(user).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        (
            recorded[0].from,
            recorded[0].to,
            recorded[0].reason.to_string().as_str()
        ),
        (2, 1, "pain 8/10")
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn pain_rising_over_three_days_makes_sessions_gentler(pool: PgPool) {
    let app = App::new(&pool, start());
    let user = UserId(2002);
    for (day, level) in [(0, 1), (1, 3)] {
        app.clock.set(start() + Duration::days(day));
        assert!(matches!(
            app.say(user, pain(level)).await,
            Reply::Pain {
                level_change: None,
                ..
            }
        ));
    }
    app.clock.set(start() + Duration::days(2));
    match app.say(user, pain(5)).await {
        Reply::Pain {
            advice,
            level_change,
            ..
        } => {
            assert_eq!(advice, PainAdvice::SeeClinician);
            assert_eq!(level_change.map(|c| c.to), Some(1));
        }
        other => panic!("{other:?}"),
    }
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn steady_low_pain_days_move_up_a_level_and_level_down_goes_back(pool: PgPool) {
    let app = App::new(&pool, start());
    let user = UserId(2003);
    let mut changes = Vec::new();
    for day in 0..5 {
        app.clock.set(start() + Duration::days(day));
        app.say(user, pain(1)).await;
        if let Reply::Logged { level_change, .. } =
            app.say(user, Command::Reply(Intent::Done)).await
        {
            changes.push(level_change);
        }
    }
    assert_eq!(changes[..4], [None, None, None, None]);
    assert_eq!(
        changes[4],
        Some(LevelChange {
            from: 2,
            to: 3,
            levels: 4,
            reason: LevelReason::Progress,
        }),
        "the fifth low-pain day"
    );
    let Reply::Today(today) = app.say(user, Command::RoutineToday).await else {
        panic!()
    };
    let footcoach::app::TodayPlan::Train(card) = today.plan else {
        panic!()
    };
    assert_eq!(card.level, 3);

    // A painful day does not count towards the next level.
    app.clock.set(start() + Duration::days(5));
    app.say(user, pain(5)).await;
    assert!(matches!(
        app.say(user, Command::Reply(Intent::Done)).await,
        Reply::Logged {
            level_change: None,
            ..
        }
    ));

    assert_eq!(
        app.say(user, Command::LevelDown).await,
        Reply::LevelChanged(LevelChange {
            from: 3,
            to: 2,
            levels: 4,
            reason: LevelReason::Asked,
        })
    );
    assert_eq!(
        app.say(user, Command::LevelDown).await,
        Reply::LevelChanged(LevelChange {
            from: 2,
            to: 1,
            levels: 4,
            reason: LevelReason::Asked,
        })
    );
    assert!(
        matches!(
            app.say(user, Command::LevelDown).await,
            Reply::Refused(UserError::EasiestLevel)
        ),
        "no level below the first"
    );
    let reasons: Vec<String> = app
        .store
        .level_changes(user)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.reason.to_string())
        .collect();
    assert_eq!(reasons, ["steady progress with low pain", "asked", "asked"]);

    // The pain question can be turned off.
    app.say(user, Command::PainPrompt(false)).await;
    app.clock.set(start() + Duration::days(6));
    let Reply::SessionStarted(s) = app.say(user, Command::RoutineStart).await else {
        panic!()
    };
    assert!(!s.ask_pain);
}
