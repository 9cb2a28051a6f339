//! The Coach service on a test's own database, with a clock the test moves:
//! what the timeline, progression and Discord tests build on.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use footcoach::app::{Coach, Command, Origin, Reply, Source};
use footcoach::clock::ManualClock;
use footcoach::content::Content;
use footcoach::store::{Store, UserId};
use footcoach::timeline::{Messenger, Scheduler, SchedulerOptions};

/// A Coach and its Store on `pool`, the built-in content, and a
/// [`ManualClock`] standing at the instant the test chose.
#[derive(Clone)]
pub struct App {
    pub coach: Coach,
    pub store: Store,
    pub clock: ManualClock,
}

impl App {
    pub fn new(pool: &PgPool, now: DateTime<Utc>) -> App {
        let clock = ManualClock::new(now);
        let content = Arc::new(Content::embedded().expect("the built-in content"));
        let store = Store::new(pool.clone());
        let coach = Coach::new(store.clone(), content, Arc::new(clock.clone()));
        App {
            coach,
            store,
            clock,
        }
    }

    /// What `user` typing `command` in the console gets back.
    pub async fn say(&self, user: UserId, command: Command) -> Reply {
        self.say_from(Source::Console, user, command).await
    }

    /// What `user` gets back for `command` coming from `source`.
    pub async fn say_from(&self, source: Source, user: UserId, command: Command) -> Reply {
        self.coach
            .handle(user, Origin::new(source), command)
            .await
            .expect("the coach answers")
            .reply
    }

    /// A timeline worker on this Coach that sends through `messenger`, with
    /// the production (Discord) settings.
    pub fn scheduler<M: Messenger>(&self, messenger: M) -> Scheduler<M> {
        Scheduler::new(
            self.coach.clone(),
            self.store.clone(),
            messenger,
            SchedulerOptions::discord(),
        )
    }
}

/// Server `guild` gets its daily post in `channel` at 08:00 UTC, set
/// straight through the Coach (as `/coach channel` would).
pub async fn daily_post_at_eight(coach: &Coach, guild: u64, channel: u64) {
    coach
        .set_coach_channel(
            guild as i64,
            channel as i64,
            "08:00".parse().unwrap(),
            "UTC".parse().unwrap(),
        )
        .await
        .expect("the daily post is set");
}

/// `user` joins the weekly streak board of server `guild`.
pub async fn join_board(coach: &Coach, guild: u64, user: u64) {
    coach
        .set_board(guild as i64, UserId(user as i64), true)
        .await
        .expect("on the board");
}

/// Users `first..first + n` with a daily reminder at 07:00 UTC and no
/// evening nudge: inserted in bulk, as a crowd is faster made in SQL than one
/// by one through the Coach.
pub async fn users_with_reminders(pool: &PgPool, first: i64, n: i64) {
    sqlx::query(
        "INSERT INTO users (id, timezone, remind_minute, followup_minute)
         SELECT g, 'UTC', 420, NULL FROM generate_series($1::bigint, $2::bigint) AS g",
    )
    .bind(first)
    .bind(first + n - 1)
    .execute(pool)
    .await
    .unwrap();
}

/// [`users_with_reminders`], each with a reminder row due at `due`.
pub async fn users_due(pool: &PgPool, first: i64, n: i64, due: DateTime<Utc>) {
    users_with_reminders(pool, first, n).await;
    sqlx::query(
        "INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date)
         SELECT g, 'reminder', $3, $3, $4 FROM generate_series($1::bigint, $2::bigint) AS g",
    )
    .bind(first)
    .bind(first + n - 1)
    .bind(due)
    .bind(due.date_naive())
    .execute(pool)
    .await
    .unwrap();
}
