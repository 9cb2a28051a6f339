//! The timeline with an injectable clock and the real PostgreSQL: reminders
//! across clock changes, downtime, restarts, racing workers, sessions,
//! snooze and unreachable users.

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sqlx::PgPool;

use crate::support::app::{users_due, users_with_reminders, App};
use crate::support::db;
use footcoach::app::{Coach, Command, Notice, Reply, Source};
use footcoach::clock::ManualClock;
use footcoach::coach::reply::{Intent, Snooze};
use footcoach::content::Content;
use footcoach::store::timeline::{Audience, SendKind};
use footcoach::store::{Store, UserId};
use footcoach::timeline::{Delivery, Messenger, Outbound, Scheduler, SchedulerOptions};

/// A send and the clock's instant when it went out.
type Sent = (DateTime<Utc>, Outbound);

/// Remembers every send and answers with a programmable delivery.
#[derive(Clone, Default)]
struct Recorder {
    sent: Arc<Mutex<Vec<Sent>>>,
    answer: Arc<Mutex<Option<Delivery>>>,
    told_unreachable: Arc<Mutex<Vec<(UserId, i64)>>>,
    clock: Option<ManualClock>,
}

impl Recorder {
    fn with_clock(clock: &ManualClock) -> Self {
        Recorder {
            clock: Some(clock.clone()),
            ..Default::default()
        }
    }

    fn sent(&self) -> Vec<(DateTime<Utc>, Outbound)> {
        self.sent.lock().unwrap().clone()
    }

    fn answer_with(&self, d: Delivery) {
        *self.answer.lock().unwrap() = Some(d);
    }
}

impl Messenger for Recorder {
    async fn deliver(&self, out: &Outbound) -> Delivery {
        let answer = self.answer.lock().unwrap().clone();
        match answer {
            Some(d) if !matches!(d, Delivery::Sent { .. }) => d,
            _ => {
                let at = self
                    .clock
                    .as_ref()
                    .map_or_else(Utc::now, footcoach::clock::Clock::now);
                self.sent.lock().unwrap().push((at, out.clone()));
                Delivery::Sent {
                    dm_channel: Some(555),
                    message: Some(out.row_id + 1000),
                }
            }
        }
    }

    async fn tell_unreachable(&self, user: UserId, channel: i64) {
        self.told_unreachable.lock().unwrap().push((user, channel));
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// The Coach on a test's database (its `store` and `clock` reachable as
/// `rig.store`, `rig.clock`), and a worker sending to a [`Recorder`].
struct Rig {
    app: App,
    recorder: Recorder,
    scheduler: Scheduler<Recorder>,
}

fn rig(pool: &PgPool, now: DateTime<Utc>) -> Rig {
    let app = App::new(pool, now);
    let recorder = Recorder::with_clock(&app.clock);
    let scheduler = app.scheduler(recorder.clone());
    Rig {
        app,
        recorder,
        scheduler,
    }
}

impl Deref for Rig {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

impl Rig {
    /// Sets the clock and runs everything due then; returns how many rows it handled.
    async fn run_at(&self, now: DateTime<Utc>) -> usize {
        self.clock.set(now);
        let mut handled = 0;
        loop {
            let n = self.scheduler.run_due_once(now).await.unwrap();
            handled += n;
            if n == 0 {
                return handled;
            }
        }
    }

    /// What `user` gets back for `command` sent in a DM.
    async fn say(&self, user: UserId, command: Command) -> Reply {
        self.app.say_from(Source::DiscordDm, user, command).await
    }

    fn reminders(&self) -> Vec<(DateTime<Utc>, bool)> {
        self.recorder
            .sent()
            .into_iter()
            .filter_map(|(at, o)| match o.notice {
                Notice::Reminder { late, .. } => Some((at, late)),
                _ => None,
            })
            .collect()
    }
}

async fn set_reminder(rig: &Rig, user: UserId, time: &str, tz: &str) {
    let reply = rig
        .say(
            user,
            Command::RemindSet {
                time: time.parse().unwrap(),
                timezone: Some(tz.parse().unwrap()),
            },
        )
        .await;
    assert!(matches!(reply, Reply::ReminderSet(_)), "{reply:?}");
    // These tests are about reminders: no evening nudges in the way.
    rig.say(user, Command::FollowupSet(None)).await;
}

/// A worker started at `start` (a new process on the same database), where
/// `user` sets a reminder at `time` in `tz`; then walks the clock minute by
/// minute around each expected instant: nothing a second before, exactly one
/// at the instant, nothing more after.
async fn expect_reminders(
    pool: &PgPool,
    start: DateTime<Utc>,
    user: UserId,
    (time, tz): (&str, &str),
    expected: &[DateTime<Utc>],
) {
    let rig = rig(pool, start);
    set_reminder(&rig, user, time, tz).await;
    for (i, at) in expected.iter().enumerate() {
        assert_eq!(
            rig.run_at(*at - Duration::seconds(1)).await,
            0,
            "nothing before {at}"
        );
        assert_eq!(rig.reminders().len(), i, "before {at}");
        rig.run_at(*at).await;
        rig.run_at(*at + Duration::minutes(1)).await;
        let got = rig.reminders();
        assert_eq!(got.len(), i + 1, "one reminder at {at}: {got:?}");
        assert_eq!(got[i], (*at, false));
    }
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn new_york_reminders_across_both_change_days(pool: PgPool) {
    let user = UserId(1001);
    expect_reminders(
        &pool,
        utc(2027, 3, 13, 12, 0),
        user,
        ("02:30", "America/New_York"),
        &[
            utc(2027, 3, 14, 7, 30), // 02:30 does not exist: 03:30 EDT
            utc(2027, 3, 15, 6, 30), // 02:30 EDT
        ],
    )
    .await;
    expect_reminders(
        &pool,
        utc(2027, 11, 6, 12, 0),
        user,
        ("01:30", "America/New_York"),
        &[
            utc(2027, 11, 7, 5, 30), // 01:30 happens twice: the first, EDT
            utc(2027, 11, 8, 6, 30), // 01:30 EST
        ],
    )
    .await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn london_reminders_across_both_change_days(pool: PgPool) {
    let user = UserId(1002);
    expect_reminders(
        &pool,
        utc(2027, 3, 27, 12, 0),
        user,
        ("01:30", "Europe/London"),
        &[
            utc(2027, 3, 28, 1, 30), // 01:30 GMT does not exist: 02:30 BST
            utc(2027, 3, 29, 0, 30), // 01:30 BST
        ],
    )
    .await;
    expect_reminders(
        &pool,
        utc(2027, 10, 30, 12, 0),
        user,
        ("01:30", "Europe/London"),
        &[
            utc(2027, 10, 31, 0, 30), // the first 01:30, BST
            utc(2027, 11, 1, 1, 30),  // 01:30 GMT
        ],
    )
    .await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn lord_howe_reminders_across_its_half_hour_changes(pool: PgPool) {
    // 2027-10-03 02:00 +10:30 jumps to 02:30 +11:00.
    let user = UserId(1003);
    expect_reminders(
        &pool,
        utc(2027, 10, 1, 12, 0),
        user,
        ("02:15", "Australia/Lord_Howe"),
        &[
            utc(2027, 10, 1, 15, 45), // 02:15 +10:30 on the 2nd
            utc(2027, 10, 2, 15, 45), // 02:15 is in the gap: +10:30, shown as 02:45 +11:00
            utc(2027, 10, 3, 15, 15), // 02:15 +11:00
        ],
    )
    .await;
    // 2027-04-04 02:00 +11:00 falls back to 01:30 +10:30: 01:45 happens twice.
    expect_reminders(
        &pool,
        utc(2027, 4, 2, 12, 0),
        user,
        ("01:45", "Australia/Lord_Howe"),
        &[
            utc(2027, 4, 2, 14, 45), // 01:45 +11:00 on the 3rd
            utc(2027, 4, 3, 14, 45), // the first 01:45, +11:00
            utc(2027, 4, 4, 15, 15), // 01:45 +10:30
        ],
    )
    .await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_short_downtime_sends_the_missed_reminder_late_once(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 12, 0));
    let user = UserId(1004);
    set_reminder(&rig, user, "07:00", "Europe/Berlin").await; // 05:00 UTC in summer
                                                              // Down from 06:00 to 11:00 local on the 2nd: the first run is at 09:00 UTC.
    rig.run_at(utc(2027, 6, 2, 9, 0)).await;
    rig.run_at(utc(2027, 6, 2, 9, 1)).await;
    assert_eq!(rig.reminders(), vec![(utc(2027, 6, 2, 9, 0), true)]);
    // The next day is on time again.
    rig.run_at(utc(2027, 6, 3, 5, 0)).await;
    assert_eq!(rig.reminders()[1], (utc(2027, 6, 3, 5, 0), false));
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_long_downtime_drops_the_missed_days(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 12, 0));
    let user = UserId(1005);
    set_reminder(&rig, user, "07:00", "Europe/Berlin").await;
    // Down from the 2nd 06:00 to the 4th 11:00 local: the 2nd and 3rd are gone.
    rig.run_at(utc(2027, 6, 4, 9, 0)).await;
    let got = rig.reminders();
    assert_eq!(got.len(), 1, "only today's, late: {got:?}");
    assert_eq!(got[0], (utc(2027, 6, 4, 9, 0), true));
    let rows = rig.store.timeline_of(user).await.unwrap();
    let skipped: Vec<NaiveDate> = rows
        .iter()
        .filter(|r| r.0 == SendKind::Reminder && r.3 == "skipped")
        .map(|r| r.2)
        .collect();
    assert_eq!(skipped, vec![NaiveDate::from_ymd_opt(2027, 6, 2).unwrap()]);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn no_reminder_on_rest_days_while_paused_or_once_done(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 12, 0)); // a Tuesday
    let user = UserId(1006);
    set_reminder(&rig, user, "07:00", "UTC").await;
    let store = &rig.store;
    store
        .set_rest_days(
            user,
            footcoach::coach::plan::RestDays::parse_list("wed").unwrap(),
        )
        .await
        .unwrap();
    rig.run_at(utc(2027, 6, 2, 7, 0)).await; // Wednesday: rest
    assert!(rig.reminders().is_empty());
    let d = |day| NaiveDate::from_ymd_opt(2027, 6, day).unwrap();
    store
        .set_pause(
            user,
            Some(footcoach::coach::plan::Pause {
                from: d(3),
                until: d(3),
            }),
        )
        .await
        .unwrap();
    rig.run_at(utc(2027, 6, 3, 7, 0)).await; // paused
    assert!(rig.reminders().is_empty());
    // Friday: done before the reminder, so none comes.
    rig.clock.set(utc(2027, 6, 4, 6, 0));
    rig.say(user, Command::Reply(Intent::Done)).await;
    rig.run_at(utc(2027, 6, 4, 7, 0)).await;
    assert!(rig.reminders().is_empty());
    // Saturday: one, as usual.
    rig.run_at(utc(2027, 6, 5, 7, 0)).await;
    assert_eq!(rig.reminders().len(), 1);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn changing_the_time_reschedules_and_off_cancels(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 5, 0));
    let user = UserId(1007);
    set_reminder(&rig, user, "07:00", "UTC").await;
    set_reminder(&rig, user, "06:00", "UTC").await;
    rig.run_at(utc(2027, 6, 1, 6, 0)).await;
    rig.run_at(utc(2027, 6, 1, 7, 0)).await;
    assert_eq!(
        rig.reminders(),
        vec![(utc(2027, 6, 1, 6, 0), false)],
        "only the new time"
    );
    rig.say(user, Command::RemindOff).await;
    rig.run_at(utc(2027, 6, 2, 6, 0)).await;
    assert_eq!(rig.reminders().len(), 1, "none after /remind off");
    assert_eq!(
        rig.store.next_ready_at(Audience::Discord).await.unwrap(),
        None
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn each_snooze_choice_moves_todays_reminder_once_at_most_three_times(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 5, 0));
    let user = UserId(1008);
    set_reminder(&rig, user, "07:00", "UTC").await;
    rig.run_at(utc(2027, 6, 1, 7, 0)).await;
    let evening = utc(2027, 6, 1, 19, 0);
    let mut now = utc(2027, 6, 1, 7, 1);
    for (i, (choice, due)) in [
        (Snooze::Minutes(10), Duration::minutes(10)),
        (Snooze::Minutes(60), Duration::minutes(60)),
        (Snooze::Evening, Duration::zero()),
    ]
    .into_iter()
    .enumerate()
    {
        rig.clock.set(now);
        let want = if choice == Snooze::Evening {
            evening
        } else {
            now + due
        };
        match rig.say(user, Command::Reply(Intent::Snooze(choice))).await {
            Reply::Snoozed { until, count } => {
                assert_eq!(count, i as u16 + 1);
                assert_eq!(until, want, "{choice:?}");
                assert_eq!(rig.run_at(until - Duration::seconds(1)).await, 0);
                rig.run_at(until).await;
            }
            other => panic!("snooze {choice:?}: {other:?}"),
        }
        now = want + Duration::minutes(1);
    }
    // Until this evening stands in for the evening nudge: nothing else at 19:00.
    assert_eq!(rig.reminders().len(), 4, "the reminder and three snoozes");
    assert_eq!(rig.recorder.sent().len(), 4, "no evening nudge besides");
    let nonces: HashSet<String> = rig
        .recorder
        .sent()
        .into_iter()
        .map(|(_, o)| o.nonce)
        .collect();
    assert_eq!(nonces.len(), 4, "each snoozed send has its own nonce");
    assert_eq!(
        rig.say(user, Command::Reply(Intent::Snooze(Snooze::DEFAULT)))
            .await,
        Reply::SnoozeLimit
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn until_this_evening_once_the_evening_began_changes_nothing(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 5, 0));
    let user = UserId(1010);
    set_reminder(&rig, user, "07:00", "UTC").await;
    rig.run_at(utc(2027, 6, 1, 7, 0)).await;
    rig.clock.set(utc(2027, 6, 1, 19, 30));
    let reply = rig
        .say(user, Command::Reply(Intent::Snooze(Snooze::Evening)))
        .await;
    assert!(matches!(reply, Reply::EveningPassed { .. }), "{reply:?}");
    assert_eq!(
        rig.store
            .reminder_snoozes(user, utc(2027, 6, 1, 0, 0).date_naive())
            .await
            .unwrap(),
        Some(0)
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_guided_session_posts_each_prompt_when_time_is_up_and_survives_a_restart(pool: PgPool) {
    let start = utc(2027, 6, 1, 7, 0);
    let rig = rig(&pool, start);
    let user = UserId(1009);
    let Reply::SessionStarted(s) = rig.say(user, Command::RoutineStart).await else {
        panic!("session")
    };
    let step2_due = s.schedule[1].1;
    // Step 1's cues come due first; the reply that posted it said nowhere
    // it could be edited (no front end here), so they send nothing.
    rig.run_at(step2_due - Duration::seconds(1)).await;
    assert!(rig.recorder.sent().is_empty(), "{:?}", rig.recorder.sent());
    rig.run_at(step2_due).await;
    let prompts: Vec<u32> = rig
        .recorder
        .sent()
        .iter()
        .filter_map(|(_, o)| match &o.notice {
            Notice::Prompt(p) => Some(p.line.number),
            _ => None,
        })
        .collect();
    assert_eq!(prompts, vec![2]);
    let active = rig.store.active_session(user).await.unwrap().unwrap();
    assert_eq!(active.current_step, 2);

    // A new process on the same database carries on at step 3.
    let restarted = self::rig(&pool, step2_due);
    let step3_due = s.schedule[2].1;
    restarted.run_at(step3_due).await;
    let sent = restarted.recorder.sent();
    assert!(
        matches!(&sent[0].1.notice, Notice::Prompt(p) if p.line.number == 3),
        "{sent:?}"
    );

    // "skip" moves on at once and the timed prompt for that step is not sent again.
    restarted.clock.set(step3_due + Duration::seconds(5));
    let reply = restarted.say(user, Command::Reply(Intent::Skip)).await;
    let Reply::Logged {
        next: Some(next), ..
    } = reply
    else {
        panic!("{reply:?}")
    };
    assert_eq!(next.line.number, 4);
    restarted.run_at(next.ends).await;
    let numbers: Vec<u32> = restarted
        .recorder
        .sent()
        .iter()
        .filter_map(|(_, o)| match &o.notice {
            Notice::Prompt(p) => Some(p.line.number),
            _ => None,
        })
        .collect();
    assert_eq!(
        numbers,
        vec![3, 5],
        "step 4 was shown by the reply, step 5 by the timer"
    );

    // "stop" ends it: nothing more is sent.
    restarted.clock.set(next.ends + Duration::seconds(1));
    assert!(matches!(
        restarted.say(user, Command::Reply(Intent::Stop)).await,
        Reply::SessionStopped { .. }
    ));
    restarted.run_at(next.ends + Duration::hours(1)).await;
    assert_eq!(restarted.recorder.sent().len(), 2);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_session_left_alone_runs_to_its_end(pool: PgPool) {
    let start = utc(2027, 6, 1, 7, 0);
    let rig = rig(&pool, start);
    let user = UserId(1010);
    let Reply::SessionStarted(s) = rig.say(user, Command::RoutineStart).await else {
        panic!("session")
    };
    let steps = s.schedule.len();
    let end = s.schedule.last().unwrap().1 + Duration::hours(1);
    // Step by step, as a worker that wakes at each due row would.
    let mut now = start;
    while now < end {
        now += Duration::seconds(5);
        rig.run_at(now).await;
    }
    let sent = rig.recorder.sent();
    let (cues, prompts): (Vec<_>, Vec<_>) = sent
        .iter()
        .partition(|(_, o)| matches!(o.notice, Notice::Cue(_)));
    assert_eq!(
        prompts.len(),
        steps,
        "prompts 2..{steps} and the end: {prompts:?}"
    );
    assert!(matches!(
        sent.last().unwrap().1.notice,
        Notice::SessionOver { .. }
    ));
    // Each step the timer posted is cued where its dose has sides or sets,
    // on that step's own message, at the step's start plus the cue's time.
    let content = footcoach::content::Content::embedded().unwrap();
    let routine = content.routine("morning").unwrap();
    let fitted = content.steps(routine);
    let expected: usize = fitted[1..]
        .iter()
        .map(|step| footcoach::coach::cues::cues(&step.dose).len())
        .sum();
    assert!(expected > 0);
    assert_eq!(cues.len(), expected, "{cues:?}");
    for (at, cue) in &cues {
        let Notice::Cue(c) = &cue.notice else {
            unreachable!()
        };
        // The prompt the cue edits: the last one posted before it.
        let (posted_at, prompt) = prompts
            .iter()
            .rev()
            .find(|(t, _)| t <= at)
            .expect("a prompt before each cue");
        assert_eq!(c.at.message, prompt.row_id + 1000, "{cue:?}");
        let Notice::Prompt(p) = &prompt.notice else {
            panic!("{prompt:?}")
        };
        assert_eq!(c.step_name, p.line.name);
        assert!(*at > *posted_at && *at < p.ends, "{cue:?} within {p:?}");
    }
    assert_eq!(rig.store.active_session(user).await.unwrap(), None);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_claim_left_by_a_crashed_worker_is_taken_after_it_expires(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 5, 0));
    let user = UserId(1011);
    set_reminder(&rig, user, "07:00", "UTC").await;
    let due = utc(2027, 6, 1, 7, 0);
    // The first worker claims, then dies before sending or marking.
    let claimed = rig
        .store
        .claim_due(
            Audience::Discord,
            due,
            due,
            due + Duration::minutes(2),
            42,
            100,
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // While the claim holds, nobody else takes the row.
    assert_eq!(rig.run_at(due + Duration::minutes(1)).await, 0);
    // After it expires, another worker sends it, once.
    rig.run_at(due + Duration::minutes(2)).await;
    rig.run_at(due + Duration::minutes(3)).await;
    assert_eq!(rig.reminders().len(), 1);
    assert_eq!(
        rig.recorder.sent()[0].1.nonce,
        format!("fc{}-0", claimed[0].id)
    );
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_renewed_lease_keeps_rows_from_other_workers_and_a_lapsed_one_frees_them(pool: PgPool) {
    let due = utc(2027, 6, 1, 7, 0);
    users_due(&pool, 1, 20, due).await;
    let store = Store::new(pool.clone());
    let s = |n: i64| due + Duration::seconds(n);
    let claim = |now, token| {
        let store = store.clone();
        // Claiming 5 s ahead, as the worker's window does.
        async move {
            store
                .claim_due(
                    Audience::Discord,
                    now,
                    now + Duration::seconds(5),
                    now + Duration::seconds(6),
                    token,
                    100,
                )
                .await
                .unwrap()
        }
    };
    let a = claim(s(0), 1).await;
    assert_eq!(a.len(), 20);
    // Within the lease, and even within the claim-ahead window of its
    // expiry, another worker takes nothing.
    assert!(claim(s(3), 2).await.is_empty());
    // Renewed before it lapses, the lease holds past its first expiry.
    assert_eq!(store.renew_claim(1, s(10)).await.unwrap().len(), 20);
    for at in [6, 8, 9] {
        assert!(claim(s(at), 2).await.is_empty(), "{at} s");
    }
    // Worker 1 records half its rows; the rest lapse at 10 s.
    let outcome = footcoach::store::timeline::BatchOutcome {
        resolved: a[..10]
            .iter()
            .map(|r| {
                (
                    r.id,
                    footcoach::store::timeline::Resolution::Sent { late: false },
                )
            })
            .collect(),
        ..Default::default()
    };
    store.complete_batch(1, s(9), &outcome).await.unwrap();
    let taken = claim(s(10), 2).await;
    let mut ids: Vec<i64> = taken.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    let mut rest: Vec<i64> = a[10..].iter().map(|r| r.id).collect();
    rest.sort_unstable();
    assert_eq!(ids, rest, "only the unrecorded rows, once lapsed");
    // Worker 1, late to renew, learns it holds nothing: it must not send them.
    assert!(store.renew_claim(1, s(16)).await.unwrap().is_empty());
    assert_eq!(store.renew_claim(2, s(16)).await.unwrap().len(), 10);
    // Its late completion changes nothing either.
    let late = footcoach::store::timeline::BatchOutcome {
        resolved: a[10..]
            .iter()
            .map(|r| {
                (
                    r.id,
                    footcoach::store::timeline::Resolution::Sent { late: false },
                )
            })
            .collect(),
        ..Default::default()
    };
    store.complete_batch(1, s(11), &late).await.unwrap();
    assert_eq!(db::count(&pool, "timeline WHERE state = 'sent'").await, 10);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn two_workers_racing_over_ten_thousand_rows_send_each_once(pool: PgPool) {
    let due = utc(2027, 6, 1, 7, 0);
    // 10,000 users with a reminder due at the same instant, inserted in bulk.
    users_due(&pool, 1, 10_000, due).await;
    let a = rig(&pool, due);
    let b = rig(&pool, due);
    let (na, nb) = tokio::join!(a.run_at(due), b.run_at(due));
    assert_eq!(na + nb, 10_000);
    let mut ids: Vec<i64> = a
        .recorder
        .sent()
        .iter()
        .chain(b.recorder.sent().iter())
        .map(|(_, o)| o.row_id)
        .collect();
    assert_eq!(ids.len(), 10_000);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 10_000, "no row sent twice");
    assert!(
        !a.recorder.sent().is_empty() && !b.recorder.sent().is_empty(),
        "both workers took part"
    );
    let unsent = db::count(
        &pool,
        "timeline WHERE local_date = '2027-06-01' AND state <> 'sent'",
    )
    .await;
    assert_eq!(unsent, 0);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn an_unreachable_user_is_not_retried_and_their_reminders_pause(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 5, 0));
    let user = UserId(1012);
    set_reminder(&rig, user, "07:00", "UTC").await;
    rig.store.set_last_channel(user, 777).await.unwrap();
    rig.recorder
        .answer_with(Delivery::Unreachable("HTTP 403 code 50007".into()));
    rig.run_at(utc(2027, 6, 1, 7, 0)).await;
    for day in 2..5 {
        rig.run_at(utc(2027, 6, day, 7, 0)).await;
    }
    assert!(rig.recorder.sent().is_empty());
    assert_eq!(
        *rig.recorder.told_unreachable.lock().unwrap(),
        vec![(user, 777)]
    );
    let settings = rig.store.user(user).await.unwrap();
    assert!(settings.dm_blocked);
    assert_eq!(
        rig.store.next_ready_at(Audience::Discord).await.unwrap(),
        None,
        "nothing left to retry"
    );
    let attempts: i16 =
        sqlx::query_scalar("SELECT attempts FROM timeline WHERE user_id = $1 AND state = 'failed'")
            .bind(user.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    // Setting the reminder again (after opening DMs) starts it again.
    rig.recorder.answer_with(Delivery::Sent {
        dm_channel: None,
        message: None,
    });
    rig.clock.set(utc(2027, 6, 5, 6, 0));
    set_reminder(&rig, user, "07:00", "UTC").await;
    rig.run_at(utc(2027, 6, 5, 7, 0)).await;
    assert_eq!(rig.reminders().len(), 1);
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_transient_failure_is_retried_with_backoff_a_bounded_number_of_times(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 5, 0));
    let user = UserId(1013);
    set_reminder(&rig, user, "07:00", "UTC").await;
    rig.recorder.answer_with(Delivery::Transient {
        retry_after: None,
        error: "HTTP 502".into(),
    });
    let mut now = utc(2027, 6, 1, 7, 0);
    let mut tries = 0;
    while tries < 10 {
        if rig.run_at(now).await > 0 {
            tries += 1;
        }
        match rig.store.next_ready_at(Audience::Discord).await.unwrap() {
            Some(next) if next.date_naive() == now.date_naive() => {
                assert!(next > now, "backs off");
                now = next;
            }
            _ => break,
        }
    }
    assert_eq!(tries, 5, "five attempts in all, then it gives up");
    let state: String = sqlx::query_scalar("SELECT state FROM timeline WHERE user_id = $1 AND local_date = '2027-06-01' AND kind = 'reminder'")
        .bind(user.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(state, "failed");
    // Giving up on today's reminder is no reason to miss tomorrow's.
    let tomorrow: String = sqlx::query_scalar("SELECT state FROM timeline WHERE user_id = $1 AND local_date = '2027-06-02' AND kind = 'reminder'")
        .bind(user.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tomorrow, "pending");
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn one_evening_nudge_on_a_day_not_done(pool: PgPool) {
    let rig = rig(&pool, utc(2027, 6, 1, 5, 0));
    let user = UserId(1014);
    rig.say(
        user,
        Command::RemindSet {
            time: "07:00".parse().unwrap(),
            timezone: Some("UTC".parse().unwrap()),
        },
    )
    .await;
    rig.say(user, Command::FollowupSet(Some("19:00".parse().unwrap())))
        .await;
    let nudges = |rig: &Rig| {
        rig.recorder
            .sent()
            .iter()
            .filter(|(_, o)| matches!(o.notice, Notice::Followup { .. }))
            .count()
    };
    rig.run_at(utc(2027, 6, 1, 7, 0)).await;
    rig.run_at(utc(2027, 6, 1, 19, 0)).await;
    rig.run_at(utc(2027, 6, 1, 19, 5)).await;
    assert_eq!(nudges(&rig), 1, "one nudge on a day not done");
    // The next day is done by the evening: no nudge.
    rig.run_at(utc(2027, 6, 2, 7, 0)).await;
    rig.clock.set(utc(2027, 6, 2, 8, 0));
    rig.say(user, Command::Reply(Intent::Done)).await;
    rig.run_at(utc(2027, 6, 2, 19, 0)).await;
    assert_eq!(nudges(&rig), 1);
    // Turned off: none.
    rig.say(user, Command::FollowupSet(None)).await;
    rig.run_at(utc(2027, 6, 3, 19, 0)).await;
    assert_eq!(nudges(&rig), 1);
    assert_eq!(rig.reminders().len(), 3, "the morning reminders go on");
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_window_claims_ahead_and_sends_each_row_at_its_instant(pool: PgPool) {
    // Real time here (so not `App`, whose clock is manual): the window sleeps
    // until each row is due.
    let store = Store::new(pool.clone());
    let coach = Coach::new(
        store.clone(),
        Arc::new(Content::embedded().unwrap()),
        Arc::new(footcoach::clock::SystemClock),
    );
    let recorder = Recorder::default();
    let scheduler = Scheduler::new(coach, store, recorder.clone(), SchedulerOptions::discord());
    let base = Utc::now() + Duration::milliseconds(300);
    users_with_reminders(&pool, 1, 30).await;
    // Three groups, 300 ms apart.
    sqlx::query(
        "INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date)
         SELECT g, 'reminder', d, d, (d AT TIME ZONE 'UTC')::date
         FROM (SELECT g, $1 + make_interval(secs => 0.3 * (g % 3)) AS d FROM generate_series(1, 30) AS g) AS s",
    )
    .bind(base)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(
        scheduler
            .run_window(std::time::Duration::from_secs(2))
            .await
            .unwrap(),
        30
    );
    let sent = recorder.sent();
    assert_eq!(sent.len(), 30);
    for (at, out) in &sent {
        assert!(*at >= out.due_at, "never early: {at} < {}", out.due_at);
    }
    let unsent: i64 =
        sqlx::query_scalar("SELECT count(*) FROM timeline WHERE state <> 'sent' AND due_at < $1")
            .bind(base + Duration::seconds(1))
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(unsent, 0, "all marked");
}

/// Takes `delay` (real time) over each send, and notes the row.
#[derive(Clone)]
struct Slow {
    delay: std::time::Duration,
    rows: Arc<Mutex<Vec<i64>>>,
}

impl Messenger for Slow {
    async fn deliver(&self, out: &Outbound) -> Delivery {
        tokio::time::sleep(self.delay).await;
        self.rows.lock().unwrap().push(out.row_id);
        Delivery::Sent {
            dm_channel: None,
            message: None,
        }
    }

    async fn tell_unreachable(&self, _user: UserId, _channel: i64) {}
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn sends_slower_than_the_lease_keep_their_rows_while_it_is_renewed(pool: PgPool) {
    // Real time: the lease lapses unless renewed.
    let store = Store::new(pool.clone());
    let coach = Coach::new(
        store.clone(),
        Arc::new(Content::embedded().unwrap()),
        Arc::new(footcoach::clock::SystemClock),
    );
    let options = SchedulerOptions {
        lease: std::time::Duration::from_secs(1),
        ..SchedulerOptions::discord()
    };
    let slow = |delay_ms| Slow {
        delay: std::time::Duration::from_millis(delay_ms),
        rows: Arc::default(),
    };
    let (a, b) = (slow(2500), slow(0));
    let first = Scheduler::new(coach.clone(), store.clone(), a.clone(), options.clone());
    let second = Scheduler::new(coach, store, b.clone(), options);
    users_due(&pool, 1, 5, Utc::now()).await;
    let other = async {
        let mut taken = 0;
        for _ in 0..30 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            taken += second
                .run_window(std::time::Duration::from_secs(5))
                .await
                .unwrap();
        }
        taken
    };
    let (sent, taken) = tokio::join!(first.run_window(std::time::Duration::ZERO), other);
    assert_eq!(sent.unwrap(), 5);
    assert_eq!(taken, 0, "the other worker took none of the held rows");
    assert_eq!(a.rows.lock().unwrap().len(), 5);
    assert!(b.rows.lock().unwrap().is_empty());
    assert_eq!(db::count(&pool, "timeline WHERE state = 'sent'").await, 5);
}
