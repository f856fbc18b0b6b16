//! One changing job per shop at a time, across processes: the CLI and the desktop app share
//! a catalog and may both be open. A job that changes a shop or its backups (restore,
//! delete, edit, remove) holds an exclusive lock on `<home>/locks/<shop uid>.lock` for as
//! long as it runs; backups, which only read the shop, share the lock with each other. A job
//! that cannot have the lock is refused at once with a sentence. The operating
//! system drops the lock when the holder exits, also when it crashes, so a stale lock file
//! never blocks anything.

use crate::{Error, ErrorKind, Result};
use fs4::fs_std::FileExt;
use std::fs::File;
use std::path::Path;

/// Held while a job runs on a shop; released when dropped.
#[derive(Debug)]
pub struct ShopLock {
    _file: File,
}

impl ShopLock {
    /// Take the lock of the shop with `uid` alone, or refuse if another job holds it.
    pub fn exclusive(home: &Path, uid: &str, shop_name: &str) -> Result<ShopLock> {
        Self::take(home, uid, shop_name, false)
    }

    /// Take the lock of the shop with `uid` beside other readers, or refuse if a changing
    /// job holds it.
    pub fn shared(home: &Path, uid: &str, shop_name: &str) -> Result<ShopLock> {
        Self::take(home, uid, shop_name, true)
    }

    fn take(home: &Path, uid: &str, shop_name: &str, shared: bool) -> Result<ShopLock> {
        let dir = home.join("locks");
        crate::paths::create_private_dir(&dir)?;
        let path = dir.join(format!("{uid}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("open", &path, e))?;
        let taken = match shared {
            true => FileExt::try_lock_shared(&file),
            false => FileExt::try_lock_exclusive(&file),
        };
        match taken {
            Ok(true) => Ok(ShopLock { _file: file }),
            Ok(false) => Err(Error::new(
                ErrorKind::Refused,
                format!(
                    "Another ShopSafe job is working on shop {shop_name} right now (in this window, another window or the command line); wait for it to finish and try again."
                ),
            )),
            Err(e) => Err(Error::io("lock", &path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changing_job_excludes_every_other_job_on_its_shop_until_it_ends() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let first = ShopLock::exclusive(h, "abc", "demo").unwrap();
        let e = ShopLock::exclusive(h, "abc", "demo").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Refused);
        assert!(e.message.contains("shop demo"), "{}", e.message);
        assert!(ShopLock::shared(h, "abc", "demo").is_err());
        assert!(ShopLock::exclusive(h, "other", "other").is_ok());
        drop(first);
        let reader = ShopLock::shared(h, "abc", "demo").unwrap();
        let second_reader = ShopLock::shared(h, "abc", "demo").unwrap();
        assert!(ShopLock::exclusive(h, "abc", "demo").is_err());
        drop((reader, second_reader));
        assert!(ShopLock::exclusive(h, "abc", "demo").is_ok());
    }
}
