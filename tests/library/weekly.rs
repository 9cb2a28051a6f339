//! The week in review through the timeline, with a manual clock and the real
//! PostgreSQL: at the reminder time on the chosen day across both clock
//! changes of New York, once per person and week through a restart, skipped
//! for people idle four weeks, and cancelled by /settings weekly off.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc, Weekday};
use sqlx::PgPool;

use crate::support::app::App;
use footcoach::app::{Command, Notice, Reply, Source};
use footcoach::coach::reply::Intent;
use footcoach::coach::review::WeekReview;
use footcoach::store::timeline::SendKind;
use footcoach::store::UserId;
use footcoach::timeline::{Delivery, Messenger, Outbound, Scheduler};

/// A review and the clock's instant when it went out.
type Sent = (DateTime<Utc>, WeekReview);

/// Remembers each review sent, with the clock's instant.
#[derive(Clone)]
struct Reviews {
    sent: Arc<Mutex<Vec<Sent>>>,
    clock: footcoach::clock::ManualClock,
}

impl Messenger for Reviews {
    async fn deliver(&self, out: &Outbound) -> Delivery {
        if let Notice::Weekly(review) = &out.notice {
            let at = footcoach::clock::Clock::now(&self.clock);
            self.sent.lock().unwrap().push((at, review.clone()));
        }
        Delivery::Sent {
            dm_channel: Some(555),
            message: None,
        }
    }

    async fn tell_unreachable(&self, _: UserId, _: i64) {}
}

/// A Coach and a worker: one process on the database.
struct Process {
    app: App,
    reviews: Reviews,
    scheduler: Scheduler<Reviews>,
}

impl Process {
    fn start(pool: &PgPool, now: DateTime<Utc>) -> Process {
        let app = App::new(pool, now);
        let reviews = Reviews {
            sent: Arc::default(),
            clock: app.clock.clone(),
        };
        let scheduler = app.scheduler(reviews.clone());
        Process {
            app,
            reviews,
            scheduler,
        }
    }

    /// Sets the clock and runs everything due then.
    async fn run_at(&self, now: DateTime<Utc>) {
        self.app.clock.set(now);
        while self.scheduler.run_due_once(now).await.unwrap() > 0 {}
    }

    /// `user` says `command` (in a DM) at `now`.
    async fn say_at(&self, now: DateTime<Utc>, user: UserId, command: Command) -> Reply {
        self.app.clock.set(now);
        self.app.say_from(Source::DiscordDm, user, command).await
    }

    fn sent(&self) -> Vec<Sent> {
        self.reviews.sent.lock().unwrap().clone()
    }

    /// Runs the clock up to `at`: nothing a second before, one review at
    /// it, nothing more a minute after. Returns that review.
    async fn expect_review_at(&self, at: DateTime<Utc>) -> WeekReview {
        let before = self.sent().len();
        self.run_at(at - Duration::seconds(1)).await;
        assert_eq!(self.sent().len(), before, "nothing before {at}");
        self.run_at(at).await;
        self.run_at(at + Duration::minutes(1)).await;
        let sent = self.sent();
        assert_eq!(sent.len(), before + 1, "one review at {at}");
        assert_eq!(sent[before].0, at);
        sent[before].1.clone()
    }

    /// The user's weekly rows: (due, local date, state).
    async fn weekly_rows(&self, user: UserId) -> Vec<(DateTime<Utc>, NaiveDate, String)> {
        let mut rows: Vec<_> = self
            .app
            .store
            .timeline_of(user)
            .await
            .unwrap()
            .into_iter()
            .filter(|(kind, ..)| *kind == SendKind::Weekly)
            .map(|(_, due, date, state)| (due, date, state))
            .collect();
        rows.reverse();
        rows
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn date(y: i32, mo: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, d).unwrap()
}

/// A reminder at `time` in New York, without the evening nudge.
async fn remind_in_new_york(p: &Process, now: DateTime<Utc>, user: UserId, time: &str) {
    let reply = p
        .say_at(
            now,
            user,
            Command::RemindSet {
                time: time.parse().unwrap(),
                timezone: Some("America/New_York".parse().unwrap()),
            },
        )
        .await;
    assert!(matches!(reply, Reply::ReminderSet(_)), "{reply:?}");
    p.say_at(now, user, Command::FollowupSet(None)).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn weekly_reviews_across_fall_back_and_a_restart_once_a_week(pool: PgPool) {
    let user = UserId(2001);
    let first = Process::start(&pool, utc(2026, 10, 20, 12, 0));
    remind_in_new_york(&first, utc(2026, 10, 20, 12, 0), user, "01:30").await;
    // Done on Wednesday 21 and Friday 23 October, local afternoons.
    for day in [21, 23] {
        let reply = first
            .say_at(
                utc(2026, 10, day, 19, 0),
                user,
                Command::Reply(Intent::Done),
            )
            .await;
        assert!(matches!(reply, Reply::Logged { .. }), "{reply:?}");
    }
    // Sunday 25 October, 01:30 EDT.
    let review = first.expect_review_at(utc(2026, 10, 25, 5, 30)).await;
    assert_eq!(review.first_day(), Some(date(2026, 10, 18)));
    assert_eq!(review.last_day(), Some(date(2026, 10, 24)));
    assert_eq!((review.done, review.planned), (2, 7));
    assert!(review.minutes > 0);
    // Sunday 1 November: 01:30 happens twice; the first is EDT, 05:30 UTC.
    let review = first.expect_review_at(utc(2026, 11, 1, 5, 30)).await;
    assert_eq!(review.first_day(), Some(date(2026, 10, 25)));
    assert_eq!(review.done, 0);

    // A new process on the same database, while 01:30 comes again (EST):
    // it sends nothing for that Sunday, and next Sunday's once.
    drop(first);
    let second = Process::start(&pool, utc(2026, 11, 1, 6, 0));
    second.run_at(utc(2026, 11, 1, 5, 30)).await;
    second.run_at(utc(2026, 11, 1, 6, 30)).await;
    second.run_at(utc(2026, 11, 1, 23, 0)).await;
    assert!(second.sent().is_empty(), "{:?}", second.sent());
    // Sunday 8 November, 01:30 EST.
    let review = second.expect_review_at(utc(2026, 11, 8, 6, 30)).await;
    assert_eq!(review.first_day(), Some(date(2026, 11, 1)));
    // One row a Sunday, each sent once, and the next one waiting.
    let rows = second.weekly_rows(user).await;
    let states: Vec<(NaiveDate, &str)> = rows.iter().map(|(_, d, s)| (*d, s.as_str())).collect();
    assert_eq!(
        states,
        vec![
            (date(2026, 10, 25), "sent"),
            (date(2026, 11, 1), "sent"),
            (date(2026, 11, 8), "sent"),
            (date(2026, 11, 15), "pending"),
        ]
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_review_on_the_spring_forward_sunday_comes_at_the_moved_time(pool: PgPool) {
    let user = UserId(2002);
    let p = Process::start(&pool, utc(2027, 3, 8, 12, 0));
    remind_in_new_york(&p, utc(2027, 3, 8, 12, 0), user, "02:30").await;
    p.say_at(
        utc(2027, 3, 10, 20, 0),
        user,
        Command::Reply(Intent::Pain(footcoach::coach::PainLevel::new(5).unwrap())),
    )
    .await;
    p.say_at(utc(2027, 3, 12, 20, 0), user, Command::Reply(Intent::Done))
        .await;
    p.say_at(
        utc(2027, 3, 13, 20, 0),
        user,
        Command::Reply(Intent::Pain(footcoach::coach::PainLevel::new(2).unwrap())),
    )
    .await;
    // 02:30 does not exist on Sunday 14 March 2027: 03:30 EDT, 07:30 UTC;
    // nothing at 02:30 EST's instant (07:30 UTC is also 03:30 EDT).
    p.run_at(utc(2027, 3, 14, 6, 30)).await;
    assert!(p.sent().is_empty());
    let review = p.expect_review_at(utc(2027, 3, 14, 7, 30)).await;
    assert_eq!(review.first_day(), Some(date(2027, 3, 7)));
    assert_eq!(review.done, 1);
    let pain = review.pain.expect("pain reported");
    assert_eq!((pain.first.get(), pain.last.get()), (5, 2));
    // Sunday 21 March, 02:30 EDT.
    p.expect_review_at(utc(2027, 3, 21, 6, 30)).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn four_idle_weeks_get_no_review_until_the_person_is_back(pool: PgPool) {
    let user = UserId(2003);
    let p = Process::start(&pool, utc(2027, 6, 1, 12, 0));
    remind_in_new_york(&p, utc(2027, 6, 1, 12, 0), user, "08:00").await;
    // Done on Wednesday 2 June, then nothing.
    p.say_at(utc(2027, 6, 2, 16, 0), user, Command::Reply(Intent::Done))
        .await;
    // Reviews on 6, 13, 20 and 27 June (08:00 EDT, 12:00 UTC): the 2nd is
    // within 28 days of each.
    for day in [6, 13, 20, 27] {
        p.expect_review_at(utc(2027, 6, day, 12, 0)).await;
    }
    // 4 July: 32 days after the last entry. Skipped, and the next one waits.
    p.run_at(utc(2027, 7, 4, 12, 0)).await;
    p.run_at(utc(2027, 7, 4, 23, 0)).await;
    assert_eq!(p.sent().len(), 4);
    let rows = p.weekly_rows(user).await;
    let n = rows.len();
    assert_eq!(rows[n - 2].1, date(2027, 7, 4));
    assert_eq!(rows[n - 2].2, "skipped");
    assert_eq!(
        (rows[n - 1].1, rows[n - 1].2.as_str()),
        (date(2027, 7, 11), "pending")
    );
    // Back on Tuesday 6 July: the review comes again.
    p.say_at(utc(2027, 7, 6, 16, 0), user, Command::Reply(Intent::Done))
        .await;
    let review = p.expect_review_at(utc(2027, 7, 11, 12, 0)).await;
    assert_eq!(review.done, 1);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn settings_weekly_moves_or_cancels_the_pending_review(pool: PgPool) {
    let user = UserId(2004);
    let now = utc(2027, 6, 1, 12, 0); // a Tuesday
    let p = Process::start(&pool, now);
    // No reminder yet: the review waits for one.
    let reply = p
        .say_at(now, user, Command::Weekly(Some(Weekday::Sun)))
        .await;
    assert!(
        matches!(
            reply,
            Reply::WeeklySet {
                reminder: None,
                next: None,
                ..
            }
        ),
        "{reply:?}"
    );
    assert!(p.weekly_rows(user).await.is_empty());
    remind_in_new_york(&p, now, user, "07:00").await;
    let pending =
        |rows: Vec<(DateTime<Utc>, NaiveDate, String)>| -> Vec<(DateTime<Utc>, NaiveDate)> {
            rows.into_iter()
                .filter(|(_, _, s)| s == "pending")
                .map(|(due, d, _)| (due, d))
                .collect()
        };
    assert_eq!(
        pending(p.weekly_rows(user).await),
        vec![(utc(2027, 6, 6, 11, 0), date(2027, 6, 6))]
    );
    // Wednesday instead: the pending review moves.
    let reply = p
        .say_at(now, user, Command::Weekly(Some(Weekday::Wed)))
        .await;
    assert_eq!(
        reply,
        Reply::WeeklySet {
            day: Some(Weekday::Wed),
            reminder: "07:00".parse().ok(),
            next: Some(utc(2027, 6, 2, 11, 0)),
        }
    );
    assert_eq!(
        pending(p.weekly_rows(user).await),
        vec![(utc(2027, 6, 2, 11, 0), date(2027, 6, 2))]
    );
    let Reply::ReminderShow { weekly, .. } = p.say_at(now, user, Command::RemindShow).await else {
        panic!("remind show")
    };
    assert_eq!(weekly, Some(Weekday::Wed));
    let Reply::Export(data) = p.say_at(now, user, Command::Export).await else {
        panic!("export")
    };
    assert_eq!(data["user"]["weekly_review_day"], "Wed");
    // Off: nothing pending, nothing sent.
    let reply = p.say_at(now, user, Command::Weekly(None)).await;
    assert!(
        matches!(reply, Reply::WeeklySet { day: None, .. }),
        "{reply:?}"
    );
    assert!(pending(p.weekly_rows(user).await).is_empty());
    p.say_at(utc(2027, 6, 1, 16, 0), user, Command::Reply(Intent::Done))
        .await;
    p.run_at(utc(2027, 6, 2, 11, 0)).await;
    p.run_at(utc(2027, 6, 9, 11, 0)).await;
    assert!(p.sent().is_empty());
    // On again, then /remind off cancels it with the reminder.
    p.say_at(now, user, Command::Weekly(Some(Weekday::Sun)))
        .await;
    assert_eq!(pending(p.weekly_rows(user).await).len(), 1);
    p.say_at(now, user, Command::RemindOff).await;
    assert!(pending(p.weekly_rows(user).await).is_empty());
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_reminder_moved_later_on_the_review_day_keeps_next_weeks_review(pool: PgPool) {
    let user = UserId(2005);
    let p = Process::start(&pool, utc(2027, 6, 1, 12, 0));
    remind_in_new_york(&p, utc(2027, 6, 1, 12, 0), user, "07:00").await;
    p.say_at(utc(2027, 6, 2, 16, 0), user, Command::Reply(Intent::Done))
        .await;
    // Sunday 6 June, 07:00 EDT: the review (and the reminder) went out.
    p.expect_review_at(utc(2027, 6, 6, 11, 0)).await;
    // At 08:00 the reminder moves to 09:00: today had its review and its
    // reminder, so both come next time, not again today.
    remind_in_new_york(&p, utc(2027, 6, 6, 12, 0), user, "09:00").await;
    let pending: Vec<(SendKind, NaiveDate)> = p
        .app
        .store
        .timeline_of(user)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, _, _, state)| state == "pending")
        .map(|(kind, _, date, _)| (kind, date))
        .collect();
    assert_eq!(
        pending,
        vec![
            (SendKind::Weekly, date(2027, 6, 13)),
            (SendKind::Reminder, date(2027, 6, 7)),
        ]
    );
    p.run_at(utc(2027, 6, 6, 13, 0)).await;
    assert_eq!(p.sent().len(), 1);
    p.expect_review_at(utc(2027, 6, 13, 13, 0)).await;
}
