//! End-to-end tests of the desktop app: the real `shopsafe-app` binary in a WebKit window
//! under Xvfb, driven through tauri-driver and WebKitWebDriver like a shop owner would click.
//! They go through every screen and save a screenshot of each to docs/screenshots/.
//! WebDriver cannot reach native dialogs, so the tests mostly hand the app its "picked" paths
//! through the documented `SHOPSAFE_TEST_PICK_*` variables (see src-tauri/pick.rs); one
//! answers the real folder dialog with xdotool.

mod desktop;
#[path = "../crates/core/tests/common/pg.rs"]
#[allow(dead_code)]
mod pg;

use desktop::Desktop;
use std::path::{Path, PathBuf};

/// One window at a time: the tests share two cores with the app and WebKit.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The folder "Try with a demo shop" made (the only one under demo-shops/).
fn demo_dir(home: &Path) -> PathBuf {
    let parent = home.join("demo-shops");
    let names = files_in(&parent);
    assert_eq!(names.len(), 1, "one demo shop in {}", parent.display());
    parent.join(&names[0])
}

fn count_rows(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| match e.file_type().unwrap().is_dir() {
            true => count_files(&e.path()),
            false => 1,
        })
        .sum()
}

/// Rows of the backups table, as their `data-id`s.
async fn listed_backups(app: &Desktop) -> Vec<String> {
    let ids = app
        .js("return [...document.querySelectorAll('#backups-table tbody tr')].map(r => r.dataset.id)")
        .await;
    serde_json::from_value(ids).unwrap()
}

/// "Choose…" opens the system's own folder dialog (no test pick is set here), and once it is
/// answered the window works on: the dialog runs beside the app's event loop, not on it
/// (there it waited for itself, and the window froze).
#[tokio::test(flavor = "multi_thread")]
async fn choosing_a_folder_opens_the_systems_dialog_and_the_window_works_on() {
    let _one = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let app = Desktop::start(&[("SHOPSAFE_HOME", &home)]).await;
    app.wait_screen("add").await;
    let opened = async {
        app.click("#pick-dest").await;
        app.native_window("Choose where backups go").await
    };
    let dialog = tokio::time::timeout(std::time::Duration::from_secs(60), opened)
        .await
        .expect("the window stopped answering when Choose… was clicked");
    // Cancel it with the keyboard, as a user would.
    app.xdotool(&["windowfocus", "--sync", &dialog]);
    app.xdotool(&["key", "--clearmodifiers", "Escape"]);
    let answered = async {
        app.click("#add-demo").await;
        app.wait_screen("home").await;
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), answered)
        .await
        .expect("the window stopped answering after the folder dialog");
    assert_eq!(
        app.value("add-dest").await,
        "",
        "a cancelled dialog picks nothing"
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shop_owner_backs_up_checks_and_restores_by_clicking() {
    let _one = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let app = Desktop::start(&[
        ("SHOPSAFE_HOME", &home),
        ("SHOPSAFE_TEST_PICK_IMPORT", &elsewhere),
    ])
    .await;

    // 1. First start: nothing registered, so the app asks for a shop.
    app.wait_screen("add").await;
    assert_eq!(app.text("#add-title").await, "Add your shop");
    app.screenshot("01-add-shop").await;

    // "Try with a demo shop" creates and registers a real SQLite shop with media.
    app.click("#add-demo").await;
    app.wait_screen("home").await;
    let demo = demo_dir(&home);
    let db = demo.join("shop.sqlite3");
    assert!(db.is_file(), "the demo database was created");
    app.wait_text("#home-last", "no backup yet", |t| {
        t.contains("no backup yet")
    })
    .await;
    assert!(
        app.text("#home-space")
            .await
            .contains("free where backups go"),
        "the destination's free space is shown"
    );
    let light = app
        .js("return document.getElementById('home-light').className")
        .await;
    assert_eq!(light, "light stale", "no backup yet is red");
    app.screenshot("02-home-no-backup").await;

    // 2–3. Back up with a name; progress streams in, then the result.
    app.type_into("#backup-name", "Before the sale").await;
    app.click("#backup-full").await;
    app.wait_screen("result").await;
    assert_eq!(app.text("#result-title").await, "Backup finished");
    let phase = app.text("#progress-phase").await;
    assert!(
        phase != "Starting…" && !phase.is_empty(),
        "progress reached the window (last phase shown: {phase:?})"
    );
    let detail = app.text("#progress-detail").await;
    assert!(
        detail.contains(" of "),
        "progress shows amounts: {detail:?}"
    );
    app.screenshot("04-backup-finished").await;
    app.click("#result-done").await;
    app.wait_screen("home").await;
    app.wait_text("#home-last", "a fresh backup", |t| t.contains("just now"))
        .await;
    let light = app
        .js("return document.getElementById('home-light').className")
        .await;
    assert_eq!(light, "light fresh");
    app.screenshot("02-home").await;

    // A restore stopped outright (written down as the restore does it): home names the
    // backup as the window shows it, and its light is red, not green, until it is settled.
    let catalog = shopsafe_core::Catalog::open(&home).unwrap();
    let shop = catalog.resolve_shop(None).unwrap();
    let stopped = shopsafe_core::ops::interrupted::Note::write(
        &catalog,
        &shop,
        &shopsafe_core::ops::interrupted::Interrupted {
            backup_id: "20261127-215138-f0a1".into(),
            known_as: Some("the backup of 2026-11-27 21:51 UTC (\"Before the sale\")".into()),
            started: "2026-11-27T22:00:00Z".into(),
            safety_backup: None,
            media_aside: None,
            rollback_point: None,
        },
    )
    .unwrap();
    app.click("#nav-backups").await;
    app.wait_screen("backups").await;
    app.click("#nav-home").await;
    app.wait_screen("home").await;
    let warning = app.text("#home-interrupted").await;
    assert!(
        warning
            .starts_with("A restore of the backup of 2026-11-27 21:51 UTC (\"Before the sale\")")
            && warning.contains("restore that backup again to finish it"),
        "{warning}"
    );
    let light = app
        .js("return document.getElementById('home-light').className")
        .await;
    assert_eq!(light, "light stale", "a half-restored shop is not green");
    stopped.done();
    app.click("#nav-backups").await;
    app.wait_screen("backups").await;
    app.click("#nav-home").await;
    app.wait_screen("home").await;
    let hidden = app
        .js("return document.getElementById('home-interrupted').hidden")
        .await;
    assert_eq!(hidden, true, "the warning goes once the restore is settled");

    // 4. The catalog lists it.
    app.click("#nav-backups").await;
    app.wait_screen("backups").await;
    let ids = listed_backups(&app).await;
    assert_eq!(ids.len(), 1, "one backup listed");
    let id = ids[0].clone();
    let row = app.text(&format!("tr[data-id='{id}']")).await;
    assert!(
        row.contains("Before the sale") && row.contains("Full"),
        "{row}"
    );
    app.screenshot("05-backups").await;

    // 5. Details: the manifest in plain words.
    app.click(&format!("tr[data-id='{id}'] button[data-act=details]"))
        .await;
    app.wait_screen("details").await;
    let facts = app.text("#details-facts").await;
    assert!(
        facts.contains("sqlite") && facts.contains("Archive SHA-256"),
        "{facts}"
    );
    let tables = app
        .js("return document.querySelectorAll('#details-tables tbody tr').length")
        .await;
    assert!(
        tables.as_u64().unwrap() >= 40,
        "every table listed: {tables}"
    );
    let media_files = count_files(&demo.join("media"));
    let media_line = app.text("#details-media").await;
    assert!(
        media_line.starts_with(&format!("{media_files} files")),
        "all {media_files} media files: {media_line}"
    );
    app.screenshot("06-details").await;

    // Verify from the list.
    app.click("#details-back").await;
    app.wait_screen("backups").await;
    app.click(&format!("tr[data-id='{id}'] button[data-act=verify]"))
        .await;
    app.wait_screen("result").await;
    assert_eq!(app.text("#result-title").await, "The backup is intact");
    app.screenshot("07-verified").await;

    // 6. Change the shop, then restore: the confirmation shows what will be replaced.
    let reviews_before = count_rows(&db, "reviews_review");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("DELETE FROM reviews_review WHERE id % 2 = 0", [])
            .unwrap();
    }
    let reviews_changed = count_rows(&db, "reviews_review");
    assert!(reviews_changed < reviews_before);
    let stray = demo.join("media").join("added-after-the-backup.txt");
    std::fs::write(&stray, b"not in the backup").unwrap();

    app.click("#result-done").await;
    app.wait_screen("backups").await;
    app.click(&format!("tr[data-id='{id}'] button[data-act=restore]"))
        .await;
    app.wait_screen("confirm").await;
    let changed_row = app.text("#confirm-tables tr.changed").await;
    assert!(
        changed_row.contains("reviews_review")
            && changed_row.contains(&reviews_changed.to_string())
            && changed_row.contains(&reviews_before.to_string()),
        "the changed table shows rows now vs in the backup: {changed_row:?}"
    );
    let media = app.text("#confirm-media").await;
    assert!(media.contains("1 added since will be removed"), "{media}");
    assert!(app.text("#confirm-safety").await.contains("safety backup"));
    app.screenshot("08-restore-confirm").await;

    app.click("#confirm-restore").await;
    app.wait_screen("result").await;
    assert_eq!(app.text("#result-title").await, "Your shop is restored");
    let report = app.text("#result-facts").await;
    assert!(
        report.contains("Rows checked") && report.contains("Safety backup"),
        "{report}"
    );
    app.screenshot("09-restore-report").await;
    assert_eq!(
        count_rows(&db, "reviews_review"),
        reviews_before,
        "rows came back"
    );
    assert!(!stray.exists(), "the file added after the backup is gone");

    // 7. Activity, newest first.
    app.click("#nav-activity").await;
    app.wait_screen("activity").await;
    let first = app.text("#activity-table tbody tr").await;
    assert!(
        first.contains("restore"),
        "the restore is the newest entry: {first}"
    );
    assert!(app.text("#activity-table").await.contains("backup"));
    app.screenshot("10-activity").await;

    // The command-line tool works on the same catalog while the app is open.
    let cli = Path::new(env!("CARGO_BIN_EXE_shopsafe-app")).with_file_name("shopsafe");
    assert!(
        cli.is_file(),
        "{} is missing; build it with `cargo build -p shopsafe-cli` (make test does)",
        cli.display()
    );
    let out = std::process::Command::new(&cli)
        .arg("--home")
        .arg(&home)
        .args([
            "backup",
            "--shop",
            "Demo shop",
            "--no-media",
            "--name",
            "From the CLI",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // 4 again: the CLI's backup and the restore's safety backup are listed; delete the named
    // backup (confirmed), then get it back by importing a copy of its archive.
    app.click("#nav-backups").await;
    app.wait_screen("backups").await;
    let ids = listed_backups(&app).await;
    assert_eq!(
        ids.len(),
        3,
        "the CLI's and the safety backup are listed too"
    );
    assert!(app.text("#backups-table").await.contains("From the CLI"));
    assert!(app.text("#backups-table").await.contains("Safety backup"));
    let dest = demo.join("backups");
    for name in files_in(&dest).iter().filter(|n| n.contains(&id)) {
        std::fs::copy(dest.join(name), elsewhere.join(name)).unwrap();
    }
    app.click(&format!("tr[data-id='{id}'] button[data-act=delete]"))
        .await;
    app.wait_text("#modal-title", "the question", |t| {
        t == "Delete this backup?"
    })
    .await;
    app.screenshot("11-delete-confirm").await;
    app.click("#modal-ok").await;
    app.wait_text("#backups-message", "the deletion", |t| {
        t.starts_with("Deleted")
    })
    .await;
    assert_eq!(listed_backups(&app).await.len(), 2);
    assert!(
        !files_in(&dest).iter().any(|n| n.contains(&id)),
        "the archive is gone from the destination"
    );

    app.click("#import-backups").await;
    app.wait_text("#backups-message", "the import", |t| t.starts_with("Found"))
        .await;
    assert!(app
        .text("#backups-message")
        .await
        .starts_with("Found 1 new backup;"));
    assert!(listed_backups(&app).await.contains(&id));
    app.screenshot("12-imported").await;

    // 8. Shops: edit (rename), switch, remove.
    app.click("#nav-shops").await;
    app.wait_screen("shops").await;
    assert!(app.text("#shops-table").await.contains("Demo shop"));
    app.screenshot("13-shops").await;
    app.click("tr[data-shop='Demo shop'] button[data-act=edit]")
        .await;
    app.wait_screen("add").await;
    assert_eq!(app.text("#add-title").await, "Edit Demo shop");
    app.type_into("#add-name", "Anna's Shoes").await;
    app.screenshot("14-edit-shop").await;
    app.click("#add-save").await;
    app.wait_screen("home").await;
    assert_eq!(app.text("#home-shop").await, "Anna's Shoes");
    assert_eq!(app.value("shop-switcher").await, "Anna's Shoes");
    app.click("#nav-backups").await;
    app.wait_screen("backups").await;
    assert_eq!(
        listed_backups(&app).await.len(),
        3,
        "the backups follow the new name"
    );

    app.click("#nav-shops").await;
    app.wait_screen("shops").await;
    app.click("tr[data-shop=\"Anna's Shoes\"] button[data-act=remove]")
        .await;
    app.wait_text("#modal-title", "the question", |t| t.starts_with("Remove"))
        .await;
    app.click("#modal-ok").await;
    app.wait_screen("add").await;
    assert_eq!(
        app.text("#add-title").await,
        "Add your shop",
        "no shop left"
    );
    assert!(db.is_file(), "removing a shop leaves its database alone");
    assert!(!files_in(&dest).is_empty(), "and its backups");

    app.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_backup_can_be_cancelled_and_leaves_nothing() {
    let _one = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let app = Desktop::start(&[("SHOPSAFE_HOME", &home)]).await;
    app.wait_screen("add").await;
    app.click("#add-demo").await;
    app.wait_screen("home").await;

    // Make the shop big enough that the backup is surely still running when Cancel is
    // clicked: a 24 GiB export file, sparse so it takes no disk space, and all zeros so
    // its deflated copy in the archive stays small while it is read, hashed and compressed.
    let exports = demo_dir(&home).join("media").join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::fs::File::create(exports.join("all-orders.csv"))
        .unwrap()
        .set_len(24 << 30)
        .unwrap();

    app.click("#backup-full").await;
    app.wait_screen("progress").await;
    app.wait_text("#progress-detail", "bytes moving", |t| t.contains(" of "))
        .await;
    app.screenshot_after("03-backup-running", std::time::Duration::from_millis(300))
        .await;
    // The window answers while the backup runs.
    assert_eq!(app.screen().await, "progress");
    app.click("#progress-cancel").await;
    app.wait_screen("result").await;
    assert_eq!(app.text("#result-title").await, "Backup cancelled");
    assert!(app.text("#result-lead").await.contains("cancelled"));

    let dest = demo_dir(&home).join("backups");
    assert_eq!(
        files_in(&dest),
        Vec::<String>::new(),
        "no archive or partial file left"
    );
    app.click("#nav-backups").await;
    app.wait_screen("backups").await;
    assert!(listed_backups(&app).await.is_empty(), "no catalog row");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_answered_in_one_sentence_and_changes_nothing() {
    let _one = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let missing = tmp.path().join("no-such-shop.sqlite3");
    let dest = tmp.path().join("backups");
    std::fs::create_dir_all(&dest).unwrap();
    let app = Desktop::start(&[
        ("SHOPSAFE_HOME", &home),
        ("SHOPSAFE_TEST_PICK_DATABASE", &missing),
        ("SHOPSAFE_TEST_PICK_DESTINATION", &dest),
    ])
    .await;
    app.wait_screen("add").await;

    // A PostgreSQL server that is not there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    app.click("#add-kind input[value=postgres]").await;
    app.type_into("#add-host", "127.0.0.1").await;
    app.type_into("#add-port", &port.to_string()).await;
    app.type_into("#add-dbname", "shop").await;
    app.type_into("#add-user", "shop").await;
    app.type_into("#add-password", "secret-pw").await;
    app.click("#test-connection").await;
    let answer = app
        .wait_text("#test-result", "an answer", |t| t.starts_with("No"))
        .await;
    assert_one_sentence(&answer);
    assert!(
        answer.contains(&port.to_string()),
        "names the place: {answer}"
    );
    assert!(!answer.contains("secret-pw"), "never shows the password");
    app.screenshot("15-bad-connection").await;

    // An SQLite file that does not exist, picked through the (test) file dialog.
    app.click("#add-kind input[value=sqlite]").await;
    app.click("#pick-db").await;
    app.click("#pick-dest").await;
    app.click("#add-no-media").await;
    app.click("#add-save").await;
    let error = app
        .wait_text("#add-error", "an error", |t| !t.is_empty())
        .await;
    assert_one_sentence(&error);
    assert!(error.contains("no-such-shop.sqlite3"), "{error}");
    assert_eq!(app.screen().await, "add", "nothing was registered");

    // A restore from a damaged archive says what happened and leaves the shop as it is.
    app.click("#add-demo").await;
    app.wait_screen("home").await;

    // "Test connection" says yes, with what it found, for a real database.
    let db = demo_dir(&home).join("shop.sqlite3");
    app.click("#nav-shops").await;
    app.wait_screen("shops").await;
    app.click("#shops-add").await;
    app.wait_screen("add").await;
    app.type_into("#add-db-file", db.to_str().unwrap()).await;
    app.click("#test-connection").await;
    let yes = app
        .wait_text("#test-result", "an answer", |t| t.starts_with("Yes"))
        .await;
    assert!(yes.contains("SQLite") && yes.contains("tables"), "{yes}");
    app.click("#add-cancel").await;
    app.wait_screen("home").await;
    app.click("#backup-db").await;
    app.wait_screen("result").await;
    assert_eq!(app.text("#result-title").await, "Backup finished");
    app.click("#nav-backups").await;
    app.wait_screen("backups").await;
    let id = listed_backups(&app).await.remove(0);
    let dest = demo_dir(&home).join("backups");
    let archive = dest.join(
        files_in(&dest)
            .into_iter()
            .find(|n| n.ends_with(".zip"))
            .unwrap(),
    );
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0xff;
    std::fs::write(&archive, bytes).unwrap();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("DELETE FROM reviews_review WHERE id % 3 = 0", [])
            .unwrap();
    }
    let rows_now = count_rows(&db, "reviews_review");

    app.click(&format!("tr[data-id='{id}'] button[data-act=restore]"))
        .await;
    app.wait_screen("confirm").await;
    app.click("#confirm-restore").await;
    app.wait_screen("result").await;
    assert_eq!(
        app.text("#result-title").await,
        "The restore did not go through"
    );
    let lead = app.text("#result-lead").await;
    assert_one_sentence(&lead);
    assert!(
        lead.contains("damaged") || lead.contains("checksum"),
        "{lead}"
    );
    assert_eq!(
        app.text("#result-note").await,
        "Your shop is as it was before the restore."
    );
    app.screenshot("16-restore-failed").await;
    assert_eq!(
        count_rows(&db, "reviews_review"),
        rows_now,
        "the shop was not changed"
    );
    app.finish().await;
}

/// Open the edit form of the shop `name` from the list of shops.
async fn edit_shop(app: &Desktop, name: &str) {
    app.click("#nav-shops").await;
    app.wait_screen("shops").await;
    app.click(&format!("tr[data-shop='{name}'] button[data-act=edit]"))
        .await;
    app.wait_screen("add").await;
}

fn assert_one_sentence(text: &str) {
    let body = text.trim_start_matches("No — ");
    assert!(
        body.ends_with('.') && !body.contains('\n') && !body.contains("Error {"),
        "one plain sentence expected, got {text:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn editing_a_server_shop_keeps_what_the_form_does_not_show() {
    let _one = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dest = tmp.path().join("backups");
    std::fs::create_dir_all(&dest).unwrap();
    // A PostgreSQL shop registered earlier (its server need not run for a rename), with an
    // IPv6 host, %-escaped names and a TLS option the form has no field for.
    let url = "postgres://shop%20owner@[::1]:6543/my%2Fshop?sslmode=require";
    let catalog = shopsafe_core::Catalog::open(&home).unwrap();
    catalog
        .add_shop(&shopsafe_core::Shop {
            name: "Server shop".into(),
            uid: "00000000000000000000000000000abc".into(),
            db_url: url.into(),
            media: None,
            dest: dest.clone(),
            created: "2026-11-26T10:00:00Z".into(),
            password_store: shopsafe_core::secrets::PasswordStore::None,
        })
        .unwrap();
    let app = Desktop::start(&[("SHOPSAFE_HOME", &home)]).await;
    app.wait_screen("home").await;
    edit_shop(&app, "Server shop").await;
    assert_eq!(app.value("add-host").await, "::1");
    assert_eq!(app.value("add-port").await, "6543");
    assert_eq!(app.value("add-user").await, "shop owner");
    assert_eq!(app.value("add-dbname").await, "my/shop");
    assert_eq!(
        app.value("add-tls").await,
        "require",
        "the URL's TLS mode is shown"
    );
    app.type_into("#add-name", "Server shop 2").await;
    app.click("#add-save").await;
    app.wait_screen("home").await;
    assert_eq!(app.text("#home-shop").await, "Server shop 2");
    let shop = catalog
        .find_shop("Server shop 2")
        .unwrap()
        .expect("renamed");
    assert_eq!(
        shop.db_url, url,
        "the connection, with its options, is unchanged"
    );

    // An answer of "Test connection" is for the fields it was given: a change forgets it.
    edit_shop(&app, "Server shop 2").await;
    app.click("#test-connection").await;
    app.wait_text("#test-result", "the answer", |t| t.starts_with("No — "))
        .await;
    app.type_into("#add-port", "6544").await;
    assert_eq!(app.text("#test-result").await, "");
    // A new shop's form starts empty, not with the shop shown last.
    app.click("#nav-shops").await;
    app.wait_screen("shops").await;
    app.click("#shops-add").await;
    app.wait_screen("add").await;
    app.click("input[name=kind][value=postgres]").await;
    for id in ["add-host", "add-dbname", "add-user"] {
        assert_eq!(app.value(id).await, "", "{id}");
    }
    assert_eq!(app.value("add-port").await, "5432");

    // The confirm dialog from the keyboard: focus on Cancel, Escape cancels, and focus
    // goes back to the button that opened it.
    app.click("#nav-shops").await;
    app.wait_screen("shops").await;
    let remove = "tr[data-shop='Server shop 2'] button[data-act=remove]";
    app.click(remove).await;
    assert_eq!(
        app.js("return document.activeElement.id").await,
        "modal-cancel"
    );
    app.js("document.getElementById('modal').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })); return null")
        .await;
    assert_eq!(
        app.js("return document.getElementById('modal').hidden")
            .await,
        true
    );
    assert_eq!(
        app.js("return document.activeElement.dataset.act || ''")
            .await,
        "remove"
    );
    assert!(catalog.find_shop("Server shop 2").unwrap().is_some());
    app.finish().await;
}

/// The form's TLS choice reaches a real PostgreSQL server that accepts only TLS, with a
/// certificate for `localhost` signed by a test authority, and asks for a client
/// certificate: "Never" is answered in one sentence, checking the certificate against the
/// authority picked in the file dialog gets a sentence asking for the client certificate,
/// which with its key picked in file dialogs connects, and the saved shop keeps (and shows
/// again) those choices. Then the hosted shop is backed up and restored by clicking.
#[tokio::test(flavor = "multi_thread")]
async fn the_tls_choice_of_the_form_reaches_the_server() {
    let _one = ONE_AT_A_TIME.lock().await;
    let server = pg::PgServer::start();
    let ca = server.require_tls();
    let (client_crt, client_key) = server.ask_for_client_certificates();
    for sql in [
        "CREATE ROLE shop LOGIN PASSWORD 'tls-Pass-42'",
        "CREATE DATABASE shop OWNER shop",
    ] {
        server.psql("postgres", "postgres", sql);
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dest = tmp.path().join("backups");
    std::fs::create_dir_all(&dest).unwrap();
    let app = Desktop::start(&[
        ("SHOPSAFE_HOME", &home),
        ("SHOPSAFE_KEYRING", Path::new("off")),
        ("SHOPSAFE_TEST_PICK_CERTIFICATE", &ca),
        ("SHOPSAFE_TEST_PICK_CLIENT_CERTIFICATE", &client_crt),
        ("SHOPSAFE_TEST_PICK_CLIENT_KEY", &client_key),
        ("SHOPSAFE_TEST_PICK_DESTINATION", &dest),
    ])
    .await;
    app.wait_screen("add").await;
    app.type_into("#add-name", "Hosted shop").await;
    app.click("#add-kind input[value=postgres]").await;
    app.type_into("#add-host", "localhost").await;
    app.type_into("#add-port", &server.port.to_string()).await;
    app.type_into("#add-dbname", "shop").await;
    app.type_into("#add-user", "shop").await;
    app.type_into("#add-password", "tls-Pass-42").await;
    let test = |expect_yes: bool| {
        let app = &app;
        async move {
            app.js("document.getElementById('test-result').textContent = ''")
                .await;
            app.click("#test-connection").await;
            app.wait_text("#test-result", "an answer", |t| {
                t.starts_with(if expect_yes { "Yes" } else { "No" })
            })
            .await
        }
    };

    app.select("#add-tls", "disable").await;
    for field in ["add-ca-field", "add-client-field"] {
        assert!(
            app.js(&format!("return document.getElementById('{field}').hidden"))
                .await
                .as_bool()
                .unwrap(),
            "no {field} without TLS"
        );
    }
    let refused = test(false).await;
    assert_one_sentence(&refused);

    app.select("#add-tls", "verify-full").await;
    app.click("#pick-ca").await;
    let wants = test(false).await;
    assert_one_sentence(&wants);
    assert!(wants.contains("asks for a client certificate"), "{wants}");
    app.click("#pick-client-cert").await;
    app.click("#pick-client-key").await;
    let yes = test(true).await;
    assert!(yes.contains("PostgreSQL"), "{yes}");
    app.screenshot("17-tls-choice").await;
    app.click("#pick-dest").await;
    app.click("#add-no-media").await;
    app.click("#add-save").await;
    app.wait_screen("home").await;
    let catalog = shopsafe_core::Catalog::open(&home).unwrap();
    let shop = catalog.find_shop("Hosted shop").unwrap().expect("added");
    let [ca_text, crt_text, key_text] =
        [&ca, &client_crt, &client_key].map(|p| p.to_str().unwrap().to_string());
    let client = format!("sslcert={crt_text}&sslkey={key_text}");
    assert!(
        shop.db_url.ends_with(&format!(
            "?sslmode=verify-full&sslrootcert={ca_text}&{client}"
        )),
        "{}",
        shop.db_url
    );

    // Editing shows the choices again, and "When the server offers it" drops the check of
    // the server's certificate but keeps the client certificate.
    edit_shop(&app, "Hosted shop").await;
    assert_eq!(app.value("add-tls").await, "verify-full");
    assert_eq!(app.value("add-ca").await, ca_text);
    assert_eq!(app.value("add-client-cert").await, crt_text);
    assert_eq!(app.value("add-client-key").await, key_text);
    app.select("#add-tls", "prefer").await;
    app.click("#add-save").await;
    app.wait_screen("home").await;
    let shop = catalog.find_shop("Hosted shop").unwrap().expect("kept");
    assert!(
        shop.db_url.ends_with(&format!("/shop?{client}")),
        "{}",
        shop.db_url
    );

    // Backing up and restoring the hosted shop is the same clicking as for an SQLite shop.
    let orders = || server.psql("shop", "shop", "SELECT count(*), max(id) FROM orders");
    server.psql(
        "shop",
        "shop",
        "CREATE TABLE orders (id serial PRIMARY KEY, total numeric(10,2) NOT NULL);
         INSERT INTO orders (total) SELECT g * 1.5 FROM generate_series(1, 500) g;",
    );
    assert_eq!(orders().trim(), "500|500");
    app.click("#backup-full").await;
    app.wait_screen("result").await;
    assert_eq!(app.text("#result-title").await, "Backup finished");
    app.click("#result-done").await;
    app.wait_screen("home").await;
    server.psql(
        "shop",
        "shop",
        "DELETE FROM orders WHERE id > 100; CREATE TABLE made_later (x int);",
    );
    app.click("#nav-backups").await;
    app.wait_screen("backups").await;
    let ids = listed_backups(&app).await;
    assert_eq!(ids.len(), 1, "one backup listed");
    app.click(&format!(
        "tr[data-id='{}'] button[data-act=restore]",
        ids[0]
    ))
    .await;
    app.wait_screen("confirm").await;
    let changed = app.text("#confirm-tables").await;
    assert!(
        changed.contains("public.orders")
            && changed.contains("public.made_later")
            && changed.contains("not in backup (removed)"),
        "{changed}"
    );
    app.click("#confirm-restore").await;
    app.wait_screen("result").await;
    assert_eq!(app.text("#result-title").await, "Your shop is restored");
    assert!(app.text("#result-facts").await.contains("Rows checked"));
    assert_eq!(orders().trim(), "500|500", "the rows came back");
    assert_eq!(
        server
            .psql(
                "shop",
                "shop",
                "SELECT count(*) FROM pg_tables WHERE tablename = 'made_later'",
            )
            .trim(),
        "0",
        "the table made after the backup is gone"
    );
    assert_eq!(
        server
            .psql(
                "shop",
                "shop",
                "INSERT INTO orders (total) VALUES (1) RETURNING id",
            )
            .lines()
            .next(),
        Some("501"),
        "a new order gets a fresh id"
    );
    app.finish().await;
}
