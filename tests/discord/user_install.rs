//! The app installed to a person's own account: its commands are offered in
//! servers the bot is not in, in the bot's DM and in other DMs, and there
//! it answers through the interaction only; anything later comes by DM.

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::support::bot::{self, saturday_noon};
use crate::support::chat::{callback, slash, strings, sub, Slash, WAIT};
use crate::support::fake_discord::{self as fake, FakeDiscord, UserPlace};
use crate::ALICE;

/// A server only Alice installed the app for, and a DM and a group DM of hers.
const FOREIGN_GUILD: u64 = 1_300_000_000_000_000_900;
const FOREIGN_CHANNEL: u64 = 1_300_000_000_000_000_901;
const FRIEND_DM: u64 = 1_300_000_000_000_000_902;
const GROUP_DM: u64 = 1_300_000_000_000_000_903;

fn places() -> [UserPlace; 4] {
    [
        UserPlace::Server {
            guild: FOREIGN_GUILD,
            channel: FOREIGN_CHANNEL,
        },
        UserPlace::BotDm,
        UserPlace::OtherDm {
            channel: FRIEND_DM,
            group: false,
        },
        UserPlace::OtherDm {
            channel: GROUP_DM,
            group: true,
        },
    ]
}

fn numbers(list: &Value) -> Vec<u64> {
    let mut n: Vec<u64> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    n.sort_unstable();
    n
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn each_command_is_registered_for_the_installs_and_places_it_makes_sense_in(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let registered = fake.registered_commands(None);
    assert_eq!(registered.len(), 8);
    for command in &registered {
        let name = command["name"].as_str().unwrap();
        let (installs, contexts) = if name == "coach" {
            (vec![0], vec![0])
        } else {
            (vec![0, 1], vec![0, 1, 2])
        };
        assert_eq!(numbers(&command["integration_types"]), installs, "/{name}");
        assert_eq!(numbers(&command["contexts"]), contexts, "/{name}");
    }
    running.stop_clean(&fake).await;
}

/// Every command a person can use, as typed.
fn commands() -> Vec<Slash> {
    vec![
        sub("routine", "today", json!([])),
        sub(
            "remind",
            "set",
            strings(&[("time", "07:30"), ("timezone", "Europe/Berlin")]),
        ),
        sub("remind", "show", json!([])),
        sub("remind", "pause", strings(&[("until", "2027-06-09")])),
        sub("remind", "resume", json!([])),
        sub("settings", "followup", strings(&[("time", "off")])),
        sub("settings", "restdays", strings(&[("days", "none")])),
        sub("settings", "painprompt", strings(&[("ask", "on")])),
        sub("settings", "weekly", strings(&[("day", "sunday")])),
        slash("progress"),
        slash("help"),
        sub("mydata", "export", json!([])),
        sub("mydata", "delete", json!([])),
        sub("level", "down", json!([])),
        sub("routine", "start", json!([])),
    ]
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_personal_install_answers_everywhere_and_never_posts_where_the_bot_is_not(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    for place in places() {
        for slash in commands() {
            let shown = format!("{slash:?} in {place:?}");
            let ix = fake::user_installed(slash.in_dm(&fake, ALICE), ALICE, place);
            fake.dispatch_interaction(&ix).await;
            let answer = callback(&fake, &ix).await;
            assert!(answer.status < 300, "{shown}: {}", fake.describe_calls());
            assert!(
                matches!(answer.body["type"].as_u64(), Some(4 | 5)),
                "{shown}: {}",
                answer.body
            );
        }
    }
    // Answers only through the interactions: nothing posted in the server
    // channel or the DMs with others, and none of them remembered.
    for channel in [FOREIGN_CHANNEL, FRIEND_DM, GROUP_DM] {
        let path = format!("{}/channels/{channel}/", fake::API);
        let posted: Vec<_> = fake
            .calls()
            .into_iter()
            .filter(|c| c.path.starts_with(&path))
            .collect();
        assert!(posted.is_empty(), "{posted:?}");
    }
    let remembered: Option<i64> =
        sqlx::query_scalar("SELECT last_channel_id FROM users WHERE id = $1")
            .bind(ALICE as i64)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(remembered, None);
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn a_session_started_where_the_bot_cannot_post_goes_on_in_the_dm(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let place = UserPlace::Server {
        guild: FOREIGN_GUILD,
        channel: FOREIGN_CHANNEL,
    };
    let ix = fake::user_installed(
        sub("settings", "painprompt", strings(&[("ask", "off")])).in_dm(&fake, ALICE),
        ALICE,
        place,
    );
    fake.dispatch_interaction(&ix).await;
    callback(&fake, &ix).await;
    let ix = fake::user_installed(
        sub("routine", "start", json!([])).in_dm(&fake, ALICE),
        ALICE,
        place,
    );
    fake.dispatch_interaction(&ix).await;
    let started = callback(&fake, &ix).await.body;
    let said = started["data"]["content"].as_str().unwrap_or_default();
    assert!(said.contains("in your DMs"), "{started}");

    // Its first step (two sets) is still coached in place: edited through
    // the interaction, which needs no access to that channel. (First the
    // bot learns where the answer went.)
    for _ in 0..100 {
        let known: Option<String> = sqlx::query_scalar(
            "SELECT step_message_webhook FROM guided_sessions WHERE user_id = $1",
        )
        .bind(ALICE as i64)
        .fetch_one(&pool)
        .await
        .unwrap();
        if known.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    running.clock.advance(chrono::Duration::seconds(30));
    sqlx::query("SELECT pg_notify('footcoach_timeline', '')")
        .execute(&pool)
        .await
        .unwrap();
    let edit = fake
        .wait_for_call(
            |c| {
                c.method == "PATCH"
                    && c.path.contains(&format!(
                        "/webhooks/{}/{}/messages/",
                        fake::APPLICATION_ID,
                        ix.token
                    ))
                    && !c.path.ends_with("@original")
            },
            WAIT,
        )
        .await;
    assert_eq!(edit.status, 200, "{}", fake.describe_calls());
    let content = edit.body["content"].as_str().unwrap_or_default();
    assert!(content.starts_with("Set 2 of 2: go.\n\n"), "{content}");

    // The first step's time is up: the second comes in Alice's DM.
    running.clock.advance(chrono::Duration::minutes(10));
    sqlx::query("SELECT pg_notify('footcoach_timeline', '')")
        .execute(&pool)
        .await
        .unwrap();
    let dm = fake.dm_channel_for(ALICE);
    let prompt = fake
        .wait_for_call(
            |c| c.method == "POST" && c.path.ends_with(&format!("/channels/{dm}/messages")),
            WAIT,
        )
        .await;
    assert!(prompt.status < 300, "{}", fake.describe_calls());
    assert!(fake
        .calls()
        .iter()
        .all(|c| !c.path.contains(&FOREIGN_CHANNEL.to_string())));
    running.stop_clean(&fake).await;
}

#[sqlx::test(migrator = "footcoach::store::MIGRATOR")]
async fn closed_dms_are_told_in_the_next_answer_when_there_is_no_channel_to_tell(pool: PgPool) {
    let fake = FakeDiscord::start().await;
    let running = bot::ready(&pool, &fake, None, saturday_noon()).await;
    let place = UserPlace::Server {
        guild: FOREIGN_GUILD,
        channel: FOREIGN_CHANNEL,
    };
    let ask = |slash: Slash| fake::user_installed(slash.in_dm(&fake, ALICE), ALICE, place);
    let set = ask(sub(
        "remind",
        "set",
        strings(&[("time", "12:30"), ("timezone", "UTC")]),
    ));
    fake.dispatch_interaction(&set).await;
    callback(&fake, &set).await;

    // Her reminder meets Discord's "Cannot send messages to this user".
    let dm = fake.dm_channel_for(ALICE);
    fake.fail_next(
        "POST",
        &format!("/channels/{dm}/messages"),
        403,
        json!({"message": "Cannot send messages to this user", "code": 50007}),
        1,
    );
    running.clock.advance(chrono::Duration::minutes(31));
    sqlx::query("SELECT pg_notify('footcoach_timeline', '')")
        .execute(&pool)
        .await
        .unwrap();
    crate::support::db::wait_for_count(&pool, "users WHERE dm_blocked_at IS NOT NULL", 1, WAIT)
        .await;

    // Nowhere to post it, so her next answer says it.
    let today = ask(sub("routine", "today", json!([])));
    fake.dispatch_interaction(&today).await;
    let answer = callback(&fake, &today).await.body;
    let said = answer["data"]["content"].as_str().unwrap_or_default();
    assert!(
        said.contains(footcoach::text::replies::DMS_CLOSED),
        "{answer}"
    );
    assert!(fake
        .calls()
        .iter()
        .all(|c| !c.path.contains(&FOREIGN_CHANNEL.to_string())));

    // Setting the reminder again starts it again, and the note goes.
    let set = ask(sub("remind", "set", strings(&[("time", "07:00")])));
    fake.dispatch_interaction(&set).await;
    callback(&fake, &set).await;
    let today = ask(sub("routine", "today", json!([])));
    fake.dispatch_interaction(&today).await;
    let answer = callback(&fake, &today).await.body;
    assert!(
        !answer.to_string().contains("could not send you"),
        "{answer}"
    );
    running.stop_clean(&fake).await;
}
