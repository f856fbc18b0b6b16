//! Every failure a user can cause gets one clear sentence and leaves everything as it was:
//! the shop's database and media, the destination folder and the catalog.

mod common;

use common::{dump, files, listing, Mount, TestShop};
use shopsafe_core::ops::{self, AddShopOptions, BackupOptions, RestoreOptions};
use shopsafe_core::{CancelToken, Error, ErrorKind, NoProgress};
use std::path::Path;

/// Everything a failed operation must leave as it was.
#[derive(Debug, PartialEq)]
struct State {
    db: (Vec<String>, std::collections::BTreeMap<String, Vec<String>>),
    media: std::collections::BTreeMap<String, String>,
    dest: Vec<String>,
    backups: Vec<String>,
}

fn state(t: &TestShop) -> State {
    State {
        db: dump(&t.db_path()),
        media: files(&t.media_path()),
        dest: listing(&t.dest()),
        backups: t
            .catalog
            .backups(None)
            .unwrap()
            .into_iter()
            .map(|b| b.id)
            .collect(),
    }
}

/// One sentence: starts with a capital, ends with a full stop, no line breaks.
fn assert_sentence(e: &Error, kind: ErrorKind, mentions: &str) {
    assert_eq!(e.kind, kind, "{}", e.message);
    assert!(
        e.message.contains(mentions),
        "{:?} should mention {mentions:?}",
        e.message
    );
    assert!(!e.message.contains('\n'), "{:?}", e.message);
    assert!(e.message.ends_with('.'), "{:?}", e.message);
    assert!(
        e.message.chars().next().unwrap().is_uppercase(),
        "{:?}",
        e.message
    );
}

fn add(
    t: &TestShop,
    name: &str,
    db: &Path,
    media: Option<&Path>,
    dest: &Path,
) -> Result<shopsafe_core::Shop, Error> {
    ops::add_shop(
        &t.catalog,
        &AddShopOptions {
            name: name.into(),
            db: db.to_string_lossy().into_owned(),
            media: media.map(Path::to_path_buf),
            dest: dest.to_path_buf(),
            password: None,
        },
    )
}

fn restore(t: &TestShop, backup: &str, force: bool) -> Result<ops::RestoreReport, Error> {
    let plan = ops::prepare_restore(
        &t.catalog,
        &RestoreOptions {
            backup: backup.into(),
            shop: Some(t.shop.name.clone()),
            force,
            pre_backup: true,
        },
    )?;
    ops::restore(&t.catalog, &plan, &NoProgress, &CancelToken::new())
}

#[test]
fn missing_or_non_sqlite_database_is_refused() {
    let t = TestShop::new("db");
    let d = t.dir.path();
    let e = add(&t, "x", &d.join("nope.sqlite3"), None, &t.dest()).unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "does not exist");
    std::fs::write(d.join("notes.txt"), "just some text, not a database").unwrap();
    let e = add(&t, "x", &d.join("notes.txt"), None, &t.dest()).unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "is not an SQLite database");
    assert_eq!(t.catalog.shops().unwrap().len(), 1);

    // The database disappears after registration: the backup refuses and writes nothing.
    let before = listing(&t.dest());
    std::fs::rename(t.db_path(), d.join("moved.sqlite3")).unwrap();
    let e = t.try_backup().unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "does not exist");
    assert_eq!(listing(&t.dest()), before);
    assert!(t.catalog.backups(None).unwrap().is_empty());
}

#[test]
fn missing_media_folder_is_refused() {
    let t = TestShop::new("media");
    let e = add(
        &t,
        "x",
        &t.db_path(),
        Some(&t.dir.path().join("no-media")),
        &t.dest(),
    )
    .unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "without a media folder");
    std::fs::rename(t.media_path(), t.dir.path().join("elsewhere")).unwrap();
    let e = t.try_backup().unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "--no-media");
    assert!(listing(&t.dest()).is_empty());
}

/// A backup folder inside the media folder (or the media folder itself, or reached through
/// a link) is refused when the shop is added or edited, and by a backup and a restore of a
/// shop registered that way before: each backup would carry the earlier ones as media, and
/// a restore, which replaces the media folder, would delete every backup.
#[test]
fn backup_folder_inside_the_media_folder_is_refused() {
    let t = TestShop::new("apart");
    let inside = t.media_path().join("backups");
    std::fs::create_dir(&inside).unwrap();
    let link = t.dir.path().join("link-to-media");
    std::os::unix::fs::symlink(t.media_path(), &link).unwrap();
    for dest in [inside.clone(), t.media_path(), link.join("backups")] {
        let e = add(&t, "x", &t.db_path(), Some(&t.media_path()), &dest).unwrap_err();
        assert_sentence(&e, ErrorKind::InvalidInput, "is inside the media folder");
    }
    let e = ops::edit_shop(
        &t.catalog,
        "apart",
        &ops::EditShopOptions {
            dest: Some(inside.clone()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "shop edit apart --dest");
    assert_eq!(t.catalog.shops().unwrap(), std::slice::from_ref(&t.shop));

    // A shop registered so before: no backup, and no restore, which would delete them.
    let backup = t.backup();
    let mut shop = t.shop.clone();
    shop.dest = inside.clone();
    t.catalog.update_shop("apart", &shop).unwrap();
    let before = state(&t);
    let e = ops::backup(
        &t.catalog,
        &BackupOptions {
            shop: shop.clone(),
            ..t.backup_options()
        },
        &NoProgress,
        &CancelToken::new(),
    )
    .unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "is inside the media folder");
    let e = restore(&t, &backup.id, false).unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "is inside the media folder");
    assert_eq!(state(&t), before);
    assert!(listing(&inside).is_empty());
}

#[test]
fn missing_or_unwritable_destination_is_refused() {
    let t = TestShop::new("dest");
    let e = add(
        &t,
        "x",
        &t.db_path(),
        None,
        &t.dir.path().join("no-such-dir"),
    )
    .unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "does not exist");

    // The destination goes away after registration.
    let mut opts = t.backup_options();
    opts.shop.dest = t.dir.path().join("gone");
    let before = state(&t);
    let e = ops::backup(&t.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "does not exist");

    // A read-only destination (a read-only mount: permissions do not stop root).
    let ro = t.dir.path().join("readonly");
    let _mount = Mount::tmpfs(&ro, "ro,size=1m");
    opts.shop.dest = ro.clone();
    let e = ops::backup(&t.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap_err();
    assert_sentence(&e, ErrorKind::Io, "read-only");
    assert_eq!(state(&t), before);

    // A folder every user may change (without the sticky bit, which keeps each user to
    // their own files): anyone could swap a backup, or a file a job makes there and opens
    // again by name, for their own. Backups and restores refuse it.
    let open = t.dir.path().join("open-to-all");
    std::fs::create_dir(&open).unwrap();
    let set = |mode: u32| {
        std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap()
    };
    set(0o777);
    opts.shop.dest = open.clone();
    let e = ops::backup(&t.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap_err();
    assert_sentence(
        &e,
        ErrorKind::InvalidInput,
        "may be changed by every user of this computer, any of whom could swap a backup",
    );
    assert_eq!(std::fs::read_dir(&open).unwrap().count(), 0);
    let backup = t.backup();
    t.catalog.update_shop(&t.shop.name, &opts.shop).unwrap();
    let e = restore(&t, &backup.id, true).unwrap_err();
    assert_sentence(&e, ErrorKind::InvalidInput, "chmod o-w");
    set(0o1777);
    ops::backup(&t.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap();
}

#[test]
fn full_disk_during_backup_leaves_no_partial_file() {
    let t = TestShop::with_media("full", 6 << 20);
    let small = t.dir.path().join("small-disk");
    let _mount = Mount::tmpfs(&small, "size=3m");
    let mut opts = t.backup_options();
    opts.shop.dest = small.clone();
    let before = state(&t);
    let e = ops::backup(&t.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap_err();
    assert_sentence(&e, ErrorKind::Io, "disk is full");
    assert!(
        listing(&small).is_empty(),
        "left on the full disk: {:?}",
        listing(&small)
    );
    assert_eq!(state(&t), before);
    let log = t.catalog.log_entries(1).unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].outcome.as_str()),
        ("backup", "failed")
    );
}

#[test]
fn unknown_backup_id_is_not_found() {
    let t = TestShop::new("ids");
    let e = ops::verify(
        &t.catalog,
        "20990101-000000-0000",
        &NoProgress,
        &CancelToken::new(),
    )
    .unwrap_err();
    assert_sentence(&e, ErrorKind::NotFound, "20990101-000000-0000");
    let e = restore(&t, "20990101-000000-0000", false).unwrap_err();
    assert_sentence(&e, ErrorKind::NotFound, "shopsafe list");
    let e = ops::delete(&t.catalog, "nope").unwrap_err();
    assert_sentence(&e, ErrorKind::NotFound, "nope");
}

#[test]
fn missing_archive_is_reported_and_nothing_changes() {
    let t = TestShop::new("missing");
    let b = t.backup();
    std::fs::remove_file(&b.path).unwrap();
    let before = state(&t);
    let e = ops::verify(&t.catalog, &b.id, &NoProgress, &CancelToken::new()).unwrap_err();
    assert_sentence(&e, ErrorKind::NotFound, "is missing");
    let e = restore(&t, &b.id, false).unwrap_err();
    assert_sentence(&e, ErrorKind::NotFound, "is missing");
    assert_eq!(state(&t), before);
}

#[test]
fn truncated_archive_is_refused_and_nothing_changes() {
    let t = TestShop::new("truncated");
    let b = t.backup();
    let len = std::fs::metadata(&b.path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&b.path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let before = state(&t);
    let e = ops::verify(&t.catalog, &b.id, &NoProgress, &CancelToken::new()).unwrap_err();
    assert_sentence(&e, ErrorKind::Corrupt, "truncated");
    let e = restore(&t, &b.id, false).unwrap_err();
    assert_sentence(&e, ErrorKind::Corrupt, "truncated");
    assert_eq!(state(&t), before);
    assert_eq!(t.catalog.backup(&b.id).unwrap().verified_ok, Some(false));
}

#[test]
fn flipped_byte_is_reported_with_its_entry_and_restore_refuses() {
    let t = TestShop::new("flipped");
    let b = t.backup();
    let victim = format!("media/{}", b.manifest.media.files[7].path);
    let offset = {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&b.path).unwrap()).unwrap();
        let entry = zip.by_name(&victim).unwrap();
        entry.data_start().unwrap() + entry.compressed_size() / 2
    };
    let mut bytes = std::fs::read(&b.path).unwrap();
    bytes[offset as usize] ^= 0x01;
    std::fs::write(&b.path, bytes).unwrap();

    let e = ops::verify(&t.catalog, &b.id, &NoProgress, &CancelToken::new()).unwrap_err();
    assert_sentence(&e, ErrorKind::Corrupt, &victim);
    // Change the shop, so a wrongly applied restore would show.
    std::fs::write(t.media_path().join("after.txt"), "new").unwrap();
    let before = state(&t);
    let e = restore(&t, &b.id, false).unwrap_err();
    assert_sentence(&e, ErrorKind::Corrupt, &victim);
    assert_eq!(state(&t), before);
    assert!(!listing(&t.dir.path().join("shop"))
        .iter()
        .any(|n| n.contains("shopsafe")));
}

#[test]
fn backup_of_another_shop_needs_force_and_names_both() {
    let a = TestShop::new("alpha");
    let b = a.backup();
    // A second shop in the same catalog, with its own database and media.
    let other = a.dir.path().join("beta");
    shopsafe_core::demo::create(&shopsafe_core::demo::DemoOptions::new(&other)).unwrap();
    rusqlite::Connection::open(other.join("shop.sqlite3"))
        .unwrap()
        .execute("DELETE FROM cms_page", [])
        .unwrap();
    add(
        &a,
        "beta",
        &other.join("shop.sqlite3"),
        Some(&other.join("media")),
        &a.dest(),
    )
    .unwrap();
    let before = dump(&other.join("shop.sqlite3"));
    let opts = RestoreOptions {
        backup: b.id.clone(),
        shop: Some("beta".into()),
        force: false,
        pre_backup: true,
    };
    let e = ops::prepare_restore(&a.catalog, &opts).unwrap_err();
    assert_sentence(&e, ErrorKind::Conflict, "--force");
    assert!(
        e.message.contains("alpha") && e.message.contains("beta"),
        "{}",
        e.message
    );
    assert_eq!(dump(&other.join("shop.sqlite3")), before);

    let plan = ops::prepare_restore(
        &a.catalog,
        &RestoreOptions {
            force: true,
            ..opts
        },
    )
    .unwrap();
    assert!(plan
        .other_shop
        .as_deref()
        .unwrap()
        .contains("from shop alpha, not from shop beta"));
    ops::restore(&a.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(dump(&other.join("shop.sqlite3")), dump(&a.db_path()));

    // A shop removed and added again under its name is another shop: said so, not "from
    // shop alpha, not from shop alpha".
    ops::remove_shop(&a.catalog, "alpha").unwrap();
    add(&a, "alpha", &a.db_path(), Some(&a.media_path()), &a.dest()).unwrap();
    let e = ops::prepare_restore(
        &a.catalog,
        &RestoreOptions {
            backup: b.id.clone(),
            shop: None,
            force: false,
            pre_backup: true,
        },
    )
    .unwrap_err();
    assert_sentence(&e, ErrorKind::Conflict, "--force");
    assert!(
        e.message
            .contains("another shop also named alpha (one removed and added again since"),
        "{}",
        e.message
    );
}

#[test]
fn a_damaged_catalog_is_named_with_the_way_back() {
    let t = TestShop::new("damaged-catalog");
    t.backup();
    t.backup();
    let home = t.dir.path().join("other-home");
    {
        let catalog = shopsafe_core::Catalog::open(&home).unwrap();
        assert_eq!(ops::import(&catalog, &t.dest()).unwrap().added.len(), 2);
    }
    let file = home.join("catalog.sqlite3");
    let len = std::fs::metadata(&file).unwrap().len();
    let truncated = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    truncated.set_len(len / 2).unwrap();
    drop(truncated);
    let garbage = home.join("garbage");
    std::fs::create_dir(&garbage).unwrap();
    std::fs::write(
        garbage.join("catalog.sqlite3"),
        b"garbage, not SQLite at all",
    )
    .unwrap();
    // Emptied (a crash on a full disk): not taken for a new catalog.
    let emptied = home.join("emptied");
    std::fs::create_dir(&emptied).unwrap();
    std::fs::write(emptied.join("catalog.sqlite3"), b"").unwrap();
    for home in [&home, &garbage, &emptied] {
        let e = shopsafe_core::Catalog::open(home).err().unwrap();
        assert_sentence(&e, ErrorKind::Database, "shopsafe import");
        assert!(
            e.message.starts_with(&format!(
                "ShopSafe's catalog {} is damaged",
                home.join("catalog.sqlite3").display()
            )),
            "{}",
            e.message
        );
    }
}

#[test]
fn full_media_disk_during_restore_says_what_room_it_needs_and_changes_nothing() {
    let t = TestShop::with_media("full-restore", 3 << 20);
    // The media live on a small disk that holds them once, not twice.
    let disk = t.dir.path().join("small-disk");
    let _mount = Mount::tmpfs(&disk, "size=5m");
    let media = disk.join("media");
    for (rel, _) in files(&t.media_path()) {
        let to = media.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(t.media_path().join(&rel), to).unwrap();
    }
    let shop = ops::edit_shop(
        &t.catalog,
        &t.shop.name,
        &ops::EditShopOptions {
            media: Some(Some(media.clone())),
            ..Default::default()
        },
    )
    .unwrap();
    let b = ops::backup(
        &t.catalog,
        &BackupOptions {
            shop,
            ..t.backup_options()
        },
        &NoProgress,
        &CancelToken::new(),
    )
    .unwrap();
    let before = (dump(&t.db_path()), files(&media));
    let e = restore(&t, &b.id, false).unwrap_err();
    assert_sentence(&e, ErrorKind::Io, "needs that much free space there");
    assert!(e.message.contains("the disk is full"), "{}", e.message);
    assert_eq!((dump(&t.db_path()), files(&media)), before);
    assert_eq!(listing(&disk), ["media"], "the staging was left behind");
}

/// A shop whose SQLite database sits on a read-only mount (a snapshot of the site, say): it
/// is backed up as any other, and a restore into it is refused before anything is done,
/// naming the mount rather than the user's rights (root's are not what stops it).
#[test]
fn sqlite_database_on_a_read_only_mount_is_backed_up_and_a_restore_names_the_mount() {
    let t = TestShop::new("romount");
    let disk = t.dir.path().join("ro-disk");
    let _mount = Mount::tmpfs(&disk, "size=16m");
    let db = disk.join("shop.sqlite3");
    std::fs::copy(t.db_path(), &db).unwrap();
    let remounted = std::process::Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&disk)
        .status()
        .unwrap();
    assert!(remounted.success(), "remounting the tmpfs read-only");
    let mut shop = t.shop.clone();
    shop.db_url = format!("sqlite://{}", db.display());
    shop.media = None;
    t.catalog.update_shop(&t.shop.name, &shop).unwrap();
    let backup = ops::backup(
        &t.catalog,
        &common::database_only(&shop),
        &NoProgress,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(
        std::fs::read_dir(&disk).unwrap().count(),
        1,
        "nothing beside the database"
    );
    let e = restore(&t, &backup.id, true).unwrap_err();
    assert_sentence(
        &e,
        ErrorKind::Io,
        "is mounted read-only, and a restore must write there",
    );
    assert!(e.message.contains("nothing was changed"), "{}", e.message);
}
