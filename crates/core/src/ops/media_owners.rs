//! Who owns the restored media. The archive keeps each file's permission bits but no owner
//! (user ids mean nothing on another machine) and no folder modes; a restore run as root
//! (`sudo`) would otherwise leave every restored file and folder owned by root, and the
//! site, running as its own user, unable to store uploads or replace files. So before the
//! swap, each staged file and folder takes the owner and group of its namesake in the live
//! media folder, or, where the live folder has none, of the nearest live folder above it;
//! each staged folder takes that folder's permission bits too (a group-writable or setgid
//! upload folder stays one), unless they deny its owner anything. Nothing is changed where
//! they already match, so a restore run as the shop's own user does nothing here.

use std::path::Path;

/// Give the staged media folder `staged` the owners (and folder modes) of the live one,
/// `root`. Returns a note for the report when the restoring user may not give them (only
/// root may give files away); the restore goes on, as the files themselves are right.
pub fn adopt(root: &Path, staged: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        // A media folder gone since the backup is made again as its parent folder is owned.
        let top = unix::Owner::of(root).or_else(|| unix::Owner::of(root.parent()?))?;
        let mut refused = None;
        unix::adopt_in(staged, Some(root), top, &mut refused);
        refused.map(|(path, owner, e)| {
            let rel = path.strip_prefix(staged).unwrap_or(&path);
            let what = match rel.as_os_str().is_empty() {
                true => format!("The media folder {}", root.display()),
                false => format!("{} in the media folder {}", rel.display(), root.display()),
            };
            format!(
                "{what} could not be given back to its owner (user id {}, group id {}: {e}), so it and any others like it belong to the user ShopSafe ran as; if the site needs them to be that owner's, give them back (chown).",
                owner.uid,
                owner.gid
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (root, staged);
        None
    }
}

/// Refuse, before anything is done, a restore by a user other than root of a media folder
/// holding another user's files or folders (the web server's uploads): every restored one
/// would be this user's, which they could not give back, and the site could no longer
/// store or change its uploads there.
pub fn refuse_foreign(root: &Path) -> crate::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = crate::paths::euid();
        if me == 0 {
            return Ok(());
        }
        let mut paths = vec![root.to_path_buf()];
        while let Some(path) = paths.pop() {
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.uid() != me {
                return Err(crate::Error::new(
                    crate::ErrorKind::Io,
                    format!(
                        "The media folder {} holds files of another user ({}, user id {}, such as the site's uploads), and every file a restore puts back would be this user's, which only root may give back: the site could no longer store or change them. Nothing was changed; restore as root (sudo), which keeps every file's owner, or as that user.",
                        root.display(),
                        path.display(),
                        meta.uid()
                    ),
                ));
            }
            if meta.is_dir() {
                let inside = std::fs::read_dir(&path).into_iter().flatten().flatten();
                paths.extend(inside.map(|e| e.path()));
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = root;
        Ok(())
    }
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::{Path, PathBuf};

    #[derive(Clone, Copy)]
    pub struct Owner {
        pub uid: u32,
        pub gid: u32,
        /// Permission bits (with setuid, setgid and sticky), for folders.
        mode: u32,
    }

    impl Owner {
        /// The owner of `path` itself (a link's own, not its target's).
        pub fn of(path: &Path) -> Option<Owner> {
            let meta = std::fs::symlink_metadata(path).ok()?;
            Some(Owner {
                uid: meta.uid(),
                gid: meta.gid(),
                mode: meta.mode() & 0o7777,
            })
        }
    }

    /// Adopt the owners of the live folder `live` (if there is one) below the staged folder
    /// `staged`, `above` being the nearest live folder's. The first refusal is kept in
    /// `refused`, after which owners are no longer tried.
    pub fn adopt_in(
        staged: &Path,
        live: Option<&Path>,
        above: Owner,
        refused: &mut Option<(PathBuf, Owner, std::io::Error)>,
    ) {
        let live_dir = live.filter(|l| std::fs::symlink_metadata(l).is_ok_and(|m| m.is_dir()));
        let own = live_dir.and_then(Owner::of).unwrap_or(above);
        set(staged, own, true, refused);
        let Ok(entries) = std::fs::read_dir(staged) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let live_entry = live_dir.map(|l| l.join(&name));
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                adopt_in(&entry.path(), live_entry.as_deref(), own, refused);
            } else {
                let owner = live_entry.as_deref().and_then(Owner::of).unwrap_or(own);
                set(&entry.path(), owner, false, refused);
            }
        }
    }

    /// Give `path` the owner and group (and, for a folder, the mode) of `owner` where they
    /// differ.
    fn set(
        path: &Path,
        owner: Owner,
        folder: bool,
        refused: &mut Option<(PathBuf, Owner, std::io::Error)>,
    ) {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return;
        };
        if refused.is_none() && (meta.uid() != owner.uid || meta.gid() != owner.gid) {
            if let Err(e) = std::os::unix::fs::lchown(path, Some(owner.uid), Some(owner.gid)) {
                *refused = Some((path.to_path_buf(), owner, e));
            }
        }
        // Not a mode that would keep the restore (its swap, its rollback) from moving and
        // removing what is in the folder. A chown may clear setgid: the mode is read after.
        let mode = || std::fs::symlink_metadata(path).map(|m| m.mode() & 0o7777);
        if folder && owner.mode & 0o700 == 0o700 && mode().is_ok_and(|m| m != owner.mode) {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(owner.mode));
        }
    }
}
