//! One job per shop at a time, across processes: the CLI and the desktop app share a catalog
//! and may both be open. A job that changes a shop or its backups (backup, restore, delete,
//! edit, remove) holds an exclusive lock on `<home>/locks/<shop uid>.lock` for as long as it
//! runs; a second job on the same shop is refused at once with a sentence. The operating
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
    /// Take the lock of the shop with `uid`, or refuse if another job holds it.
    pub fn acquire(home: &Path, uid: &str, shop_name: &str) -> Result<ShopLock> {
        let dir = home.join("locks");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
        let path = dir.join(format!("{uid}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("open", &path, e))?;
        match file.try_lock_exclusive() {
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
    fn a_second_job_on_the_same_shop_is_refused_until_the_first_ends() {
        let home = tempfile::tempdir().unwrap();
        let first = ShopLock::acquire(home.path(), "abc", "demo").unwrap();
        let e = ShopLock::acquire(home.path(), "abc", "demo").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Refused);
        assert!(e.message.contains("shop demo"), "{}", e.message);
        assert!(ShopLock::acquire(home.path(), "other", "other").is_ok());
        drop(first);
        assert!(ShopLock::acquire(home.path(), "abc", "demo").is_ok());
    }
}
