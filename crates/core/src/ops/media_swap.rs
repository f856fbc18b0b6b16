//! Putting a restore's media folder in place of the live one, and back. The live folder is
//! found through links (a media path that is a link to a bigger disk stays that link, and
//! its target is what is replaced). Normally the restored folder is staged beside the live
//! one, and two renames, each atomic, swap them. A media folder that is a mount point (a
//! Docker or Kubernetes volume, a network share) cannot be renamed: its restore is staged
//! inside it, and the swap moves the folder's entries into a hidden folder beside them and
//! the staged entries in; undoing moves them back.

use crate::paths::sibling;
use crate::{Error, ErrorKind, Result};
use std::path::{Path, PathBuf};

pub struct MediaSwap {
    /// The live media folder, links resolved.
    pub root: PathBuf,
    /// Where the restored folder is staged.
    pub staged: PathBuf,
    /// Where the live folder (or, in a mount point, its entries) goes until the restore is
    /// done.
    old: PathBuf,
    /// Whether the folder is a mount point, whose entries are moved instead.
    entries: bool,
    moved_aside: bool,
    placed: bool,
}

impl MediaSwap {
    /// Make the (empty) staging folder for restoring backup `id` into the media folder
    /// `root`, clearing the staging an interrupted restore of the same backup left. What
    /// any interrupted restore moved aside is the shop's own media: it is never removed,
    /// and the restore refuses until the owner has looked at it. `finishing` says this
    /// restore finishes one that was stopped outright, which may have moved the folder a
    /// media link points to aside.
    pub fn new(root: &Path, id: &str, finishing: bool) -> Result<MediaSwap> {
        let root = match std::fs::canonicalize(root) {
            Ok(real) => real,
            // A link to a folder that is not there: made there only when a stopped restore
            // moved it aside, and the folder holding it is there; otherwise it is most
            // likely on a disk that is not mounted, and the restore would fill another.
            Err(_) => match std::fs::read_link(root) {
                Ok(target) => {
                    let target = root.parent().unwrap_or(root).join(target);
                    match target.parent().and_then(|p| std::fs::canonicalize(p).ok()) {
                        Some(parent) if finishing => {
                            parent.join(target.file_name().unwrap_or_default())
                        }
                        _ => {
                            return Err(Error::new(ErrorKind::Io, format!(
                                "The media folder {} is a link to {}, which does not exist (a disk that is not mounted?); mount it or mend the link, then restore again.",
                                root.display(),
                                target.display()
                            )))
                        }
                    }
                }
                Err(_) => root.to_path_buf(),
            },
        };
        // A mount point cannot be moved aside, nor a folder inside one this user may not
        // write (a hosting account's media folder in a folder of root's): their entries
        // are swapped instead.
        let entries =
            is_mount_point(&root) || root.parent().is_some_and(|p| !crate::paths::may_write(p));
        refuse_mounts_inside(&root)?;
        let (staged, old) = match entries {
            true => (
                root.join(format!(".shopsafe-restore-{id}")),
                root.join(format!(".shopsafe-old-{id}")),
            ),
            false => (
                sibling(&root, &format!("shopsafe-restore-{id}")),
                sibling(&root, &format!("shopsafe-old-{id}")),
            ),
        };
        // Any restore's, not only this backup's: a swap of the entries would take it along.
        if let Some(left) = beside(&old, "shopsafe-old-")?.into_iter().next() {
            return Err(Error::new(ErrorKind::Io, format!(
                "An earlier restore left the shop's media as they were before it in {} (it was stopped while it swapped the media folder, or could not remove them); move back what the media folder {} lacks, remove that folder, then restore again.",
                left.display(),
                root.display()
            )));
        }
        if staged.exists() {
            std::fs::remove_dir_all(&staged).map_err(|e| Error::io("clear", &staged, e))?;
        }
        // What a finished restore stopped while removing it left: nothing of the shop's.
        for left in beside(&old, "shopsafe-discard-")? {
            let _ = std::fs::remove_dir_all(left);
        }
        std::fs::create_dir_all(&staged).map_err(|e| Error::io("create", &staged, e))?;
        Ok(MediaSwap {
            root,
            staged,
            old,
            entries,
            moved_aside: false,
            placed: false,
        })
    }

    /// Swap the staged folder in (the live one, if `had_media`, aside).
    pub fn swap(&mut self, had_media: bool) -> Result<()> {
        if self.entries {
            std::fs::create_dir(&self.old).map_err(|e| Error::io("create", &self.old, e))?;
            self.moved_aside = true;
            move_entries(&self.root, &self.old, true)?;
            self.placed = true;
            move_entries(&self.staged, &self.root, false)?;
            return Ok(());
        }
        if had_media {
            std::fs::rename(&self.root, &self.old)
                .map_err(|e| Error::io("move aside", &self.root, e))?;
            self.moved_aside = true;
        }
        std::fs::rename(&self.staged, &self.root)
            .map_err(|e| Error::io("move into place", &self.root, e))?;
        self.placed = true;
        Ok(())
    }

    /// Where the live folder (or its entries) is moved aside until the restore is done.
    pub fn aside(&self) -> &Path {
        &self.old
    }

    /// Whether [`MediaSwap::swap`] changed the live folder.
    pub fn changed(&self) -> bool {
        self.moved_aside || self.placed
    }

    /// Put the live folder back as it was before [`MediaSwap::swap`].
    pub fn undo(&self) -> Result<()> {
        let root = &self.root;
        if self.entries {
            if self.placed {
                for entry in entries_of(root, true)? {
                    let gone = match entry.is_dir() && !entry.is_symlink() {
                        true => std::fs::remove_dir_all(&entry),
                        false => std::fs::remove_file(&entry),
                    };
                    gone.map_err(|e| Error::io("remove", &entry, e))?;
                }
            }
            if self.moved_aside {
                move_entries(&self.old, root, false)?;
                std::fs::remove_dir(&self.old).map_err(|e| Error::io("remove", &self.old, e))?;
            }
            return Ok(());
        }
        if self.placed {
            std::fs::remove_dir_all(root).map_err(|e| Error::io("remove", root, e))?;
        }
        if self.moved_aside {
            std::fs::rename(&self.old, root).map_err(|e| Error::io("move back", root, e))?;
        }
        Ok(())
    }

    /// Once the restore has succeeded, mark the live folder as it was for removal, in one
    /// rename (a stop after it leaves only what may go); [`MediaSwap::finish`] removes it.
    pub fn retire(&self) {
        if std::fs::symlink_metadata(&self.old).is_ok() {
            let _ = std::fs::rename(&self.old, self.discarded());
        }
    }

    /// Remove what [`MediaSwap::retire`] marked; if that fails, a sentence for the report.
    pub fn finish(&self) -> Option<String> {
        let left = match std::fs::symlink_metadata(&self.old) {
            Ok(_) => self.old.clone(),
            Err(_) => self.discarded(),
        };
        match std::fs::remove_dir_all(&left) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Some(format!(
                "The media folder as it was before could not be removed from {} ({e}); remove it by hand.",
                left.display()
            )),
            _ => None,
        }
    }

    /// The name the live folder as it was goes by once the restore has succeeded.
    fn discarded(&self) -> PathBuf {
        let name = self.old.file_name().unwrap_or_default().to_string_lossy();
        self.old
            .with_file_name(name.replace("shopsafe-old-", "shopsafe-discard-"))
    }
}

impl Drop for MediaSwap {
    /// The staging folder goes (it is empty, or gone, once swapped in); the old folder is
    /// never removed here: after a failed undo it is what is left of the shop's media.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.staged);
    }
}

/// What is beside `old` (this restore's folder for the live one as it was) and named as it
/// is but for the backup id, with `kind` (`shopsafe-old-`, `shopsafe-discard-`) in place
/// of `shopsafe-old-`.
fn beside(old: &Path, kind: &str) -> Result<Vec<PathBuf>> {
    let (Some(dir), Some(name)) = (old.parent(), old.file_name()) else {
        return Ok(Vec::new());
    };
    let name = name.to_string_lossy();
    match name.rfind("shopsafe-old-") {
        Some(end) => crate::paths::starting_with(dir, &format!("{}{kind}", &name[..end])),
        None => Ok(Vec::new()),
    }
}

/// Refuse a media folder with another file system mounted inside it (a mounted one's
/// too): that goes along with the folder holding it when that is moved aside, and would be
/// emptied once the restore is done, while its restored files landed on the wrong disk.
pub fn refuse_mounts_inside(root: &Path) -> Result<()> {
    let real = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    match mounted_inside(&real) {
        None => Ok(()),
        Some(inner) => Err(Error::new(ErrorKind::Io, format!(
            "The media folder {} has another file system mounted inside it, at {}, which a restore cannot replace (it would be emptied, and its restored files put on the wrong disk); restore the media by hand from the archive's media/ folder, or copy that file system's files into an ordinary folder in its place, then restore again.",
            real.display(),
            inner.display()
        ))),
    }
}

/// Whether `dir` is the root of a mounted file system (a bind mount too), so it cannot be
/// renamed.
fn is_mount_point(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let parent = dir.parent().unwrap_or(dir);
        if let (Ok(d), Ok(p)) = (std::fs::metadata(dir), std::fs::metadata(parent)) {
            if d.dev() != p.dev() || d.ino() == p.ino() {
                return true;
            }
        }
    }
    mount_points().iter().any(|m| m == dir)
}

/// The first folder below `root` that is a mount point, if any.
fn mounted_inside(root: &Path) -> Option<PathBuf> {
    mount_points()
        .into_iter()
        .find(|m| m != root && m.starts_with(root))
}

/// Where file systems are mounted (Linux's `/proc/self/mountinfo`; none known elsewhere).
fn mount_points() -> Vec<PathBuf> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    info.lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|field| PathBuf::from(unescape_octal(field)))
        .collect()
}

/// A mountinfo path, whose space, tab, newline and backslash are written `\040` and so on.
fn unescape_octal(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let code = bytes.get(i + 1..i + 4).and_then(|d| {
            std::str::from_utf8(d)
                .ok()
                .and_then(|d| u8::from_str_radix(d, 8).ok())
        });
        match (bytes[i], code) {
            (b'\\', Some(c)) => {
                out.push(c);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The entries of `dir`; of a media folder (`media`), the shop's only, not the restores'
/// own folders in it (this one's staging and aside, what earlier ones kept).
fn entries_of(dir: &Path, media: bool) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("read the folder", dir, e))? {
        let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
        let own = entry
            .file_name()
            .to_str()
            .is_some_and(crate::media::is_restores_own);
        if !(media && own) {
            out.push(entry.path());
        }
    }
    Ok(out)
}

/// Move every entry of `from` (a media folder's: the shop's only) into `to`, by renames.
fn move_entries(from: &Path, to: &Path, media: bool) -> Result<()> {
    for entry in entries_of(from, media)? {
        let target = to.join(entry.file_name().unwrap_or_default());
        std::fs::rename(&entry, &target).map_err(|e| Error::io("move", &entry, e))?;
    }
    Ok(())
}
