use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use footcoach::app::Coach;
use footcoach::check::Line;
use footcoach::clock::SystemClock;
use footcoach::config::{Config, LogFormat};
use footcoach::content::Content;
use footcoach::discord::Role;
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
    /// Connect to Discord as the bot and send its reminders (needs DISCORD_TOKEN).
    Run,
    /// Only the gateway: commands, replies and buttons (needs DISCORD_TOKEN).
    Gateway,
    /// Only the timed sends: reminders, prompts, server posts; no gateway
    /// connection (needs DISCORD_TOKEN).
    Sender,
    /// Chat with the coach in this terminal (no Discord needed).
    Console {
        /// Who you are; each name has its own routine, reminders and progress.
        #[arg(long, env = "USER", default_value = "me")]
        user: String,
    },
    /// Check the configuration, the database, the content and, with a
    /// token, Discord: one line each, and a failing exit if any failed.
    Check,
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
    /// Write each exercise's picture, and each routine's picture sheet, as
    /// PNG files into a folder, to look at them as people will.
    Pictures {
        /// The folder to write into (made if missing).
        dir: std::path::PathBuf,
    },
}

/// Writes `<exercise>.png` for every exercise and `sheet-<routine>.png` for
/// every routine into `dir`; returns how many files it wrote.
fn write_pictures(content: &Content, dir: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut written = 0;
    for exercise in content.exercises() {
        if let Some(png) = content.pictures().of(&exercise.id) {
            std::fs::write(dir.join(format!("{}.png", exercise.id)), png.bytes())?;
            written += 1;
        }
    }
    for routine in content.routines() {
        let ids: Vec<&str> = content
            .steps(routine)
            .iter()
            .map(|s| s.exercise.id.as_str())
            .collect();
        if let Some(png) = content.pictures().sheet(&ids) {
            std::fs::write(dir.join(format!("sheet-{}.png", routine.id)), png.bytes())?;
            written += 1;
        }
    }
    Ok(written)
}

/// Set once logging is JSON, so a fatal line is a JSON object as well.
static JSON_LOGS: std::sync::OnceLock<()> = std::sync::OnceLock::new();

/// One line on stderr, then a failing exit.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    let one_line = message.to_string().replace('\n', " ");
    if JSON_LOGS.get().is_some() {
        // The shape of tracing's JSON lines, written directly so that no
        // RUST_LOG filter can hide why the process stopped.
        let line = serde_json::json!({
            "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "level": "ERROR",
            "fields": {"message": one_line},
            "target": "footcoach",
        });
        eprintln!("{line}");
    } else {
        eprintln!("footcoach: {one_line}");
    }
    ExitCode::FAILURE
}

fn init_logs(format: LogFormat) {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "footcoach=warn,warn".into()),
        )
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => {
            logs.json().init();
            let _ = JSON_LOGS.set(());
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) if matches!(cli.command, Some(Cmd::Check)) => {
            println!("{}", Line::fail("configuration", e, "see .env.example"));
            return ExitCode::FAILURE;
        }
        Err(e) => return fail(e),
    };
    init_logs(config.log_format);

    if matches!(cli.command, Some(Cmd::Check)) {
        let passed = footcoach::check::run(&config, |line| println!("{line}")).await;
        return if passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }

    let content = match Content::load() {
        Ok(c) => Arc::new(c),
        Err(errors) => {
            eprintln!(
                "footcoach: the coaching content has {} problem(s):",
                errors.0.len()
            );
            eprintln!("{errors}");
            return ExitCode::FAILURE;
        }
    };

    let command = cli.command.unwrap_or_else(|| {
        if config.discord_token.is_some() {
            return Cmd::Run;
        }
        eprintln!("footcoach: no DISCORD_TOKEN is set, so here is the coach in your terminal (see README.md to connect Discord).");
        Cmd::Console {
            user: std::env::var("USER").unwrap_or_else(|_| "me".to_owned()),
        }
    });
    if matches!(command, Cmd::Run | Cmd::Gateway | Cmd::Sender) && config.discord_token.is_none() {
        return fail("DISCORD_TOKEN is not set: put the bot token from the Discord developer portal there (see .env.example), or run `footcoach console`");
    }

    match command {
        Cmd::Check => unreachable!("handled before the content is loaded"),
        Cmd::Content {
            action: ContentAction::Check,
        } => {
            println!("{}", content.summary());
            ExitCode::SUCCESS
        }
        Cmd::Content {
            action: ContentAction::Pictures { dir },
        } => match write_pictures(&content, &dir) {
            Ok(written) => {
                println!("{written} pictures written to {}", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(format!(
                "could not write the pictures to {}: {e}",
                dir.display()
            )),
        },
        Cmd::Console { user } => {
            let (store, coach) = match open_coach(&config, content, 2).await {
                Ok(c) => c,
                Err(code) => return code,
            };
            match footcoach::console::run_stdio(&coach, &store, &user).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
        Cmd::Run | Cmd::Gateway | Cmd::Sender => {
            let role = match command {
                Cmd::Gateway => Role::Gateway,
                Cmd::Sender => Role::Sender,
                _ => Role::Both,
            };
            let (store, coach) = match open_coach(&config, content, 10).await {
                Ok(c) => c,
                Err(code) => return code,
            };
            match footcoach::discord::run(&config, store, coach, role, shutdown_signal()).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(format!("{e:#}")),
            }
        }
    }
}

async fn open_coach(
    config: &Config,
    content: Arc<Content>,
    connections: u32,
) -> Result<(Store, Coach), ExitCode> {
    match Store::open(config.database.clone(), connections).await {
        Ok(store) => Ok((
            store.clone(),
            Coach::new(store, content, Arc::new(SystemClock)),
        )),
        Err(e) => Err(fail(format!("{e}; {}", footcoach::check::DATABASE_FIX))),
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
