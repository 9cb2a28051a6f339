//! The only place that writes SQL. One module per table group.
//!
//! Every statement but `CREATE DATABASE` (see `ensure_database`) is a static
//! `sqlx::query!`/`query_as!`/`query_scalar!`, checked at compile time
//! against the data in `.sqlx/` (regenerate it with `.ci/sqlx-prepare` after
//! changing a query or a migration). In the macros' arguments a bare
//! `x as T` is a type override that turns the check off, so numeric casts
//! are parenthesised, `(x as i16)`, to keep it on; the only overrides are
//! `&[&str]` for `text[]` parameters, which the check would only accept as
//! `&[String]`.

pub mod bot_state;
pub mod discord_budget;
pub mod logs;
pub mod servers;
pub mod sessions;
pub mod state;
pub mod timeline;
pub mod users;
pub mod weeks;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

pub use crate::coach::progress::{LogEntry, LogOutcome};
pub use logs::{LogWrite, NewLogEntry};
pub use sessions::{GuidedSession, SessionState, StepMessage};
pub use state::{Applied, Changes, Conn, SessionWrite, Touch, UserState};
pub use users::{UserId, UserSettings};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: PgPool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot reach the database at {target}: {source}")]
    Unreachable {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Store {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Whether the database answers, failing fast like a person's command.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        let mut conn = self.conn().await?;
        conn.ping().await
    }

    /// Creates the database when it does not exist yet, connects and applies
    /// the migrations.
    pub async fn open(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> Result<Store, ConnectError> {
        let target = describe(&options);
        let unreachable = |source| ConnectError::Unreachable {
            target: target.clone(),
            source,
        };
        ensure_database(&options).await.map_err(unreachable)?;
        let pool = pool_options(max_connections)
            .connect_with(options.clone())
            .await
            .map_err(unreachable)?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool })
    }
}

/// The production pool settings. No ping before each acquire
/// (`test_before_acquire(false)`): a dead connection then fails one query
/// instead of every query costing an extra round trip, and sqlx still
/// discards connections that broke.
pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .test_before_acquire(false)
}

/// host:port/database, without the user or password.
fn describe(options: &PgConnectOptions) -> String {
    format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("(default)")
    )
}

async fn ensure_database(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let Some(name) = options.get_database() else {
        return Ok(());
    };
    // Ask the server by connecting to its maintenance database, as createdb does.
    let admin = options.clone().database("postgres");
    let mut conn = sqlx::ConnectOptions::connect(&admin).await?;
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "exists!""#,
        name,
    )
    .fetch_one(&mut conn)
    .await?;
    if !exists {
        // The one statement of the store built at run time, so not checked at
        // compile time: the database name is an identifier, and PostgreSQL
        // takes no parameter for an identifier. It is quoted here (any '"'
        // doubled) and spliced in.
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match sqlx::query(&format!("CREATE DATABASE {quoted}"))
            .execute(&mut conn)
            .await
        {
            Ok(_) => tracing::info!(database = name, "created the database"),
            // Another instance created it at the same moment.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
