//! The `shopsafe` binary on a PostgreSQL shop: a restore killed midway leaves the database
//! exactly as it was, because it runs in one transaction.

#[path = "../../core/tests/common/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn restore_killed_midway_leaves_the_database_unchanged() {
    let server = pg::PgServer::start();
    server.psql(
        "postgres",
        "postgres",
        "CREATE ROLE shop LOGIN NOSUPERUSER NOCREATEDB",
    );
    server.psql("postgres", "postgres", "CREATE DATABASE shop OWNER shop");
    server.psql(
        "shop",
        "shop",
        "CREATE TABLE big (id bigserial PRIMARY KEY, payload text NOT NULL);
         INSERT INTO big (payload) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 400000) g;",
    );
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let dest = dir.path().join("backups");
    std::fs::create_dir(&dest).unwrap();
    let shopsafe = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shopsafe"));
        c.arg("--home")
            .arg(&home)
            .args(args)
            .stdin(Stdio::null())
            .env_remove("SHOPSAFE_HOME");
        c
    };
    let url = server.socket_url("shop", "shop");
    let ok = |args: &[&str]| {
        let out = shopsafe(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    ok(&[
        "shop",
        "add",
        "pg",
        "--db",
        &url,
        "--dest",
        dest.to_str().unwrap(),
    ]);
    let backup: serde_json::Value = serde_json::from_str(&ok(&["--json", "backup"])).unwrap();
    let id = backup["id"].as_str().unwrap().to_string();

    server.psql(
        "shop",
        "shop",
        "DELETE FROM big WHERE id % 2 = 0; CREATE TABLE added (x int);",
    );
    let before = (server.schema("shop"), server.rows("shop", &["big"]));

    let mut child = shopsafe(&["restore", &id, "--force", "--no-pre-backup"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the restore is loading rows inside its transaction, then kill it hard.
    let started = Instant::now();
    loop {
        let loading = server.psql(
            "postgres",
            "postgres",
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'shopsafe' AND query LIKE 'COPY%'",
        );
        if loading.trim() == "1" {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the restore finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the restore never started loading"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The server notices the lost connection and rolls the transaction back.
    let deadline = Instant::now() + Duration::from_secs(30);
    while server
        .psql(
            "postgres",
            "postgres",
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'shopsafe'",
        )
        .trim()
        != "0"
    {
        assert!(
            Instant::now() < deadline,
            "the killed restore's session did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        (server.schema("shop"), server.rows("shop", &["big"])),
        before,
        "the killed restore changed the database"
    );
    // All or nothing, so it is not taken for a half-done restore: backups go on.
    ok(&["backup"]);
}
