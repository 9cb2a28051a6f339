//! Every store function against the real PostgreSQL, each test in its own database.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sqlx::PgPool;

use crate::support::db;
use footcoach::coach::plan::{Pause, RestDays};
use footcoach::coach::progress::LogOutcome;
use footcoach::coach::PainLevel;
use footcoach::store::{LogWrite, NewLogEntry, SessionState, Store, UserId};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 14, h, m, 0).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
}

fn entry(user: UserId, date: NaiveDate, step: u16, outcome: LogOutcome) -> NewLogEntry<'static> {
    NewLogEntry {
        user,
        local_date: date,
        routine_id: "morning",
        step,
        outcome,
        source: "console",
        at: at(7, 0),
    }
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_user_is_created_on_first_contact_with_nothing_set(pool: PgPool) {
    let store = Store::new(pool.clone());
    let id = UserId(1_234_567_890_123_456_789);
    assert_eq!(store.find_user(id).await.unwrap(), None);
    let u = store.user(id).await.unwrap();
    assert_eq!(u.id, id);
    assert_eq!(
        (u.timezone, u.remind_at, u.pause, u.dm_channel_id),
        (None, None, None, None)
    );
    assert!(u.rest_days.is_empty());
    // Asking again does not make a second row.
    store.user(id).await.unwrap();
    assert_eq!(db::count(&pool, "users").await, 1);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn reminders_are_set_remembered_and_turned_off(pool: PgPool) {
    let store = Store::new(pool);
    let id = UserId(42);
    let u = store
        .set_reminder(
            id,
            "07:30".parse().unwrap(),
            "Europe/Berlin".parse().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(u.remind_at.unwrap().to_string(), "07:30");
    assert_eq!(u.timezone.unwrap().name(), "Europe/Berlin");
    let again = store.find_user(id).await.unwrap().unwrap();
    assert_eq!(again, u);
    assert!(store.clear_reminder(id).await.unwrap());
    assert!(
        !store.clear_reminder(id).await.unwrap(),
        "second off reports nothing was on"
    );
    let off = store.user(id).await.unwrap();
    assert_eq!(off.remind_at, None);
    assert_eq!(
        off.timezone.unwrap().name(),
        "Europe/Berlin",
        "the timezone is kept"
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn rest_days_pause_and_dm_channel_are_stored(pool: PgPool) {
    let store = Store::new(pool);
    let id = UserId(7);
    store.user(id).await.unwrap();
    let rest = RestDays::parse_list("sat sun").unwrap();
    store.set_rest_days(id, rest).await.unwrap();
    let pause = Pause {
        from: day(14),
        until: day(20),
    };
    store.set_pause(id, Some(pause)).await.unwrap();
    store
        .set_dm_channel(id, 99_000_000_000_000_001)
        .await
        .unwrap();
    let u = store.user(id).await.unwrap();
    assert_eq!(u.rest_days, rest);
    assert_eq!(u.pause, Some(pause));
    assert_eq!(u.dm_channel_id, Some(99_000_000_000_000_001));
    store.set_pause(id, None).await.unwrap();
    assert_eq!(store.user(id).await.unwrap().pause, None);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn console_users_get_stable_negative_ids(pool: PgPool) {
    let store = Store::new(pool);
    let alice = store.console_user("alice").await.unwrap();
    let bob = store.console_user("bob").await.unwrap();
    assert!(alice.0 < 0 && bob.0 < 0, "never a Discord snowflake");
    assert_ne!(alice, bob);
    assert_eq!(store.console_user("alice").await.unwrap(), alice);
    assert_eq!(
        store.console_user("🦶 ünïcode").await.unwrap(),
        store.console_user("🦶 ünïcode").await.unwrap()
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn the_same_step_on_the_same_day_is_stored_once(pool: PgPool) {
    let store = Store::new(pool.clone());
    let id = UserId(5);
    store.user(id).await.unwrap();
    assert_eq!(
        store
            .log(&entry(id, day(14), 0, LogOutcome::Done))
            .await
            .unwrap(),
        LogWrite::Inserted
    );
    assert_eq!(
        store
            .log(&entry(id, day(14), 0, LogOutcome::Done))
            .await
            .unwrap(),
        LogWrite::Unchanged
    );
    // A change of mind updates the one row.
    assert_eq!(
        store
            .log(&entry(id, day(14), 0, LogOutcome::Skip))
            .await
            .unwrap(),
        LogWrite::Changed
    );
    // Pain is kept beside done/skip, once per step and day, latest wins.
    let pain = |n| LogOutcome::Pain(PainLevel::new(n).unwrap());
    assert_eq!(
        store.log(&entry(id, day(14), 0, pain(3))).await.unwrap(),
        LogWrite::Inserted
    );
    assert_eq!(
        store.log(&entry(id, day(14), 0, pain(5))).await.unwrap(),
        LogWrite::Changed
    );
    // Another step, another day: new rows.
    assert_eq!(
        store
            .log(&entry(id, day(14), 2, LogOutcome::Done))
            .await
            .unwrap(),
        LogWrite::Inserted
    );
    assert_eq!(
        store
            .log(&entry(id, day(15), 0, LogOutcome::Done))
            .await
            .unwrap(),
        LogWrite::Inserted
    );

    assert_eq!(db::count(&pool, "activity_log").await, 4);
    let d14 = store.day_log(id, day(14)).await.unwrap();
    assert_eq!(d14.len(), 3);
    assert!(d14
        .iter()
        .any(|e| e.step == 0 && e.outcome == LogOutcome::Skip));
    assert!(d14.iter().any(|e| e.outcome == pain(5)));
    assert_eq!(store.history(id).await.unwrap().len(), 4);
    let since15 = store.history_since(id, day(15)).await.unwrap();
    assert_eq!(since15.len(), 1);
    assert_eq!(since15[0].local_date, day(15));
    assert_eq!(since15[0].source, "console");
    // Another user's history is theirs alone.
    assert!(store.history(UserId(6)).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn sessions_start_advance_and_end(pool: PgPool) {
    let store = Store::new(pool);
    let id = UserId(9);
    store.user(id).await.unwrap();
    assert_eq!(store.active_session(id).await.unwrap(), None);
    let s = store
        .start_session(id, day(14), "morning", 0, at(7, 1), at(7, 0))
        .await
        .unwrap();
    assert_eq!((s.current_step, s.state), (1, SessionState::Active));
    assert_eq!(store.active_session(id).await.unwrap(), Some(s.clone()));

    assert!(store.advance_session(s.id, 1, 2, at(7, 3)).await.unwrap());
    // A second reply racing on the same step changes nothing.
    assert!(!store.advance_session(s.id, 1, 2, at(7, 4)).await.unwrap());
    let now = store.active_session(id).await.unwrap().unwrap();
    assert_eq!((now.current_step, now.step_due_at), (2, at(7, 3)));

    // Starting again stops the running one: one active session per user.
    let s2 = store
        .start_session(id, day(14), "short", 0, at(8, 1), at(8, 0))
        .await
        .unwrap();
    assert_eq!(store.active_session(id).await.unwrap().unwrap().id, s2.id);
    assert!(store
        .end_session(s2.id, SessionState::Finished, at(8, 5))
        .await
        .unwrap());
    assert!(!store
        .end_session(s2.id, SessionState::Stopped, at(8, 6))
        .await
        .unwrap());
    assert_eq!(store.active_session(id).await.unwrap(), None);
    let all = store.sessions(id).await.unwrap();
    assert_eq!(
        all.iter().map(|s| s.state).collect::<Vec<_>>(),
        vec![SessionState::Finished, SessionState::Stopped]
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn deleting_a_user_removes_their_rows(pool: PgPool) {
    let store = Store::new(pool.clone());
    let id = UserId(11);
    store.user(id).await.unwrap();
    store
        .log(&entry(id, day(14), 0, LogOutcome::Done))
        .await
        .unwrap();
    store
        .start_session(id, day(14), "morning", 0, at(7, 1), at(7, 0))
        .await
        .unwrap();
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id.0)
        .execute(&pool)
        .await
        .unwrap();
    assert!(store.history(id).await.unwrap().is_empty());
    assert!(store.sessions(id).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn bot_state_is_remembered_and_replaced(pool: PgPool) {
    let store = Store::new(pool);
    assert_eq!(store.bot_state("commands:1:global").await.unwrap(), None);
    store
        .set_bot_state("commands:1:global", "abc")
        .await
        .unwrap();
    store
        .set_bot_state("commands:1:global", "def")
        .await
        .unwrap();
    assert_eq!(
        store
            .bot_state("commands:1:global")
            .await
            .unwrap()
            .as_deref(),
        Some("def")
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn discord_budget_claims_follow_each_other_on_one_schedule(pool: PgPool) {
    let (a, b) = (Store::new(pool.clone()), Store::new(pool));
    let span = std::time::Duration::from_millis(200);
    let first = a.claim_discord_budget(span).await.unwrap();
    assert_eq!(
        first,
        std::time::Duration::ZERO,
        "an idle schedule starts now"
    );
    // Another sender's claim starts where the first one's ends.
    let second = b.claim_discord_budget(span).await.unwrap();
    assert!(
        second > span - std::time::Duration::from_millis(50) && second <= span,
        "{second:?}"
    );
    let third = a.claim_discord_budget(span).await.unwrap();
    assert!(third > second + span - std::time::Duration::from_millis(50));
}
