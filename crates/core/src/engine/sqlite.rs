//! SQLite: snapshot with the online backup API, measure tables, restore into the live file.
//!
//! The snapshot copies every page in one backup step (`step(-1)`), retried while another
//! connection holds a lock, so it is one consistent picture even while the shop writes. The
//! archive carries that file as it is, so `sqlite3` opens it directly. A restore checks the
//! staged file in full, then goes through the backup API too, into the live file: connections
//! the shop holds open stay valid and see the restored data, and no stale `-wal` file can be
//! replayed over it.

use super::rowsum::RowSum;
use crate::hashing::hex;
use crate::manifest::{DatabasePart, TableStat};
use crate::progress::CancelToken;
use crate::{Error, ErrorKind, Result};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const ENGINE: &str = "sqlite";

/// Why a copy or a read of the live database gave up waiting for its lock.
const LOCKED_FOR_A_MINUTE: &str = "Another program kept the database locked for a minute (the site in the middle of a long write, or a program holding it open in a transaction, such as an sqlite3 shell); close that program or wait until it is done, then try again.";
/// Name of the database part inside the archive.
pub const ENTRY: &str = "database/shop.sqlite3";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sqlite {
    pub path: PathBuf,
}

impl Sqlite {
    pub fn new(path: PathBuf) -> Self {
        Sqlite { path }
    }

    /// Open the shop's database to write it (a restore), checking first that it exists and
    /// is an SQLite file.
    pub fn open_existing(&self) -> Result<Connection> {
        check_sqlite_file(&self.path)?;
        open(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    /// Open the shop's database to read it, leaving nothing behind that the site could not
    /// use. Its owner (or root, whose files SQLite gives the database's owner) reads it as
    /// SQLite's writers do: the last connection to close a WAL database removes its `-wal`
    /// and `-shm` files. Any other user (the site's files belong to the web server) reads it
    /// read-only, since the `-wal`/`-shm` files SQLite would make for them would shut the
    /// site's own writes out. First it takes SQLite's own shared lock on the file, as every
    /// connection to a WAL database holds one: while it is held, the site's last connection
    /// cannot remove those files, so a read through them never has to make them again.
    /// Where there are none, it reads the file alone (`immutable`); that read sees no lock,
    /// so it comes with the file's [`Stamp`], to check nothing wrote the file meanwhile.
    pub(super) fn open_to_read(&self, cancel: &CancelToken) -> Result<LiveRead> {
        check_sqlite_file(&self.path)?;
        let folder = self.path.parent().unwrap_or(Path::new("."));
        if is_owner(&self.path)
            && crate::paths::may_write(&self.path)
            && crate::paths::may_write(folder)
        {
            return Ok(LiveRead {
                conn: open(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)?,
                stamp: None,
                _shared: None,
            });
        }
        let shared = hold_shared(&self.path, cancel)?;
        let beside = |suffix: &str| {
            let mut p = self.path.as_os_str().to_os_string();
            p.push(suffix);
            PathBuf::from(p).exists()
        };
        let wal_mode = is_wal(&self.path)?;
        // Until the site's -wal and -shm are both there to read through, or neither is and
        // the file has been still for a second (a write in the same clock tick as the last
        // one might not change its times); a site opening the database makes one, then the
        // other.
        let give_up = std::time::Instant::now() + Duration::from_secs(60);
        let (conn, stamp) = loop {
            let (wal, shm) = (beside("-wal"), beside("-shm"));
            if !wal_mode {
                break (open(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?, None);
            }
            if wal && shm {
                // One read transaction, begun here, for everything read through this
                // connection (the copy's backup API takes it over). A site connection that
                // has just made the -shm may not have set it up yet, which a reader that
                // may not write it cannot do for it ("attempt to write a readonly
                // database"): then read again in a moment.
                let conn = open(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
                conn.execute_batch("BEGIN")?;
                match conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())) {
                    Err(rusqlite::Error::SqliteFailure(f, _))
                        if f.code == rusqlite::ErrorCode::ReadOnly => {}
                    Err(e) => return Err(e.into()),
                    Ok(()) => break (conn, None),
                }
            }
            if !wal && !shm {
                let stamp = Stamp::of(&self.path)?;
                if stamp.settled() {
                    let uri = immutable_uri(&self.path);
                    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
                    break (open(Path::new(&uri), flags)?, Some(stamp));
                }
            }
            cancel.check()?;
            if std::time::Instant::now() > give_up {
                return Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "The site kept changing its database {} for a minute, and this user may only read it, so cannot hold those changes back; back up again when the site is quieter, or as the user the site runs as.",
                        self.path.display()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Ok(LiveRead {
            conn,
            stamp,
            _shared: shared,
        })
    }

    /// A restore writes the live file, and SQLite its journal or WAL files beside it: a
    /// user who may only read them (the site's files belong to the web server) is told
    /// before anything is done.
    pub fn refuse_unwritable(&self) -> Result<()> {
        let folder = self.path.parent().unwrap_or(Path::new("."));
        // One who may write it without owning it (the site's group) would leave the `-wal`
        // and `-shm` files SQLite makes for them, which the site could not write, beside it
        // whenever the site held it open as the restore closed.
        if self.path.exists() && crate::paths::may_write(&self.path) && !is_owner(&self.path) {
            return Err(Error::new(
                ErrorKind::Io,
                format!(
                    "This user does not own the shop's database {}, and the files SQLite would make for this user beside it during a restore could shut the site's own writes out; nothing was changed. Restore as the user the site runs as (the owner of that file), or as root.",
                    self.path.display()
                ),
            ));
        }
        let what = if self.path.exists() && !crate::paths::may_write(&self.path) {
            format!("the shop's database {}", self.path.display())
        } else if folder.exists() && !crate::paths::may_write(folder) {
            format!(
                "the folder {}, where SQLite keeps the shop's database and its journal",
                folder.display()
            )
        } else {
            return Ok(());
        };
        if crate::paths::on_read_only_mount(folder) {
            return Err(Error::new(
                ErrorKind::Io,
                format!("The file system holding {what} is mounted read-only, and a restore must write there; nothing was changed. Mount it writable, then restore again."),
            ));
        }
        Err(Error::new(
            ErrorKind::Io,
            format!("This user may not write {what}, which a restore must; nothing was changed. Restore as the user the site runs as (the owner of those files), or as root."),
        ))
    }

    pub fn snapshot(&self, file: &Path, cancel: &CancelToken) -> Result<super::Snapshot> {
        self.copy_to_new_file(file, cancel)?;
        Ok(super::Snapshot {
            server_version: rusqlite::version().to_string(),
            database_name: self
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            method: "sqlite-backup-api".to_string(),
        })
    }

    /// A database file that is a link to nothing (its disk not mounted) is not replaced by
    /// a new file where the link was.
    pub fn refuse_link_to_nothing(&self) -> Result<()> {
        match std::fs::read_link(&self.path) {
            Ok(target) if !self.path.exists() => Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "The shop's database {} is a link to {}, which does not exist (is its disk mounted?); nothing was restored into it. Mount it, or restore into the place the link names.",
                    self.path.display(),
                    target.display()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Copy the live database to `file`, as the point a failed restore rolls back to.
    pub fn rollback_point(&self, file: &Path, cancel: &CancelToken) -> Result<()> {
        self.copy_to_new_file(file, cancel)
    }

    /// Copy the live database, page for page, into `file`: made anew and readable by its
    /// owner only from the start, never through a link, and written without a journal or
    /// WAL file beside it (names another user of the folder could have linked elsewhere),
    /// as one self-contained database in rollback-journal mode. Removed if anything fails.
    fn copy_to_new_file(&self, file: &Path, cancel: &CancelToken) -> Result<()> {
        // A read without a lock is taken again if the site wrote the file meanwhile.
        for _ in 0..3 {
            let read = self.open_to_read(cancel)?;
            copy_pages_to_new_file(&read, file, cancel)?;
            match &read.stamp {
                Some(stamp) if !stamp.still(&self.path)? => remove_db_files(file),
                _ => return Ok(()),
            }
        }
        Err(Error::new(
            ErrorKind::Database,
            format!(
                "The site wrote its database {} each of the 3 times it was read (this user may only read it, so cannot hold the site's writes back while it does); back up again when the site is quieter, or as the user the site runs as.",
                self.path.display()
            ),
        ))
    }

    /// Check a staged database part (already matched to its SHA-256) before it replaces the
    /// live one: in the live file's page size where the copy needs it (a WAL database), its
    /// integrity, foreign keys, schema and every table against `expected`. The copy into the
    /// live file is page for page, so what is checked here is what the shop gets; a check of
    /// the live file after could only see the shop's own new writes, and rolling back for
    /// them would lose them.
    pub fn check_staged(&self, staged: &Path, expected: &DatabasePart) -> Result<()> {
        check_sqlite_file(staged)?;
        if self.path.exists() {
            let live = self.open_to_read(&CancelToken::new())?;
            let live_page: i64 = live.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            let live_wal: String = live.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let src = open(staged, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            let staged_page: i64 = src.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            if live_page != staged_page && live_wal.eq_ignore_ascii_case("wal") {
                // The backup API cannot change the page size of a WAL database; rebuild the
                // staged copy with the live page size first.
                src.pragma_update(None, "page_size", live_page)?;
                src.execute_batch("VACUUM")?;
            }
        }
        let found = inspect_file(staged, Check::Full, &CancelToken::new())?;
        if found.foreign_key_violations != expected.foreign_key_violations {
            return Err(Error::new(
                ErrorKind::VerificationFailed,
                format!(
                    "The backup's database has {} rows pointing at missing rows where its manifest records {}.",
                    found.foreign_key_violations, expected.foreign_key_violations
                ),
            ));
        }
        compare(&found, expected, "The backup's database")
    }

    /// Replace the live database's content with `staged` (checked, or a rollback point, in
    /// the live page size), through the backup API: one step, under the database's lock.
    pub fn apply(&self, staged: &Path, cancel: &CancelToken) -> Result<()> {
        let mut live = if self.path.exists() {
            self.open_existing()?
        } else {
            self.refuse_link_to_nothing()?;
            // Made anew where there was none: readable by its owner only, as the backup's
            // own copies are (nothing says who else should read the shop's customers).
            let (_, live) = open_new(&self.path)?;
            crate::paths::give_to_folders_owner(&self.path);
            live
        };
        let src = open(staged, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        copy_all_pages(&src, &mut live, cancel)
    }
}

/// One copy of `src`'s pages into the new file `file` (see `Sqlite::copy_to_new_file`).
fn copy_pages_to_new_file(src: &Connection, file: &Path, cancel: &CancelToken) -> Result<()> {
    let result = (|| {
        // (Leftovers of an earlier run, journals included, go first.)
        let (made, mut dst) = open_new(file)?;
        dst.pragma_update(None, "journal_mode", "MEMORY")
            .map_err(|e| snapshot_error(file, e))?;
        copy_all_pages(src, &mut dst, cancel)?;
        dst.close().map_err(|(_, e)| snapshot_error(file, e))?;
        // A copy of a WAL database says so in its header (file format versions 2 at
        // bytes 18 and 19); version 1 makes it a rollback-journal database, as
        // `journal_mode = DELETE` would, without opening a WAL file to do it.
        let mut versions = [0u8; 2];
        let io = |e| Error::io("write", file, e);
        (&made).seek(SeekFrom::Start(18)).map_err(io)?;
        // (A copy of an empty database is an empty file.)
        let read = (&made).read(&mut versions).map_err(io)?;
        if read == 2 && versions == [2, 2] {
            (&made).seek(SeekFrom::Start(18)).map_err(io)?;
            (&made).write_all(&[1, 1]).map_err(io)?;
            made.sync_data().map_err(|e| Error::io("flush", file, e))?;
        }
        Ok(())
    })();
    if result.is_err() {
        remove_db_files(file);
    }
    result
}

/// Make `path` a new, empty database file of ShopSafe's own ([`crate::paths::create_private`])
/// and open it, never through a link, checked to be the file made.
fn open_new(path: &Path) -> Result<(std::fs::File, Connection)> {
    let made = crate::paths::create_private(path)?;
    let conn = open(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )?;
    crate::paths::still_same(&made, path)?;
    Ok((made, conn))
}

fn open(path: &Path, flags: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(
        |e| {
            Error::new(
                ErrorKind::Database,
                format!(
                    "Could not open the SQLite database {}: {e}.",
                    path.display()
                ),
            )
        },
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(conn)
}

fn snapshot_error(file: &Path, e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.code == rusqlite::ErrorCode::DiskFull {
            return Error::io(
                "write",
                file,
                std::io::Error::from(std::io::ErrorKind::StorageFull),
            );
        }
        if matches!(
            f.code,
            rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly
        ) {
            return Error::io(
                "write",
                file,
                std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            );
        }
    }
    Error::new(
        ErrorKind::Database,
        format!("Could not copy the database to {}: {e}.", file.display()),
    )
}

/// Fails with one sentence unless `path` is an existing SQLite database file.
pub fn check_sqlite_file(path: &Path) -> Result<()> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::invalid(format!(
                "The database file {} does not exist; check the path given with --db.",
                path.display()
            ))
        } else {
            Error::io("read", path, e)
        }
    })?;
    if !meta.is_file() {
        return Err(Error::invalid(format!(
            "The path {} is not a file; --db must point at the shop's SQLite database file.",
            path.display()
        )));
    }
    let mut header = [0u8; 16];
    let ok = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok()
        && &header == b"SQLite format 3\0";
    if !ok {
        return Err(Error::invalid(format!(
            "The file {} is not an SQLite database; check the path given with --db.",
            path.display()
        )));
    }
    Ok(())
}

/// A connection reading the shop's live database, and what keeps that read honest. Used
/// through `Deref`, so the connection cannot be taken away from the lock it needs.
pub(super) struct LiveRead {
    conn: Connection,
    /// For a read of the file alone: its stamp, to check nothing wrote it meanwhile.
    stamp: Option<Stamp>,
    /// SQLite's shared lock on the file, held by a read-only reader until after `conn`
    /// (fields drop in order).
    _shared: Option<std::fs::File>,
}

impl std::ops::Deref for LiveRead {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

/// Whether this process owns `path`, or is root (SQLite gives the files it makes as root to
/// the database's owner).
fn is_owner(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = crate::paths::euid();
        me == 0 || std::fs::metadata(path).is_ok_and(|m| m.uid() == me)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        true
    }
}

/// Take SQLite's shared lock on the database file (a read lock on its shared byte range, as
/// its own connections take: 510 bytes from 2 past the 1 GiB mark) on a file of this
/// reader's own, as an open file description lock (Linux), which closing SQLite's own
/// handles in this process does not release. Waits while a writer holds the file
/// exclusively (a rollback-journal commit, or the site's last connection closing).
fn hold_shared(path: &Path, cancel: &CancelToken) -> Result<Option<std::fs::File>> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
        let give_up = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            // SAFETY: a zeroed flock is a valid value; the fields set are plain integers.
            let mut lock: libc::flock = unsafe { std::mem::zeroed() };
            lock.l_type = libc::F_RDLCK as libc::c_short;
            lock.l_whence = libc::SEEK_SET as libc::c_short;
            lock.l_start = 0x4000_0002;
            lock.l_len = 510;
            // SAFETY: an open descriptor and a valid flock for F_OFD_SETLK.
            if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &lock) } == 0 {
                return Ok(Some(file));
            }
            let error = std::io::Error::last_os_error();
            if !matches!(error.raw_os_error(), Some(libc::EAGAIN | libc::EACCES)) {
                return Err(Error::io("lock", path, error));
            }
            cancel.check()?;
            if std::time::Instant::now() > give_up {
                return Err(Error::new(ErrorKind::Database, LOCKED_FOR_A_MINUTE));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (path, cancel);
        Ok(None)
    }
}

/// Whether the database file says it is in WAL mode (file format versions 2 at bytes 18
/// and 19).
fn is_wal(path: &Path) -> Result<bool> {
    let mut header = [0u8; 20];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|e| Error::io("read", path, e))?;
    Ok(header[18] == 2 && header[19] == 2)
}

/// `file:` URI of `path` opened `immutable` (no locks, no `-wal`/`-shm` files), every byte
/// outside a few plain ones percent-encoded.
fn immutable_uri(path: &Path) -> String {
    use std::fmt::Write;
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
            uri.push(b as char);
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// What shows a file was written: its size and modification time, and on Unix its inode
/// and status-change time.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    size: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode_changed: (u64, i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> Result<Stamp> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
        Ok(Stamp {
            size: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode_changed: {
                use std::os::unix::fs::MetadataExt;
                (meta.ino(), meta.ctime(), meta.ctime_nsec())
            },
        })
    }

    /// Whether the file has not been written for a second.
    fn settled(&self) -> bool {
        self.modified
            .and_then(|m| m.elapsed().ok())
            .is_none_or(|age| age >= Duration::from_secs(1))
    }

    fn still(&self, path: &Path) -> Result<bool> {
        Ok(Stamp::of(path)? == *self)
    }
}

/// Copy every page from `src` to `dst` in one step, retrying while a lock is held.
fn copy_all_pages(src: &Connection, dst: &mut Connection, cancel: &CancelToken) -> Result<()> {
    // Short waits for the lock, so a cancel is seen while another program holds it.
    dst.busy_timeout(Duration::from_millis(100))?;
    let backup = Backup::new(src, dst)?;
    let give_up = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        cancel.check()?;
        let step = backup.step(-1);
        match step {
            Ok(StepResult::Done) => return Ok(()),
            Ok(StepResult::More) => {}
            Ok(StepResult::Busy) | Ok(StepResult::Locked) => {
                if std::time::Instant::now() > give_up {
                    return Err(Error::new(ErrorKind::Database, LOCKED_FOR_A_MINUTE));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DiskFull =>
            {
                return Err(Error::new(
                    ErrorKind::Io,
                    "The disk filled up while copying the database; free some space and try again.",
                ))
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Check a snapshot file and measure what it holds, for the manifest.
pub fn inspect(file: &Path, cancel: &CancelToken) -> Result<super::Inspection> {
    inspect_file(file, Check::Quick, cancel).map_err(|e| {
        if e.kind == ErrorKind::VerificationFailed {
            Error::new(
                ErrorKind::Database,
                format!("The shop's database is damaged ({}); repair it before backing up, for example with sqlite3's .recover command.", e.message.trim_end_matches('.')),
            )
        } else {
            e
        }
    })
}

/// How thoroughly to check a database's pages.
#[derive(Clone, Copy)]
enum Check {
    /// `PRAGMA quick_check`: every page and row, not index contents; for fresh snapshots.
    Quick,
    /// `PRAGMA integrity_check`: everything; for a restored database.
    Full,
}

/// Check the database file (pages, then foreign-key violations, which a shop may have since
/// SQLite enforces foreign keys only when asked) on one thread while fingerprinting its
/// schema and tables on another, each through its own read-only connection.
fn inspect_file(file: &Path, check: Check, cancel: &CancelToken) -> Result<super::Inspection> {
    let checker = open(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let reader = open(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (checked, measured) = std::thread::scope(|s| {
        let checked = s.spawn(move || -> Result<u64> {
            let pragma = match check {
                Check::Quick => "PRAGMA quick_check(1)",
                Check::Full => "PRAGMA integrity_check(1)",
            };
            let result: String = checker.query_row(pragma, [], |r| r.get(0))?;
            if result != "ok" {
                return Err(Error::new(
                    ErrorKind::VerificationFailed,
                    format!("The SQLite integrity check failed: {result}."),
                ));
            }
            let violations: i64 =
                checker.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })?;
            Ok(violations as u64)
        });
        let measured = schema_fingerprint(&reader)
            .and_then(|schema| Ok((schema, table_stats(&reader, cancel)?)));
        (
            checked.join().expect("the checking thread never panics"),
            measured,
        )
    });
    let violations = checked?;
    let (schema_fingerprint, tables) = measured?;
    Ok(super::Inspection {
        schema_fingerprint,
        tables,
        foreign_key_violations: violations,
        objects: None,
    })
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// SHA-256 over every schema object's type, name and SQL, in name order.
pub fn schema_fingerprint(conn: &Connection) -> Result<String> {
    let mut stmt = conn.prepare(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name",
    )?;
    let mut rows = stmt.query([])?;
    let mut hasher = Sha256::new();
    while let Some(row) = rows.next()? {
        for i in 0..4 {
            let s: String = row.get(i)?;
            hasher.update((s.len() as u64).to_le_bytes());
            hasher.update(s.as_bytes());
        }
    }
    Ok(hex(&hasher.finalize()))
}

/// Row count of every table, in name order.
pub fn row_counts(conn: &Connection) -> Result<Vec<(String, u64)>> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .into_iter()
        .map(|name| {
            let n: i64 =
                conn.query_row(&format!("SELECT count(*) FROM {}", quote(&name)), [], |r| {
                    r.get(0)
                })?;
            Ok((name, n as u64))
        })
        .collect()
}

/// Row count and content fingerprint of every table, in name order.
///
/// A fingerprint is the sum (mod 2^128) of the first 16 bytes, little-endian, of each row's
/// SHA-256 over its typed values: independent of row order, sensitive to every value.
pub fn table_stats(conn: &Connection, cancel: &CancelToken) -> Result<Vec<TableStat>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .into_iter()
        .map(|name| {
            cancel.check()?;
            let mut stmt = conn.prepare(&format!("SELECT * FROM {}", quote(&name)))?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([])?;
            let mut sum = RowSum::default();
            while let Some(row) = rows.next()? {
                let mut h = Sha256::new();
                for i in 0..columns {
                    match row.get_ref(i)? {
                        ValueRef::Null => h.update(b"n"),
                        ValueRef::Integer(v) => {
                            h.update(b"i");
                            h.update(v.to_le_bytes());
                        }
                        ValueRef::Real(v) => {
                            h.update(b"r");
                            h.update(v.to_bits().to_le_bytes());
                        }
                        ValueRef::Text(v) => {
                            h.update(b"t");
                            h.update((v.len() as u64).to_le_bytes());
                            h.update(v);
                        }
                        ValueRef::Blob(v) => {
                            h.update(b"b");
                            h.update((v.len() as u64).to_le_bytes());
                            h.update(v);
                        }
                    }
                }
                sum.add(&h.finalize());
            }
            Ok(sum.stat(name))
        })
        .collect()
}

/// Compare schema and every table of `conn` with `expected`; `what` names the database.
fn compare(found: &super::Inspection, expected: &DatabasePart, what: &str) -> Result<()> {
    if found.schema_fingerprint != expected.schema_fingerprint {
        return Err(Error::new(
            ErrorKind::VerificationFailed,
            format!("{what} does not have the schema recorded in the manifest."),
        ));
    }
    let actual = &found.tables;
    for want in &expected.tables {
        match actual.iter().find(|t| t.name == want.name) {
            None => {
                return Err(Error::new(
                    ErrorKind::VerificationFailed,
                    format!("{what} lacks the table {}.", want.name),
                ))
            }
            Some(got) if got.rows != want.rows => {
                return Err(Error::new(
                    ErrorKind::VerificationFailed,
                    format!(
                        "{what} has {} rows in table {} where the backup has {}.",
                        got.rows, want.name, want.rows
                    ),
                ))
            }
            Some(got) if got.fingerprint != want.fingerprint => {
                return Err(Error::new(
                    ErrorKind::VerificationFailed,
                    format!(
                        "{what} has different content in table {} than the backup.",
                        want.name
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = actual
        .iter()
        .find(|t| !expected.tables.iter().any(|w| w.name == t.name))
    {
        return Err(Error::new(
            ErrorKind::VerificationFailed,
            format!(
                "{what} has a table {} that the backup does not have.",
                extra.name
            ),
        ));
    }
    Ok(())
}

/// Remove an SQLite file and its journal companions, ignoring what is not there.
pub fn remove_db_files(file: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = file.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}
