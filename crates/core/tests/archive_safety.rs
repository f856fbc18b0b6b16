//! Hostile archives: entries named with `..`, an absolute path, or stored as a symbolic link
//! never write outside the staging folder, and the shop is left exactly as it was. The
//! catalog follows the archive files: `import` rebuilds it, `delete` removes only its own.

mod common;

use common::{dump, files, listing, TestShop};
use sha2::{Digest, Sha256};
use shopsafe_core::manifest::{FileEntry, Manifest};
use shopsafe_core::ops::{self, RestoreOptions};
use shopsafe_core::{CancelToken, ErrorKind, NoProgress};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

enum Evil {
    /// A regular entry with this name, listed in the manifest.
    File(&'static str),
    /// A symbolic link entry pointing at `target`, listed in the manifest as a media file.
    Link(&'static str, String),
}

/// Copy `src` to `out`, adding the evil entry (if any) and listing it in the manifest as a
/// media file, and changing the manifest with `edit`.
fn craft(src: &Path, out: &Path, evil: Option<&Evil>, edit: impl FnOnce(&mut Manifest)) {
    let mut zin = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut manifest_bytes = Vec::new();
    zin.by_name("manifest.json")
        .unwrap()
        .read_to_end(&mut manifest_bytes)
        .unwrap();
    let mut manifest = Manifest::from_json(&manifest_bytes).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    for i in 0..zin.len() {
        let entry = zin.by_index_raw(i).unwrap();
        if entry.name().unwrap() != "manifest.json" {
            zout.raw_copy_file(entry).unwrap();
        }
    }
    let payload = b"written by an attacker";
    let listed = match evil {
        None => None,
        Some(Evil::File(name)) => {
            zout.start_file(*name, SimpleFileOptions::default())
                .unwrap();
            zout.write_all(payload).unwrap();
            Some(name.strip_prefix("media/").unwrap_or(name).to_string())
        }
        Some(Evil::Link(name, target)) => {
            zout.add_symlink(*name, target, SimpleFileOptions::default())
                .unwrap();
            Some(name.strip_prefix("media/").unwrap().to_string())
        }
    };
    if let Some(path) = listed {
        manifest.media.files.push(FileEntry {
            path,
            size: payload.len() as u64,
            sha256: Sha256::digest(payload)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            modified: None,
        });
        manifest.media.file_count += 1;
    }
    edit(&mut manifest);
    zout.start_file("manifest.json", SimpleFileOptions::default())
        .unwrap();
    zout.write_all(&manifest.to_json()).unwrap();
    zout.finish().unwrap();
}

fn attempt(name: &str, evil: Evil, escaped: impl Fn(&Path) -> PathBuf) {
    let t = TestShop::new(name);
    let backup = t.backup();
    let crafted = t.dir.path().join("crafted.zip");
    craft(&backup.path, &crafted, Some(&evil), |_| {});
    std::fs::write(t.media_path().join("after-backup.txt"), "keep me").unwrap();
    let (db, media, around) = (
        dump(&t.db_path()),
        files(&t.media_path()),
        listing(t.dir.path()),
    );

    let result = ops::prepare_restore(
        &t.catalog,
        &RestoreOptions {
            backup: crafted.to_string_lossy().into_owned(),
            shop: None,
            force: false,
            pre_backup: true,
        },
    )
    .and_then(|plan| ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()));
    let e = result.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Corrupt, "{}", e.message);
    assert!(
        e.message.contains("nothing was restored") || e.message.contains("link"),
        "{}",
        e.message
    );

    let target = escaped(t.dir.path());
    assert!(
        !target.exists(),
        "{} was written outside the staging folder",
        target.display()
    );
    assert_eq!(dump(&t.db_path()), db);
    assert_eq!(files(&t.media_path()), media);
    assert_eq!(listing(t.dir.path()), around);
    assert!(!listing(&t.dir.path().join("shop"))
        .iter()
        .any(|n| n.contains("shopsafe")));
}

#[test]
fn entry_with_dot_dot_is_refused() {
    // Staging is <dir>/shop/.media.shopsafe-restore-ID; ../../ from there is <dir>.
    attempt("dotdot", Evil::File("media/../../escaped.txt"), |d| {
        d.join("escaped.txt")
    });
}

#[test]
fn entry_with_absolute_path_is_refused() {
    let target = std::env::temp_dir().join(format!("shopsafe-absolute-{}.txt", std::process::id()));
    let name: &'static str = Box::leak(format!("{}", target.display()).into_boxed_str());
    attempt("absolute", Evil::File(name), move |_| target.clone());
}

#[test]
fn symbolic_link_entry_is_refused() {
    attempt(
        "symlink",
        Evil::Link("media/link-out", "../../..".into()),
        |d| d.join("shop/media/link-out"),
    );
}

/// Restore the archive at `archive` into `t`'s shop, without a safety backup.
fn restore_by_path(t: &TestShop, archive: &Path) -> shopsafe_core::Result<ops::RestoreReport> {
    let options = RestoreOptions {
        backup: archive.to_string_lossy().into_owned(),
        shop: Some(t.shop.name.clone()),
        force: true,
        pre_backup: false,
    };
    ops::prepare_restore(&t.catalog, &options)
        .and_then(|plan| ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()))
}

/// The backup id names working files and folders: one that is a path is refused when the
/// manifest is read, by restore and import alike, before anything is made.
#[test]
fn backup_id_that_is_a_path_is_refused() {
    let t = TestShop::new("evil-id");
    let backup = t.backup();
    let crafted = t.dir.path().join("crafted.zip");
    craft(&backup.path, &crafted, None, |m| {
        m.backup_id = "../../../../escaped".into()
    });
    let (db, media, around) = (
        dump(&t.db_path()),
        files(&t.media_path()),
        listing(t.dir.path()),
    );
    let dest = listing(&t.dest());
    let restored = restore_by_path(&t, &crafted);
    let imported = ops::import(&t.catalog, &crafted);
    for e in [restored.unwrap_err(), imported.unwrap_err()] {
        assert_eq!(e.kind, ErrorKind::Corrupt, "{}", e.message);
        assert!(e.message.contains("backup id"), "{}", e.message);
    }
    assert_eq!(dump(&t.db_path()), db);
    assert_eq!(files(&t.media_path()), media);
    assert_eq!(listing(t.dir.path()), around);
    assert_eq!(listing(&t.dest()), dest);
    assert_eq!(t.catalog.backups(None).unwrap().len(), 1);
}

/// An archive in a folder every user may change (without the sticky bit, which keeps each
/// to their own files) could be swapped between its check and its use: restoring or
/// importing it from there is refused, saying how to make the folder safe.
#[test]
fn archives_in_a_folder_open_to_all_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestShop::new("open-folder");
    let backup = t.backup();
    let open = t.dir.path().join("shared");
    std::fs::create_dir(&open).unwrap();
    let copy = open.join("copy.zip");
    std::fs::copy(&backup.path, &copy).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let db = dump(&t.db_path());
    let restored = restore_by_path(&t, &copy);
    // Also when given by a link from a folder of one's own.
    let link = t.dir.path().join("link.zip");
    std::os::unix::fs::symlink(&copy, &link).unwrap();
    let fresh = shopsafe_core::Catalog::open(&t.dir.path().join("home2")).unwrap();
    for (e, what) in [
        (restored.unwrap_err(), "restored"),
        (restore_by_path(&t, &link).unwrap_err(), "restored"),
        (ops::import(&fresh, &copy).unwrap_err(), "imported"),
        (ops::import(&fresh, &link).unwrap_err(), "imported"),
        (ops::import(&fresh, &open).unwrap_err(), "imported"),
    ] {
        assert_eq!(e.kind, ErrorKind::InvalidInput, "{}", e.message);
        assert_eq!(
            e.message,
            format!(
                "The folder {} may be changed by every user of this computer, any of whom could swap {} for one of their own before it is {what}; make it writable only by its owner (chmod o-w {}), then try again.",
                open.display(),
                if what == "restored" { "the archive" } else { "an archive" },
                open.display()
            )
        );
    }
    assert_eq!(dump(&t.db_path()), db);
    assert!(fresh.backups(None).unwrap().is_empty());
    // With the sticky bit, as /tmp has, each user may change only their own files.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
    ops::import(&fresh, &open).unwrap();
    assert_eq!(fresh.backups(None).unwrap().len(), 1);
}

#[test]
fn import_twice_adds_nothing_twice_and_rebuilds_a_lost_catalog() {
    let t = TestShop::new("import");
    let a = t.backup();
    let b = t.backup();
    std::fs::write(t.dest().join("not-a-backup.zip"), b"PK junk").unwrap();

    // A brand-new catalog (the laptop was lost) learns both backups from the folder.
    let fresh = shopsafe_core::Catalog::open(&t.dir.path().join("new-home")).unwrap();
    let report = ops::import(&fresh, &t.dest()).unwrap();
    let mut added = report.added.clone();
    added.sort();
    let mut want = vec![a.id.clone(), b.id.clone()];
    want.sort();
    assert_eq!(added, want);
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    let again = ops::import(&fresh, &t.dest()).unwrap();
    assert!(again.added.is_empty());
    assert_eq!(again.known.len(), 2);
    assert_eq!(fresh.backups(None).unwrap().len(), 2);
    let imported = fresh.backup(&a.id).unwrap();
    assert_eq!(imported.sha256, a.sha256);
    assert_eq!(imported.manifest, a.manifest);
    // An imported backup verifies against its recorded checksum.
    ops::verify(&fresh, &a.id, &NoProgress, &CancelToken::new()).unwrap();
}

#[test]
fn archive_with_two_entries_of_one_name_is_refused() {
    let t = TestShop::new("dupes");
    let backup = t.backup();
    let out = t.dir.path().join("dupes.zip");
    {
        let mut zin = zip::ZipArchive::new(std::fs::File::open(&backup.path).unwrap()).unwrap();
        let mut zout = zip::ZipWriter::new(std::fs::File::create(&out).unwrap());
        for i in 0..zin.len() {
            zout.raw_copy_file(zin.by_index_raw(i).unwrap()).unwrap();
        }
        for (name, body) in [("media/dup-a.png", b"first"), ("media/dup-b.png", b"other")] {
            zout.start_file(name, SimpleFileOptions::default()).unwrap();
            zout.write_all(body).unwrap();
        }
        zout.finish().unwrap();
    }
    // Rename the second entry to the first one's name, in its local and central headers.
    let mut bytes = std::fs::read(&out).unwrap();
    let (from, to) = (b"media/dup-b.png", b"media/dup-a.png");
    let mut patched = 0;
    for i in 0..bytes.len() - from.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            patched += 1;
        }
    }
    assert_eq!(
        patched, 2,
        "expected the name in one local and one central header"
    );
    std::fs::write(&out, bytes).unwrap();
    let e = shopsafe_core::archive::Archive::open(&out)
        .err()
        .expect("the archive must be refused");
    assert_eq!(e.kind, ErrorKind::Corrupt, "{}", e.message);
    assert!(e.message.contains("same name"), "{}", e.message);
}

#[test]
fn file_names_with_backslashes_round_trip() {
    let t = TestShop::new("backslash");
    std::fs::write(
        t.media_path().join("odd\\name.png"),
        b"a backslash is a letter on Unix",
    )
    .unwrap();
    let want = files(&t.media_path());
    let backup = t.backup();
    std::fs::remove_file(t.media_path().join("odd\\name.png")).unwrap();
    ops::verify(&t.catalog, &backup.id, &NoProgress, &CancelToken::new()).unwrap();
    let plan = ops::prepare_restore(
        &t.catalog,
        &RestoreOptions {
            backup: backup.id.clone(),
            shop: None,
            force: false,
            pre_backup: false,
        },
    )
    .unwrap();
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(files(&t.media_path()), want);
}

#[test]
fn import_follows_archives_moved_to_another_folder() {
    let t = TestShop::new("moved");
    let b = t.backup();
    let new_home = t.dir.path().join("usb-stick");
    std::fs::create_dir(&new_home).unwrap();
    for f in listing(&t.dest()) {
        std::fs::rename(t.dest().join(&f), new_home.join(&f)).unwrap();
    }
    let e = ops::verify(&t.catalog, &b.id, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(e.message.contains("shopsafe import"), "{}", e.message);
    let report = ops::import(&t.catalog, &new_home).unwrap();
    assert_eq!(report.moved, vec![b.id.clone()]);
    assert!(report.added.is_empty());
    ops::verify(&t.catalog, &b.id, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(
        t.catalog.backup(&b.id).unwrap().path.parent(),
        Some(new_home.as_path())
    );
}

/// `delete` removes the file at a backup's path only if it is that backup: another backup
/// copied over it stays, and an archive that is not there (its disk not mounted) is named as
/// not deleted; only the catalog entry goes.
#[test]
fn delete_removes_only_its_own_archive() {
    let t = TestShop::with_media("delete", 64 << 10);
    let (old, newer, gone, unmounted, plain) =
        (t.backup(), t.backup(), t.backup(), t.backup(), t.backup());
    // A "latest" copy: the newer backup copied over the old one's file.
    std::fs::copy(&newer.path, &old.path).unwrap();
    std::fs::remove_file(&newer.path).unwrap();
    // A restore of the old one says what happened, as verify does.
    let e = ops::prepare_restore(
        &t.catalog,
        &RestoreOptions {
            backup: old.id.clone(),
            shop: None,
            force: true,
            pre_backup: false,
        },
    )
    .unwrap_err();
    assert!(
        e.message
            .contains(&format!("now holds backup {}", newer.id)),
        "{}",
        e.message
    );
    let d = ops::delete(&t.catalog, &old.id).unwrap();
    assert!(!d.archive_deleted);
    assert!(
        d.note
            .as_deref()
            .unwrap()
            .contains(&format!("now holds backup {}", newer.id)),
        "{:?}",
        d.note
    );
    let left = shopsafe_core::archive::Archive::open(&old.path).unwrap();
    assert_eq!(left.manifest.backup_id, newer.id);
    // The checksum file there named the deleted backup's archive: it goes.
    let sidecar = |p: &Path| PathBuf::from(format!("{}.sha256", p.display()));
    assert!(!sidecar(&old.path).exists());

    std::fs::remove_file(&gone.path).unwrap();
    let d = ops::delete(&t.catalog, &gone.id).unwrap();
    assert!(
        d.note.as_deref().unwrap().contains("was already gone"),
        "{:?}",
        d.note
    );
    assert!(!sidecar(&gone.path).exists());

    // The backup disk is not mounted: its folder is not there.
    let moved = t.dir.path().join("disk-elsewhere");
    std::fs::rename(t.dest(), &moved).unwrap();
    let e = ops::verify(&t.catalog, &unmounted.id, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(
        e.message.contains("is not there (a disk not mounted?)"),
        "{}",
        e.message
    );
    let d = ops::delete(&t.catalog, &unmounted.id).unwrap();
    assert!(
        d.note
            .as_deref()
            .unwrap()
            .contains("is not there (a disk not mounted?)"),
        "{:?}",
        d.note
    );
    std::fs::rename(&moved, t.dest()).unwrap();
    assert!(unmounted.path.exists());

    let d = ops::delete(&t.catalog, &plain.id).unwrap();
    assert!(d.archive_deleted && d.note.is_none(), "{:?}", d.note);
    assert!(!plain.path.exists());
    let listed: Vec<String> = t
        .catalog
        .backups(None)
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(listed, vec![newer.id.clone()]);
}

/// Backups are listed under their shop's current name, found by the shop's uid: a rename
/// carries over to its own backups, not to another shop's of the same name, and an archive
/// imported after the rename is listed under the new name.
#[test]
fn backups_follow_their_shop_by_uid_through_a_rename() {
    let t = TestShop::new("alpha");
    let own = t.backup();
    // Another shop named alpha (another computer's), backing up into the same folder.
    let elsewhere = shopsafe_core::Catalog::open(&t.dir.path().join("other-home")).unwrap();
    let twin = ops::add_shop(
        &elsewhere,
        &ops::AddShopOptions {
            name: "alpha".into(),
            db: t.db_path().display().to_string(),
            media: None,
            dest: t.dest(),
            password: None,
        },
    )
    .unwrap();
    let theirs = ops::backup(
        &elsewhere,
        &common::database_only(&twin),
        &NoProgress,
        &CancelToken::new(),
    )
    .unwrap();
    ops::import(&t.catalog, &t.dest()).unwrap();
    ops::edit_shop(
        &t.catalog,
        "alpha",
        &ops::EditShopOptions {
            new_name: Some("main".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(t.catalog.backup(&own.id).unwrap().shop_name, "main");
    assert_eq!(t.catalog.backup(&theirs.id).unwrap().shop_name, "alpha");
    // The catalog entry is lost and the archive imported again: still the shop's.
    t.catalog.delete_backup(&own.id).unwrap();
    ops::import(&t.catalog, &t.dest()).unwrap();
    let listed: Vec<String> = t
        .catalog
        .backups(Some("main"))
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(listed, vec![own.id.clone()]);
}

/// `import` of a folder looks in its subfolders too, and takes `.ZIP` names; a folder with
/// no archive, or whose archives all fail, is an error, not "Imported 0 backups".
#[test]
fn import_searches_subfolders_and_fails_when_nothing_imports() {
    let t = TestShop::with_media("offsite", 64 << 10);
    let (a, b) = (t.backup(), t.backup());
    let offsite = t.dir.path().join("offsite");
    std::fs::create_dir_all(offsite.join("2026/11")).unwrap();
    std::fs::copy(&a.path, offsite.join("2026/11/BACKUP-A.ZIP")).unwrap();
    std::fs::copy(&b.path, offsite.join("b.zip")).unwrap();
    let fresh = shopsafe_core::Catalog::open(&t.dir.path().join("new-home")).unwrap();
    let mut added = ops::import(&fresh, &offsite).unwrap().added;
    added.sort();
    let mut want = vec![a.id.clone(), b.id.clone()];
    want.sort();
    assert_eq!(added, want);

    let empty = t.dir.path().join("empty");
    std::fs::create_dir_all(empty.join("sub")).unwrap();
    let e = ops::import(&fresh, &empty).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{}", e.message);
    assert!(
        e.message.contains("No archives (.zip files)"),
        "{}",
        e.message
    );

    let junk = t.dir.path().join("junk");
    std::fs::create_dir(&junk).unwrap();
    std::fs::write(junk.join("holiday.zip"), b"PK not really").unwrap();
    let e = ops::import(&fresh, &junk).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Corrupt, "{}", e.message);
    assert!(e.message.contains("could not be imported"), "{}", e.message);
}

/// Lists read each backup's facts from a table of their own, not its manifest; a catalog
/// from before that table gets them filled in when it is opened.
#[test]
fn an_older_catalog_gets_its_list_facts_filled_in() {
    let t = TestShop::with_media("facts", 64 << 10);
    let b = t.backup();
    let listed = |c: &shopsafe_core::Catalog| {
        let s = c.backups(None).unwrap().remove(0);
        (s.id, s.facts.tables, s.facts.rows, s.facts.media_files)
    };
    let want = (
        b.id.clone(),
        b.manifest.database.tables.len() as u64,
        b.manifest.total_rows(),
        b.manifest.media.file_count,
    );
    assert_eq!(listed(&t.catalog), want);
    let file = t.catalog.home().join("catalog.sqlite3");
    rusqlite::Connection::open(&file)
        .unwrap()
        .execute_batch("DROP TABLE backup_facts; PRAGMA user_version = 2;")
        .unwrap();
    let reopened = shopsafe_core::Catalog::open(t.catalog.home()).unwrap();
    assert_eq!(listed(&reopened), want);
}
