//! Back up the demo shop, change rows and files, restore, and prove the shop identical to the
//! moment of the backup: schema, every row, every file.

mod common;

use common::{dump, files, TestShop};
use rusqlite::Connection;
use shopsafe_core::ops::{self, RestoreOptions};
use shopsafe_core::{BackupKind, CancelToken, NoProgress};
use std::path::{Path, PathBuf};

fn restore_options(id: &str) -> RestoreOptions {
    RestoreOptions {
        backup: id.to_string(),
        shop: None,
        force: false,
        pre_backup: true,
    }
}

#[test]
fn restore_brings_back_every_row_and_file_and_keeps_a_safety_backup() {
    let t = TestShop::new("roundtrip");
    let before_db = dump(&t.db_path());
    let before_files = files(&t.media_path());
    assert!(
        before_files.len() > 50,
        "the demo shop should have many media files"
    );
    let backup = t.backup();

    // Change the shop in every way: update, delete, insert rows; add, remove, change files.
    let conn = Connection::open(t.db_path()).unwrap();
    conn.execute_batch(
        "UPDATE catalog_product SET title = 'Changed', price = 1 WHERE id <= 20;
         DELETE FROM reviews_review WHERE id % 3 = 0;
         INSERT INTO catalog_tag (name) VALUES ('after-backup');
         CREATE TABLE added_later (x INTEGER);
         INSERT INTO added_later VALUES (1);",
    )
    .unwrap();
    drop(conn);
    let media = t.media_path();
    let removed: Vec<String> = before_files.keys().take(5).cloned().collect();
    for r in &removed {
        std::fs::remove_file(media.join(r)).unwrap();
    }
    std::fs::write(media.join("products/new-upload.png"), b"new image bytes").unwrap();
    std::fs::create_dir_all(media.join("brand-new-folder")).unwrap();
    std::fs::write(media.join("brand-new-folder/x.jpg"), b"jpeg?").unwrap();
    let changed = before_files.keys().nth(10).unwrap();
    std::fs::write(media.join(changed), b"overwritten").unwrap();
    assert_ne!(dump(&t.db_path()), before_db);

    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    assert_eq!(plan.other_shop, None);
    let reviews = plan
        .tables
        .iter()
        .find(|c| c.name == "reviews_review")
        .unwrap();
    assert!(reviews.rows_now < reviews.rows_backup);
    let added = plan
        .tables
        .iter()
        .find(|c| c.name == "added_later")
        .unwrap();
    assert_eq!((added.rows_now, added.rows_backup), (Some(1), None));
    let m = plan.media.as_ref().unwrap();
    assert_eq!((m.added_since, m.removed_since, m.changed), (2, 5, 1));

    assert_eq!(t.catalog.backup(&backup.id).unwrap().verified_ok, None);
    let report = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    // The restore checked the whole archive: the backup counts as verified.
    assert_eq!(
        t.catalog.backup(&backup.id).unwrap().verified_ok,
        Some(true)
    );
    assert_eq!(
        dump(&t.db_path()),
        before_db,
        "database differs after restore"
    );
    assert_eq!(files(&media), before_files, "media differs after restore");
    assert_eq!(report.media_files_checked, Some(before_files.len() as u64));

    // The safety backup holds the changed shop, and is listed as such.
    let safety = t
        .catalog
        .backup(report.safety_backup.as_deref().unwrap())
        .unwrap();
    assert_eq!(safety.kind, BackupKind::Safety);
    // Named by what the owner sees in the lists (its time and name), not by an id.
    let c = &backup.manifest.created;
    assert_eq!(
        safety.manifest.name.as_deref(),
        Some(
            format!(
                "Before restoring the backup of {} {} UTC",
                &c[..10],
                &c[11..16]
            )
            .as_str()
        )
    );
    assert!(safety
        .manifest
        .database
        .tables
        .iter()
        .any(|t| t.name == "added_later"));
    assert!(safety
        .manifest
        .media
        .files
        .iter()
        .any(|f| f.path == "products/new-upload.png"));

    // No staging, rollback or old folders are left beside the database or the media.
    let leftovers: Vec<String> = common::listing(&t.dir.path().join("shop"))
        .into_iter()
        .filter(|n| n.contains("shopsafe"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");

    let log = t.catalog.log_entries(10).unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "restore" && e.outcome == "ok"));
}

#[test]
fn restore_works_while_another_connection_holds_the_database_open() {
    let t = TestShop::new("open");
    let backup = t.backup();
    let before = dump(&t.db_path());

    // The shop keeps a connection open, as a running web app does, in WAL mode.
    let app = Connection::open(t.db_path()).unwrap();
    app.execute("DELETE FROM orders_orderline", []).unwrap();
    let count = |c: &Connection| -> i64 {
        c.query_row("SELECT count(*) FROM orders_orderline", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&app), 0);

    let mut opts = restore_options(&backup.id);
    opts.pre_backup = false;
    let plan = ops::prepare_restore(&t.catalog, &opts).unwrap();
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();

    assert!(
        count(&app) > 0,
        "the open connection should see the restored rows"
    );
    assert_eq!(dump(&t.db_path()), before);
    let mode: String = app
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "the live database keeps its journal mode");
}

#[test]
fn database_only_backup_restores_the_database_and_leaves_media_alone() {
    let t = TestShop::new("dbonly");
    let mut opts = t.backup_options();
    opts.include_media = false;
    let backup = ops::backup(&t.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(backup.kind, BackupKind::Database);
    assert!(backup.manifest.media.files.is_empty());
    let before = dump(&t.db_path());

    Connection::open(t.db_path())
        .unwrap()
        .execute("DELETE FROM cms_page", [])
        .unwrap();
    std::fs::write(
        t.media_path().join("kept.txt"),
        b"uploaded after the backup",
    )
    .unwrap();
    let media_now = files(&t.media_path());

    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    assert!(plan.media.is_none());
    let report = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(report.media_files_checked, None);
    assert_eq!(dump(&t.db_path()), before);
    assert_eq!(files(&t.media_path()), media_now);
}

/// Every folder ShopSafe makes in its home (the catalog's, the locks', the work files', the
/// notes of restores under way) is its owner's alone, whatever the umask.
#[test]
fn the_home_folders_are_their_owners_alone() {
    let t = TestShop::new("home");
    let backup = t.backup();
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    let mut folders = vec![t.catalog.home().to_path_buf()];
    let mut seen = Vec::new();
    while let Some(dir) = folders.pop() {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&dir).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o700, "{} is {mode:o}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                seen.push(entry.file_name().to_string_lossy().into_owned());
                folders.push(entry.path());
            }
        }
    }
    seen.sort();
    assert_eq!(seen, ["locks", "restoring", "work"]);
}

/// The archive opens with standard tools, its sidecar checks out, and only its owner may
/// read it.
#[test]
fn archive_opens_with_standard_tools_and_its_sidecar_checks_out() {
    let t = TestShop::new("tools");
    // Media of no known compressed format that deflate would not shrink (random bytes, small
    // and large enough to be streamed), and a large text file that it would.
    let mut random = std::fs::File::open("/dev/urandom").unwrap();
    for (name, len) in [("noise.bin", 300_000u64), ("big-noise.dat", 6 << 20)] {
        let mut f = std::fs::File::create(t.media_path().join(name)).unwrap();
        std::io::copy(&mut std::io::Read::take(&mut random, len), &mut f).unwrap();
    }
    let text: String = (0..200_000)
        .map(|i| format!("line {i} of the shop's log\n"))
        .collect();
    std::fs::write(t.media_path().join("big-text.log"), text).unwrap();
    let backup = t.backup();
    // It holds customers, password hashes and session keys: only its owner may read it.
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&backup.path).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let out = std::process::Command::new("sha256sum")
        .arg("-c")
        .arg(backup.path.with_extension("zip.sha256"))
        .current_dir(t.dest())
        .output()
        .expect("sha256sum (coreutils) is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let x = t.dir.path().join("unzipped");
    let out = std::process::Command::new("unzip")
        .arg("-q")
        .arg(&backup.path)
        .arg("-d")
        .arg(&x)
        .output()
        .expect("unzip is needed: run `make deps`");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files(&x.join("media")), files(&t.media_path()));
    assert_eq!(dump(&x.join("database/shop.sqlite3")), dump(&t.db_path()));
    let integrity = std::process::Command::new("sqlite3")
        .arg(x.join("database/shop.sqlite3"))
        .arg("PRAGMA integrity_check; PRAGMA journal_mode;")
        .output()
        .expect("sqlite3 is needed: run `make deps`");
    // The shop is in WAL mode; its copy is one self-contained file in rollback-journal mode.
    assert_eq!(
        String::from_utf8_lossy(&integrity.stdout).trim(),
        "ok\ndelete"
    );

    // Photos are stored as they are; text is compressed.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&backup.path).unwrap()).unwrap();
    let png = backup
        .manifest
        .media
        .files
        .iter()
        .find(|f| f.path.ends_with(".png"))
        .unwrap();
    assert_eq!(
        zip.by_name(&format!("media/{}", png.path))
            .unwrap()
            .compression(),
        zip::CompressionMethod::Stored
    );
    assert_eq!(
        zip.by_name("media/css/custom.css").unwrap().compression(),
        zip::CompressionMethod::Deflated
    );
    // What deflate would grow is stored (it grows random bytes by about 5%).
    for (name, method) in [
        ("noise.bin", zip::CompressionMethod::Stored),
        ("big-noise.dat", zip::CompressionMethod::Stored),
        ("big-text.log", zip::CompressionMethod::Deflated),
    ] {
        let entry = zip.by_name(&format!("media/{name}")).unwrap();
        assert_eq!(entry.compression(), method, "{name}");
        assert!(entry.compressed_size() <= entry.size(), "{name}");
    }
    assert_eq!(
        zip.by_name("database/shop.sqlite3").unwrap().compression(),
        zip::CompressionMethod::Deflated
    );
}

#[test]
fn failed_swap_rolls_the_database_back() {
    // The media folder is a mount point holding an immutable file, which cannot be moved
    // aside: the swap fails after the database was already replaced (and some of the
    // folder's entries moved), and the restore must put both back.
    let t = TestShop::new("rollback");
    let mount_at = t.dir.path().join("mounted-media");
    let _mount = common::Mount::tmpfs(&mount_at, "size=64m");
    for (rel, _) in files(&t.media_path()) {
        let to = mount_at.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(t.media_path().join(&rel), to).unwrap();
    }
    let _pinned = common::Immutable::new(&mount_at.join("pinned.png"), b"pinned");
    let shop = ops::edit_shop(
        &t.catalog,
        &t.shop.name,
        &ops::EditShopOptions {
            media: Some(Some(mount_at.clone())),
            ..Default::default()
        },
    )
    .unwrap();
    let backup = ops::backup(
        &t.catalog,
        &ops::BackupOptions {
            shop: shop.clone(),
            ..t.backup_options()
        },
        &NoProgress,
        &CancelToken::new(),
    )
    .unwrap();
    Connection::open(t.db_path())
        .unwrap()
        .execute("DELETE FROM orders_refund", [])
        .unwrap();
    std::fs::write(mount_at.join("uploaded-later.jpg"), b"later").unwrap();
    let (db_before, media_before) = (dump(&t.db_path()), files(&mount_at));

    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    let e = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(e.message.contains("rolled back"), "{}", e.message);
    assert_eq!(
        dump(&t.db_path()),
        db_before,
        "the database was not rolled back"
    );
    assert_eq!(files(&mount_at), media_before);
    let log = t.catalog.log_entries(1).unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].outcome.as_str()),
        ("restore", "failed")
    );
}

#[test]
fn restore_recreates_a_deleted_database_and_media_folder() {
    let t = TestShop::new("lost");
    let backup = t.backup();
    let (db_before, media_before) = (dump(&t.db_path()), files(&t.media_path()));
    // The worst day: the database file and the whole media folder are gone.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", t.db_path().display()));
    }
    std::fs::remove_dir_all(t.media_path()).unwrap();
    // The shop's folder belongs to the site's user (www-data: 33); the restore runs as root.
    let folder = t.db_path().parent().unwrap().to_path_buf();
    std::os::unix::fs::chown(&folder, Some(33), Some(33)).unwrap();

    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    assert_eq!(plan.media.as_ref().unwrap().files_now, 0);
    let report = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(report.safety_backup, None);
    assert!(
        report.notes.iter().any(|n| n.contains("safety backup")),
        "{:?}",
        report.notes
    );
    assert_eq!(dump(&t.db_path()), db_before);
    assert_eq!(files(&t.media_path()), media_before);
    // Made again, the database file and the media folder are the site's, so it can still
    // write them.
    use std::os::unix::fs::MetadataExt;
    for made in [t.db_path(), t.media_path(), t.media_path().join("banners")] {
        let meta = std::fs::metadata(&made).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (33, 33), "{}", made.display());
    }
    // Nothing says who else may read the shop's customers: the new file is its owner's.
    let mode = std::fs::metadata(t.db_path()).unwrap().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

/// Another user who may write to the shop's folder and to the backup folder (the site's
/// user, with `backups/` inside the shop) swaps every working file ShopSafe makes there for
/// a link to a database of its choosing, as fast as it can: no backup holds that database
/// and no restore installs it, since SQLite's working files are made in ShopSafe's own
/// folder (an SQLite file is opened again by name, so one made where others may write can
/// be swapped between its check and its use).
#[test]
fn working_files_sqlite_opens_by_name_cannot_be_swapped() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let t = TestShop::new("swap");
    let planted = t.dir.path().join("planted.sqlite3");
    Connection::open(&planted)
        .unwrap()
        .execute_batch("CREATE TABLE planted (x int); INSERT INTO planted VALUES (1);")
        .unwrap();
    let folders = [t.db_path().parent().unwrap().to_path_buf(), t.dest()];
    let (stop, swaps) = (AtomicBool::new(false), AtomicUsize::new(0));
    let before = dump(&t.db_path());
    let (backup, restored) = std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                for folder in &folders {
                    for entry in std::fs::read_dir(folder).unwrap().flatten() {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        // (Files only: media are staged in a folder beside the media
                        // folder, for the swap; a swapped one stops the restore.)
                        let file = entry.file_type().is_ok_and(|t| t.is_file());
                        if file && name.contains(".shopsafe-") {
                            let path = entry.path();
                            if std::fs::rename(&path, path.with_extension("moved")).is_ok()
                                && std::os::unix::fs::symlink(&planted, &path).is_ok()
                            {
                                swaps.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            }
        });
        let backup = t.backup();
        let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
        let restored = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new());
        stop.store(true, Ordering::Relaxed);
        (backup, restored)
    });
    assert!(
        !backup
            .manifest
            .database
            .tables
            .iter()
            .any(|t| t.name == "planted"),
        "the backup holds the planted database ({} swaps)",
        swaps.load(Ordering::Relaxed)
    );
    restored.unwrap();
    assert_eq!(dump(&t.db_path()), before);
}

/// A database that is a link to nothing (its disk not mounted) is not replaced by a new
/// file where the link was: the restore says so and changes nothing.
#[test]
fn restore_refuses_a_database_link_to_nothing() {
    let t = TestShop::new("dangling-db");
    let backup = t.backup();
    let elsewhere = t.dir.path().join("unmounted/shop.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", t.db_path().display()));
    }
    std::os::unix::fs::symlink(&elsewhere, t.db_path()).unwrap();
    let media_before = files(&t.media_path());
    let mut opts = restore_options(&backup.id);
    opts.pre_backup = false;
    let e = ops::prepare_restore(&t.catalog, &opts).unwrap_err();
    assert!(
        e.message.starts_with(&format!(
            "The shop's database {} is a link to {}, which does not exist (is its disk mounted?)",
            t.db_path().display(),
            elsewhere.display()
        )),
        "{}",
        e.message
    );
    assert_eq!(std::fs::read_link(t.db_path()).unwrap(), elsewhere);
    assert!(!elsewhere.exists());
    assert_eq!(files(&t.media_path()), media_before);
}

/// Another user who may write to the shop's folder (and here to the backup folder) plants
/// links at the names of the files a restore makes (its staged copy, rollback point and
/// their journals), as fast as they can: no restore ever writes through one (a root
/// restore would have overwritten the file linked).
#[test]
fn restores_never_write_through_links_planted_in_the_shops_folder() {
    let t = TestShop::new("planted");
    let backup = t.backup();
    let victim = t.dir.path().join("victim");
    std::fs::write(&victim, "a root-owned file").unwrap();
    std::fs::set_permissions(&victim, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let folder = t.db_path().parent().unwrap().to_path_buf();
    let file = t
        .db_path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let dest = t.dest();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            // Where earlier versions made them: beside the database, and in the backup
            // folder (which the shop's user may write to here). They are made in
            // ShopSafe's own folder now.
            let names: Vec<std::path::PathBuf> = ["rollback", "restore"]
                .iter()
                .flat_map(|kind| {
                    ["", "-journal", "-wal"].map(|x| {
                        [
                            folder.join(format!(".{file}.shopsafe-{kind}-{}{x}", backup.id)),
                            dest.join(format!(".shopsafe-{kind}-{}-{file}{x}", backup.id)),
                        ]
                    })
                })
                .flatten()
                .collect();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for n in &names {
                    let _ = std::os::unix::fs::symlink(&victim, n);
                }
            }
        });
        for _ in 0..6 {
            let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
            // A restore either finishes or refuses, as the links come and go.
            let _ = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new());
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "a root-owned file"
    );
    let mode = std::os::unix::fs::MetadataExt::mode(&std::fs::metadata(&victim).unwrap());
    assert_eq!(mode & 0o777, 0o644, "{mode:o}");
}

#[test]
fn shop_with_dangling_foreign_keys_backs_up_and_restores_as_it_was() {
    // SQLite enforces foreign keys only when asked, so real shops can hold dangling ones.
    let t = TestShop::new("dangling");
    Connection::open(t.db_path())
        .unwrap()
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             UPDATE orders_orderline SET order_id = 999999 WHERE id <= 3;",
        )
        .unwrap();
    let backup = t.backup();
    assert_eq!(backup.manifest.database.foreign_key_violations, 3);
    let before = dump(&t.db_path());
    Connection::open(t.db_path())
        .unwrap()
        .execute("DELETE FROM orders_orderline", [])
        .unwrap();
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(dump(&t.db_path()), before);
}

#[test]
fn a_restore_is_refused_when_the_shop_changed_after_it_was_shown() {
    let t = TestShop::new("changed");
    let backup = t.try_backup().unwrap();
    Connection::open(t.db_path())
        .unwrap()
        .execute("DELETE FROM orders_refund", [])
        .unwrap();
    let before = dump(&t.db_path());
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    // Meanwhile another window (or the CLI) points the shop at another media folder.
    let elsewhere = t.dir.path().join("other-media");
    std::fs::create_dir_all(&elsewhere).unwrap();
    ops::edit_shop(
        &t.catalog,
        &t.shop.name,
        &ops::EditShopOptions {
            media: Some(Some(elsewhere)),
            ..Default::default()
        },
    )
    .unwrap();
    let e = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap_err();
    assert_eq!(e.kind, shopsafe_core::ErrorKind::Refused, "{}", e.message);
    assert!(e.message.contains("nothing was restored"), "{}", e.message);
    assert_eq!(dump(&t.db_path()), before, "the database was not touched");
}

/// What no backup saves in the media folder (a link to a folder on a bigger disk, a link to
/// one file, a file whose name is not UTF-8) is named as not saved, and a restore keeps the
/// shop's own as they are, links pointing where they did (it removed them all).
#[test]
fn restore_keeps_the_links_and_odd_names_no_backup_saves() {
    use std::os::unix::ffi::OsStrExt;
    let t = TestShop::new("links");
    let media = t.media_path();
    let bigdisk = t.dir.path().join("bigdisk");
    std::fs::create_dir_all(bigdisk.join("cdn")).unwrap();
    std::fs::write(bigdisk.join("cdn/logo.png"), b"logo").unwrap();
    std::os::unix::fs::symlink(bigdisk.join("cdn"), media.join("cdn")).unwrap();
    let names: Vec<String> = files(&media).into_keys().filter(|n| n != "cdn").collect();
    std::os::unix::fs::symlink(media.join(&names[0]), media.join("first-link")).unwrap();
    let odd = media.join(std::ffi::OsStr::from_bytes(b"caf\xe9 menu.txt"));
    std::fs::write(&odd, b"latin-1 name").unwrap();
    let before = files(&media);
    let backup = t.backup();
    let skipped = &backup.manifest.media.skipped;
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(
        skipped
            .iter()
            .any(|s| s == "cdn: a symbolic link, not followed")
            && skipped
                .iter()
                .any(|s| s == "first-link: a symbolic link, not followed")
            && skipped
                .iter()
                .any(|s| s.ends_with("the name is not valid UTF-8")),
        "{skipped:?}"
    );

    std::fs::write(media.join("added-since.txt"), b"new").unwrap();
    std::fs::remove_file(media.join(&names[1])).unwrap();
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    let report = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(files(&media), before);
    assert_eq!(
        std::fs::read_link(media.join("cdn")).unwrap(),
        bigdisk.join("cdn")
    );
    assert_eq!(std::fs::read(&odd).unwrap(), b"latin-1 name");
    assert_eq!(
        std::fs::read(bigdisk.join("cdn/logo.png")).unwrap(),
        b"logo"
    );
    let note = report
        .notes
        .iter()
        .find(|n| n.starts_with("Kept as they were"))
        .unwrap_or_else(|| panic!("{:?}", report.notes));
    assert!(
        note.contains("cdn (a symbolic link)")
            && note.contains("first-link (a symbolic link)")
            && note.contains("menu.txt (its name is not UTF-8)"),
        "{note}"
    );
}

/// Move the demo shop's media folder to `to` (its files copied, as `cp -a` would).
fn move_media(t: &TestShop, to: &std::path::Path) {
    move_contents(&t.media_path(), to);
}

/// Copy what `from` holds into `to` (`cp -a FROM/. TO`), then remove `from`.
fn move_contents(from: &std::path::Path, to: &std::path::Path) {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_dir_all(from).unwrap();
}

/// Put the demo shop's media folder on a file system mounted in its place (a volume).
fn on_a_volume(t: &TestShop) -> common::Mount {
    let elsewhere = t.dir.path().join("media-copy");
    std::fs::create_dir(&elsewhere).unwrap();
    move_media(t, &elsewhere);
    let volume = common::Mount::tmpfs(&t.media_path(), "size=64m");
    move_contents(&elsewhere, &t.media_path());
    volume
}

/// A media folder that is a link to a bigger disk stays that link: the folder it points to
/// is what a restore replaces (it became a plain folder, the old files left behind on the
/// disk).
#[test]
fn restore_into_a_linked_media_folder_keeps_the_link() {
    let t = TestShop::new("linked");
    let bigdisk = t.dir.path().join("bigdisk/media");
    std::fs::create_dir_all(&bigdisk).unwrap();
    move_media(&t, &bigdisk);
    std::os::unix::fs::symlink(&bigdisk, t.media_path()).unwrap();
    let before = files(&bigdisk);
    let backup = t.backup();
    std::fs::write(bigdisk.join("added-since.txt"), b"new").unwrap();
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(std::fs::read_link(t.media_path()).unwrap(), bigdisk);
    assert_eq!(files(&bigdisk), before);
    assert_eq!(
        common::listing(bigdisk.parent().unwrap()),
        ["media"],
        "nothing left beside the restored folder"
    );
}

/// A media folder that is a mount point (a Docker volume, say) cannot be renamed: its
/// entries are swapped instead, and a cancelled restore puts them back (every restore
/// failed with "Device or resource busy").
#[test]
fn restore_into_a_mounted_media_folder_swaps_its_contents() {
    let t = TestShop::new("mounted");
    let _volume = on_a_volume(&t);
    // Links (one in a subfolder) the restore keeps, which must not lead it into its own
    // staging folder inside the mounted one.
    let names: Vec<String> = files(&t.media_path()).into_keys().collect();
    std::os::unix::fs::symlink("/srv/shared/logos", t.media_path().join("logos")).unwrap();
    let sub = std::path::Path::new(&names[0]).parent().unwrap();
    std::os::unix::fs::symlink("/srv/shared/x", t.media_path().join(sub).join("x-link")).unwrap();
    let before = files(&t.media_path());
    let backup = t.backup();
    std::fs::write(t.media_path().join("added-since.txt"), b"new").unwrap();
    let changed = files(&t.media_path());

    let message =
        common::restore_cancelled_at(&t.catalog, &backup.id, shopsafe_core::Phase::Checking);
    assert!(message.contains("rolled back"), "{message}");
    assert_eq!(
        files(&t.media_path()),
        changed,
        "the cancelled restore put it back"
    );

    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    let report = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(files(&t.media_path()), before);
    // The safety backup holds the shop's media as they were, not the restore's staging.
    let safety = t
        .catalog
        .backup(report.safety_backup.as_ref().unwrap())
        .unwrap();
    assert_eq!(safety.manifest.media.files.len(), changed.len() - 2);
    assert!(
        report.notes.iter().any(
            |n| n.contains("logos (a symbolic link)") && n.contains("x-link (a symbolic link)")
        ),
        "{:?}",
        report.notes
    );
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    assert!(
        mounts.contains(&format!(" {} tmpfs", t.media_path().display())),
        "the volume is still mounted there"
    );
}

/// A media file's permission bits come back with it (a private invoice at 0600 came back
/// readable by everyone, 0644).
#[test]
fn restore_brings_back_media_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestShop::new("modes");
    let names: Vec<String> = files(&t.media_path()).into_keys().collect();
    let mode_of = |rel: &str| {
        std::fs::metadata(t.media_path().join(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    let set = |rel: &str, mode: u32| {
        std::fs::set_permissions(
            t.media_path().join(rel),
            std::fs::Permissions::from_mode(mode),
        )
        .unwrap()
    };
    // A small file (compressed on many threads) and the largest (streamed on its own).
    let largest = names
        .iter()
        .max_by_key(|n| std::fs::metadata(t.media_path().join(n)).unwrap().len())
        .unwrap();
    set(&names[0], 0o600);
    set(largest, 0o640);
    let backup = t.backup();
    set(&names[0], 0o666);
    set(largest, 0o644);
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(mode_of(&names[0]), 0o600);
    assert_eq!(mode_of(largest), 0o640);
    let untouched = names
        .iter()
        .find(|n| *n != &names[0] && *n != largest)
        .unwrap();
    assert_eq!(mode_of(untouched), 0o644);
}

/// A restored media file keeps the modification time it had when it was backed up (sync
/// tools and file browsers go by it), to the nanosecond.
#[test]
fn restore_brings_back_media_modification_times() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let t = TestShop::new("mtimes");
    // Files over 4 MiB are streamed on their own, the others compressed on many threads.
    let largest = "big.bin".to_string();
    std::fs::write(t.media_path().join(&largest), vec![7u8; 5 << 20]).unwrap();
    let names: Vec<String> = files(&t.media_path()).into_keys().collect();
    let modified = |rel: &str| {
        std::fs::metadata(t.media_path().join(rel))
            .unwrap()
            .modified()
            .unwrap()
    };
    let set = |rel: &str, time: SystemTime| {
        std::fs::File::options()
            .write(true)
            .open(t.media_path().join(rel))
            .unwrap()
            .set_modified(time)
            .unwrap()
    };
    let old = UNIX_EPOCH + Duration::new(1_614_816_000, 123_456_789);
    set(&names[0], old);
    set(&largest, old + Duration::from_secs(86_400));
    let before: Vec<SystemTime> = names.iter().map(|n| modified(n)).collect();
    let backup = t.backup();
    for n in &names {
        set(n, SystemTime::now());
    }
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    let after: Vec<SystemTime> = names.iter().map(|n| modified(n)).collect();
    assert_eq!(after, before);
    assert_eq!(modified(&names[0]), old);
}

/// Empty media folders (an upload folder the site expects, a cache it fills later) come
/// back too, though no file recalls them.
#[test]
fn restore_brings_back_empty_media_folders() {
    let t = TestShop::new("empty-folders");
    for folder in ["cache", "uploads/2026/empty"] {
        std::fs::create_dir_all(t.media_path().join(folder)).unwrap();
    }
    let backup = t.backup();
    assert_eq!(
        backup.manifest.media.empty_folders,
        ["cache", "uploads/2026/empty"]
    );
    std::fs::remove_dir(t.media_path().join("cache")).unwrap();
    std::fs::remove_dir_all(t.media_path().join("uploads")).unwrap();
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    for folder in ["cache", "uploads/2026/empty"] {
        assert!(t.media_path().join(folder).is_dir(), "{folder}");
    }
}

/// What an interrupted restore moved aside is the shop's own media: a later restore (of
/// that backup or another) leaves it, changes nothing and says where it is (a restore of the
/// same backup deleted it).
#[test]
fn media_an_interrupted_restore_moved_aside_is_never_deleted() {
    let t = TestShop::new("aside");
    let backup = t.backup();
    let aside = t
        .dir
        .path()
        .join("shop/.media.shopsafe-old-20261101-093000-ab12");
    std::fs::create_dir(&aside).unwrap();
    std::fs::write(aside.join("only-copy.jpg"), b"precious").unwrap();
    let before = (dump(&t.db_path()), files(&t.media_path()));
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    let e = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(
        e.message
            .contains("An earlier restore left the shop's media as they were before it in")
            && e.message.contains(&aside.display().to_string()),
        "{}",
        e.message
    );
    assert_eq!(
        std::fs::read(aside.join("only-copy.jpg")).unwrap(),
        b"precious"
    );
    assert_eq!((dump(&t.db_path()), files(&t.media_path())), before);
}

/// A file system mounted inside a media folder (an ordinary or a mounted one) would go aside
/// with it, and be emptied once the restore is done; a media path that is a link to a
/// folder that is not there (a disk not mounted) would become a plain folder, or fill
/// another disk. Both are refused, and nothing changes.
#[test]
fn restore_refuses_a_mount_inside_the_media_folder_and_a_dangling_media_link() {
    let t = TestShop::new("refusals");
    let backup = t.backup();
    let _nested = common::Mount::tmpfs(&t.media_path().join("cache"), "size=1m");
    std::fs::write(t.media_path().join("cache/shared.png"), b"shared").unwrap();
    let before = (dump(&t.db_path()), files(&t.media_path()));
    // Refused when the restore is planned (before the owner is asked to confirm), or when
    // it runs.
    let restore = || match ops::prepare_restore(&t.catalog, &restore_options(&backup.id)) {
        Err(e) => e,
        Ok(plan) => ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap_err(),
    };
    let refused_over_a_mount = || {
        let before = (dump(&t.db_path()), files(&t.media_path()));
        let e = restore();
        assert!(
            e.message
                .contains("has another file system mounted inside it"),
            "{}",
            e.message
        );
        assert_eq!((dump(&t.db_path()), files(&t.media_path())), before);
    };
    refused_over_a_mount();
    drop(_nested);
    // So would one in a subfolder of a mounted media folder (a volume), whose entries are
    // moved aside instead.
    let volume = common::Mount::tmpfs(&t.media_path(), "size=8m");
    let deep = common::Mount::tmpfs(&t.media_path().join("thumbs/cache"), "size=1m");
    std::fs::write(t.media_path().join("thumbs/cache/shared.png"), b"shared").unwrap();
    refused_over_a_mount();
    drop((deep, volume));

    let refused_over_a_dangling_link = || {
        let e = restore();
        assert!(
            e.message
                .contains("which does not exist (a disk that is not mounted?)"),
            "{}",
            e.message
        );
    };
    let real = t.dir.path().join("bigdisk-media");
    std::fs::rename(t.media_path(), &real).unwrap();
    std::os::unix::fs::symlink(t.dir.path().join("not-mounted/media"), t.media_path()).unwrap();
    refused_over_a_dangling_link();
    let e = t.try_backup().unwrap_err();
    assert!(
        e.message.contains("is a link to") && e.message.contains("a disk that is not mounted?"),
        "{}",
        e.message
    );
    assert!(std::fs::symlink_metadata(t.media_path())
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(dump(&t.db_path()), before.0);

    // A link to a folder that is not there, in a folder that is: the empty mount point of
    // a disk not mounted, most likely, so refused too (the media would fill another disk).
    std::fs::remove_file(t.media_path()).unwrap();
    let target = t.dir.path().join("bigdisk/media");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&target, t.media_path()).unwrap();
    refused_over_a_dangling_link();
    assert!(!target.exists());
    // Unless a restore stopped outright moved it aside: finishing that one makes it there,
    // and the link stays.
    use shopsafe_core::ops::interrupted::{Interrupted, Note};
    let stopped = Interrupted {
        backup_id: backup.id.clone(),
        known_as: None,
        started: "2026-11-27T10:00:00Z".into(),
        safety_backup: None,
        media_aside: None,
        rollback_point: None,
    };
    drop(Note::write(&t.catalog, &t.shop, &stopped).unwrap());
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(std::fs::read_link(t.media_path()).unwrap(), target);
    assert_eq!(files(&target), files(&real));
}

/// What a stopped restore had moved aside inside a mounted media folder, and its database
/// copy, are kept by the next restore, under names no later restore takes, twice over (the
/// first was moved along with the shop's entries and deleted; the second overwrote the
/// first's database copy).
#[test]
fn a_stopped_restores_leftovers_are_kept_through_later_restores() {
    use shopsafe_core::ops::interrupted::{Interrupted, Note};
    let t = TestShop::new("kept");
    let _volume = on_a_volume(&t);
    let backup = t.backup();
    for round in 1..=2 {
        // As a restore killed mid-swap leaves them: the shop's own files aside, a database
        // copy in ShopSafe's work folder, and its note.
        let aside = t.media_path().join(format!(".shopsafe-old-{}", backup.id));
        std::fs::create_dir(&aside).unwrap();
        std::fs::write(aside.join("only-copy.jpg"), format!("round {round}")).unwrap();
        let work = t.catalog.home().join("work");
        std::fs::create_dir_all(&work).unwrap();
        let copy = work.join(format!(".shopsafe-rollback-{}-shop.sqlite3", backup.id));
        std::fs::write(&copy, format!("database {round}")).unwrap();
        let stopped = Interrupted {
            backup_id: backup.id.clone(),
            known_as: None,
            started: "2026-11-27T10:00:00Z".into(),
            safety_backup: None,
            media_aside: Some(aside.clone()),
            rollback_point: Some(copy.clone()),
        };
        // Dropped unfinished, the note stays, as a killed restore leaves it.
        drop(Note::write(&t.catalog, &t.shop, &stopped).unwrap());
        let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
        let report = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
        let suffix = if round == 1 {
            String::new()
        } else {
            format!("-{round}")
        };
        let kept_media = t
            .media_path()
            .join(format!(".shopsafe-kept-{}{suffix}", backup.id));
        let kept_db = work.join(format!(
            ".shopsafe-kept-rollback-{}-shop.sqlite3{suffix}",
            backup.id
        ));
        assert_eq!(
            std::fs::read_to_string(kept_media.join("only-copy.jpg")).unwrap(),
            format!("round {round}"),
            "{:?}",
            report.notes
        );
        assert_eq!(
            std::fs::read_to_string(&kept_db).unwrap(),
            format!("database {round}")
        );
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.contains(&kept_media.display().to_string())),
            "{:?}",
            report.notes
        );
        // The second round names what the first kept too (a restore killed after keeping
        // its predecessor's leftovers never reported them).
        if round == 2 {
            let first_db = work.join(format!(
                ".shopsafe-kept-rollback-{}-shop.sqlite3",
                backup.id
            ));
            assert!(
                report
                    .notes
                    .iter()
                    .any(|n| n.contains("earlier stopped restores")
                        && n.contains(&first_db.display().to_string())),
                "{:?}",
                report.notes
            );
        }
    }
    // A restore stopped after keeping its predecessor's leftovers but before moving anything
    // aside itself leaves a note naming what is not there: the next one still names what
    // is kept.
    let work = t.catalog.home().join("work");
    let stopped = Interrupted {
        backup_id: backup.id.clone(),
        known_as: Some("the backup of 2026-11-27 10:40 UTC (\"Before the sale\")".into()),
        started: "2026-11-27T11:00:00Z".into(),
        safety_backup: Some("20261127-105900-abcd".into()),
        media_aside: Some(t.media_path().join(format!(".shopsafe-old-{}", backup.id))),
        rollback_point: Some(work.join(format!(".shopsafe-rollback-{}-shop.sqlite3", backup.id))),
    };
    drop(Note::write(&t.catalog, &t.shop, &stopped).unwrap());
    let status = ops::shop_status(&t.catalog, Some("kept")).unwrap();
    assert_eq!(
        status.health,
        shopsafe_core::ops::Health::Stale,
        "a shop a stopped restore may have half-restored is not in good health"
    );
    assert_eq!(
        status.interrupted_restore.unwrap(),
        format!("A restore of the backup of 2026-11-27 10:40 UTC (\"Before the sale\") (backup {}) into shop kept was stopped at 2026-11-27 11:00 UTC before it finished, so the shop may be half-restored (its database and media folder from different moments); restore that backup again to finish it, or restore the safety backup it took (backup 20261127-105900-abcd, named \"Before restoring …\") to go back.", backup.id)
    );
    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    let report = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    let kept_db = work.join(format!(
        ".shopsafe-kept-rollback-{}-shop.sqlite3-2",
        backup.id
    ));
    assert!(
        report.notes.iter().any(
            |n| n.starts_with("What earlier stopped restores had moved aside")
                && n.contains(&kept_db.display().to_string())
        ),
        "{:?}",
        report.notes
    );
}

/// A restore run as root (`sudo`) gives the restored media the owners of the live folder's
/// files and folders, and its folders' modes, so the site's own user can still store its
/// uploads; what the live folder lacks takes the nearest live folder's.
#[test]
fn restored_media_keep_the_live_folders_owners_and_folder_modes() {
    use std::os::unix::fs::{lchown, MetadataExt, PermissionsExt};
    fn all(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                all(&path, out);
            }
            out.push(path);
        }
    }
    let t = TestShop::new("owners");
    let media = t.media_path();
    let mut paths = Vec::new();
    all(&media, &mut paths);
    // The site's user (www-data on Debian: 33) owns its uploads, in group-writable setgid
    // folders.
    for p in paths.iter().chain([&media]) {
        lchown(p, Some(33), Some(33)).unwrap();
        if p.is_dir() {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o2775)).unwrap();
        }
    }
    let backup = t.backup();
    // Since the backup: a folder is gone, a file of another folder too, and one file was
    // handed to another user.
    let file = paths.iter().find(|p| p.is_file()).unwrap().clone();
    let folder = paths
        .iter()
        .find(|p| p.is_dir() && !file.starts_with(p))
        .unwrap()
        .clone();
    let gone = paths
        .iter()
        .find(|p| p.is_file() && !p.starts_with(&folder) && **p != file)
        .unwrap()
        .clone();
    std::fs::remove_dir_all(&folder).unwrap();
    std::fs::remove_file(&gone).unwrap();
    lchown(&file, Some(1000), Some(1000)).unwrap();

    let plan = ops::prepare_restore(&t.catalog, &restore_options(&backup.id)).unwrap();
    let report = ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert!(
        report.notes.iter().all(|n| !n.contains("owner")),
        "{:?}",
        report.notes
    );
    let mut restored = Vec::new();
    all(&media, &mut restored);
    restored.sort();
    paths.sort();
    assert_eq!(
        restored, paths,
        "the restore did not bring every file and folder back"
    );
    for p in restored.iter().chain([&media]) {
        let meta = std::fs::symlink_metadata(p).unwrap();
        let want = if *p == file { 1000 } else { 33 };
        assert_eq!((meta.uid(), meta.gid()), (want, want), "{}", p.display());
        if meta.is_dir() {
            assert_eq!(meta.mode() & 0o7777, 0o2775, "{}", p.display());
        }
    }
}
