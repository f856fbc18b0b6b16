//! The local catalog: registered shops, every backup, and the audit log, in one SQLite file.
//!
//! The schema is versioned with `PRAGMA user_version` and migrated forward on open. The file
//! is opened in WAL mode with a busy timeout, so the CLI and the desktop app can use it at the
//! same time. It never stores a password, only which store holds it (see [`crate::secrets`]). It can be rebuilt from the archives alone with
//! [`crate::ops::import`], so losing it never means losing backups.

use crate::manifest::{BackupKind, Manifest};
use crate::secrets::PasswordStore;
use crate::{Error, ErrorKind, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Each entry moves the schema one version forward; never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: shops, backups, audit log.
    "CREATE TABLE shops (
        name TEXT PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        db_url TEXT NOT NULL,
        media TEXT,
        dest TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE backups (
        id TEXT PRIMARY KEY,
        shop_name TEXT NOT NULL,
        shop_uid TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT,
        created TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        verified_at TEXT,
        verified_ok INTEGER,
        manifest TEXT NOT NULL
    );
    CREATE INDEX backups_by_shop ON backups (shop_name, created);
    CREATE TABLE log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        action TEXT NOT NULL,
        shop TEXT,
        backup_id TEXT,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL
    );",
    // 2: which store holds a shop's database password (never the password itself).
    "ALTER TABLE shops ADD COLUMN password_store TEXT NOT NULL DEFAULT 'none';",
    // 3: the facts lists show, so listing reads no manifest (a table of their own: a
    // column after the manifest would be read past it). Filled in for older rows by
    // `Catalog::fill_facts`.
    "CREATE TABLE backup_facts (id TEXT PRIMARY KEY, facts TEXT NOT NULL);",
];

/// A registered shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shop {
    pub name: String,
    pub uid: String,
    /// Database URL without any password.
    pub db_url: String,
    pub media: Option<PathBuf>,
    pub dest: PathBuf,
    pub created: String,
    /// Where the database password is kept (see [`crate::secrets`]); never the password.
    pub password_store: PasswordStore,
}

/// A backup the catalog knows.
#[derive(Debug, Clone, Serialize)]
pub struct BackupRecord {
    pub id: String,
    pub shop_name: String,
    pub shop_uid: String,
    pub kind: BackupKind,
    pub name: Option<String>,
    pub created: String,
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
    pub verified_at: Option<String>,
    pub verified_ok: Option<bool>,
    pub manifest: Manifest,
}

/// One line of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub time: String,
    pub action: String,
    pub shop: Option<String>,
    pub backup_id: Option<String>,
    pub outcome: String,
    pub detail: String,
}

pub struct Catalog {
    conn: Connection,
    home: PathBuf,
}

/// The default home: the OS data folder (e.g. `~/.local/share/shopsafe` on Linux).
pub fn default_home() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "ShopSafe")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::invalid(
                "Could not find a data folder for this user; pass --home or set SHOPSAFE_HOME.",
            )
        })
}

/// Shop names are for people ("Anna's Shoes"): 1 to 64 characters, no control characters
/// or path separators, no space at either end. File names use [`file_part`] of them.
pub fn check_shop_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && !name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
        && name.trim() == name;
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "The shop name {name:?} cannot be used; use 1 to 64 characters without slashes or line breaks."
        )))
    }
}

/// A shop name as it appears in archive file names: ASCII letters, digits, `-`, `_` and `.`
/// kept, every other character a `-`, never starting with `.`.
pub fn file_part(name: &str) -> String {
    let part: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    match part.strip_prefix('.') {
        Some(rest) => format!("-{rest}"),
        None => part,
    }
}

/// A damaged catalog file (a disk fault, a truncated copy) is said to be one, naming the
/// file and the way back, rather than as a database error an owner would take for the
/// shop's own database.
fn check_whole(conn: &Connection, path: &Path) -> Result<()> {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match conn.query_row("PRAGMA quick_check(1)", [], |r| r.get::<_, String>(0)) {
        Ok(ok) if ok == "ok" => Ok(()),
        Ok(problem) => Err(damaged(path, &problem)),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, DatabaseCorrupt | NotADatabase) =>
        {
            Err(damaged(path, &e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The catalog file at `path` is damaged, and `why`.
fn damaged(path: &Path, why: &str) -> Error {
    Error::new(
        ErrorKind::Database,
        format!(
            "ShopSafe's catalog {} is damaged ({why}); move it aside (ShopSafe then starts a new one), run `shopsafe import` on your backup folders to list your backups again, and register your shops again with `shopsafe shop add`.",
            path.display()
        ),
    )
}

impl Catalog {
    /// Open (creating if needed) the catalog in `home`.
    pub fn open(home: &Path) -> Result<Catalog> {
        // Refused before it is made (or tightened): a home others could change may already
        // have been changed.
        crate::paths::refuse_open_to_all(
            home,
            "swap ShopSafe's catalog for one that points your shops at servers of their own, to catch their passwords",
            true,
        )?;
        crate::paths::create_private_dir(home)?;
        let path = home.join("catalog.sqlite3");
        // An emptied file (a crash on a full disk) would open as a new, empty catalog: every
        // shop and backup gone from view without a word. (A catalog whose writes are still
        // in its WAL file may be empty itself.)
        let empty = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.len() == 0);
        let wal = home.join("catalog.sqlite3-wal");
        if empty(&path) && (empty(&wal) || !wal.exists()) {
            return Err(damaged(&path, "the file is empty"));
        }
        let conn = Connection::open(&path).map_err(|e| {
            Error::new(
                ErrorKind::Database,
                format!("Could not open the catalog {}: {e}.", path.display()),
            )
        })?;
        // It names the shops' servers, logins and files: no one else's to read. (Best
        // effort: a catalog another user made stays theirs.)
        let _ = crate::paths::make_private(&path);
        conn.busy_timeout(Duration::from_secs(30))?;
        check_whole(&conn, &path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut catalog = Catalog {
            conn,
            home: home.to_path_buf(),
        };
        catalog.migrate()?;
        Ok(catalog)
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let version = version.max(0) as usize;
        if version > MIGRATIONS.len() {
            return Err(Error::invalid(format!(
                "The catalog in {} was made by a newer ShopSafe (schema {version}); update ShopSafe.",
                self.home.display()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        self.fill_facts()
    }

    /// Give rows recorded before version 3 their list facts, once.
    fn fill_facts(&self) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM backups WHERE id NOT IN (SELECT id FROM backup_facts)")?;
        let ids: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        // One manifest at a time (they can be large); another process may be doing the same.
        for id in ids {
            let manifest: Option<String> = self
                .conn
                .query_row("SELECT manifest FROM backups WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })
                .optional()?;
            // A damaged entry stays without facts; reading it says so. (One deleted
            // meanwhile needs none.)
            if let Some(m) = manifest.and_then(|m| Manifest::from_json(m.as_bytes()).ok()) {
                self.conn.execute(
                    "INSERT OR IGNORE INTO backup_facts (id, facts) VALUES (?1, ?2)",
                    params![id, Facts::of(&m).json()],
                )?;
            }
        }
        Ok(())
    }

    // ---- shops

    pub fn add_shop(&self, shop: &Shop) -> Result<()> {
        check_shop_name(&shop.name)?;
        if self.find_shop(&shop.name)?.is_some() {
            return Err(Error::invalid(format!(
                "A shop named {} is already registered; pick another name or remove it first.",
                shop.name
            )));
        }
        self.conn.execute(
            "INSERT INTO shops (name, uid, db_url, media, dest, created, password_store) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                shop.name,
                shop.uid,
                shop.db_url,
                shop.media.as_ref().map(|p| p.to_string_lossy().into_owned()),
                shop.dest.to_string_lossy(),
                shop.created,
                shop.password_store.as_str()
            ],
        )?;
        Ok(())
    }

    /// Replace the stored shop `old_name` (matched with its uid) by `shop`, in one
    /// transaction; a new name is carried over to the shop's backups (by its uid: another
    /// shop's of the same name keep theirs), so they stay listed.
    pub fn update_shop(&self, old_name: &str, shop: &Shop) -> Result<()> {
        check_shop_name(&shop.name)?;
        let tx = self.conn.unchecked_transaction()?;
        if shop.name != old_name {
            let taken = tx
                .query_row("SELECT 1 FROM shops WHERE name = ?1", [&shop.name], |_| {
                    Ok(())
                })
                .optional()?
                .is_some();
            if taken {
                return Err(Error::invalid(format!(
                    "A shop named {} is already registered; pick another name.",
                    shop.name
                )));
            }
        }
        let n = tx.execute(
            "UPDATE shops SET name = ?3, db_url = ?4, media = ?5, dest = ?6, password_store = ?7
             WHERE name = ?1 AND uid = ?2",
            params![
                old_name,
                shop.uid,
                shop.name,
                shop.db_url,
                shop.media
                    .as_ref()
                    .map(|p| p.to_string_lossy().into_owned()),
                shop.dest.to_string_lossy(),
                shop.password_store.as_str()
            ],
        )?;
        if n == 0 {
            return Err(Error::not_found(format!(
                "No shop named {old_name} is registered."
            )));
        }
        tx.execute(
            "UPDATE backups SET shop_name = ?1 WHERE shop_uid = ?2",
            params![shop.name, shop.uid],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn shops(&self) -> Result<Vec<Shop>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, uid, db_url, media, dest, created, password_store FROM shops ORDER BY name")?;
        let shops = stmt
            .query_map([], shop_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(shops)
    }

    pub fn find_shop(&self, name: &str) -> Result<Option<Shop>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, uid, db_url, media, dest, created, password_store FROM shops WHERE name = ?1",
                [name],
                shop_from_row,
            )
            .optional()?)
    }

    /// The shop named, or the only registered shop when no name is given.
    pub fn resolve_shop(&self, name: Option<&str>) -> Result<Shop> {
        match name {
            Some(n) => self.find_shop(n)?.ok_or_else(|| {
                Error::not_found(format!(
                    "No shop named {n} is registered; see `shopsafe shop list`, or add it with `shopsafe shop add`."
                ))
            }),
            None => {
                let mut shops = self.shops()?;
                match shops.len() {
                    0 => Err(Error::not_found(
                        "No shop is registered yet; add one with `shopsafe shop add NAME --db PATH --dest DIR`.",
                    )),
                    1 => Ok(shops.remove(0)),
                    _ => Err(Error::invalid(format!(
                        "Several shops are registered ({}); say which with --shop NAME.",
                        shops.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                    ))),
                }
            }
        }
    }

    pub fn remove_shop(&self, name: &str) -> Result<()> {
        let n = self
            .conn
            .execute("DELETE FROM shops WHERE name = ?1", [name])?;
        if n == 0 {
            return Err(Error::not_found(format!(
                "No shop named {name} is registered."
            )));
        }
        Ok(())
    }

    // ---- backups

    /// Record a backup, under the current name of its shop if that is registered (an
    /// archive imported after a rename carries the old one).
    pub fn insert_backup(&self, b: &BackupRecord) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO backups (id, shop_name, shop_uid, kind, name, created, path, size, sha256, verified_at, verified_ok, manifest)
             VALUES (?1, COALESCE((SELECT name FROM shops WHERE uid = ?3), ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                b.id,
                b.shop_name,
                b.shop_uid,
                b.kind.as_str(),
                b.name,
                b.created,
                b.path.to_string_lossy(),
                b.size as i64,
                b.sha256,
                b.verified_at,
                b.verified_ok,
                String::from_utf8(b.manifest.to_json()).expect("JSON is UTF-8"),
            ],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO backup_facts (id, facts) VALUES (?1, ?2)",
            params![b.id, Facts::of(&b.manifest).json()],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn has_backup(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM backups WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Backups, newest first; of one shop if named (a name that is no shop's and that no
    /// backup carries, a typo most likely, is not found). Their list facts only: the
    /// manifests (one line per media file) are not read.
    pub fn backups(&self, shop: Option<&str>) -> Result<Vec<BackupSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT b.id, b.shop_name, b.kind, b.name, b.created, b.path, b.size, b.sha256, b.verified_at, b.verified_ok, f.facts
             FROM backups b LEFT JOIN backup_facts f ON f.id = b.id
             WHERE ?1 IS NULL OR b.shop_name = ?1 ORDER BY b.created DESC, b.rowid DESC",
        )?;
        let rows = stmt.query_map([shop], |r| {
            let id: String = r.get(0)?;
            let kind: String = r.get(2)?;
            let facts = r
                .get::<_, Option<String>>(10)?
                .and_then(|f| serde_json::from_str::<Facts>(&f).ok());
            let Some(facts) = facts else {
                return Ok(Err(Error::corrupt(format!(
                    "The catalog holds a damaged entry for backup {id}; delete it, or run `shopsafe import` on its folder."
                ))));
            };
            let path = PathBuf::from(r.get::<_, String>(5)?);
            Ok(Ok(BackupSummary {
                id,
                shop: r.get(1)?,
                kind: BackupKind::parse(&kind).unwrap_or(BackupKind::Full),
                name: r.get(3)?,
                created: r.get(4)?,
                archive_found: path.is_file(),
                path,
                size: r.get::<_, i64>(6)? as u64,
                sha256: r.get(7)?,
                facts,
                verified_at: r.get(8)?,
                verified_ok: r.get(9)?,
            }))
        })?;
        let list: Vec<BackupSummary> = rows.map(|r| r?).collect::<Result<_>>()?;
        if let Some(name) = shop.filter(|_| list.is_empty()) {
            self.resolve_shop(Some(name))?;
        }
        Ok(list)
    }

    /// The backup with this id, or the only one whose id starts with it.
    pub fn backup(&self, id: &str) -> Result<BackupRecord> {
        let mut stmt = self.conn.prepare(
            "SELECT id, shop_name, shop_uid, kind, name, created, path, size, sha256, verified_at, verified_ok, manifest
             FROM backups WHERE id = ?1 OR substr(id, 1, length(?1)) = ?1 ORDER BY id = ?1 DESC LIMIT 2",
        )?;
        let mut found = stmt
            .query_map([id], backup_from_row)?
            .map(|r| r?)
            .collect::<Result<Vec<_>>>()?;
        match found.len() {
            // (`restore` takes an archive's path as well; the others take ids.)
            0 if id.contains('/') || id.ends_with(".zip") => Err(Error::not_found(format!(
                "{id} is not a backup id in the catalog; to use an archive file, add it to the catalog first with `shopsafe import {id}` (restore also takes its path)."
            ))),
            0 => Err(Error::not_found(format!(
                "No backup with id {id} is in the catalog; see `shopsafe list`."
            ))),
            1 => Ok(found.remove(0)),
            _ if found[0].id == id => Ok(found.remove(0)),
            _ => Err(Error::invalid(format!(
                "More than one backup id starts with {id}; give more of the id."
            ))),
        }
    }

    /// Record that a backup's archive now lives at `path`.
    pub fn set_backup_path(&self, id: &str, path: &Path) -> Result<()> {
        self.conn.execute(
            "UPDATE backups SET path = ?2 WHERE id = ?1",
            params![id, path.to_string_lossy()],
        )?;
        Ok(())
    }

    pub fn delete_backup(&self, id: &str) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM backups WHERE id = ?1", [id])?;
        tx.execute("DELETE FROM backup_facts WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    }

    pub fn mark_verified(&self, id: &str, at: &str, ok: bool) -> Result<()> {
        self.conn.execute(
            "UPDATE backups SET verified_at = ?2, verified_ok = ?3 WHERE id = ?1",
            params![id, at, ok],
        )?;
        Ok(())
    }

    // ---- audit log

    pub fn log(
        &self,
        action: &str,
        shop: Option<&str>,
        backup_id: Option<&str>,
        outcome: &Result<String>,
    ) {
        let (outcome, detail) = match outcome {
            Ok(d) => ("ok", d.clone()),
            Err(e) if e.kind == ErrorKind::Cancelled => ("cancelled", e.message.clone()),
            Err(e) => ("failed", e.message.clone()),
        };
        // The log must never turn a success into a failure; a lost log line is the lesser harm.
        let _ = self.conn.execute(
            "INSERT INTO log (time, action, shop, backup_id, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![crate::clock::rfc3339(crate::clock::now_secs()), action, shop, backup_id, outcome, detail],
        );
    }

    /// The newest log entry of `action` for the shop named `shop`, if any.
    pub fn last_logged(&self, action: &str, shop: &str) -> Result<Option<LogEntry>> {
        let sql = format!("{LOG_SELECT} WHERE action = ?1 AND shop = ?2 ORDER BY id DESC LIMIT 1");
        Ok(self
            .conn
            .query_row(&sql, params![action, shop], log_from_row)
            .optional()?)
    }

    /// The newest `limit` log entries, newest first.
    pub fn log_entries(&self, limit: u32) -> Result<Vec<LogEntry>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{LOG_SELECT} ORDER BY id DESC LIMIT ?1"))?;
        let rows = stmt.query_map([limit], log_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The columns [`log_from_row`] reads.
const LOG_SELECT: &str = "SELECT time, action, shop, backup_id, outcome, detail FROM log";

fn log_from_row(r: &Row) -> rusqlite::Result<LogEntry> {
    Ok(LogEntry {
        time: r.get(0)?,
        action: r.get(1)?,
        shop: r.get(2)?,
        backup_id: r.get(3)?,
        outcome: r.get(4)?,
        detail: r.get(5)?,
    })
}

fn shop_from_row(r: &Row) -> rusqlite::Result<Shop> {
    Ok(Shop {
        name: r.get(0)?,
        uid: r.get(1)?,
        db_url: r.get(2)?,
        media: r.get::<_, Option<String>>(3)?.map(PathBuf::from),
        dest: PathBuf::from(r.get::<_, String>(4)?),
        created: r.get(5)?,
        password_store: PasswordStore::parse(&r.get::<_, String>(6)?),
    })
}

fn backup_from_row(r: &Row) -> rusqlite::Result<Result<BackupRecord>> {
    let kind: String = r.get(3)?;
    let manifest: String = r.get(11)?;
    let manifest = match Manifest::from_json(manifest.as_bytes()) {
        Ok(m) => m,
        Err(e) => return Ok(Err(e.context("The catalog holds a damaged entry"))),
    };
    Ok(Ok(BackupRecord {
        id: r.get(0)?,
        shop_name: r.get(1)?,
        shop_uid: r.get(2)?,
        kind: BackupKind::parse(&kind).unwrap_or(BackupKind::Full),
        name: r.get(4)?,
        created: r.get(5)?,
        path: PathBuf::from(r.get::<_, String>(6)?),
        size: r.get::<_, i64>(7)? as u64,
        sha256: r.get(8)?,
        verified_at: r.get(9)?,
        verified_ok: r.get(10)?,
        manifest,
    }))
}

/// The few facts about a backup that lists show.
#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    pub id: String,
    pub shop: String,
    pub kind: BackupKind,
    pub name: Option<String>,
    pub created: String,
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
    #[serde(flatten)]
    pub facts: Facts,
    pub verified_at: Option<String>,
    pub verified_ok: Option<bool>,
    /// Whether the archive file is where the catalog says, as the list was read (it may
    /// have been moved or deleted, or be on a disk that is not mounted).
    pub archive_found: bool,
}

/// What a list shows of a backup's manifest, kept beside it in the catalog.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Facts {
    pub engine: String,
    pub tables: u64,
    pub rows: u64,
    pub media_files: u64,
    pub media_bytes: u64,
    /// False for a database-only backup.
    pub media_included: bool,
    /// What the media folder held that was not saved (links, unreadable names), with why.
    pub media_skipped: Vec<String>,
}

impl Facts {
    fn of(m: &Manifest) -> Facts {
        Facts {
            engine: m.database.engine.clone(),
            tables: m.database.tables.len() as u64,
            rows: m.total_rows(),
            media_files: m.media.file_count,
            media_bytes: m.media.total_bytes,
            media_included: m.media.included,
            media_skipped: m.media.skipped.clone(),
        }
    }

    fn json(&self) -> String {
        serde_json::to_string(self).expect("facts always serialize")
    }
}

impl BackupRecord {
    pub fn summary(&self) -> BackupSummary {
        BackupSummary {
            id: self.id.clone(),
            shop: self.shop_name.clone(),
            kind: self.kind,
            name: self.name.clone(),
            created: self.created.clone(),
            path: self.path.clone(),
            size: self.size,
            sha256: self.sha256.clone(),
            facts: Facts::of(&self.manifest),
            verified_at: self.verified_at.clone(),
            verified_ok: self.verified_ok,
            archive_found: self.path.is_file(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog names the shops' servers, logins and files, and says where their
    /// passwords are: its folder and file are their owner's alone, and a folder every user
    /// may write to (where one could swap the catalog) is refused.
    #[cfg(unix)]
    #[test]
    fn the_catalog_and_its_folder_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("new/home");
        Catalog::open(&home).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&home), 0o700);
        assert_eq!(mode(&home.join("catalog.sqlite3")), 0o600);
        let refused = |folder: &Path| {
            let e = Catalog::open(&home).err().unwrap();
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            assert_eq!(
                e.message,
                format!(
                    "The folder {} may be changed by every user of this computer, any of whom could swap ShopSafe's catalog for one that points your shops at servers of their own, to catch their passwords; make it writable only by its owner (chmod o-w {}), then try again.",
                    folder.display(),
                    folder.display()
                )
            );
        };
        let said = || Catalog::open(&home).err().unwrap().message;
        let set = |p: &Path, mode: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        set(&home, 0o777);
        refused(&home);
        // A folder above it where anyone may rename it away and put another in its place.
        set(&home, 0o700);
        let parent = home.parent().unwrap();
        set(parent, 0o777);
        refused(parent);
        // With the sticky bit (as /tmp), each user may change only their own entries.
        set(parent, 0o1777);
        Catalog::open(&home).unwrap();
        // A folder its group may change is someone's choice (or the user's own group).
        set(parent, 0o775);
        Catalog::open(&home).unwrap();
        // Not one another user owns above it: it could rename the home away and put
        // another in its place.
        set(parent, 0o755);
        std::os::unix::fs::chown(parent, Some(33), None).unwrap();
        assert!(
            said().starts_with(&format!(
                "The folder {} belongs to another user (user id 33)",
                parent.display()
            )),
            "{}",
            said()
        );
        std::os::unix::fs::chown(parent, Some(0), None).unwrap();
        Catalog::open(&home).unwrap();
    }

    #[test]
    fn shop_names_are_for_people_and_file_names_stay_plain() {
        for good in ["demo", "Anna's Shoes", "Café Müller", "shop.v2"] {
            assert!(check_shop_name(good).is_ok(), "{good}");
        }
        for bad in ["", " padded", "a/b", "a\\b", "line\nbreak", &"x".repeat(65)] {
            assert!(check_shop_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(file_part("Anna's Shoes"), "Anna-s-Shoes");
        assert_eq!(file_part("Café"), "Caf-");
        assert_eq!(file_part(".hidden"), "-hidden");
    }

    #[test]
    fn catalog_is_migrated_once_and_refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        drop(Catalog::open(dir.path()).unwrap());
        let c = Catalog::open(dir.path()).unwrap();
        let version: i64 = c
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = c
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        c.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let e = Catalog::open(dir.path()).err().unwrap();
        assert!(e.message.contains("newer ShopSafe"), "{}", e.message);
    }
}
