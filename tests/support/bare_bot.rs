//! A bare serenity + poise bot on a fake Discord, with no database and no
//! coach: what the fake's own smoke tests drive, and the latency floor.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A running bare bot.
pub struct BareBot {
    task: tokio::task::JoinHandle<()>,
    pub shards: Arc<serenity::ShardManager>,
}

impl BareBot {
    /// Connects a bot with `options` to the fake at `api_url`; it registers
    /// its commands globally once ready.
    pub async fn start(
        api_url: &str,
        options: poise::FrameworkOptions<(), Error>,
        intents: serenity::GatewayIntents,
    ) -> BareBot {
        let http = serenity::HttpBuilder::new("fake-token-not-a-secret")
            .proxy(api_url)
            .ratelimiter_disabled(true)
            .build();
        let framework = poise::Framework::builder()
            .options(options)
            .initialize_owners(false)
            .setup(|ctx, _ready, framework| {
                Box::pin(async move {
                    poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                    Ok(())
                })
            })
            .build();
        let mut client = serenity::ClientBuilder::new_with_http(http, intents)
            .framework(framework)
            .await
            .expect("build the client");
        let shards = client.shard_manager.clone();
        let task = tokio::spawn(async move {
            if let Err(e) = client.start().await {
                tracing::error!(error = %e, "client stopped");
            }
        });
        BareBot { task, shards }
    }

    pub async fn stop(self) {
        self.shards.shutdown_all().await;
        self.task.abort();
    }
}
