//! The binary's other subcommands, as a person runs them.

use std::process::Command;

fn footcoach(args: &[&str], content_dir: Option<&std::path::Path>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_footcoach"));
    cmd.args(args)
        .env_remove("DISCORD_TOKEN")
        .env_remove("CONTENT_DIR");
    if let Some(dir) = content_dir {
        cmd.env("CONTENT_DIR", dir);
    }
    // Run from elsewhere: the content is built in, not read from the working directory.
    cmd.current_dir(std::env::temp_dir());
    cmd.output().expect("the binary runs")
}

#[test]
fn content_check_prints_a_summary_from_any_directory() {
    let out = footcoach(&["content", "check"], None);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("content ok: 15 exercises, 4 routines"),
        "{stdout}"
    );
    for routine in ["morning", "short", "stability", "stability-short"] {
        assert!(stdout.contains(routine), "{stdout}");
    }
}

#[test]
fn content_dir_overrides_the_built_in_content_and_errors_name_the_file() {
    let dir = std::env::temp_dir().join(format!("footcoach-content-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    for f in ["exercises.toml", "routines.toml", "plan.toml"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let plan = std::fs::read_to_string(dir.join("plan.toml")).unwrap();
    let broken: String = plan
        .lines()
        .filter(|l| !l.trim_start().starts_with("thu"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("plan.toml"), broken).unwrap();

    let out = footcoach(&["content", "check"], Some(&dir));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success());
    assert!(stderr.contains("plan.toml"), "{stderr}");
    assert!(stderr.to_lowercase().contains("thu"), "{stderr}");

    // The same start-up check guards the console.
    let out = footcoach(&["console", "--user", "x"], Some(&dir));
    assert!(!out.status.success());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn run_without_a_token_says_what_to_set() {
    let out = footcoach(&["run"], None);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DISCORD_TOKEN"), "{stderr}");
}

#[test]
fn malformed_shards_stop_start_up_with_one_line_saying_the_form() {
    let out = Command::new(env!("CARGO_BIN_EXE_footcoach"))
        .args(["gateway"])
        .env("DISCORD_SHARDS", "all of them")
        .env("DISCORD_TOKEN", "not-a-real-token")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("DISCORD_SHARDS must look like 0-3/8"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-a-real-token"));
}
