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

/// Copies the content folder (its files and its drawings) into `dir`.
fn copy_content(src: &std::path::Path, dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("pictures")).unwrap();
    for f in ["exercises.toml", "routines.toml", "plan.toml"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    for entry in std::fs::read_dir(src.join("pictures")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("pictures").join(path.file_name().unwrap())).unwrap();
    }
}

#[test]
fn a_missing_or_broken_drawing_fails_the_content_check_naming_its_file() {
    let dir = std::env::temp_dir().join(format!("footcoach-drawings-{}", std::process::id()));
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    copy_content(&src, &dir);
    std::fs::remove_file(dir.join("pictures/squat.svg")).unwrap();
    std::fs::write(dir.join("pictures/knee-tuck.svg"), "<svg").unwrap();
    let out = footcoach(&["content", "check"], Some(&dir));
    let stderr = String::from_utf8(out.stderr).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(!out.status.success());
    assert!(stderr.contains("2 problem(s)"), "{stderr}");
    assert!(
        stderr.contains("pictures/squat.svg: exercise \"squat\": has no drawing"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pictures/knee-tuck.svg: exercise \"knee-tuck\": is not a drawing"),
        "{stderr}"
    );
}

#[test]
fn content_pictures_writes_every_drawing_and_sheet_to_look_at() {
    let dir = std::env::temp_dir().join(format!("footcoach-pictures-{}", std::process::id()));
    let out = footcoach(&["content", "pictures", dir.to_str().unwrap()], None);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.starts_with("19 pictures written to"), "{stdout}");
    for file in [
        "foot-stretch.png",
        "squat.png",
        "sheet-morning.png",
        "sheet-short.png",
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{file}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn content_dir_overrides_the_built_in_content_and_errors_name_the_file() {
    let dir = std::env::temp_dir().join(format!("footcoach-content-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    copy_content(&src, &dir);
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
