//! Delete: remove a backup's archive, its checksum file and its catalog row.

use crate::catalog::{BackupRecord, Catalog};
use crate::hashing::sidecar_path;
use crate::{Error, Result};

pub fn delete(catalog: &Catalog, id: &str) -> Result<BackupRecord> {
    let record = catalog.backup(id).inspect_err(|e| {
        catalog.log("delete", None, Some(id), &Err(e.clone()));
    })?;
    let result = (|| {
        let _lock =
            crate::lock::ShopLock::exclusive(catalog.home(), &record.shop_uid, &record.shop_name)?;
        for path in [record.path.clone(), sidecar_path(&record.path)] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("delete", &path, e)),
            }
        }
        catalog.delete_backup(&record.id)?;
        Ok(format!("Deleted {}.", record.path.display()))
    })();
    catalog.log("delete", Some(&record.shop_name), Some(&record.id), &result);
    result.map(|_| record)
}
