//! Shared test helpers: a demo shop in a temporary folder, registered in its own catalog, and
//! independent ways to read a database and a media folder for comparison (plain SQL and
//! SHA-256 here, not the engine's fingerprints).
#![allow(dead_code)]

pub mod maria;
pub mod pg;

use rusqlite::types::ValueRef;
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use shopsafe_core::demo::{self, DemoOptions};
use shopsafe_core::manifest::Manifest;
use shopsafe_core::ops::{self, AddShopOptions, BackupOptions};
use shopsafe_core::{BackupRecord, CancelToken, Catalog, NoProgress, Shop};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct TestShop {
    pub dir: tempfile::TempDir,
    pub catalog: Catalog,
    pub shop: Shop,
}

impl TestShop {
    /// A demo shop named `name` with its own catalog.
    pub fn new(name: &str) -> TestShop {
        Self::with_media(name, 2 << 20)
    }

    pub fn with_media(name: &str, media_bytes: u64) -> TestShop {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = DemoOptions::new(dir.path().join("shop"));
        opts.media_bytes = media_bytes;
        demo::create(&opts).unwrap();
        let dest = dir.path().join("backups");
        std::fs::create_dir(&dest).unwrap();
        let catalog = Catalog::open(&dir.path().join("home")).unwrap();
        let shop = ops::add_shop(
            &catalog,
            &AddShopOptions {
                name: name.into(),
                db: self_db(dir.path()).to_string_lossy().into_owned(),
                media: Some(dir.path().join("shop/media")),
                dest,
                password: None,
            },
        )
        .unwrap();
        TestShop { dir, catalog, shop }
    }

    pub fn db_path(&self) -> PathBuf {
        self_db(self.dir.path())
    }

    pub fn media_path(&self) -> PathBuf {
        self.dir.path().join("shop/media")
    }

    pub fn dest(&self) -> PathBuf {
        self.shop.dest.clone()
    }

    pub fn backup(&self) -> BackupRecord {
        self.try_backup().unwrap()
    }

    /// A full backup of the shop, which may fail.
    pub fn try_backup(&self) -> shopsafe_core::Result<BackupRecord> {
        ops::backup(
            &self.catalog,
            &self.backup_options(),
            &NoProgress,
            &CancelToken::new(),
        )
    }

    pub fn backup_options(&self) -> BackupOptions {
        BackupOptions {
            shop: self.shop.clone(),
            name: None,
            include_media: true,
            safety: false,
        }
    }
}

fn self_db(dir: &Path) -> PathBuf {
    dir.join("shop/shop.sqlite3")
}

/// Every schema object and every row of every table, as text, sorted: equal dumps mean equal
/// databases.
pub fn dump(db: &Path) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let conn = Connection::open(db).unwrap();
    let schema: Vec<String> = conn
        .prepare(
            "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut rows = BTreeMap::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut all: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        ValueRef::Null => "NULL".to_string(),
                        ValueRef::Integer(v) => format!("i{v}"),
                        ValueRef::Real(v) => format!("r{v:?}"),
                        ValueRef::Text(v) => format!("t{:?}", String::from_utf8_lossy(v)),
                        ValueRef::Blob(v) => format!("b{v:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        all.sort();
        rows.insert(t, all);
    }
    (schema, rows)
}

/// Relative path → SHA-256 of every file under `root` (symbolic links listed as such).
pub fn files(root: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                walk(&e.path(), &format!("{name}/"), out);
            } else if ft.is_symlink() {
                out.insert(name, "symlink".into());
            } else {
                let bytes = std::fs::read(e.path()).unwrap();
                out.insert(name, format!("{:?}", Sha256::digest(&bytes).as_slice()));
            }
        }
    }
    let mut out = BTreeMap::new();
    if root.exists() {
        walk(root, "", &mut out);
    }
    out
}

/// Names in a folder, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A tmpfs mounted on a new folder, unmounted when dropped. Needs root.
pub struct Mount(pub PathBuf);

impl Mount {
    pub fn tmpfs(at: &Path, options: &str) -> Mount {
        std::fs::create_dir_all(at).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(at)
            .status()
            .expect("running mount");
        assert!(
            status.success(),
            "this test mounts a small tmpfs to fill a disk and needs root: run `make test` as root (CI does)"
        );
        Mount(at.to_path_buf())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// A file made immutable (`chattr +i`), so not even root may rename it: a restore's media
/// swap fails on it. Made mutable again when dropped. Needs root.
pub struct Immutable(pub PathBuf);

impl Immutable {
    pub fn new(file: &Path, content: &[u8]) -> Immutable {
        std::fs::write(file, content).unwrap();
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(file)
            .status()
            .expect("running chattr (package e2fsprogs)");
        assert!(
            status.success(),
            "this test makes a file immutable and needs root: run `make test` as root (CI does)"
        );
        Immutable(file.to_path_buf())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

/// A shop over a server database, registered in a catalog of its own in a temporary
/// folder (with its media folder and backup folder there).
pub struct ServerShop {
    pub dir: tempfile::TempDir,
    pub catalog: Catalog,
    pub shop: Shop,
}

impl ServerShop {
    /// Register another shop over the database at `db` (a URL), without media, backing up
    /// where this one does.
    pub fn add_database_shop(&self, name: &str, db: String) -> Shop {
        ops::add_shop(
            &self.catalog,
            &AddShopOptions {
                name: name.into(),
                db,
                media: None,
                dest: self.shop.dest.clone(),
                password: None,
            },
        )
        .unwrap()
    }

    /// A database-only backup of the shop.
    pub fn try_backup(&self) -> shopsafe_core::Result<BackupRecord> {
        self.try_backup_of(&self.shop)
    }

    /// A database-only backup of `shop`, one of this catalog's.
    pub fn try_backup_of(&self, shop: &Shop) -> shopsafe_core::Result<BackupRecord> {
        ops::backup(
            &self.catalog,
            &database_only(shop),
            &NoProgress,
            &CancelToken::new(),
        )
    }
}

/// Options of a database-only backup of `shop`, as the server-engine tests take them.
pub fn database_only(shop: &Shop) -> BackupOptions {
    BackupOptions {
        shop: shop.clone(),
        name: None,
        include_media: false,
        safety: false,
    }
}

/// A database-only backup of `shop` taken while `writer` (a child process) keeps committing
/// transactions, which `committed` counts: it starts once 200 have committed, and the
/// writer must have gone on committing while it ran. Stops the writer; returns the backup
/// and the count when it started.
pub fn backup_during_writes(
    catalog: &Catalog,
    shop: &Shop,
    mut writer: std::process::Child,
    committed: impl Fn() -> u64,
) -> (BackupRecord, u64) {
    while committed() < 200 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let at_start = committed();
    let backup = ops::backup(
        catalog,
        &database_only(shop),
        &NoProgress,
        &CancelToken::new(),
    );
    let at_end = committed();
    let _ = writer.kill();
    let _ = writer.wait();
    assert!(
        at_end > at_start,
        "the writer must have kept writing during the backup"
    );
    (backup.unwrap(), at_start)
}

/// The plan of a restore of backup `id` into its own shop (forced, without a safety backup).
pub fn plan(catalog: &Catalog, id: &str) -> ops::RestorePlan {
    ops::prepare_restore(
        catalog,
        &ops::RestoreOptions {
            backup: id.to_string(),
            shop: None,
            force: true,
            pre_backup: false,
        },
    )
    .unwrap()
}

/// Restore backup `id` (forced, without a safety backup), cancelling it as `phase` starts:
/// it must end cancelled. Its sentence.
pub fn restore_cancelled_at(catalog: &Catalog, id: &str, phase: shopsafe_core::Phase) -> String {
    let plan = plan(catalog, id);
    let token = CancelToken::new();
    let e = ops::restore(catalog, &plan, &CancelAt(phase, token.clone()), &token).unwrap_err();
    assert_eq!(e.kind, shopsafe_core::ErrorKind::Cancelled, "{}", e.message);
    e.message
}

/// Cancels the job as the given phase starts.
struct CancelAt(shopsafe_core::Phase, CancelToken);

impl shopsafe_core::Progress for CancelAt {
    fn update(&self, u: &shopsafe_core::Update) {
        if u.phase == self.0 {
            self.1.cancel();
        }
    }
}

/// The bytes of entry `name` of the archive at `archive`, read with the zip crate (not
/// ShopSafe's reader).
pub fn archive_entry(archive: &Path, name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut bytes).unwrap();
    bytes
}

/// Copy the archive `from` to `to` with its database dump and manifest changed by `edit`;
/// the manifest's size and SHA-256 of the dump follow the edited dump, so the archive's
/// own checks pass and only what the restore checks beyond them can catch the change.
pub fn rewrite_archive(from: &Path, to: &Path, edit: impl FnOnce(&mut String, &mut Manifest)) {
    let mut manifest = Manifest::from_json(&archive_entry(from, "manifest.json")).unwrap();
    let name = manifest.database.entry.path.clone();
    let mut dump = String::from_utf8(archive_entry(from, &name)).unwrap();
    edit(&mut dump, &mut manifest);
    manifest.database.entry.size = dump.len() as u64;
    manifest.database.entry.sha256 = Sha256::digest(dump.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut zin = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..zin.len() {
        let entry = zin.by_index_raw(i).unwrap();
        let entry_name = entry.name().unwrap().to_string();
        if entry_name != "manifest.json" && entry_name != name {
            zout.raw_copy_file(entry).unwrap();
        }
    }
    let opts = zip::write::SimpleFileOptions::default();
    for (entry, bytes) in [
        (name.as_str(), dump.into_bytes()),
        ("manifest.json", manifest.to_json()),
    ] {
        zout.start_file(entry, opts).unwrap();
        std::io::Write::write_all(&mut zout, &bytes).unwrap();
    }
    zout.finish().unwrap();
}
