//! The `shopsafe` binary on a MariaDB shop: a restore killed while it loads leaves the live
//! tables exactly as they were (it loads into scratch tables first), and the next restore
//! clears what the killed one left.

#[path = "../../core/tests/common/maria.rs"]
#[allow(dead_code)]
mod maria;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn restore_killed_midway_leaves_the_live_tables_unchanged() {
    let m = maria::MariaServer::start();
    m.sql(
        "mysql",
        "CREATE DATABASE shop; CREATE USER 'shop'@'localhost' IDENTIFIED BY 'pw';
         GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'localhost';",
    );
    m.sql(
        "shop",
        "CREATE TABLE big (id int AUTO_INCREMENT PRIMARY KEY, payload varchar(300) NOT NULL) ENGINE=InnoDB;
         INSERT INTO big (payload) SELECT REPEAT(MD5(seq), 8) FROM seq_1_to_300000;",
    );
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let dest = dir.path().join("backups");
    std::fs::create_dir(&dest).unwrap();
    let shopsafe = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shopsafe"));
        c.arg("--home").arg(&home).args(args).stdin(Stdio::null());
        c.env_remove("SHOPSAFE_HOME")
            .env("SHOPSAFE_DB_PASSWORD", "pw");
        c
    };
    let ok = |args: &[&str]| {
        let out = shopsafe(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let url = format!(
        "mysql://shop@localhost/shop?socket={}",
        m.socket().display()
    );
    let added = ok(&[
        "shop",
        "add",
        "my",
        "--db",
        &url,
        "--dest",
        dest.to_str().unwrap(),
    ]);
    // The password from the environment is not stored, and the owner is told so.
    assert!(
        added.contains("SHOPSAFE_DB_PASSWORD was used for this check only and is not stored"),
        "{added}"
    );
    let backup: serde_json::Value = serde_json::from_str(&ok(&["--json", "backup"])).unwrap();
    let id = backup["id"].as_str().unwrap().to_string();

    m.sql(
        "shop",
        "DELETE FROM big WHERE id % 2 = 0; CREATE TABLE added (x int) ENGINE=InnoDB;",
    );
    let state = || {
        (
            m.sql("shop", "SHOW CREATE TABLE big"),
            m.sql("shop", "CHECKSUM TABLE big, added"),
            m.sql("shop", "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME NOT LIKE '\\_shopsafe%' ORDER BY 1"),
        )
    };
    let before = state();

    let mut child = shopsafe(&["restore", &id, "--force", "--no-pre-backup"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let loading = m.sql(
            "mysql",
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO `\\_shopsafe\\_new%'",
        );
        if loading.trim() != "0" {
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
    assert_eq!(
        state(),
        before,
        "the killed restore changed the live tables"
    );

    // The next restore clears the leftovers and completes.
    ok(&["restore", &id, "--force", "--no-pre-backup"]);
    let tables = m.sql("shop", "SHOW TABLES");
    assert_eq!(tables.trim(), "big", "{tables}");
}
