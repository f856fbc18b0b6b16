//! The `shopsafe` command end to end: real binary, real SQLite files, real media folders.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shopsafe"));
        c.arg("--home")
            .arg(self.home())
            .args(args)
            .stdin(Stdio::null());
        c.env_remove("SHOPSAFE_HOME");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Run, expect success, return stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "shopsafe {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Run, expect exit `code` and exactly one line on stderr; return that line.
    fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "shopsafe {args:?}: {err}");
        assert_eq!(
            err.lines().count(),
            1,
            "expected one line on stderr, got {err:?}"
        );
        err
    }

    fn demo(&self, name: &str, extra: &[&str]) -> PathBuf {
        let dir = self.dir.path().join(name);
        let d = dir.to_str().unwrap();
        let mut args = vec!["demo", d, "--name", name];
        args.extend_from_slice(extra);
        self.ok(&args);
        dir
    }
}

fn count(db: &Path, table: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn help_documents_exit_codes() {
    let out = Env::new().ok(&["--help"]);
    for line in ["Exit codes:", "0    success", "130  cancelled"] {
        assert!(out.contains(line), "--help lacks {line:?}:\n{out}");
    }
}

#[test]
fn demo_backup_list_show_verify_restore_delete_import_log() {
    let env = Env::new();
    let shop = env.demo("demo", &[]);
    let shops = env.json(&["shop", "list"]);
    assert_eq!(shops[0]["name"], "demo");

    let b = env.json(&["backup", "--name", "My Full Backup"]);
    let id = b["id"].as_str().unwrap().to_string();
    assert_eq!(b["kind"], "full");
    assert!(b["media_files"].as_u64().unwrap() > 100);
    assert!(Path::new(b["path"].as_str().unwrap()).is_file());

    let text = env.ok(&["backup", "--no-media"]);
    assert!(text.contains("Backup id: "), "{text}");
    assert!(text.contains(" rows, media not included."), "{text}");
    let list = env.json(&["list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["kind"], "database");
    assert_eq!(list[1]["name"], "My Full Backup");

    let show = env.ok(&["show", &id]);
    for want in [
        "catalog_product",
        "orders_order",
        "media",
        "sha256",
        "verified      never",
    ] {
        assert!(show.contains(want), "show lacks {want:?}:\n{show}");
    }
    let v = env.json(&["verify", &id]);
    assert_eq!(v["backup_id"], id.as_str());
    assert!(env.ok(&["show", &id]).contains("verified      ok "));

    // Change the shop, then restore.
    let db = shop.join("shop.sqlite3");
    let orders = count(&db, "orders_order");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM orders_orderline", [])
        .unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM orders_payment", [])
        .unwrap();
    std::fs::write(shop.join("media/stray.txt"), "x").unwrap();
    // No terminal and no --force: refused, nothing changes.
    let err = env.fails(5, &["restore", &id]);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(count(&db, "orders_orderline"), 0);
    let r = env.json(&["restore", &id, "--force"]);
    assert_eq!(r["backup_id"], id.as_str());
    assert!(r["safety_backup"].is_string());
    assert!(count(&db, "orders_orderline") > 0);
    assert_eq!(count(&db, "orders_order"), orders);
    assert!(!shop.join("media/stray.txt").exists());

    // Three backups now: full, database-only and the safety backup.
    let list = env.json(&["list"]);
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["kind"] == "safety"));

    // Delete needs confirmation too; then it removes file, sidecar and row.
    env.fails(5, &["delete", &id]);
    let path = PathBuf::from(b["path"].as_str().unwrap());
    env.ok(&["delete", &id, "--force"]);
    assert!(!path.exists());
    assert!(!path.with_extension("zip.sha256").exists());
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 2);

    // What the media folder holds that no backup saves is named.
    std::os::unix::fs::symlink("/srv/shared/logos", shop.join("media/logos")).unwrap();
    let text = env.ok(&["backup"]);
    assert!(
        text.contains("Not saved from the media folder: logos: a symbolic link, not followed."),
        "{text}"
    );

    // A lost catalog is rebuilt from the archives.
    std::fs::remove_dir_all(env.home()).unwrap();
    let imported = env.json(&["import", shop.join("backups").to_str().unwrap()]);
    assert_eq!(imported["added"].as_array().unwrap().len(), 3);
    let again = env.json(&["import", shop.join("backups").to_str().unwrap()]);
    assert_eq!(again["added"].as_array().unwrap().len(), 0);
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 3);

    // Names that are nothing's: not found (exit 3), not an empty answer.
    let err = env.fails(3, &["list", "--shop", "no-such-shop"]);
    assert!(err.contains("no-such-shop"), "{err}");
    let err = env.fails(3, &["import", "/no/such/backups"]);
    assert!(err.contains("/no/such/backups does not exist"), "{err}");
    let err = env.fails(3, &["restore", "/no/such/backup.zip"]);
    assert!(
        err.contains("The archive /no/such/backup.zip does not exist"),
        "{err}"
    );
    // Only restore takes an archive's path; the others say how to use one.
    let err = env.fails(3, &["show", "/some/backup.zip"]);
    assert!(
        err.contains("add it to the catalog first with `shopsafe import /some/backup.zip`"),
        "{err}"
    );

    let log = env.ok(&["log"]);
    assert!(log.contains("import"), "{log}");
}

#[test]
fn bad_input_gets_one_line_and_an_exit_code() {
    let env = Env::new();
    let dir = env.dir.path();
    let err = env.fails(
        2,
        &[
            "shop",
            "add",
            "x",
            "--db",
            dir.join("missing.db").to_str().unwrap(),
            "--dest",
            dir.to_str().unwrap(),
        ],
    );
    assert!(err.contains("does not exist"), "{err}");
    let err = env.fails(3, &["backup"]);
    assert!(err.contains("No shop is registered"), "{err}");
    env.demo("one", &["--media-mb", "1"]);
    env.demo("two", &["--media-mb", "1"]);
    let err = env.fails(2, &["backup"]);
    assert!(err.contains("--shop"), "{err}");
    let err = env.fails(3, &["verify", "20990101-000000-0000"]);
    assert!(err.contains("shopsafe list"), "{err}");
    // With --json, the failure is one JSON document on standard output as well.
    let out = env.run(&["--json", "verify", "20990101-000000-0000"]);
    assert_eq!(out.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "not_found");
    assert_eq!(
        format!("shopsafe: {}\n", doc["error"]["message"].as_str().unwrap()),
        String::from_utf8(out.stderr).unwrap()
    );

    // A flipped byte: verify names the entry and exits 4; the catalog remembers the failure.
    let b = env.json(&["backup", "--shop", "one"]);
    let id = b["id"].as_str().unwrap();
    let path = PathBuf::from(b["path"].as_str().unwrap());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let (offset, name) = {
        let e = zip.by_name("database/shop.sqlite3").unwrap();
        (e.data_start().unwrap() + 100, e.name().unwrap().to_string())
    };
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[offset as usize] ^= 0x40;
    std::fs::write(&path, bytes).unwrap();
    let err = env.fails(4, &["verify", id]);
    assert!(err.contains(&name), "{err}");
    assert_eq!(
        env.json(&["list", "--shop", "one"])[0]["verified_ok"],
        false
    );
    let err = env.fails(4, &["restore", id, "--force"]);
    assert!(err.contains(&name), "{err}");
}

#[test]
fn home_comes_from_the_environment() {
    let env = Env::new();
    let home = env.dir.path().join("from-env");
    let shop = env.dir.path().join("s");
    let out = Command::new(env!("CARGO_BIN_EXE_shopsafe"))
        .args(["demo", shop.to_str().unwrap(), "--media-mb", "1"])
        .env("SHOPSAFE_HOME", &home)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(home.join("catalog.sqlite3").is_file());
}

/// Ctrl-C, and the signals a stopped service or a closed SSH session sends, cancel a backup.
#[test]
fn a_stop_signal_during_backup_leaves_no_archive_and_no_catalog_row() {
    let env = Env::new();
    let shop = env.demo("big", &["--media-mb", "400"]);
    let dest = shop.join("backups");
    for signal in ["INT", "TERM", "HUP"] {
        let mut child = env.cmd(&["backup"]).stderr(Stdio::piped()).spawn().unwrap();
        // Wait until the archive is being written, then send the signal.
        let started = Instant::now();
        while !std::fs::read_dir(&dest).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".partial")
        }) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the backup never started writing"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "the backup finished before it could be interrupted"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(100));
        // The shell's own `kill`: procps may not be installed.
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -{signal} {}", child.id()))
            .status()
            .unwrap();
        assert!(status.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(130),
            "SIG{signal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let left: Vec<_> = std::fs::read_dir(&dest)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            left.is_empty(),
            "SIG{signal} left in the destination: {left:?}"
        );
        assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 0);
    }
}

/// Run `shopsafe` on a pseudo-terminal (util-linux `script`), typing `answer`.
fn on_terminal(env: &Env, args: &str, answer: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let command = format!(
        "{} --home {} {args}",
        env!("CARGO_BIN_EXE_shopsafe"),
        env.home().display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) is needed to give the test a terminal");
    std::thread::sleep(Duration::from_millis(500));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn restore_on_a_terminal_shows_what_is_replaced_and_asks() {
    let env = Env::new();
    let shop = env.demo("asked", &["--media-mb", "1"]);
    let id = env.json(&["backup"])["id"].as_str().unwrap().to_string();
    let db = shop.join("shop.sqlite3");
    let (code, screen) = on_terminal(&env, &format!("restore {id}"), "n\n");
    assert_eq!(code, Some(5), "{screen}");
    assert!(
        screen.contains("  41 tables, each with as many rows now as in the backup")
            && !screen.contains("more tables"),
        "{screen}"
    );
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM reviews_review", [])
        .unwrap();

    let (code, screen) = on_terminal(&env, &format!("restore {id}"), "n\n");
    assert!(
        screen.contains("reviews_review") && screen.contains("0 rows now"),
        "{screen}"
    );
    assert!(
        screen.contains("(40 more tables with the same row count are replaced too)"),
        "{screen}"
    );
    assert!(screen.contains("safety backup"), "{screen}");
    assert_eq!(code, Some(5), "{screen}");
    assert_eq!(count(&db, "reviews_review"), 0);

    let (code, screen) = on_terminal(&env, &format!("restore {id}"), "yes\n");
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("Restored backup"), "{screen}");
    assert!(count(&db, "reviews_review") > 0);
}

#[test]
fn two_processes_share_the_catalog_at_the_same_time() {
    let env = Env::new();
    env.demo("left", &["--media-mb", "4"]);
    env.demo("right", &["--media-mb", "4"]);
    let children: Vec<_> = (0..3)
        .flat_map(|_| ["left", "right"])
        .map(|shop| {
            env.cmd(&["backup", "--shop", shop])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 6);
    assert_eq!(
        env.json(&["list", "--shop", "left"])
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn shop_edit_renames_with_backups_and_refuses_a_bad_change() {
    let env = Env::new();
    let dir = env.demo("demo", &[]);
    env.ok(&["backup", "--shop", "demo"]);
    let shown = env.ok(&["shop", "test", "demo"]);
    assert!(shown.starts_with("SQLite file, 40 tables"), "{shown}");
    let said = env.json(&["shop", "test", "demo"]);
    assert_eq!(
        (&said["shop"], &said["database"]),
        (&Value::from("demo"), &Value::from(shown.trim()))
    );

    // A missing destination: one line, exit 2, the shop as it was.
    let before = env.json(&["shop", "show", "demo"]);
    let missing = dir.join("nowhere").display().to_string();
    let err = env.fails(
        2,
        &["shop", "edit", "demo", "--name", "main", "--dest", &missing],
    );
    assert!(err.contains("does not exist"), "{err}");
    assert_eq!(env.json(&["shop", "show", "demo"]), before);

    let edited = env.json(&["shop", "edit", "demo", "--name", "main", "--no-media"]);
    assert_eq!(edited["name"], "main");
    assert_eq!(edited["media"], Value::Null);
    assert_eq!(edited["uid"], before["uid"]);
    assert_eq!(edited["password_store"], "none");
    let listed = env.json(&["list", "--shop", "main"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    env.fails(3, &["shop", "show", "demo"]);
    let log = env.ok(&["log"]);
    assert!(log.contains("renamed to main"), "{log}");
}

#[test]
fn a_closed_or_full_standard_output_does_not_cut_a_command_short() {
    let env = Env::new();
    env.demo("demo", &["--media-mb", "1"]);
    // A reader that went away before anything was printed (`shopsafe … | head -0`).
    let closed = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = env.cmd(args).stdout(writer).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "shopsafe {args:?}: {err}");
        assert!(err.is_empty(), "shopsafe {args:?} wrote {err:?}");
    };
    closed(&["backup", "--shop", "demo"]);
    closed(&["list"]);
    let backups = env.json(&["list"]);
    assert_eq!(backups.as_array().unwrap().len(), 1, "{backups}");

    // A disk with no room: the backup is made and kept, and the lost report is one sentence.
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = env
        .cmd(&["backup", "--shop", "demo"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.contains("could not be written"), "{err}");
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 2);
}

/// A restore killed outright once it has begun changing the shop may leave it
/// half-restored: until a restore has run to its end, a backup refuses (it would save the
/// mix) and says how to finish or go back; restoring again finishes it, and what the
/// killed restore had moved aside is kept and named.
#[test]
fn a_restore_killed_outright_is_noticed_until_a_restore_finishes() {
    let env = Env::new();
    let shop = env.demo("killed", &["--media-mb", "40"]);
    let id = env.json(&["backup"])["id"].as_str().unwrap().to_string();
    std::fs::write(shop.join("media/added-since.txt"), b"new").unwrap();
    let note_dir = env.home().join("restoring");
    let mut child = env
        .cmd(&["restore", &id, "--force"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let written = || {
        std::fs::read_dir(&note_dir).is_ok_and(|mut d| {
            d.any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".json"))
        })
    };
    while !written() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the restore never began"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the restore finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let err = env.fails(5, &["backup"]);
    assert!(
        err.starts_with("shopsafe: A restore of the backup of 20")
            && err.contains(&format!("(backup {id}) into shop killed was stopped"))
            && err.contains("safety backup")
            && err.contains("nothing was written"),
        "{err}"
    );
    let report = env.ok(&["restore", &id, "--force"]);
    assert!(report.contains("Restored backup"), "{report}");
    assert!(!shop.join("media/added-since.txt").exists());
    env.ok(&["backup"]);
}

/// Run ShopSafe as the user and group `id` (the test runs as root) with the catalog in
/// `home`: exit code, standard output, standard error.
fn run_as(id: u32, home: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    use std::os::unix::process::CommandExt;
    let out = Command::new(env!("CARGO_BIN_EXE_shopsafe"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("SHOPSAFE_HOME")
        .stdin(Stdio::null())
        .uid(id)
        .gid(id)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// A catalog home and a backup folder of user `owner`'s in `top`, which everyone may enter.
fn homes_of(owner: u32, top: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(top, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (home, dest) = (top.join("owner-home"), top.join("owner-backups"));
    for own in [&home, &dest] {
        std::fs::create_dir(own).unwrap();
        std::os::unix::fs::chown(own, Some(owner), Some(owner)).unwrap();
    }
    (home, dest)
}

fn assert_root(why: &str) {
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata("/proc/self").unwrap().uid(),
        0,
        "this test {why}: run it as root (CI does)"
    );
}

/// The usual hosting layout: the site's SQLite database (WAL mode) belongs to the web
/// server, and the shop owner may read it but not write it. A backup as the owner works and
/// leaves no `-wal`/`-shm` files of the owner's beside it (they would shut the web server's
/// own writes out), whether the owner may write the folder or not, and reads what the site
/// has committed but not yet checkpointed. A restore, which must write, says so before it
/// changes anything. (As root, the test runs ShopSafe as `nobody`, the site as `www-data`.)
#[test]
fn a_database_this_user_may_only_read_is_backed_up_without_a_trace() {
    use std::os::unix::fs::{chown, PermissionsExt};
    assert_root("runs ShopSafe as another user");
    let (owner, site) = (65534, 33);
    let env = Env::new();
    let top = env.dir.path();
    let (home, dest) = homes_of(owner, top);
    let as_owner = |args: &[&str]| run_as(owner, &home, args);
    // Folder modes: the owner may write the first (a group of theirs), not the second.
    for (n, folder_mode) in [(1, 0o775), (2, 0o755)] {
        let folder = top.join(format!("site{n}"));
        std::fs::create_dir(&folder).unwrap();
        let db = folder.join("db.sqlite3");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE orders (id INTEGER PRIMARY KEY, total TEXT);
             INSERT INTO orders (total) VALUES ('9.99'), ('19.99');",
        )
        .unwrap();
        drop(conn);
        chown(&folder, Some(site), Some(owner)).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(folder_mode)).unwrap();
        chown(&db, Some(site), Some(site)).unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let name = format!("site{n}");
        let db_arg = db.to_str().unwrap();
        let dest_arg = dest.to_str().unwrap();
        let (code, out, err) =
            as_owner(&["shop", "add", &name, "--db", db_arg, "--dest", dest_arg]);
        assert_eq!(code, Some(0), "{err}");
        assert!(
            out.contains("SQLite file, 1 table; this user may read it but does not own it or may not write it or its folder, so a restore must run as the user the site runs as (its owner), or as root"),
            "{out}"
        );
        let beside = |suffix: &str| folder.join(format!("db.sqlite3{suffix}")).exists();
        let (code, out, err) = as_owner(&["backup", "--shop", &name]);
        assert_eq!(code, Some(0), "{err}");
        assert!(out.contains("1 table, 2 rows"), "{out}");
        assert!(
            !beside("-wal") && !beside("-shm"),
            "the backup left files beside the site's database in site{n}"
        );
        let id = out
            .lines()
            .find_map(|l| l.strip_prefix("Backup id: "))
            .unwrap()
            .to_string();

        // The site, running, holds the database open with a commit still in its WAL.
        let site_conn = rusqlite::Connection::open(&db).unwrap();
        site_conn
            .execute_batch(
                "PRAGMA wal_autocheckpoint = 0; INSERT INTO orders (total) VALUES ('5.00');",
            )
            .unwrap();
        assert!(beside("-wal") && beside("-shm"));
        let (code, out, err) = as_owner(&["backup", "--shop", &name]);
        assert_eq!(code, Some(0), "{err}");
        assert!(
            out.contains("1 table, 3 rows"),
            "the site's last commit: {out}"
        );

        let (code, _, err) = as_owner(&["restore", &id, "--force"]);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains("This user may not write the shop's database")
                && err.contains("nothing was changed"),
            "{err}"
        );
        let rows: i64 = site_conn
            .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 3, "the refused restore changed nothing");
    }
}

/// The same layouts with a busy site that opens and closes its database for every request
/// (its last connection removing the `-wal` and `-shm` files each time), and one where the
/// owner may write the file too (a member of the site's group) but does not own it: while
/// backups run, no `-wal`/`-shm` file of the owner's ever appears beside the database, and
/// the site never fails a write. (The site runs as `www-data`, through the sqlite3 shell.)
#[test]
fn backups_beside_a_busy_site_never_make_files_the_site_cannot_write() {
    use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    assert_root("runs ShopSafe and the site as other users");
    assert!(
        Command::new("sqlite3").arg("--version").output().is_ok(),
        "the sqlite3 shell is missing: run `make deps`"
    );
    let (owner, site) = (65534, 33);
    let env = Env::new();
    let top = env.dir.path();
    let (home, dest) = homes_of(owner, top);
    // (folder mode, database mode); folder and database are the site's, in the owner's group.
    for (n, (folder_mode, db_mode)) in [(0o775, 0o644), (0o755, 0o644), (0o775, 0o664)]
        .into_iter()
        .enumerate()
    {
        let folder = top.join(format!("busy{n}"));
        std::fs::create_dir(&folder).unwrap();
        let db = folder.join("db.sqlite3");
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE orders (id INTEGER PRIMARY KEY, total TEXT);",
            )
            .unwrap();
        for (path, mode) in [(&folder, folder_mode), (&db, db_mode)] {
            chown(path, Some(site), Some(owner)).unwrap();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let name = format!("busy{n}");
        let (code, _, err) = run_as(
            owner,
            &home,
            &[
                "shop",
                "add",
                &name,
                "--db",
                db.to_str().unwrap(),
                "--dest",
                dest.to_str().unwrap(),
            ],
        );
        assert_eq!(code, Some(0), "{err}");

        let requests = format!(
            "for i in $(seq 500); do sqlite3 -cmd '.timeout 5000' '{}' \"INSERT INTO orders (total) VALUES ('1.00')\" || echo FAILED; done",
            db.display()
        );
        let mut busy = Command::new("sh")
            .args(["-c", &requests])
            .current_dir(&folder)
            .stdout(Stdio::piped())
            .uid(site)
            .gid(site)
            .spawn()
            .unwrap();
        let (stop, theirs) = (AtomicBool::new(false), AtomicBool::new(false));
        let backups = std::thread::scope(|sc| {
            sc.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    for suffix in ["-wal", "-shm"] {
                        let side = folder.join(format!("db.sqlite3{suffix}"));
                        if std::fs::symlink_metadata(side).is_ok_and(|m| m.uid() == owner) {
                            theirs.store(true, Ordering::Relaxed);
                        }
                    }
                    std::thread::sleep(Duration::from_micros(500));
                }
            });
            // Each backup's outcome, judged once the watcher has stopped.
            let mut backups = Vec::new();
            while busy.try_wait().unwrap().is_none() {
                let (code, _, err) =
                    run_as(owner, &home, &["backup", "--shop", &name, "--name", "busy"]);
                backups.push((code, err));
            }
            stop.store(true, Ordering::Relaxed);
            backups
        });
        let out = busy.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        for (code, err) in &backups {
            assert_eq!(*code, Some(0), "a backup beside the site in busy{n}: {err}");
        }
        assert!(
            !said.contains("FAILED"),
            "the site failed writes in busy{n} while backups ran: {said}"
        );
        assert!(
            !theirs.load(Ordering::Relaxed),
            "a backup made -wal/-shm files of the owner's beside the site's database in busy{n}"
        );
        assert!(
            backups.len() >= 2,
            "only {} backups ran beside the site in busy{n}",
            backups.len()
        );
        if db_mode == 0o664 {
            let (code, out, _) = run_as(owner, &home, &["--json", "list", "--shop", &name]);
            assert_eq!(code, Some(0));
            let listed: Value = serde_json::from_str(&out).unwrap();
            let id = listed[0]["id"].as_str().unwrap();
            let (code, _, err) = run_as(owner, &home, &["restore", id, "--force"]);
            assert_eq!(code, Some(1), "{err}");
            assert!(
                err.contains("This user does not own the shop's database")
                    && err.contains("nothing was changed"),
                "{err}"
            );
        }
    }
}

/// A hosting account's media folder sits in a folder of root's, where its owner may not
/// make the restore's staging folder beside it: the restore swaps its entries inside it
/// instead. Media holding another user's files (the web server's uploads) are refused
/// before anything is done, as every restored file would be this user's, which only root
/// could give back. (As root, the test runs ShopSafe as `nobody`.)
#[test]
fn media_in_a_folder_of_roots_are_restored_in_place_and_anothers_files_are_refused() {
    use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
    assert_root("runs ShopSafe as another user");
    let owner = 65534;
    let env = Env::new();
    let top = env.dir.path();
    std::fs::set_permissions(top, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (home, dest, own) = (top.join("home"), top.join("backups"), top.join("own"));
    let srv = top.join("srv");
    let media = srv.join("media");
    std::fs::create_dir_all(media.join("uploads/2026")).unwrap();
    std::fs::write(media.join("logo.png"), b"logo").unwrap();
    std::fs::write(media.join("uploads/2026/a.jpg"), b"first picture").unwrap();
    std::fs::write(media.join("uploads/2026/b.jpg"), b"second picture").unwrap();
    for dir in [&home, &dest, &own] {
        std::fs::create_dir(dir).unwrap();
    }
    let db = own.join("db.sqlite3");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    for path in [&home, &dest, &own, &db] {
        chown(path, Some(owner), Some(owner)).unwrap();
    }
    for path in walk(&media) {
        chown(&path, Some(owner), Some(owner)).unwrap();
    }
    let as_owner = |args: &[&str]| run_as(owner, &home, args);
    let (db_arg, media_arg) = (db.to_str().unwrap(), media.to_str().unwrap());
    let dest_arg = dest.to_str().unwrap();
    let (code, _, err) = as_owner(&[
        "shop", "add", "s", "--db", db_arg, "--media", media_arg, "--dest", dest_arg,
    ]);
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = as_owner(&["backup"]);
    assert_eq!(code, Some(0), "{err}");
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("Backup id: "))
        .unwrap()
        .to_string();
    let before = contents(&media);

    std::fs::write(media.join("uploads/2026/a.jpg"), b"changed").unwrap();
    std::fs::remove_file(media.join("logo.png")).unwrap();
    std::fs::write(media.join("uploads/new.jpg"), b"added since").unwrap();
    chown(media.join("uploads/new.jpg"), Some(owner), Some(owner)).unwrap();
    let (code, out, err) = as_owner(&["restore", &id, "--force"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Restored backup"), "{out}");
    assert_eq!(contents(&media), before, "the media are the backup's");
    let left: Vec<_> = [&srv, &media]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap().flatten())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("shopsafe"))
        .collect();
    assert!(left.is_empty(), "the restore left {left:?}");

    // An upload of the web server's.
    std::fs::write(media.join("uploads/2026/c.jpg"), b"the site's").unwrap();
    chown(media.join("uploads/2026/c.jpg"), Some(33), Some(33)).unwrap();
    let changed = contents(&media);
    let (code, _, err) = as_owner(&["restore", &id, "--force"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("holds files of another user")
            && err.contains("uploads/2026/c.jpg, user id 33")
            && err.contains("Nothing was changed"),
        "{err}"
    );
    assert_eq!(
        contents(&media),
        changed,
        "the refused restore changed nothing"
    );
    let meta = std::fs::metadata(media.join("uploads/2026/c.jpg")).unwrap();
    assert_eq!(meta.uid(), 33);
}

/// Every path under `dir`, itself included.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut all = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < all.len() {
        if all[i].is_dir() {
            let inside: Vec<PathBuf> = std::fs::read_dir(&all[i])
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            all.extend(inside);
        }
        i += 1;
    }
    all
}

/// Each file under `dir` by its path there, with its bytes.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Whatever the umask, nothing a backup writes may be changed by other users: the archive
/// is its owner's alone, its checksum file readable by all but written only by its owner.
#[test]
fn a_backup_under_an_open_umask_writes_nothing_others_may_change() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.demo("open", &["--media-mb", "1"]);
    let out = Command::new("sh")
        .args([
            "-c",
            "umask 000; exec \"$0\" --home \"$1\" --json backup",
            env!("CARGO_BIN_EXE_shopsafe"),
        ])
        .arg(env.home())
        .env_remove("SHOPSAFE_HOME")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let backup: Value = serde_json::from_slice(&out.stdout).unwrap();
    let archive = PathBuf::from(backup["path"].as_str().unwrap());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&archive), 0o600);
    let sidecar = PathBuf::from(format!("{}.sha256", archive.display()));
    assert_eq!(mode(&sidecar), 0o644);
}

/// A user whose OS data folder cannot be made (a `HOME` that does not exist) is told the
/// other places the catalog may go. (As root, the test runs ShopSafe as `nobody`.)
#[test]
fn a_data_folder_out_of_reach_names_the_other_places() {
    use std::os::unix::process::CommandExt;
    assert_root("runs ShopSafe as another user");
    let out = Command::new(env!("CARGO_BIN_EXE_shopsafe"))
        .arg("list")
        .env_clear()
        .env("HOME", "/nonexistent/owner")
        .stdin(Stdio::null())
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("Could not create /nonexistent/owner/.local/share/shopsafe")
            && err.contains("(Or keep the catalog elsewhere with --home DIR or SHOPSAFE_HOME.)"),
        "{err}"
    );
}
