//! Database engines: where a shop's database lives and how to snapshot, measure and restore it.
//!
//! [`Database`] is an enum over the supported engines; every operation in the core goes
//! through it, so a new engine is one more variant and one more module. Each engine produces
//! a *database part* (one file placed in the archive), per-table row counts and content
//! fingerprints, and a schema fingerprint, and restores a database part atomically.

mod dumpfile;
mod grants;
pub mod mysql;
pub mod postgres;
mod rowsum;
pub mod sqlite;
pub mod tls;
mod url;

use crate::manifest::{DatabasePart, FileEntry, TableStat};
use crate::progress::CancelToken;
use crate::{Error, ErrorKind, Result};
use dumpfile::DumpTo;
use std::path::{Path, PathBuf};

/// What connecting to a database found: the database in a few words ("PostgreSQL 15.14 —
/// 12 tables"), and what there would make a backup or restore fail, one clause each.
/// Shown as one line, the summary then each warning after "; ".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Described {
    pub summary: String,
    pub warnings: Vec<String>,
}

impl std::fmt::Display for Described {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary)?;
        for w in &self.warnings {
            write!(f, "; {w}")?;
        }
        Ok(())
    }
}

/// A failed [`Database::apply`] or [`Applied::commit`], and whether it had (or may have)
/// changed the live database (SQLite and PostgreSQL apply in one transaction and never
/// have, unless PostgreSQL's connection fails during the commit; MySQL may have swapped its
/// tables in before a later step failed).
#[derive(Debug)]
pub struct Failed {
    pub error: Error,
    pub changed: bool,
}

/// A database part applied by [`Database::apply`]: already visible (SQLite, MySQL, with
/// notes for the restore's report), or loaded and checked inside a PostgreSQL transaction
/// that is still open, so the restore can finish its other steps and then commit, or roll
/// back with no rollback point.
pub enum Applied {
    Visible(Vec<String>),
    Pending(Box<postgres::Open>),
}

impl Applied {
    /// Make the restore visible (a no-op where it already is).
    pub fn commit(self) -> std::result::Result<(), Failed> {
        match self {
            Applied::Visible(_) => Ok(()),
            Applied::Pending(open) => open.commit(),
        }
    }

    /// What the restore's report should say about the load.
    pub fn notes(&self) -> &[String] {
        match self {
            Applied::Visible(notes) => notes,
            Applied::Pending(open) => &open.notes,
        }
    }

    /// Whether the live database has been replaced already.
    pub fn is_visible(&self) -> bool {
        matches!(self, Applied::Visible(_))
    }

    /// Undo a pending restore; `false` if it was already visible (and needs its rollback point).
    pub fn roll_back(self) -> bool {
        match self {
            Applied::Visible(_) => false,
            Applied::Pending(open) => {
                open.roll_back();
                true
            }
        }
    }
}

/// "1 table", "12 tables".
fn tables_phrase(n: usize) -> String {
    if n == 1 {
        "1 table".into()
    } else {
        format!("{n} tables")
    }
}

/// The version number of a server's version string: `15.18` of `15.18 (Debian 15.18-1)`,
/// `10.11.14` of `10.11.14-MariaDB`.
fn short_version(v: &str) -> &str {
    v.split([' ', '-']).next().unwrap_or(v)
}

/// When a restore's load failed on something the live server does not know, and the backup
/// came from a newer server (comparing the first `parts` numbers of the versions) or another
/// flavour (MariaDB or MySQL): one sentence naming both, else `None`.
fn from_other_server(
    engine: &str,
    backup: &str,
    live: &str,
    parts: usize,
    detail: &str,
) -> Option<String> {
    let numbers = |v: &str| -> Vec<u32> {
        v.split(|c: char| !c.is_ascii_digit() && c != '.')
            .next()
            .unwrap_or_default()
            .split('.')
            .take(parts)
            .map(|n| n.parse().unwrap_or(0))
            .collect()
    };
    let flavour = |v: &str| match engine {
        "MySQL" if v.contains("MariaDB") => "MariaDB",
        other => other,
    };
    let (from, to) = (flavour(backup), flavour(live));
    if from == to && numbers(backup) <= numbers(live) {
        return None;
    }
    let wanted = numbers(backup)
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".");
    Some(format!(
        "The backup comes from {from} {} and holds something {to} {} does not have ({}); restore it into {from} {wanted} or newer.",
        short_version(backup),
        short_version(live),
        detail.trim_end_matches('.')
    ))
}

/// The innermost cause of a driver's error (a client error wraps an I/O error that wraps
/// the system's), said once, without a final period.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string().trim_end_matches('.').to_string()
}

/// A single-threaded runtime for a server engine's async work.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a single-threaded runtime always builds")
}

/// Run a server engine's async work to completion on a runtime of its own.
fn block_on<F: std::future::Future>(work: F) -> F::Output {
    runtime().block_on(work)
}

/// Run a dump into `file`, removing the file if the dump fails.
fn dump_into<T>(file: &Path, dump: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    let result = block_on(dump);
    if result.is_err() {
        let _ = std::fs::remove_file(file);
    }
    result
}

/// A shop's database, as given by its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
    Mysql(mysql::Mysql),
}

/// Where a snapshot came from and how it was made.
#[derive(Debug)]
pub struct Snapshot {
    pub server_version: String,
    pub database_name: String,
    pub method: String,
}

/// What a snapshot holds: measured while the archive is written (SQLite) or while the rows
/// stream out of the server (PostgreSQL).
#[derive(Debug)]
pub struct Inspection {
    pub schema_fingerprint: String,
    pub tables: Vec<TableStat>,
    pub foreign_key_violations: u64,
    /// The objects other than tables, where the engine lists them (see `DatabasePart`).
    pub objects: Option<Vec<String>>,
}

impl Inspection {
    /// The manifest's database part for what `snapshot` saved into `entry`.
    pub fn into_part(self, engine: &str, snapshot: Snapshot, entry: FileEntry) -> DatabasePart {
        DatabasePart {
            engine: engine.to_string(),
            server_version: snapshot.server_version,
            database_name: snapshot.database_name,
            method: snapshot.method,
            entry,
            schema_fingerprint: self.schema_fingerprint,
            foreign_key_violations: self.foreign_key_violations,
            tables: self.tables,
            objects: self.objects,
        }
    }
}

impl Database {
    /// Parse a database URL: `sqlite:///abs/path.sqlite3`, a plain path to an SQLite file, or
    /// `postgres://user@host:port/db` (also `postgresql://`).
    pub fn parse(url: &str) -> Result<Database> {
        let url = url.trim();
        // Schemes are case-insensitive (`Postgres://…`).
        let url = &match url.split_once("://") {
            Some((scheme, rest)) => format!("{}://{rest}", scheme.to_ascii_lowercase()),
            None => url.to_string(),
        };
        if url.is_empty() {
            return Err(Error::invalid(
                "No database was given; pass --db with a path to the shop's SQLite file or a postgres:// URL.",
            ));
        }
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if !rest.starts_with('/') {
                return Err(Error::invalid(
                    "An sqlite:// URL is followed by the database file's absolute path, as in sqlite:///srv/shop/db.sqlite3 (or give the path alone).",
                ));
            }
            return Ok(Database::Sqlite(sqlite::Sqlite::new(PathBuf::from(rest))));
        }
        for scheme in ["postgres://", "postgresql://"] {
            if let Some(rest) = url.strip_prefix(scheme) {
                return Ok(Database::Postgres(postgres::Postgres::parse(rest)?));
            }
        }
        for scheme in ["mysql://", "mariadb://"] {
            if let Some(rest) = url.strip_prefix(scheme) {
                return Ok(Database::Mysql(mysql::Mysql::parse(rest)?));
            }
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(Error::invalid(format!(
                "Database URLs starting with {scheme}:// are not supported yet; give an SQLite file path, sqlite:///path, postgres://user@host/db or mysql://user@host/db."
            )));
        }
        // Not taken for a file's path (which messages and the log would show, password
        // and all): a server URL with its `://` mistyped, or without its scheme.
        let head = url.split('/').next().unwrap_or_default();
        let mistyped = ["postgres", "postgresql", "mysql", "mariadb", "sqlite"]
            .iter()
            .any(|s| {
                url.strip_prefix(s)
                    .is_some_and(|rest| rest.starts_with(':') || rest.starts_with("//"))
            });
        if mistyped
            || head
                .split_once('@')
                .is_some_and(|(login, _)| login.contains(':'))
        {
            return Err(Error::invalid(
                "The database looks like a server URL written wrong: it starts with postgres://, postgresql://, mysql:// or mariadb:// (two slashes), then user:password@host:port/database, with any / ? @ : # or % in the password written as %2F %3F %40 %3A %23 %25; give an SQLite file as its path (./name for one in this folder) or as sqlite:///path.",
            ));
        }
        Ok(Database::Sqlite(sqlite::Sqlite::new(PathBuf::from(url))))
    }

    /// The canonical URL, safe to store and show (it never holds a password).
    pub fn url(&self) -> String {
        match self {
            Database::Sqlite(s) => format!("sqlite://{}", s.path.display()),
            Database::Postgres(p) => p.url(),
            Database::Mysql(m) => m.url(),
        }
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => sqlite::ENGINE,
            Database::Postgres(_) => postgres::ENGINE,
            Database::Mysql(_) => mysql::ENGINE,
        }
    }

    /// The engine as people name it: "SQLite", "PostgreSQL" or "MySQL/MariaDB".
    pub fn engine_label(engine: &str) -> &str {
        match engine {
            sqlite::ENGINE => "SQLite",
            postgres::ENGINE => "PostgreSQL",
            mysql::ENGINE => "MySQL/MariaDB",
            other => other,
        }
    }

    /// Whether the URL carried a password (which the catalog must not store).
    pub fn has_password(&self) -> bool {
        self.password().is_some()
    }

    /// The password to connect with, if any.
    pub fn password(&self) -> Option<&str> {
        match self {
            Database::Sqlite(_) => None,
            Database::Postgres(p) => p.password.as_deref(),
            Database::Mysql(m) => m.password.as_deref(),
        }
    }

    /// The login a stored password belongs to (engine, user, server and port or socket),
    /// for a server database: another one must not be sent it.
    pub fn login(&self) -> Option<String> {
        match self {
            Database::Sqlite(_) => None,
            Database::Postgres(p) => Some(format!("postgres {}@{}:{}", p.user, p.host, p.port)),
            Database::Mysql(m) => Some(format!(
                "mysql {}@{}:{} {}",
                m.user,
                m.host,
                m.port,
                m.socket.as_deref().unwrap_or("")
            )),
        }
    }

    /// Whether this is a server database (which may need a password).
    pub fn is_server(&self) -> bool {
        !matches!(self, Database::Sqlite(_))
    }

    /// The same database, connecting with `password` (SQLite ignores it). The password is an
    /// explicit input: the engines read no environment variable and no store themselves.
    pub fn with_password(mut self, password: Option<String>) -> Database {
        match &mut self {
            Database::Sqlite(_) => {}
            Database::Postgres(p) => p.password = password,
            Database::Mysql(m) => m.password = password,
        }
        self
    }

    /// Connect, and say in a few words what is there: "PostgreSQL 15.14 — 12 tables",
    /// "SQLite file, 40 tables", with what would make a backup or restore fail.
    pub fn describe(&self) -> Result<Described> {
        match self {
            Database::Sqlite(s) => {
                let conn = s.open_to_read(&CancelToken::new())?;
                let n: i64 = conn.query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                    [],
                    |r| r.get(0),
                )?;
                let read_only = s.refuse_unwritable().is_err().then(|| {
                    match crate::paths::on_read_only_mount(&s.path) {
                        true => "its file system is mounted read-only, so it cannot be restored until it is mounted writable",
                        false => "this user may read it but does not own it or may not write it or its folder, so a restore must run as the user the site runs as (its owner), or as root",
                    }
                    .to_string()
                });
                Ok(Described {
                    summary: format!("SQLite file, {}", tables_phrase(n as usize)),
                    warnings: read_only.into_iter().collect(),
                })
            }
            Database::Postgres(p) => p.describe(),
            Database::Mysql(m) => m.describe(),
        }
    }

    /// Make a relative path absolute, so the catalog works from any folder.
    pub fn absolutize(self) -> Result<Database> {
        match self {
            Database::Sqlite(s) => Ok(Database::Sqlite(sqlite::Sqlite::new(
                crate::paths::absolute(&s.path)?,
            ))),
            other => Ok(other),
        }
    }

    /// Check the database is there and usable; one clear sentence if not.
    pub fn check(&self) -> Result<()> {
        match self {
            Database::Sqlite(s) => s.open_to_read(&CancelToken::new()).map(drop),
            Database::Postgres(p) => p.check(),
            Database::Mysql(m) => m.check(),
        }
    }

    /// The archive entry of the database part.
    pub fn entry_name(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => sqlite::ENTRY,
            Database::Postgres(_) => postgres::ENTRY,
            Database::Mysql(_) => mysql::ENTRY,
        }
    }

    /// Whether a backup streams the database part into the archive as it is taken (a server's
    /// dump, see [`Database::dump`]) rather than copying a snapshot file in afterwards
    /// (SQLite, see [`Database::snapshot`]).
    pub fn streams(&self) -> bool {
        !matches!(self, Database::Sqlite(_))
    }

    /// Dump a server database, in one consistent snapshot, into `out`, measuring every table
    /// as its rows go past.
    pub fn dump(
        &self,
        out: Box<dyn std::io::Write + Send>,
        cancel: &CancelToken,
    ) -> Result<(Snapshot, Inspection)> {
        let to = DumpTo::Stream(out);
        match self {
            Database::Sqlite(_) => Err(Error::internal(
                "An SQLite database is copied as a snapshot, not dumped.",
            )),
            Database::Postgres(p) => block_on(p.dump(to, cancel)),
            Database::Mysql(m) => block_on(m.dump(to, cancel)),
        }
    }

    /// Copy an SQLite database, in one consistent snapshot, into the new file `file`;
    /// [`Database::inspect_snapshot`] measures it.
    pub fn snapshot(&self, file: &Path, cancel: &CancelToken) -> Result<Snapshot> {
        match self {
            Database::Sqlite(s) => s.snapshot(file, cancel),
            Database::Postgres(_) | Database::Mysql(_) => Err(Error::internal(
                "A server database is dumped into the archive, not copied as a snapshot.",
            )),
        }
    }

    /// Check a snapshot file taken by [`Database::snapshot`] and measure what it holds.
    pub fn inspect_snapshot(&self, file: &Path, cancel: &CancelToken) -> Result<Inspection> {
        match self {
            Database::Sqlite(_) => sqlite::inspect(file, cancel),
            Database::Postgres(_) | Database::Mysql(_) => Err(Error::internal(
                "A server database's dump is measured while it is taken.",
            )),
        }
    }

    /// The live database's objects other than its tables, as a backup lists them (none
    /// for SQLite, whose restore plan names tables only), for a restore plan.
    pub fn object_names(&self) -> Result<Option<Vec<String>>> {
        match self {
            Database::Sqlite(_) => Ok(None),
            Database::Postgres(p) => p.object_names().map(Some),
            Database::Mysql(m) => m.object_names().map(Some),
        }
    }

    /// Whether `part` can be restored here, asked when a restore is planned: the login's
    /// rights (only MySQL's are known up front; a PostgreSQL restore that lacks one fails
    /// inside its transaction), or an SQLite file that is a link to nothing.
    pub fn check_restorable(&self, part: &DatabasePart) -> Result<()> {
        match self {
            Database::Mysql(m) => m.check_restore_rights(part),
            Database::Sqlite(s) => {
                s.refuse_link_to_nothing()?;
                s.refuse_unwritable()
            }
            Database::Postgres(_) => Ok(()),
        }
    }

    /// Row counts of the live tables, for a restore plan: `None` for a table the server
    /// could not count (PostgreSQL, whose count may run the shop's functions).
    pub fn row_counts(&self) -> Result<Vec<(String, Option<u64>)>> {
        let counted = |counts: Vec<(String, u64)>| -> Vec<(String, Option<u64>)> {
            counts.into_iter().map(|(t, n)| (t, Some(n))).collect()
        };
        match self {
            Database::Sqlite(s) => {
                sqlite::row_counts(&*s.open_to_read(&CancelToken::new())?).map(counted)
            }
            Database::Postgres(p) => p.row_counts(),
            Database::Mysql(m) => m.row_counts().map(counted),
        }
    }
}

/// The restore steps, engine by engine. A restore stages the database part, checks it,
/// records a rollback point, applies the staged part atomically, and checks the result.
impl Database {
    /// A scratch file path for the restore, named by `tag`: an SQLite copy in `work`
    /// (ShopSafe's own folder, [`crate::paths::work_dir`]), as SQLite opens it again by name
    /// and another user must not be able to swap it meanwhile (not beside the database,
    /// whose folder the site's user may write to, nor in the backup folder, which may be
    /// theirs too); a server's dump, which may be as large as the database, in `dest`.
    pub fn scratch_path(&self, dest: &Path, work: &Path, tag: &str) -> PathBuf {
        match self {
            Database::Sqlite(s) => {
                let file = s.path.file_name().unwrap_or_default().to_string_lossy();
                work.join(format!(".{tag}-{file}"))
            }
            Database::Postgres(_) | Database::Mysql(_) => dest.join(format!(".{tag}")),
        }
    }

    /// Whether the live database is there at all (a restore may have to recreate it).
    pub fn exists(&self) -> bool {
        match self {
            Database::Sqlite(s) => s.path.exists(),
            Database::Postgres(_) | Database::Mysql(_) => true,
        }
    }

    /// Remove a live database a failed restore created where there was none.
    pub fn remove_live(&self) -> Result<()> {
        match self {
            Database::Sqlite(s) => {
                sqlite::remove_db_files(&s.path);
                Ok(())
            }
            Database::Postgres(_) | Database::Mysql(_) => Ok(()),
        }
    }

    /// Whether a restore needs a rollback point: PostgreSQL keeps the restore's transaction
    /// open until the restore has finished (see [`Applied`]), so rolling it back needs none.
    pub fn needs_rollback_point(&self) -> bool {
        !matches!(self, Database::Postgres(_))
    }

    /// Save the live database to `file`, to roll back to if the restore fails.
    ///
    /// For a server's database it returns what the saved dump holds, so that putting it back
    /// can be checked as a restore is (an SQLite rollback point is the file itself).
    pub fn rollback_point(
        &self,
        file: &Path,
        cancel: &CancelToken,
    ) -> Result<Option<DatabasePart>> {
        let saved = match self {
            Database::Sqlite(s) => return s.rollback_point(file, cancel).map(|()| None),
            Database::Postgres(p) => dump_into(file, p.dump(DumpTo::File(file), cancel)),
            Database::Mysql(m) => dump_into(file, m.dump(DumpTo::File(file), cancel)),
        };
        let (snapshot, inspection) = saved.map_err(|e| match e.kind {
            ErrorKind::Cancelled => e,
            kind => Error::new(
                kind,
                format!(
                    "Nothing was changed: the live database could not be saved first, to roll back to if the restore fails. {}",
                    e.message
                ),
            ),
        })?;
        // Not in an archive: the file is only read back by this restore.
        let entry = FileEntry {
            path: file.display().to_string(),
            size: 0,
            sha256: String::new(),
            modified: None,
        };
        Ok(Some(inspection.into_part(self.engine(), snapshot, entry)))
    }

    /// Check the staged database part before anything is replaced: SQLite's in full against
    /// `expected` (its copy into the live file is page for page); a server's dump opens as
    /// one (it is checked as it loads, before the restore becomes visible).
    pub fn check_staged(&self, staged: &Path, expected: &DatabasePart) -> Result<()> {
        match self {
            Database::Sqlite(s) => s.check_staged(staged, expected),
            Database::Postgres(p) => p.check_staged(staged),
            Database::Mysql(m) => m.check_staged(staged),
        }
    }

    /// Replace the live database with `staged` (a checked part or a rollback point). Where
    /// the engine can, it checks the result against `expected` before it is visible.
    /// PostgreSQL returns with its transaction still open ([`Applied::Pending`]): the caller
    /// commits it, or rolls it back; its load stops at `cancel` (nothing was visible).
    /// MySQL's stops at `cancel` until its swap, and finishes from there; SQLite's (one copy)
    /// finishes.
    pub fn apply(
        &self,
        staged: &Path,
        expected: Option<&DatabasePart>,
        cancel: &CancelToken,
    ) -> std::result::Result<Applied, Failed> {
        let unchanged = |error| Failed {
            error,
            changed: false,
        };
        match self {
            // One step under the database's lock, all or nothing: a cancel while another
            // program holds the lock leaves the database as it was.
            Database::Sqlite(s) => s
                .apply(staged, cancel)
                .map(|()| Applied::Visible(Vec::new()))
                .map_err(unchanged),
            Database::Postgres(p) => p
                .apply(staged, None, expected, cancel)
                .map(|open| Applied::Pending(Box::new(open)))
                .map_err(unchanged),
            Database::Mysql(m) => m.apply(staged, expected, cancel).map(Applied::Visible),
        }
    }

    /// Whether the engine can load a staged part while the archive check is still writing it
    /// ([`Database::apply_arriving`]): PostgreSQL, whose load stays invisible until commit.
    pub fn loads_while_staging(&self) -> bool {
        matches!(self, Database::Postgres(_))
    }

    /// [`Database::apply`] of a staged part that another thread is still writing: it is read
    /// as it arrives, up to `size` bytes, and the load fails once `failed` is raised. The
    /// caller commits only after that writer has checked every byte.
    pub fn apply_arriving(
        &self,
        staged: &Path,
        size: u64,
        failed: &std::sync::atomic::AtomicBool,
        expected: &DatabasePart,
        cancel: &CancelToken,
    ) -> std::result::Result<Applied, Failed> {
        let result = match self {
            Database::Postgres(p) => p
                .apply(staged, Some((size, failed)), Some(expected), cancel)
                .map(|open| Applied::Pending(Box::new(open))),
            _ => Err(Error::internal(
                "Only PostgreSQL loads a database part while it is being staged.",
            )),
        };
        result.map_err(|error| Failed {
            error,
            changed: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_failing_on_a_newer_or_other_server_says_so() {
        let said = from_other_server(
            "PostgreSQL",
            "18.1 (Debian)",
            "15.18 (Debian 15.18-0)",
            1,
            "syntax error.",
        )
        .unwrap();
        assert_eq!(
            said,
            "The backup comes from PostgreSQL 18.1 and holds something PostgreSQL 15.18 does not have (syntax error); restore it into PostgreSQL 18 or newer."
        );
        assert!(from_other_server("PostgreSQL", "15.2", "15.18", 1, "x").is_none());
        assert!(from_other_server("PostgreSQL", "15.18", "18.1", 1, "x").is_none());
        let said = from_other_server(
            "MySQL",
            "8.0.36",
            "10.11.14-MariaDB-0+deb12u1",
            2,
            "Unknown collation",
        )
        .unwrap();
        assert!(
            said.starts_with(
                "The backup comes from MySQL 8.0.36 and holds something MariaDB 10.11.14 does not have"
            ),
            "{said}"
        );
        assert!(from_other_server("MySQL", "10.6.1-MariaDB", "10.11.14-MariaDB", 2, "x").is_none());
        assert!(from_other_server("MySQL", "10.11.14-MariaDB", "10.6.1-MariaDB", 2, "x").is_some());
    }

    /// A server URL written wrong is never taken for an SQLite file's path, which messages
    /// and the audit log would show with its password.
    #[test]
    fn mistyped_server_urls_are_refused_without_their_password() {
        for url in [
            "shopuser:Secret1@127.0.0.1:5432/shopdb",
            "postgres:/shopuser:Secret1@127.0.0.1/shopdb",
            "postgres//shopuser:Secret1@127.0.0.1/shopdb",
            "mysql:shopuser:Secret1@localhost/shop",
            "sqlite://shopuser:Secret1@/tmp/x.db",
        ] {
            let Err(e) = Database::parse(url) else {
                panic!("{url} was taken as a database")
            };
            assert_eq!(e.kind, ErrorKind::InvalidInput, "{url}");
            assert!(!e.message.contains("Secret1"), "{url}: {}", e.message);
        }
        assert!(matches!(
            Database::parse("Postgres://u@h/db"),
            Ok(Database::Postgres(_))
        ));
        for path in [
            "shop.sqlite3",
            "/srv/shop@2/db.sqlite3",
            "./shop:2@x/db.sqlite3",
            "mysql/shop.db",
            "sqlite:///srv/db.sqlite3",
        ] {
            assert!(
                matches!(Database::parse(path), Ok(Database::Sqlite(_))),
                "{path}"
            );
        }
    }
}
