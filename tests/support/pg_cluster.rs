//! A private, throw-away PostgreSQL cluster that a test may stop and start to
//! simulate a database outage. Tests must never stop the machine's shared
//! server (the one DATABASE_URL names), so a test that needs the database to
//! go away gets its own.
//!
//! [`PgCluster::start`] runs `initdb` into a fresh directory under /tmp
//! (TMPDIR when not root) and starts the server with `pg_ctl -w` on
//! 127.0.0.1 and a free port, with trust authentication for the user
//! `postgres`, its unix socket in that directory, and durability turned off
//! for speed (fsync, synchronous commit, full page writes). 0.6 to 1.1 s
//! (idle to busy machine), most of it `initdb`; [`PgCluster::stop`] and
//! [`PgCluster::start_again`] take about 0.1 s each (pg_ctl checks on the
//! server every 100 ms).
//!
//! The binaries come from `PG_BINDIR` when set, else the newest
//! `/usr/lib/postgresql/<version>/bin`, else PATH. initdb refuses to run as
//! root, so when the tests run as root every PostgreSQL command runs as the
//! `postgres` OS user (`runuser`), which then owns the directory.
//!
//! Nothing is left behind: dropping the cluster (a panicking test too) stops
//! the server with `pg_ctl stop -m immediate` and removes the directory. A
//! watchdog (`sh`, one per cluster) does that work: it waits on a pipe from
//! the test process, so it also cleans up when the test binary dies without
//! running destructors (abort, SIGKILL, ^C; pg_ctl puts the server in its own
//! session, so ^C at the terminal does not reach it). The server is not the
//! test process's child (pg_ctl leaves it to init), so its brief zombie after
//! a stop is init's to reap.

use std::io::Read;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection};

/// Tries at a free port before giving up: another process may take the port
/// between our probe and the server's bind.
const PORT_ATTEMPTS: usize = 5;
/// How long pg_ctl waits for the server to start or stop.
const PG_CTL_TIMEOUT_SECS: &str = "30";

const SETTINGS: &str = "
# Written by tests/support/pg_cluster.rs. A throw-away cluster: nothing has
# to survive a crash of the machine, so nothing waits for the disk.
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
# A test opens a handful of connections; less shared memory to set up.
max_connections = 20
shared_buffers = 16MB
# Nothing to vacuum in a test's lifetime, and no background writes.
autovacuum = off
";

pub struct PgCluster {
    /// The temp dir: the data directory `data`, the log `log` and the socket.
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
    as_postgres: bool,
    running: bool,
    /// Its stdin is the pipe the watchdog waits on; closing it means "clean up".
    watchdog: Option<(Child, ChildStdin)>,
}

impl PgCluster {
    /// Creates, starts and waits for a new cluster (see the module doc).
    pub async fn start() -> PgCluster {
        let as_postgres = is_root();
        let dir = fresh_dir(as_postgres);
        let bin = bindir();
        // The watchdog first, so that a panic from here on leaves nothing.
        let watchdog = spawn_watchdog(&dir, &bin, as_postgres);
        let mut cluster = PgCluster {
            dir,
            port: 0,
            bin,
            as_postgres,
            running: false,
            watchdog: Some(watchdog),
        };
        cluster
            .run(
                "initdb",
                &[
                    "-D",
                    "data",
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                    "--no-instructions",
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("initdb failed: {e}"));
        let socket_dir = format!(
            "unix_socket_directories = '{}'\n",
            cluster.dir.display().to_string().replace('\'', "''")
        );
        let conf = cluster.dir.join("data/postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap();
        text.push_str(SETTINGS);
        text.push_str(&socket_dir);
        std::fs::write(&conf, text).unwrap();

        let mut last_error = String::new();
        for _ in 0..PORT_ATTEMPTS {
            cluster.port = free_port();
            match cluster.pg_ctl_start().await {
                Ok(()) => return cluster,
                // Someone took the port since we probed it: try another one.
                Err(e) if e.contains("Address already in use") => last_error = e,
                Err(e) => panic!("the private PostgreSQL did not start: {e}"),
            }
        }
        panic!("no free port for the private PostgreSQL after {PORT_ATTEMPTS} tries: {last_error}")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temp dir (data directory, log, socket); gone once dropped.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The maintenance database `postgres` as the user `postgres` over TCP;
    /// add `.database(name)` for another database (Store::open creates it).
    pub fn connect_options(&self) -> PgConnectOptions {
        // Not `new()`: it would read PG* variables and ~/.pgpass meant for
        // the shared server.
        PgConnectOptions::new_without_pgpass()
            .host("127.0.0.1")
            .port(self.port)
            .username("postgres")
            .database("postgres")
            // The server has no TLS; skip asking for it.
            .ssl_mode(PgSslMode::Disable)
    }

    /// The server's URL without a database, like DATABASE_URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    /// The URL of `database` on this server.
    pub fn url_for(&self, database: &str) -> String {
        format!("{}/{database}", self.url())
    }

    /// The server process's id, while it runs.
    pub fn postmaster_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Stops the server like an outage, and returns once it is gone: a fast
    /// shutdown (`pg_ctl stop -m fast`) ends every session (clients get
    /// FATAL 57P01, then the socket closes) and the port then refuses
    /// connections. Fast rather than immediate so that `start_again` needs no
    /// crash recovery; to the clients both look the same.
    pub async fn stop(&mut self) {
        assert!(self.running, "the private PostgreSQL is not running");
        self.pg_ctl(&["stop", "-m", "fast"])
            .await
            .unwrap_or_else(|e| panic!("the private PostgreSQL did not stop: {e}"));
        self.running = false;
    }

    /// Starts the stopped server again on the same port and data, and waits
    /// until it accepts connections. Panics if the port was taken meanwhile.
    pub async fn start_again(&mut self) {
        assert!(!self.running, "the private PostgreSQL is already running");
        self.pg_ctl_start()
            .await
            .unwrap_or_else(|e| panic!("the private PostgreSQL did not start again: {e}"));
    }

    async fn pg_ctl_start(&mut self) -> Result<(), String> {
        let port = self.port.to_string();
        let log_before = self.log().len();
        self.pg_ctl(&["start", "-l", "log", "-o", &format!("-p {port}")])
            .await
            .map_err(|e| {
                // The server's own reason (a taken port, say) is in its log.
                let log = self.log();
                format!(
                    "{e}\nserver log:\n{}",
                    log.get(log_before..).unwrap_or(&log)
                )
            })?;
        self.running = true;
        self.wait_until_ready().await;
        Ok(())
    }

    /// pg_ctl -w already waited for "ready" in postmaster.pid; one real
    /// connection proves it from the client's side.
    async fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.connect_options().connect().await {
                Ok(conn) => {
                    conn.close().await.ok();
                    return;
                }
                Err(e) if Instant::now() >= deadline => {
                    panic!("the private PostgreSQL does not accept connections: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    async fn pg_ctl(&self, args: &[&str]) -> Result<(), String> {
        let mut all = vec!["-D", "data", "-w", "-t", PG_CTL_TIMEOUT_SECS];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all).await
    }

    /// Runs a PostgreSQL program in the temp dir (as `postgres` when root).
    async fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let mut cmd = command(&self.bin.join(program), self.as_postgres);
        // In the temp dir: the postgres user may not be allowed in ours.
        cmd.args(args).current_dir(&self.dir).stdin(Stdio::null());
        let out = tokio::process::Command::from(cmd)
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} {}: {}\n{}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn log(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(self.dir.join("log")) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Closing the pipe is the watchdog's signal; waiting for it means the
        // server is gone and the directory removed when drop returns.
        if let Some((mut child, stdin)) = self.watchdog.take() {
            drop(stdin);
            let _ = child.wait();
        }
        // In case the watchdog was killed: do its work here.
        if self.dir.exists() {
            let _ = command(&self.bin.join("pg_ctl"), self.as_postgres)
                .args(["-D", "data", "-w", "stop", "-m", "immediate"])
                .current_dir(&self.dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// `program` as a command, run as the postgres OS user when `as_postgres`.
fn command(program: &Path, as_postgres: bool) -> std::process::Command {
    if as_postgres {
        let mut cmd = std::process::Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        std::process::Command::new(program)
    }
}

/// A shell that waits until its stdin closes (the test process dropped the
/// cluster or died), then stops the server at once and removes the dir. It
/// ignores the terminal's signals so that ^C kills the tests, not it.
fn spawn_watchdog(dir: &Path, bin: &Path, as_postgres: bool) -> (Child, ChildStdin) {
    const SCRIPT: &str = r#"
trap '' INT HUP TERM QUIT
dir=$1; shift
while read -r _; do :; done
cd "$dir" && "$@" -D data -w stop -m immediate >/dev/null 2>&1
cd / && rm -rf "$dir"
"#;
    let pg_ctl = command(&bin.join("pg_ctl"), as_postgres);
    let mut child = std::process::Command::new("sh")
        .args(["-c", SCRIPT, "sh"])
        .arg(dir)
        .arg(pg_ctl.get_program())
        .args(pg_ctl.get_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh runs");
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

fn is_root() -> bool {
    // The owner of /proc/self is the process's effective uid.
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// A new, empty directory only we use, owned by postgres when root.
fn fresh_dir(as_postgres: bool) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // /tmp rather than TMPDIR when root: the postgres user must be able to
    // reach it, and root's TMPDIR may be private.
    let base = if as_postgres {
        PathBuf::from("/tmp")
    } else {
        std::env::temp_dir()
    };
    loop {
        let dir = base.join(format!(
            "footcoach-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {
                if as_postgres {
                    let uid = postgres_uid();
                    std::os::unix::fs::chown(&dir, Some(uid), None).unwrap();
                }
                return dir;
            }
            // Left by an earlier process with the same id.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!("cannot create {}: {e}", dir.display()),
        }
    }
}

fn postgres_uid() -> u32 {
    let out = std::process::Command::new("id")
        .args(["-u", "postgres"])
        .output()
        .expect("id runs");
    assert!(out.status.success(), "there is no postgres OS user");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// PG_BINDIR, else the newest /usr/lib/postgresql/<version>/bin (Debian's
/// layout, not on PATH), else an empty path: the programs are then looked
/// up on PATH.
fn bindir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BINDIR") {
        return dir.into();
    }
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .max();
    newest.map(|(_, bin)| bin).unwrap_or_default()
}

/// A port nothing listens on right now (the kernel picks it).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("can bind 127.0.0.1")
        .port()
}
