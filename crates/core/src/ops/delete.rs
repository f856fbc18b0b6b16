//! Delete: remove a backup's archive, its checksum file and its catalog row.
//!
//! The file at the catalog's path is deleted only when it is that backup: an owner may have
//! copied another backup over it (a `latest.zip` on an offsite disk), and deleting the old
//! entry must not delete the newer copy. An archive that is not there (already removed, or
//! its disk not mounted) leaves only the entry to remove, and the report says so.

use crate::archive::Archive;
use crate::catalog::{BackupRecord, Catalog};
use crate::hashing::{read_sidecar, sidecar_path};
use crate::{Error, ErrorKind, Result};
use std::path::PathBuf;

/// What a delete did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Deleted {
    pub id: String,
    pub path: PathBuf,
    /// Whether the archive and its checksum file were deleted with the catalog entry.
    pub archive_deleted: bool,
    /// Why the archive was not deleted, when it was not: one sentence.
    pub note: Option<String>,
}

pub fn delete(catalog: &Catalog, id: &str) -> Result<Deleted> {
    let record = catalog.backup(id).inspect_err(|e| {
        catalog.log("delete", None, Some(id), &Err(e.clone()));
    })?;
    let result = (|| {
        let _lock =
            crate::lock::ShopLock::exclusive(catalog.home(), &record.shop_uid, &record.shop_name)?;
        let note = left_alone(&record)?;
        // The checksum file goes with the archive, or alone if it names this backup's.
        let sidecar = sidecar_path(&record.path);
        let doomed = match note {
            None => vec![record.path.clone(), sidecar],
            Some(_) if read_sidecar(&record.path).as_deref() == Some(&record.sha256) => {
                vec![sidecar]
            }
            Some(_) => Vec::new(),
        };
        for path in doomed {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("delete", &path, e)),
            }
        }
        catalog.delete_backup(&record.id)?;
        Ok(Deleted {
            id: record.id.clone(),
            path: record.path.clone(),
            archive_deleted: note.is_none(),
            note,
        })
    })();
    let detail = result
        .as_ref()
        .map_err(Clone::clone)
        .map(|d| match &d.note {
            Some(note) => format!("Removed the catalog entry only. {note}"),
            None => format!("Deleted {}.", d.path.display()),
        });
    catalog.log("delete", Some(&record.shop_name), Some(&record.id), &detail);
    result
}

/// Why the file at the backup's path must not be deleted, if it must not: it is not there,
/// or it is another backup, or not a ShopSafe archive whose name says it is this one.
fn left_alone(record: &BackupRecord) -> Result<Option<String>> {
    let path = &record.path;
    let found = match Archive::open(path) {
        Ok(archive) => Some(archive.manifest.backup_id),
        Err(e) if e.kind == ErrorKind::NotFound => {
            let folder = path.parent().unwrap_or(path);
            return Ok(Some(match folder.is_dir() {
                true => format!("The archive {} was already gone.", path.display()),
                false => format!(
                    "The archive {} was not deleted, as its folder {} is not there (a disk not mounted?); once it is, delete the file by hand, or run `shopsafe import` on the folder to list the backup again.",
                    path.display(),
                    folder.display()
                ),
            }));
        }
        // A damaged archive is deleted if its name says it is this backup.
        Err(e) if e.kind == ErrorKind::Corrupt => None,
        Err(e) => return Err(e),
    };
    let named = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains(&record.id));
    Ok(match found {
        Some(other) if other != record.id => Some(format!(
            "The file {} now holds backup {other}, not {} (another backup was copied over it), so it was left alone.",
            path.display(),
            record.id
        )),
        Some(_) => None,
        None if named => None,
        None => Some(format!(
            "The file {} is not a readable ShopSafe archive and its name does not carry the backup's id, so it was left alone.",
            path.display()
        )),
    })
}
