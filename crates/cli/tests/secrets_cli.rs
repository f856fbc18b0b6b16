//! The `shopsafe` binary and database passwords, against a real PostgreSQL server that asks
//! for one: without a terminal and without a password it says one clear sentence; with
//! `--password` it reads one from standard input; on a terminal (a pty from `script`) it asks
//! without echo. The password never shows up in the catalog, the shop list or the output, a
//! backup runs without SHOPSAFE_DB_PASSWORD, and removing the shop removes the password.

#[path = "../../core/tests/common/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PW: &str = "quartz-Zebra-71";

struct Cli {
    home: PathBuf,
}

impl Cli {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shopsafe"));
        c.arg("--home")
            .arg(&self.home)
            .args(args)
            .env_remove("SHOPSAFE_HOME")
            .env_remove("SHOPSAFE_DB_PASSWORD")
            .env_remove("SHOPSAFE_KEYRING");
        c
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn no_password_in(what: &str, bytes: &[u8]) {
    assert!(
        !bytes.windows(PW.len()).any(|w| w == PW.as_bytes()),
        "{what} holds the password: {}",
        String::from_utf8_lossy(bytes)
    );
}

fn catalog_files(home: &Path) {
    for f in std::fs::read_dir(home).unwrap() {
        let f = f.unwrap().path();
        if f.is_file() {
            no_password_in(&f.display().to_string(), &std::fs::read(&f).unwrap());
        }
    }
}

#[test]
fn cli_asks_for_a_password_stores_it_out_of_the_catalog_and_uses_it() {
    let server = pg::PgServer::start();
    server.psql(
        "postgres",
        "postgres",
        &format!("CREATE ROLE shop LOGIN PASSWORD '{PW}'"),
    );
    server.psql("postgres", "postgres", "CREATE DATABASE shop OWNER shop");
    server.psql(
        "shop",
        "shop",
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1);",
    );
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli {
        home: dir.path().join("home"),
    };
    let dest = dir.path().join("backups");
    std::fs::create_dir(&dest).unwrap();
    let dest = dest.to_str().unwrap();
    let url = format!("postgres://shop@127.0.0.1:{}/shop", server.port);

    // No terminal, no password: one sentence saying how to give one; nothing registered.
    let out = cli.run(&["shop", "add", "pg", "--db", &url, "--dest", dest], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("asks for a password for user shop")
            && err.contains("--password")
            && err.contains("SHOPSAFE_DB_PASSWORD"),
        "{err}"
    );
    assert!(cli.ok(&["--json", "shop", "list"], "").trim() == "[]");

    // --password reads it from standard input, which must give one.
    let add = [
        "shop",
        "add",
        "pg",
        "--db",
        url.as_str(),
        "--dest",
        dest,
        "--password",
    ];
    for empty in ["", "\n"] {
        let out = cli.run(&add, empty);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("No password was given (the input was empty), so nothing was changed"),
            "{err}"
        );
    }
    assert!(cli.ok(&["--json", "shop", "list"], "").trim() == "[]");
    let said = cli.ok(&add, &format!("{PW}\n"));
    no_password_in("shop add output", said.as_bytes());
    let list: serde_json::Value =
        serde_json::from_str(&cli.ok(&["--json", "shop", "list"], "")).unwrap();
    let store = list[0]["password_store"].as_str().unwrap().to_string();
    let uid = list[0]["uid"].as_str().unwrap().to_string();
    let file = cli.home.join("secrets").join(&uid);
    match store.as_str() {
        "file" => {
            assert!(
                said.contains(&format!(
                    "The password is kept in {}, readable only by you (no OS keyring was found).",
                    file.display()
                )),
                "{said}"
            );
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        "keyring" => assert!(said.contains("OS keyring"), "{said}"),
        other => panic!("the password was not stored: password_store {other}"),
    }
    no_password_in("shop list", list.to_string().as_bytes());
    let shown = cli.ok(&["shop", "show", "pg"], "");
    assert!(shown.contains("password"), "{shown}");
    assert!(
        cli.ok(&["shop", "test", "pg"], "")
            .starts_with("PostgreSQL 15."),
        "shop test"
    );
    let backup: serde_json::Value =
        serde_json::from_str(&cli.ok(&["--json", "backup"], "")).unwrap();
    assert_eq!(backup["rows"], 1);
    let log = cli.ok(&["--json", "log"], "");
    no_password_in("the audit log", log.as_bytes());
    catalog_files(&cli.home);

    // Kept out of the keyring on purpose, the sentence says so (not "no keyring found").
    let mut off = cli.cmd(&["shop", "edit", "pg", "--password"]);
    let mut child = off
        .env("SHOPSAFE_KEYRING", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PW}").unwrap();
    let said = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert!(
        said.contains(&format!(
            "The password is kept in {}, readable only by you (SHOPSAFE_KEYRING=off).",
            file.display()
        )),
        "{said}"
    );

    // On a terminal, `shop add` asks when the server wants a password, without echo.
    let out = on_a_terminal(
        &cli,
        &["shop", "add", "pg2", "--db", &url, "--dest", dest],
        PW,
    );
    assert!(out.contains("Database password:"), "{out}");
    assert!(out.contains("Registered shop pg2"), "{out}");
    assert!(out.contains("Its database: PostgreSQL 15."), "{out}");
    no_password_in("the terminal", out.as_bytes());
    catalog_files(&cli.home);

    cli.ok(&["shop", "remove", "pg"], "");
    assert!(!file.exists(), "the password outlived its shop");
    cli.ok(&["shop", "remove", "pg2"], "");
    assert!(
        std::fs::read_dir(cli.home.join("secrets"))
            .map(|d| d.count() == 0)
            .unwrap_or(true),
        "a password outlived its shop"
    );
}

/// Run the CLI on a pty (`script` from bsdutils), type `answer` once it asks for a password,
/// and return what the terminal showed.
fn on_a_terminal(cli: &Cli, args: &[&str], answer: &str) -> String {
    assert!(
        Command::new("script").arg("--version").output().is_ok(),
        "`script` (bsdutils) is missing: run `make deps`"
    );
    let line = std::iter::once(env!("CARGO_BIN_EXE_shopsafe").to_string())
        .chain(["--home".into(), cli.home.display().to_string()])
        .chain(args.iter().map(|a| a.to_string()))
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_remove("SHOPSAFE_HOME")
        .env_remove("SHOPSAFE_DB_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let shown = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = shown.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let started = Instant::now();
    while !String::from_utf8_lossy(&shown.lock().unwrap()).contains("Database password:") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the CLI never asked for a password: {}",
            String::from_utf8_lossy(&shown.lock().unwrap())
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{answer}\r").as_bytes()).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    reader.join().unwrap();
    let shown = String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
    assert!(status.success(), "{args:?} on a terminal: {shown}");
    shown
}

/// With a Secret Service on the session bus (GNOME Keyring in a private D-Bus session and a
/// private HOME), the password goes into the OS keyring: no file, nothing in the catalog,
/// a backup reads it back, and removing the shop deletes the keyring entry.
#[test]
fn cli_keeps_the_password_in_the_os_keyring_where_there_is_one() {
    for tool in ["dbus-run-session", "dbus-send", "gnome-keyring-daemon"] {
        assert!(
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .unwrap()
                .status
                .success(),
            "{tool} is missing: run `make deps` (installs dbus and gnome-keyring)"
        );
    }
    let server = pg::PgServer::start();
    server.psql(
        "postgres",
        "postgres",
        &format!("CREATE ROLE shop LOGIN PASSWORD '{PW}'"),
    );
    server.psql("postgres", "postgres", "CREATE DATABASE shop OWNER shop");
    server.psql(
        "shop",
        "shop",
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);",
    );
    let dir = tempfile::tempdir().unwrap();
    let (home, out, dest) = (
        dir.path().join("home"),
        dir.path().join("out"),
        dir.path().join("backups"),
    );
    std::fs::create_dir(&out).unwrap();
    std::fs::create_dir(&dest).unwrap();
    // Everything runs inside one private session bus; the keyring daemon creates and unlocks
    // a login keyring (the default collection, as on a desktop) and is stopped by its pid.
    let script = r#"
set -e
printf 'unlock-pw' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
GK=$!
trap 'kill $GK' EXIT
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q true; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "the keyring did not start" >&2; exit 1; }
    sleep 0.1
done
search() {
    dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
        org.freedesktop.Secret.Service.SearchItems dict:string:string:service,ShopSafe
}
"$SHOPSAFE" shop add pg --db "$URL" --dest "$DEST" > "$OUT/add"
"$SHOPSAFE" shop add later --db "$URL" --dest "$DEST" > "$OUT/add-later"
"$SHOPSAFE" --json shop list > "$OUT/list"
"$SHOPSAFE" --json backup --shop pg > "$OUT/backup"
search > "$OUT/before"
"$SHOPSAFE" shop remove pg > "$OUT/remove"
search > "$OUT/after"
"#;
    let status = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .env("SHOPSAFE", env!("CARGO_BIN_EXE_shopsafe"))
        .env(
            "URL",
            format!("postgres://shop:{PW}@127.0.0.1:{}/shop", server.port),
        )
        .env("DEST", &dest)
        .env("OUT", &out)
        .env("SHOPSAFE_HOME", &home)
        .env("HOME", dir.path())
        .env_remove("SHOPSAFE_DB_PASSWORD")
        .env_remove("SHOPSAFE_KEYRING")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(out.join("stderr")).unwrap())
        .status()
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    assert!(
        status.success(),
        "the keyring session failed: {}",
        read("stderr")
    );
    let added = read("add");
    assert!(
        added.contains("The password is kept in the OS keyring"),
        "{added}"
    );
    let list: serde_json::Value = serde_json::from_str(&read("list")).unwrap();
    assert_eq!(list[0]["password_store"], "keyring");
    no_password_in("shop list", read("list").as_bytes());
    let backup: serde_json::Value = serde_json::from_str(&read("backup")).unwrap();
    assert_eq!(backup["rows"], 2);
    assert!(
        !home.join("secrets").exists()
            || std::fs::read_dir(home.join("secrets")).unwrap().count() == 0,
        "a password file was written although a keyring was there"
    );
    catalog_files(&home);
    assert!(
        read("before").contains("/org/freedesktop/secrets/collection/"),
        "no ShopSafe entry in the keyring: {}",
        read("before")
    );
    assert_eq!(
        read("after")
            .matches("/org/freedesktop/secrets/collection/")
            .count(),
        1,
        "the keyring entry outlived its shop, or took the other's: {}",
        read("after")
    );

    // Removed where the keyring cannot be reached (no session bus): the shop goes, and the
    // sentence says where its password still is and how to remove it.
    let later: serde_json::Value = serde_json::from_str(
        &String::from_utf8(
            Command::new(env!("CARGO_BIN_EXE_shopsafe"))
                .args(["--json", "shop", "show", "later"])
                .env("SHOPSAFE_HOME", &home)
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap(),
    )
    .unwrap();
    let uid = later["uid"].as_str().unwrap().to_string();
    let removed = Command::new(env!("CARGO_BIN_EXE_shopsafe"))
        .args(["shop", "remove", "later"])
        .env("SHOPSAFE_HOME", &home)
        .env("HOME", dir.path())
        .env_remove("SHOPSAFE_KEYRING")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&removed.stderr);
    assert_eq!(removed.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "Shop later was removed from the catalog, but its password is still in the OS keyring"
        ) && err.contains(&format!(
            "`secret-tool clear service ShopSafe username {uid}`"
        )),
        "{err}"
    );
}
