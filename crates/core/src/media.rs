//! The media folder: finding every file under it, and telling compressed formats from text.
//!
//! A scan lists regular files with their paths relative to the media root (always `/`
//! separated), in sorted order. Symbolic links, sockets and names that are not valid UTF-8
//! are not followed or saved; they are listed as skipped, with the reason, so nothing is
//! dropped silently, and a restore keeps the live folder's own ([`keep_unsaved`]). A file
//! the site deletes while the folder is read is listed as deleted during the backup.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct MediaFile {
    /// Relative path with `/` separators.
    pub rel: String,
    pub abs: PathBuf,
    pub size: u64,
    /// Its permission bits (`0o644`…), which the archive keeps.
    pub mode: u32,
}

#[derive(Debug, Default)]
pub struct MediaScan {
    pub files: Vec<MediaFile>,
    pub skipped: Vec<String>,
    /// Folders with nothing in them (relative, `/`-separated): no file recalls them.
    pub empty_folders: Vec<String>,
}

impl MediaScan {
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// Check that `root` is an existing folder.
pub fn check_root(root: &Path) -> Result<()> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::invalid(format!(
            "The media path {} is a file, not a folder; give the folder holding the shop's uploads.",
            root.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::read_link(root) {
            Ok(target) => Err(Error::invalid(format!(
                "The media folder {} is a link to {}, which does not exist (a disk that is not mounted?); mount it or mend the link, or back up without media (--no-media).",
                root.display(),
                target.display()
            ))),
            Err(_) => Err(Error::invalid(format!(
                "The media folder {} does not exist; check the path, or back up without media (--no-media).",
                root.display()
            ))),
        },
        Err(e) => Err(Error::io("read", root, e)),
    }
}

/// Every regular file below `root`, sorted by relative path.
pub fn scan(root: &Path) -> Result<MediaScan> {
    check_root(root)?;
    let mut scan = MediaScan::default();
    walk(root, "", &mut scan)?;
    scan.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    scan.empty_folders.sort();
    Ok(scan)
}

/// Whether a name at the top of a media folder is a restore's own folder there (a mounted
/// media folder is restored through them), never the shop's media.
pub fn is_restores_own(name: &str) -> bool {
    ["restore", "old", "discard", "kept"]
        .iter()
        .any(|kind| name.starts_with(&format!(".shopsafe-{kind}-")))
}

fn walk(dir: &Path, prefix: &str, scan: &mut MediaScan) -> Result<()> {
    let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let entries = match std::fs::read_dir(dir) {
        // A folder the site removed after its parent was listed.
        Err(e) if gone(&e) && !prefix.is_empty() => {
            scan.skipped.push(format!(
                "{}: deleted during the backup",
                prefix.trim_end_matches('/')
            ));
            return Ok(());
        }
        other => other.map_err(|e| Error::io("read the folder", dir, e))?,
    };
    let mut empty = true;
    for entry in entries {
        empty = false;
        let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            scan.skipped
                .push(format!("{}: the name is not valid UTF-8", path.display()));
            continue;
        };
        let rel = format!("{prefix}{name}");
        if prefix.is_empty() && is_restores_own(&name) {
            scan.skipped.push(format!(
                "{rel}: a restore's own folder, not the shop's media"
            ));
            continue;
        }
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            // Listed, then removed by the site (an upload deleted, a thumbnail cleaned up).
            Err(e) if gone(&e) => {
                scan.skipped
                    .push(format!("{rel}: deleted during the backup"));
                continue;
            }
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        if meta.is_dir() {
            walk(&path, &format!("{rel}/"), scan)?;
        } else if meta.is_file() {
            scan.files.push(MediaFile {
                rel,
                abs: path,
                size: meta.len(),
                mode: permission_bits(&meta),
            });
        } else if meta.file_type().is_symlink() {
            scan.skipped
                .push(format!("{rel}: a symbolic link, not followed"));
        } else {
            scan.skipped.push(format!("{rel}: not a regular file"));
        }
    }
    if empty && !prefix.is_empty() {
        scan.empty_folders
            .push(prefix.trim_end_matches('/').to_string());
    }
    Ok(())
}

/// A file's permission bits (read and write for owner, group and others).
fn permission_bits(meta: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        0o644
    }
}

/// Carry into `staged` (a restore's new media folder) what the live folder `root` holds that
/// no backup saves: symbolic links (made again, pointing where they did) and files and
/// folders whose names are not UTF-8 (hard-linked, else copied), where `staged` has nothing
/// of that name. The live folder keeps its own, so a rollback finds it whole. Sockets and
/// the like belong to running programs and are left out, as are the restore's own folders
/// in `root` and what the site deletes meanwhile. Returns what was kept, for the report.
pub fn keep_unsaved(root: &Path, staged: &Path) -> Result<Vec<String>> {
    let mut kept = Vec::new();
    keep_in(root, staged, Path::new(""), &mut kept)?;
    Ok(kept)
}

fn keep_in(live: &Path, staged: &Path, rel: &Path, kept: &mut Vec<String>) -> Result<()> {
    let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let entries = match std::fs::read_dir(live) {
        Err(e) if gone(&e) => return Ok(()),
        other => other.map_err(|e| Error::io("read the folder", live, e))?,
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read the folder", live, e))?;
        let name = entry.file_name();
        let (from, to) = (entry.path(), staged.join(&name));
        let utf8 = name.to_str();
        if rel.as_os_str().is_empty() && utf8.is_some_and(is_restores_own) {
            continue;
        }
        let rel = rel.join(&name);
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(e) if gone(&e) => continue,
            Err(e) => return Err(Error::io("read", &from, e)),
        };
        if kind.is_dir() && utf8.is_some() {
            keep_in(&from, &to, &rel, kept)?;
            continue;
        }
        // Only where the restored folder has nothing of that name, and its folder is one.
        let parent_ok = to.parent().is_some_and(|p| match std::fs::metadata(p) {
            Ok(meta) => meta.is_dir(),
            Err(e) => gone(&e),
        });
        if !(kind.is_symlink() || utf8.is_none())
            || std::fs::symlink_metadata(&to).is_ok()
            || !parent_ok
        {
            continue;
        }
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        if link_tree(&from, &to)? {
            kept.push(format!(
                "{} ({})",
                rel.display(),
                match kind.is_symlink() {
                    true => "a symbolic link",
                    false => "its name is not UTF-8",
                }
            ));
        }
    }
    Ok(())
}

/// Make `to` what `from` is without copying data where the file system allows: a link
/// made again, a folder with its contents, a file hard-linked (else copied). Whether
/// anything was made (not for a socket or the like, nor for what the site just deleted).
fn link_tree(from: &Path, to: &Path) -> Result<bool> {
    let meta = match std::fs::symlink_metadata(from) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io("read", from, e)),
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from).map_err(|e| Error::io("read", from, e))?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, to).map_err(|e| Error::io("create", to, e))?;
    } else if meta.is_dir() {
        std::fs::create_dir(to).map_err(|e| Error::io("create", to, e))?;
        for entry in std::fs::read_dir(from).map_err(|e| Error::io("read the folder", from, e))? {
            let entry = entry.map_err(|e| Error::io("read the folder", from, e))?;
            link_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else if !meta.is_file() {
        return Ok(false);
    } else if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).map_err(|e| Error::io("copy", from, e))?;
    }
    Ok(true)
}

/// Whether a file of this name is already compressed, so deflating it again would only cost
/// time.
pub fn is_compressed(name: &str) -> bool {
    const COMPRESSED: &[&str] = &[
        "jpg", "jpeg", "png", "gif", "webp", "avif", "heic", "heif", "jxl", "pdf", "mp4", "m4v",
        "mov", "webm", "mkv", "avi", "mp3", "m4a", "aac", "ogg", "opus", "flac", "zip", "gz",
        "tgz", "bz2", "xz", "zst", "7z", "rar", "woff", "woff2", "docx", "xlsx", "pptx", "odt",
        "ods", "odp", "epub",
    ];
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    ext.is_some_and(|e| COMPRESSED.contains(&e.as_str()))
}
