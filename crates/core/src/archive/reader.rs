//! Reading an archive: opening it, checking every entry against the manifest, and unpacking
//! into a staging folder without ever writing outside it.
//!
//! [`Archive::check`] reads every entry the manifest lists, compares its size and SHA-256,
//! and at the same time hashes the whole file on a second thread to compare with the
//! checksum recorded when it was made. With a [`Staging`] target it also writes the entries
//! there, so a restore verifies and unpacks in one pass. Entry names are checked before
//! anything is written: an absolute path, `..`, a link or an entry the manifest does not list
//! makes the archive corrupt, and nothing leaves the staging folder.

use crate::hashing::{hex, sha256_at};
use crate::manifest::{FileEntry, Manifest, MANIFEST_ENTRY, MEDIA_PREFIX, README_ENTRY};
use crate::progress::{CancelToken, Meter};
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

/// The largest manifest read (about three million media files); guards against zip bombs.
const MANIFEST_LIMIT: u64 = 1 << 30;

pub struct Archive {
    pub path: PathBuf,
    pub manifest: Manifest,
    zip: zip::ZipArchive<SeekBuf>,
    /// The file opened, for hashing it whole beside the zip reader.
    opened: File,
}

/// Where [`Archive::check`] should unpack to.
pub struct Staging<'a> {
    /// The database part is written to this file.
    pub database: &'a Path,
    /// Media files go below this folder (which must exist and be empty), if given.
    pub media: Option<&'a Path>,
}

/// What a successful check found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    pub archive_sha256: String,
    pub entries: u64,
    pub bytes: u64,
}

impl Archive {
    /// Open an archive and read its manifest.
    pub fn open(path: &Path) -> Result<Archive> {
        let file = File::open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                let folder = path.parent().unwrap_or(path);
                Error::not_found(match folder.is_dir() {
                    true => format!(
                        "The archive {} is missing; it was moved or deleted. If you moved it, run `shopsafe import` on its new folder.",
                        path.display()
                    ),
                    false => format!(
                        "The archive {} cannot be read, as its folder {} is not there (a disk not mounted?); mount it, or if you moved the backups, run `shopsafe import` on their new folder.",
                        path.display(),
                        folder.display()
                    ),
                })
            } else {
                Error::io("read", path, e)
            }
        })?;
        let opened = file.try_clone().map_err(|e| Error::io("read", path, e))?;
        let mut zip = zip::ZipArchive::new(SeekBuf::new(file)).map_err(|_| {
            Error::corrupt(format!(
                "The file {} is not a readable zip archive: it is truncated or damaged.",
                path.display()
            ))
        })?;
        if zip.has_duplicate_names() {
            return Err(Error::corrupt(format!(
                "The archive {} holds two entries with the same name; it was not made by ShopSafe or it was tampered with.",
                path.display()
            )));
        }
        let manifest = {
            let mut entry = zip.by_name(MANIFEST_ENTRY).map_err(|_| {
                Error::corrupt(format!(
                    "The archive {} has no readable manifest, so it is not a ShopSafe archive or it is damaged.",
                    path.display()
                ))
            })?;
            let mut bytes = Vec::new();
            entry.by_ref().take(MANIFEST_LIMIT).read_to_end(&mut bytes).map_err(|_| {
                Error::corrupt(format!(
                    "The manifest of {} is damaged (entry {MANIFEST_ENTRY} does not match its checksum).",
                    path.display()
                ))
            })?;
            Manifest::from_json(&bytes)?
        };
        Ok(Archive {
            path: path.to_path_buf(),
            manifest,
            zip,
            opened,
        })
    }

    /// Open the archive of backup `id` at `path`: refused in one sentence if the file now
    /// holds another backup (one copied over it).
    pub fn open_backup(path: &Path, id: &str) -> Result<Archive> {
        let archive = Archive::open(path)?;
        if archive.manifest.backup_id != id {
            return Err(Error::corrupt(format!(
                "The file {} now holds backup {}, not {id}; it was replaced (another backup was copied over it), so backup {id} is gone.",
                path.display(),
                archive.manifest.backup_id
            )));
        }
        Ok(archive)
    }

    /// Every entry the manifest lists, with its full name inside the archive.
    fn listed(&self) -> Vec<(String, FileEntry)> {
        let m = &self.manifest;
        let mut all = vec![(m.database.entry.path.clone(), m.database.entry.clone())];
        for f in &m.media.files {
            all.push((format!("{MEDIA_PREFIX}{}", f.path), f.clone()));
        }
        all
    }

    /// Total uncompressed bytes the manifest lists.
    pub fn listed_bytes(&self) -> u64 {
        self.manifest.database.entry.size + self.manifest.media.total_bytes
    }

    /// Check every entry (and the whole file against `expected_sha256`, if given), writing
    /// entries to `staging` if given.
    pub fn check(
        &mut self,
        expected_sha256: Option<&str>,
        staging: Option<&Staging>,
        meter: &mut Meter,
        cancel: &CancelToken,
    ) -> Result<CheckReport> {
        let path = self.path.clone();
        // The whole file is hashed through the file opened, as its entries are read: never
        // another that has taken its name since (swapped in by whoever may write there).
        let opened = self
            .opened
            .try_clone()
            .map_err(|e| Error::io("read", &path, e))?;
        let (entries, whole) = std::thread::scope(|s| {
            let whole = s.spawn(|| sha256_at(&opened, &path));
            let entries = self.check_entries(staging, meter, cancel);
            (entries, whole.join().expect("hashing thread never panics"))
        });
        let (count, bytes) = entries?;
        let whole = whole?;
        if let Some(expected) = expected_sha256 {
            if !whole.eq_ignore_ascii_case(expected) {
                return Err(Error::corrupt(format!(
                    "The archive {} is damaged: every entry reads correctly, but the file's SHA-256 differs from the one recorded when it was made.",
                    self.path.display()
                )));
            }
        }
        Ok(CheckReport {
            archive_sha256: whole,
            entries: count,
            bytes,
        })
    }

    fn check_entries(
        &mut self,
        staging: Option<&Staging>,
        meter: &mut Meter,
        cancel: &CancelToken,
    ) -> Result<(u64, u64)> {
        let listed = self.listed();
        let mut names = HashSet::new();
        for (name, _) in &listed {
            safe_relative(name).ok_or_else(|| self.unsafe_entry(name))?;
            if !names.insert(name.as_str()) {
                return Err(Error::corrupt(format!(
                    "The archive {} lists the entry {name} twice; it was not made by ShopSafe or it was tampered with.",
                    self.path.display()
                )));
            }
        }
        // From the central directory alone: opening every entry here would read the whole
        // archive once before unpacking began. (Each entry's own header, and whether it is
        // a link, is read as it is unpacked.)
        for name in self.zip.file_names() {
            let Ok(name) = name else {
                return Err(self.damaged("its index"));
            };
            if !names.contains(&*name) && name != MANIFEST_ENTRY && name != README_ENTRY {
                return Err(Error::corrupt(format!(
                    "The archive {} holds an entry its manifest does not list ({name}); it was not made by ShopSafe or it was tampered with.",
                    self.path.display()
                )));
            }
        }
        let mut bytes = 0;
        let mut buf = vec![0u8; 1 << 20];
        let mut staged = Vec::new();
        // The folder the last file went into: most files share their predecessor's.
        let mut made = None;
        for (name, want) in &listed {
            cancel.check()?;
            let target = staging.and_then(|st| {
                if name == &self.manifest.database.entry.path {
                    Some(st.database.to_path_buf())
                } else {
                    st.media.map(|m| {
                        m.join(safe_relative(&name[MEDIA_PREFIX.len()..]).unwrap_or_default())
                    })
                }
            });
            self.check_entry(name, want, target.as_deref(), &mut made, &mut buf, meter)?;
            bytes += want.size;
            staged.extend(target);
        }
        // One flush for everything staged, before anything live is replaced.
        crate::paths::sync_files(&staged)?;
        Ok((listed.len() as u64, bytes))
    }

    fn check_entry(
        &mut self,
        name: &str,
        want: &FileEntry,
        target: Option<&Path>,
        made: &mut Option<PathBuf>,
        buf: &mut [u8],
        meter: &mut Meter,
    ) -> Result<()> {
        let path = self.path.clone();
        let mut entry = self.zip.by_name(name).map_err(|_| {
            Error::corrupt(format!(
                "The archive {} is damaged: entry {name} is missing or unreadable.",
                path.display()
            ))
        })?;
        if entry.is_symlink() {
            return Err(Error::corrupt(format!(
                "The archive {} holds a link ({name}); ShopSafe archives never do, so it was not restored.",
                path.display()
            )));
        }
        let mut out = match target {
            Some(t) => {
                if let Some(parent) = t.parent().filter(|p| made.as_deref() != Some(*p)) {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| unpack_error("create", parent, e))?;
                    *made = Some(parent.to_path_buf());
                }
                // Readable by its owner only until it is in place (the database part
                // stays so); a media file then gets its own permission bits. Media go
                // into a folder this restore made empty, where nothing can be in the way.
                let f = match name == self.manifest.database.entry.path {
                    true => crate::paths::create_private(t)?,
                    false => crate::paths::private_file()
                        .create_new(true)
                        .open(t)
                        .map_err(|e| unpack_error("write", t, e))?,
                };
                Some(f)
            }
            None => None,
        };
        let mode = entry.unix_mode();
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut limited = entry.by_ref().take(want.size + 1);
        loop {
            let n = super::writer::read_full(&mut limited, buf)
                .map_err(|_| damaged_entry(&path, name))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
            meter.add(n as u64, 0);
            if let (Some(out), Some(t)) = (out.as_mut(), target) {
                out.write_all(&buf[..n])
                    .map_err(|e| unpack_error("write", t, e))?;
            }
        }
        if size != want.size || hex(&hasher.finalize()) != want.sha256 {
            return Err(damaged_entry(&path, name));
        }
        // A media file's modification time, as it was backed up. Best effort: a file system
        // that keeps no such times loses nothing of the file's content.
        if let (Some(out), Some(t)) = (
            out.as_ref(),
            want.modified
                .as_deref()
                .and_then(crate::clock::parse_file_time),
        ) {
            let _ = out.set_modified(t);
        }
        // A media file's own permission bits (archives written before they were kept say
        // 0644), always readable by its owner, who checks it.
        #[cfg(unix)]
        if let (Some(out), Some(t), Some(mode), true) =
            (out.as_ref(), target, mode, name.starts_with("media/"))
        {
            use std::os::unix::fs::PermissionsExt;
            let bits = std::fs::Permissions::from_mode(mode & 0o777 | 0o400);
            out.set_permissions(bits)
                .map_err(|e| Error::io("write", t, e))?;
        }
        meter.add(0, 1);
        Ok(())
    }

    fn damaged(&self, what: &str) -> Error {
        Error::corrupt(format!(
            "The archive {} is damaged: {what} cannot be read.",
            self.path.display()
        ))
    }

    fn unsafe_entry(&self, name: &str) -> Error {
        Error::corrupt(format!(
            "The archive {} holds an unsafe entry name ({name}) that points outside its folder; nothing was restored from it.",
            self.path.display()
        ))
    }
}

fn damaged_entry(path: &Path, name: &str) -> Error {
    Error::corrupt(format!(
        "The archive {} is damaged: entry {name} does not match its checksum. Restore from another backup.",
        path.display()
    ))
}

/// `name` as a relative path that stays inside its folder, or `None` if it could escape
/// (absolute, `..`, a drive prefix, empty parts, or a backslash where it separates paths).
pub fn safe_relative(name: &str) -> Option<PathBuf> {
    let separator = cfg!(windows) && name.contains('\\');
    if name.is_empty() || separator || name.contains('\0') || name.starts_with('/') {
        return None;
    }
    let mut out = PathBuf::new();
    for part in name.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return None;
        }
        let mut comps = Path::new(part).components();
        match (comps.next(), comps.next()) {
            (Some(Component::Normal(c)), None) => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

/// A failure writing what a restore unpacks: a full disk is named for what it is (the
/// restore needs room for a second copy of the shop beside it), not as a destination to
/// choose.
/// The archive file, read through a buffer kept across seeks that land inside it: the zip
/// reader seeks to every entry, and a plain `BufReader` refills its whole buffer each time,
/// which for many small media files means reading the archive over and over.
struct SeekBuf {
    inner: BufReader<File>,
    /// The position the next read starts at.
    pos: u64,
}

impl SeekBuf {
    fn new(file: File) -> SeekBuf {
        SeekBuf {
            inner: BufReader::with_capacity(1 << 20, file),
            pos: 0,
        }
    }
}

impl Read for SeekBuf {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SeekBuf {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => at,
            SeekFrom::Current(by) => self.pos.checked_add_signed(by).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start")
            })?,
            SeekFrom::End(_) => {
                self.pos = self.inner.seek(to)?;
                return Ok(self.pos);
            }
        };
        // Within the buffer this only moves in it; elsewhere it reads afresh from there.
        self.inner.seek_relative(target as i64 - self.pos as i64)?;
        self.pos = target;
        Ok(target)
    }
}

fn unpack_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::StorageFull => Error::new(
            crate::ErrorKind::Io,
            format!(
                "Could not {what} {}: the disk is full. A restore unpacks a second copy of what it restores beside the shop's own before it swaps it in, so it needs that much free space there; free some, then restore again.",
                path.display()
            ),
        ),
        _ => Error::io(what, path, e),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_relative;

    #[test]
    fn unsafe_names_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "media/../../x",
            "a//b",
            "a/./b",
            "a/..",
            "media/",
        ] {
            assert!(safe_relative(bad).is_none(), "{bad:?} was accepted");
        }
        // On Unix a backslash is part of a file name, not a separator.
        assert_eq!(safe_relative(r"a\..\b").is_some(), !cfg!(windows));
        assert_eq!(
            safe_relative("media/a b/ü.png").unwrap().to_str(),
            Some("media/a b/ü.png")
        );
    }
}
