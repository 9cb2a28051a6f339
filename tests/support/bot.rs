//! Runs the real bot (`footcoach::discord::run`, the code path of
//! `footcoach run`) on a test's database against a fake Discord:
//!
//! ```ignore
//! let fake = FakeDiscord::start().await;
//! let running = bot::ready(&pool, &fake, None, bot::saturday_noon()).await;
//! // ... chat with it (support::chat), read the database ...
//! running.stop_clean(&fake).await;
//! ```

use std::num::NonZeroU32;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use footcoach::app::Coach;
use footcoach::clock::ManualClock;
use footcoach::config::{Config, Secret};
use footcoach::discord::budget::GlobalBudget;
use footcoach::discord::messenger::DiscordMessenger;
use footcoach::discord::Role;
use footcoach::store::Store;

use super::app::App;
use super::chat::{assert_no_unexpected, is_put_commands, WAIT};
use super::fake_discord::FakeDiscord;

/// Saturday 13 March 2027, 12:00 UTC: the bot's clock in the Discord tests
/// unless a test needs another instant.
pub fn saturday_noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 13, 12, 0, 0).unwrap()
}

pub struct RunningBot {
    pub clock: ManualClock,
    pub coach: Coach,
    pub store: Store,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl RunningBot {
    /// Stops the bot as SIGTERM would and returns how `run` ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = self.task.take().expect("running");
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the bot stops within 10 s")
            .expect("the bot task does not panic")
    }

    /// Stops the bot, which must end without error, and fails the test if
    /// the bot called a route the fake does not know.
    pub async fn stop_clean(self, fake: &FakeDiscord) {
        self.stop().await.expect("the bot ends without error");
        assert_no_unexpected(fake);
    }

    /// Waits for `run` to end by itself (a start-up failure).
    pub async fn ended(mut self) -> anyhow::Result<()> {
        let task = self.task.take().expect("running");
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the bot ends within 10 s")
            .expect("the bot task does not panic")
    }
}

impl Drop for RunningBot {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

pub fn config_for(fake: &FakeDiscord, guild: Option<u64>) -> Config {
    Config {
        database: sqlx::postgres::PgConnectOptions::new(),
        discord_token: Some(Secret::new("fake-token-not-a-secret".into())),
        discord_api_url: Some(fake.api_url()),
        discord_guild_id: guild,
        discord_shards: None,
        log_format: Default::default(),
        metrics_addr: None,
        discord_global_rate: Some(footcoach::config::DEFAULT_GLOBAL_RATE),
    }
}

/// Starts the bot with tracing on and waits until it registered its slash
/// commands (its last start-up step): what most tests want.
pub async fn ready(
    pool: &PgPool,
    fake: &FakeDiscord,
    guild: Option<u64>,
    now: DateTime<Utc>,
) -> RunningBot {
    init_tracing();
    let running = start(pool, fake, guild, now);
    fake.wait_for_call(is_put_commands, WAIT).await;
    running
}

/// Starts the bot on `pool` against `fake` (its commands registered in
/// `guild`, else globally), its clock at `now`, without waiting: for tests
/// of start-up itself.
pub fn start(
    pool: &PgPool,
    fake: &FakeDiscord,
    guild: Option<u64>,
    now: DateTime<Utc>,
) -> RunningBot {
    start_as(pool, config_for(fake, guild), Role::Both, now)
}

/// Starts one process of the bot in `role` with `config`, without waiting:
/// for tests of shards and roles.
pub fn start_as(pool: &PgPool, config: Config, role: Role, now: DateTime<Utc>) -> RunningBot {
    let App {
        coach,
        store,
        clock,
    } = App::new(pool, now);
    let (stop, stopped) = oneshot::channel::<()>();
    let bot_coach = coach.clone();
    let bot_store = store.clone();
    let task = tokio::spawn(async move {
        footcoach::discord::run(&config, bot_store, bot_coach, role, async {
            let _ = stopped.await;
        })
        .await
    });
    RunningBot {
        clock,
        coach,
        store,
        stop: Some(stop),
        task: Some(task),
    }
}

/// The real Discord messenger (what the bot's timeline worker sends with),
/// pointed at `fake`, within Discord's global 50 requests a second shared
/// through `pool`'s database.
pub fn messenger(fake: &FakeDiscord, pool: &PgPool) -> DiscordMessenger {
    messenger_at(fake, pool, footcoach::config::DEFAULT_GLOBAL_RATE.get())
}

/// [`messenger`] with a budget of `rate` requests a second.
pub fn messenger_at(fake: &FakeDiscord, pool: &PgPool, rate: u32) -> DiscordMessenger {
    let budget = GlobalBudget::shared(
        Store::new(pool.clone()),
        NonZeroU32::new(rate).expect("a rate above 0"),
    );
    DiscordMessenger::new(&fake.api_url(), &Secret::new("fake-token".into()), budget)
        .expect("a messenger")
}
