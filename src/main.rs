use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use footcoach::app::Coach;
use footcoach::clock::SystemClock;
use footcoach::config::Config;
use footcoach::content::Content;
use footcoach::store::Store;

/// A coach for a daily foot routine, on Discord and in a terminal.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Chat with the coach in this terminal (no Discord needed).
    Console {
        /// Who you are; each name has its own routine, reminders and progress.
        #[arg(long, env = "USER", default_value = "me")]
        user: String,
    },
    /// Check the coaching content and print a summary.
    Content {
        #[command(subcommand)]
        action: ContentAction,
    },
}

#[derive(Subcommand)]
enum ContentAction {
    /// Validate content/ (or CONTENT_DIR) and print what it holds.
    Check,
}

/// One line on stderr, then a failing exit.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    let one_line = message.to_string().replace('\n', " ");
    eprintln!("footcoach: {one_line}");
    ExitCode::FAILURE
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "footcoach=warn,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let content = match Content::load() {
        Ok(c) => Arc::new(c),
        Err(errors) => {
            eprintln!("footcoach: the coaching content has {} problem(s):", errors.0.len());
            eprintln!("{errors}");
            return ExitCode::FAILURE;
        }
    };

    let command = cli.command.unwrap_or_else(|| {
        eprintln!("footcoach: no DISCORD_TOKEN is set, so here is the coach in your terminal (see README.md to connect Discord).");
        Cmd::Console {
            user: std::env::var("USER").unwrap_or_else(|_| "me".to_owned()),
        }
    });

    match command {
        Cmd::Content {
            action: ContentAction::Check,
        } => {
            println!("{}", content.summary());
            ExitCode::SUCCESS
        }
        Cmd::Console { user } => {
            let store = match Store::open(config.database.clone(), 2).await {
                Ok(s) => s,
                Err(e) => return fail(format!("{e}. Start PostgreSQL, or set DATABASE_URL to a server that runs (see .env.example)")),
            };
            let coach = Coach::new(store, content, Arc::new(SystemClock));
            match footcoach::console::run_stdio(&coach, &user).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
    }
}
