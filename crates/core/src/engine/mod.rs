//! Database engines: where a shop's database lives and how to snapshot, measure and restore it.
//!
//! [`Database`] is an enum over the supported engines; every operation in the core goes
//! through it, so a new engine is one more variant and one more module. Each engine produces
//! a *database part* (one file placed in the archive), per-table row counts and content
//! fingerprints, and a schema fingerprint, and restores a database part atomically.

pub mod sqlite;

use crate::manifest::{DatabasePart, TableStat};
use crate::progress::CancelToken;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// A shop's database, as given by its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(sqlite::Sqlite),
}

/// Where a snapshot came from and how it was made.
#[derive(Debug)]
pub struct Snapshot {
    pub entry_name: String,
    pub server_version: String,
    pub database_name: String,
    pub method: String,
}

/// What a snapshot holds, measured after it was taken (while the archive is being written).
#[derive(Debug)]
pub struct Inspection {
    pub schema_fingerprint: String,
    pub tables: Vec<TableStat>,
    pub foreign_key_violations: u64,
}

impl Database {
    /// Parse a database URL: `sqlite:///abs/path.sqlite3` or a plain path to an SQLite file.
    pub fn parse(url: &str) -> Result<Database> {
        let url = url.trim();
        if url.is_empty() {
            return Err(Error::invalid(
                "No database was given; pass --db with a path to the shop's SQLite file.",
            ));
        }
        if let Some(rest) = url.strip_prefix("sqlite://") {
            return Ok(Database::Sqlite(sqlite::Sqlite::new(PathBuf::from(rest))));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(Error::invalid(format!(
                "Database URLs starting with {scheme}:// are not supported yet; give an SQLite file path or sqlite:///path."
            )));
        }
        Ok(Database::Sqlite(sqlite::Sqlite::new(PathBuf::from(url))))
    }

    /// The canonical URL, safe to store and show (it never holds a password).
    pub fn url(&self) -> String {
        match self {
            Database::Sqlite(s) => format!("sqlite://{}", s.path.display()),
        }
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => sqlite::ENGINE,
        }
    }

    /// Make a relative path absolute, so the catalog works from any folder.
    pub fn absolutize(self) -> Result<Database> {
        match self {
            Database::Sqlite(s) => Ok(Database::Sqlite(sqlite::Sqlite::new(
                crate::paths::absolute(&s.path)?,
            ))),
        }
    }

    /// Check the database is there and usable; one clear sentence if not.
    pub fn check(&self) -> Result<()> {
        match self {
            Database::Sqlite(s) => s.open_existing().map(drop),
        }
    }

    /// Take one consistent snapshot into the new file `file`.
    pub fn snapshot(&self, file: &Path, cancel: &CancelToken) -> Result<Snapshot> {
        match self {
            Database::Sqlite(s) => s.snapshot(file, cancel),
        }
    }

    /// Check a snapshot file taken by [`Database::snapshot`] and measure what it holds.
    pub fn inspect_snapshot(&self, file: &Path, cancel: &CancelToken) -> Result<Inspection> {
        match self {
            Database::Sqlite(_) => sqlite::inspect(file, cancel),
        }
    }

    /// Row counts and fingerprints of the live database, as a restore would compare them.
    pub fn table_stats(&self) -> Result<Vec<TableStat>> {
        match self {
            Database::Sqlite(s) => sqlite::table_stats(&s.open_existing()?, &CancelToken::new()),
        }
    }
}

/// The restore steps, engine by engine. A restore stages the database part, checks it,
/// records a rollback point, applies the staged part atomically, and checks the result.
impl Database {
    /// A scratch file path beside the database, on the same file system, named by `tag`.
    pub fn scratch_path(&self, tag: &str) -> PathBuf {
        match self {
            Database::Sqlite(s) => crate::paths::sibling(&s.path, tag),
        }
    }

    /// Check the staged database part opens soundly before anything is replaced.
    pub fn check_staged(&self, staged: &Path) -> Result<()> {
        match self {
            Database::Sqlite(s) => s.check_staged(staged),
        }
    }

    /// Whether the live database is there at all (a restore may have to recreate it).
    pub fn exists(&self) -> bool {
        match self {
            Database::Sqlite(s) => s.path.exists(),
        }
    }

    /// Remove a live database a failed restore created where there was none.
    pub fn remove_live(&self) -> Result<()> {
        match self {
            Database::Sqlite(s) => {
                sqlite::remove_db_files(&s.path);
                Ok(())
            }
        }
    }

    /// Save the live database to `file`, to roll back to if the restore fails.
    pub fn rollback_point(&self, file: &Path, cancel: &CancelToken) -> Result<()> {
        match self {
            Database::Sqlite(s) => s.rollback_point(file, cancel),
        }
    }

    /// Replace the live database with `staged` (a checked part or a rollback point).
    pub fn apply(&self, staged: &Path) -> Result<()> {
        match self {
            Database::Sqlite(s) => s.apply(staged, &CancelToken::new()),
        }
    }

    /// Check the live database equals what the manifest records.
    pub fn verify_live(&self, expected: &DatabasePart) -> Result<()> {
        match self {
            Database::Sqlite(s) => s.verify_live(expected),
        }
    }
}
