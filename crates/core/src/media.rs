//! The media folder: finding every file under it, and telling compressed formats from text.
//!
//! A scan lists regular files with their paths relative to the media root (always `/`
//! separated), in sorted order. Symbolic links, sockets and names that are not valid UTF-8
//! are not followed or saved; they are listed as skipped, with the reason, so nothing is
//! dropped silently.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct MediaFile {
    /// Relative path with `/` separators.
    pub rel: String,
    pub abs: PathBuf,
    pub size: u64,
}

#[derive(Debug, Default)]
pub struct MediaScan {
    pub files: Vec<MediaFile>,
    pub skipped: Vec<String>,
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::invalid(format!(
            "The media folder {} does not exist; check the path, or back up without media (--no-media).",
            root.display()
        ))),
        Err(e) => Err(Error::io("read", root, e)),
    }
}

/// Every regular file below `root`, sorted by relative path.
pub fn scan(root: &Path) -> Result<MediaScan> {
    check_root(root)?;
    let mut scan = MediaScan::default();
    walk(root, "", &mut scan)?;
    scan.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(scan)
}

fn walk(dir: &Path, prefix: &str, scan: &mut MediaScan) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read the folder", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            scan.skipped
                .push(format!("{}: the name is not valid UTF-8", path.display()));
            continue;
        };
        let rel = format!("{prefix}{name}");
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io("read", &path, e))?;
        if meta.is_dir() {
            walk(&path, &format!("{rel}/"), scan)?;
        } else if meta.is_file() {
            scan.files.push(MediaFile {
                rel,
                abs: path,
                size: meta.len(),
            });
        } else if meta.file_type().is_symlink() {
            scan.skipped
                .push(format!("{rel}: a symbolic link, not followed"));
        } else {
            scan.skipped.push(format!("{rel}: not a regular file"));
        }
    }
    Ok(())
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
