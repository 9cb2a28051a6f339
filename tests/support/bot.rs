//! Runs the real bot (`footcoach::discord::run`, the code path of
//! `footcoach run`) against a fake Discord.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use footcoach::app::Coach;
use footcoach::clock::ManualClock;
use footcoach::config::{Config, Secret};
use footcoach::content::Content;
use footcoach::store::Store;

use super::fake_discord::FakeDiscord;

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
    }
}

/// Starts the bot on `pool` against `fake`, its clock at `now`.
pub fn start(
    pool: &PgPool,
    fake: &FakeDiscord,
    guild: Option<u64>,
    now: DateTime<Utc>,
) -> RunningBot {
    let clock = ManualClock::new(now);
    let content = Arc::new(Content::embedded().expect("content"));
    let store = Store::new(pool.clone());
    let coach = Coach::new(store.clone(), content, Arc::new(clock.clone()));
    let config = config_for(fake, guild);
    let (stop, stopped) = oneshot::channel::<()>();
    let bot_coach = coach.clone();
    let bot_store = store.clone();
    let task = tokio::spawn(async move {
        footcoach::discord::run(&config, bot_store, bot_coach, async {
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
