//! File-system helpers the operations share: absolute paths, durable writes, folders that
//! clean themselves up unless kept, and the sweeping of what interrupted jobs left.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// `path` made absolute against the current folder (without resolving links).
pub fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io("find", path, e))
}

/// Options to write a file only its owner may read, for what holds the shop's data (an
/// archive, a database copy): customers, password hashes, live session keys.
pub fn private_file() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Create `path` anew for ShopSafe's own use (read and write), readable by its owner only.
/// Whatever had the name (a leftover of an earlier run, or a link another user planted in a
/// folder they may write to) is removed first, and a name taken again meanwhile makes this
/// fail rather than be followed.
pub fn create_private(path: &Path) -> Result<std::fs::File> {
    remove(path);
    private_file()
        .read(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            // Another user's, in a folder where each may remove only their own files.
            std::io::ErrorKind::AlreadyExists => Error::new(
                crate::ErrorKind::Conflict,
                format!(
                    "Another user's file {} is in the way of a file ShopSafe makes there while it works; remove it (as that user or root), then try again.",
                    path.display()
                ),
            ),
            _ => Error::io("write", path, e),
        })
}

/// Refuse to work in `dir` if it, or a folder above it, may be changed by every user of
/// this computer without the sticky bit (which keeps each user to their own files): any of
/// them could then `what` (a clause: "swap …"). With `only_mine`, also a folder another
/// user (not root) owns: ShopSafe's own folder, which nobody else may rename or replace.
/// (A folder its group may change is accepted: many systems give each user a group of
/// their own, and a shared group is someone's choice.)
pub fn refuse_open_to_all(dir: &Path, what: &str, only_mine: bool) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let me = euid();
        let dir = absolute(dir)?;
        for folder in dir.ancestors() {
            let Ok(meta) = std::fs::metadata(folder) else {
                continue;
            };
            let mode = meta.permissions().mode();
            if only_mine && meta.uid() != me && meta.uid() != 0 {
                return Err(Error::invalid(format!(
                    "The folder {} belongs to another user (user id {}), who could {what}; run ShopSafe as that user, or keep ShopSafe's folder (--home or SHOPSAFE_HOME) among folders of your own.",
                    folder.display(),
                    meta.uid()
                )));
            }
            if mode & 0o002 != 0 && mode & 0o1000 == 0 && keeps_permissions(folder) {
                return Err(Error::invalid(format!(
                    "The folder {} may be changed by every user of this computer, any of whom could {what}; make it writable only by its owner (chmod o-w {}), then try again.",
                    folder.display(),
                    folder.display()
                )));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, what, only_mine);
    Ok(())
}

/// ShopSafe's own folder for the files a job makes and SQLite opens again by name (a
/// backup's snapshot, a restore's staged copy and rollback point): `<home>/work`, its
/// owner's alone in a home no other user may change, so no one can swap them meanwhile.
pub fn work_dir(home: &Path) -> Result<PathBuf> {
    let dir = home.join("work");
    create_private_dir(&dir)?;
    remove_leftovers(&dir);
    Ok(dir)
}

/// [`refuse_open_to_all`] for the folder of the archive `path` given by name, and for the
/// folder it really is in when the name is a link.
pub fn refuse_archive_open_to_all(path: &Path, what: &str) -> Result<()> {
    let real = std::fs::canonicalize(path).map_err(|e| Error::io("read", path, e))?;
    for file in [path, real.as_path()] {
        refuse_open_to_all(file.parent().unwrap_or(file), what, false)?;
    }
    Ok(())
}

/// The effective user id of this process.
#[cfg(unix)]
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// `path` as a C string, for the system calls below; `None` if it holds a NUL byte.
#[cfg(target_os = "linux")]
fn c_path(path: &Path) -> Option<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes()).ok()
}

/// Whether the file system holding `path` keeps Unix permissions. A USB drive formatted
/// for Windows (FAT, exFAT, NTFS) shows every folder as writable by all, and no chmod
/// changes that: refusing it would leave no way to back up there.
fn keeps_permissions(path: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Some(c_path) = c_path(path) else {
            return true;
        };
        let mut fs = std::mem::MaybeUninit::<libc::statfs>::uninit();
        // SAFETY: a valid C string and room for one statfs record, filled on success.
        if unsafe { libc::statfs(c_path.as_ptr(), fs.as_mut_ptr()) } != 0 {
            return true;
        }
        // SAFETY: statfs succeeded, so the record is filled. (Its type is i64 here, other
        // widths on other architectures.)
        #[allow(clippy::unnecessary_cast)]
        let kind = unsafe { fs.assume_init() }.f_type as i64;
        // vfat/msdos, exFAT, NTFS (ntfs3), and FUSE (ntfs-3g, which USB drives mount as).
        const WITHOUT: [i64; 4] = [0x4d44, 0x2011_bab0, 0x5346_544e, 0x6573_5546];
        !WITHOUT.contains(&kind)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        true
    }
}

/// Whether the file system holding `path` is mounted read-only (Linux; `false` elsewhere).
pub fn on_read_only_mount(path: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Some(c_path) = c_path(path) else {
            return false;
        };
        let mut fs = std::mem::MaybeUninit::<libc::statvfs>::uninit();
        // SAFETY: a NUL-terminated path and room for one statvfs, read only on success.
        unsafe {
            libc::statvfs(c_path.as_ptr(), fs.as_mut_ptr()) == 0
                && fs.assume_init().f_flag & libc::ST_RDONLY != 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        false
    }
}

/// Whether this process may write `path` (a file, or a folder's entries) by the kernel's
/// own rules (effective ids, groups, a read-only mount); `false` when that cannot be told.
pub fn may_write(path: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Some(c_path) = c_path(path) else {
            return false;
        };
        // SAFETY: a NUL-terminated path; faccessat only reads it.
        unsafe {
            libc::faccessat(
                libc::AT_FDCWD,
                c_path.as_ptr(),
                libc::W_OK,
                libc::AT_EACCESS,
            ) == 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
    }
}

/// Check that `path` still names `file` (as [`create_private`] made it), before writing
/// into it by name: another user who may write to its folder could have put something else
/// there.
pub fn still_same(file: &std::fs::File, path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let ours = file.metadata().map_err(|e| Error::io("read", path, e))?;
        let named = std::fs::symlink_metadata(path).map_err(|e| Error::io("read", path, e))?;
        if (ours.dev(), ours.ino()) != (named.dev(), named.ino()) {
            return Err(Error::new(
                crate::ErrorKind::Conflict,
                format!(
                    "ShopSafe's working file {} was replaced by another while it was being made, so nothing was written into it; make sure no other user may write to {}, then try again.",
                    path.display(),
                    path.parent().unwrap_or(path).display()
                ),
            ));
        }
    }
    Ok(())
}

/// Open one of ShopSafe's working files made by [`create_private`] (a server restore's
/// staged dump or rollback point, which stay in the backup destination: they can be as
/// large as the database) to read it again by name. Another user who may write to that
/// folder could have put their own file there meanwhile, whose statements the restore
/// would run as the shop's login: a file that is not this user's own, or is a link, is
/// refused. (One of ShopSafe's own files swapped in holds other rows or objects than the
/// manifest says, which the restore's check of the loaded database finds.)
pub fn open_own(path: &Path) -> std::io::Result<std::fs::File> {
    let file = open_no_wait(path, false)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = file.metadata()?;
        if !meta.is_file() || meta.uid() != euid() || meta.mode() & 0o022 != 0 {
            // Read in messages as "Could not read PATH: it is not …".
            return Err(std::io::Error::other(format!(
                "it is not the file ShopSafe made there but another user's; make sure no other user may write to {}, then try again",
                path.parent().unwrap_or(path).display()
            )));
        }
    }
    Ok(file)
}

/// Open `path` to read without waiting for a writer should another user have put a FIFO
/// there (reading it then fails), and through a link only if `follow_links`.
pub fn open_no_wait(path: &Path, follow_links: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NONBLOCK | if follow_links { 0 } else { libc::O_NOFOLLOW },
    );
    #[cfg(not(unix))]
    let _ = follow_links;
    options.open(path)
}

/// Create a folder of ShopSafe's own (and any missing folders above it) that only its
/// owner may open, whatever the umask; one made before with looser rights is tightened.
pub fn create_private_dir(path: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(path)
        .map_err(|e| Error::io("create", path, e))?;
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(|e| Error::io("protect", path, e))?;
    Ok(())
}

/// Make an existing file (one SQLite created) readable by its owner only.
pub fn make_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io("protect", path, e))?;
    }
    Ok(())
}

/// Give a file a restore has just made in the shop the owner and group of its folder, so
/// a restore run as root (`sudo`) leaves the site's user able to write it. Best effort:
/// only root may give files away, and then nothing is lost but convenience.
pub fn give_to_folders_owner(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let folder = path.parent().and_then(|p| std::fs::metadata(p).ok());
        if let (Some(folder), Ok(file)) = (folder, std::fs::metadata(path)) {
            if (folder.uid(), folder.gid()) != (file.uid(), file.gid()) {
                let _ = std::os::unix::fs::chown(path, Some(folder.uid()), Some(folder.gid()));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// `path`, or, if something is there, the first of `path-2`, `path-3`… that is free.
pub fn unused(path: &Path) -> PathBuf {
    let taken = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    let mut n = 1;
    let mut candidate = path.to_path_buf();
    while taken(&candidate) {
        n += 1;
        let mut name = path.as_os_str().to_os_string();
        name.push(format!("-{n}"));
        candidate = PathBuf::from(name);
    }
    candidate
}

/// Flush a folder's entries to disk, so a rename inside it survives a power cut.
pub fn fsync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let f = std::fs::File::open(dir).map_err(|e| Error::io("open", dir, e))?;
        f.sync_all().map_err(|e| Error::io("flush", dir, e))?;
    }
    Ok(())
}

/// Flush the written `files` (and the folders holding them) to disk. On Linux one `syncfs`
/// per file system does it, far faster than one `fsync` per file when there are thousands.
pub fn sync_files(files: &[PathBuf]) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let mut done = std::collections::HashSet::new();
        for f in files {
            let meta = std::fs::symlink_metadata(f).map_err(|e| Error::io("flush", f, e))?;
            if done.insert(meta.dev()) {
                let file = open_no_wait(f, false).map_err(|e| Error::io("flush", f, e))?;
                // SAFETY: syncfs only reads the open descriptor, which outlives the call.
                let rc = unsafe { libc::syncfs(std::os::fd::AsRawFd::as_raw_fd(&file)) };
                if rc != 0 {
                    return Err(Error::io("flush", f, std::io::Error::last_os_error()));
                }
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    for f in files {
        open_no_wait(f, false)
            .and_then(|file| file.sync_all())
            .map_err(|e| Error::io("flush", f, e))?;
    }
    Ok(())
}

/// Remove what jobs killed outright (or stopped by a power cut) left in the destination
/// folder `dest` (or the work folder): unfinished archives (`shopsafe-….zip.partial`),
/// staged dumps (`.shopsafe-restore-…`) and backup id reservations (`.shopsafe-id-…`)
/// untouched for a day, so never a running job's. A rollback point
/// (`.shopsafe-rollback-…`), which a failed restore names as the way back, is kept. Best
/// effort: what cannot be read or removed stays.
pub fn remove_leftovers(dest: &Path) {
    let Ok(entries) = std::fs::read_dir(dest) else {
        return;
    };
    let Some(day_ago) =
        std::time::SystemTime::now().checked_sub(std::time::Duration::from_secs(86_400))
    else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let left = (name.starts_with("shopsafe-") && name.ends_with(".zip.partial"))
            || (name.starts_with(".shopsafe-") && name.ends_with(".zip.snapshot"))
            || name.starts_with(".shopsafe-restore-")
            || name.starts_with(".shopsafe-id-");
        let stale = || {
            entry
                .metadata()
                .is_ok_and(|m| m.is_file() && m.modified().is_ok_and(|at| at < day_ago))
        };
        if left && stale() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Write `bytes` to `path` by way of a temporary file and a rename; readable by all, written
/// only by its owner, whatever the umask.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_mode(path, bytes, 0o644)
}

/// Like [`write_atomic`], for a file only its owner may read or write (mode 0600 on Unix,
/// from the moment it is created).
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_mode(path, bytes, 0o600)
}

fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        #[cfg(not(unix))]
        let _ = mode;
        let mut f = options
            .open(&tmp)
            .map_err(|e| Error::io("write", &tmp, e))?;
        f.write_all(bytes)
            .map_err(|e| Error::io("write", &tmp, e))?;
        f.sync_all().map_err(|e| Error::io("flush", &tmp, e))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| Error::io("rename", path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A file or folder that is removed when dropped, unless [`Cleanup::keep`] was called.
pub struct Cleanup {
    path: Option<PathBuf>,
}

impl Cleanup {
    pub fn new(path: PathBuf) -> Self {
        Cleanup { path: Some(path) }
    }

    /// Like [`Cleanup::new`], first removing whatever an earlier, interrupted run left there.
    pub fn fresh(path: PathBuf) -> Self {
        remove(&path);
        Self::new(path)
    }

    pub fn path(&self) -> &Path {
        self.path.as_deref().expect("cleanup path taken")
    }

    /// Do not remove it after all.
    pub fn keep(mut self) -> PathBuf {
        self.path.take().expect("cleanup path taken")
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            remove(&p);
        }
    }
}

/// Remove a folder with its content, or a file with any SQLite `-wal`, `-shm` and
/// `-journal` companions; what is not there is ignored.
fn remove(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        _ => crate::engine::sqlite::remove_db_files(path),
    }
}

/// A sibling of `path` named `.<name>.<tag>`, on the same file system so renames are atomic.
pub fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.{tag}"))
}

/// The entries of `dir` whose names start with `prefix`, sorted (none if `dir` is not
/// there): what restores left beside a shop's folder or file.
pub fn starting_with(dir: &Path, prefix: &str) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read the folder", dir, e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link planted at the name of a file ShopSafe makes is removed, never written
    /// through; a file put in its place after it was made is noticed.
    #[cfg(unix)]
    #[test]
    fn private_files_are_never_made_through_a_link_nor_open_to_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep me").unwrap();
        let name = dir.path().join(".shopsafe-rollback-x");
        std::os::unix::fs::symlink(&victim, &name).unwrap();
        let mut made = create_private(&name).unwrap();
        std::io::Write::write_all(&mut made, b"dump").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert!(std::fs::symlink_metadata(&name).unwrap().is_file());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&name), 0o600);
        still_same(&made, &name).unwrap();
        std::fs::rename(&victim, &name).unwrap();
        assert_eq!(
            still_same(&made, &name).unwrap_err().kind,
            crate::ErrorKind::Conflict
        );

        // Folders of its own are its owner's alone, whatever the umask.
        let private = dir.path().join("a/b");
        create_private_dir(&private).unwrap();
        assert_eq!(mode(&private), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
    }

    #[test]
    fn leftovers_untouched_for_a_day_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let two_days_ago =
            std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
        let names = [
            "shopsafe-demo-20260101-000000-abcd.zip.partial",
            ".shopsafe-demo-20260101-000000-abcd.zip.snapshot",
            ".shopsafe-restore-20260101-000000-abcd",
            ".shopsafe-rollback-20260101-000000-abcd",
            "shopsafe-demo-20260101-000000-abcd.zip",
            "notes.zip.partial",
        ];
        for name in names {
            let f = std::fs::File::create(d.join(name)).unwrap();
            f.set_modified(two_days_ago).unwrap();
        }
        std::fs::write(
            d.join("shopsafe-demo-20260102-000000-abcd.zip.partial"),
            b"running",
        )
        .unwrap();
        remove_leftovers(d);
        let mut left: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".shopsafe-rollback-20260101-000000-abcd",
                "notes.zip.partial",
                "shopsafe-demo-20260101-000000-abcd.zip",
                "shopsafe-demo-20260102-000000-abcd.zip.partial",
            ]
        );
    }
}
