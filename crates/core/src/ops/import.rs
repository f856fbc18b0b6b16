//! Import: rebuild catalog entries from archives, so a lost catalog never means lost backups.
//!
//! Takes one archive or a folder of them (not recursive). Each archive's manifest says
//! everything the catalog needs; its SHA-256 is computed afresh and must agree with its
//! `.sha256` file when there is one. Backups the catalog already has are not added again,
//! so importing twice adds nothing twice; if the catalog's copy of one is missing and the
//! archive was found elsewhere, the catalog follows it there.

use crate::archive::Archive;
use crate::catalog::{BackupRecord, Catalog};
use crate::hashing::{read_sidecar, sha256_file};
use crate::{paths, Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    /// Ids of the backups added.
    pub added: Vec<String>,
    /// Ids of the backups the catalog already had.
    pub known: Vec<String>,
    /// Ids of known backups whose archive was missing and was found here instead.
    pub moved: Vec<String>,
    /// Archives that could not be imported, with why.
    pub failed: Vec<(PathBuf, String)>,
}

pub fn import(catalog: &Catalog, path: &Path) -> Result<ImportReport> {
    let result = run(catalog, path);
    let detail = result
        .as_ref()
        .map(|r| {
            format!(
                "{} added, {} already known, {} found in a new place, {} failed.",
                r.added.len(),
                r.known.len(),
                r.moved.len(),
                r.failed.len()
            )
        })
        .map_err(Clone::clone);
    catalog.log("import", None, None, &detail);
    result
}

fn run(catalog: &Catalog, path: &Path) -> Result<ImportReport> {
    let path = paths::absolute(path)?;
    let meta = std::fs::metadata(&path).map_err(|e| Error::io("read", &path, e))?;
    let files: Vec<PathBuf> = if meta.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(|e| Error::io("read the folder", &path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "zip") && p.is_file())
            .collect();
        v.sort();
        v
    } else {
        vec![path.clone()]
    };
    let mut report = ImportReport::default();
    for file in files {
        match import_one(catalog, &file) {
            Ok((id, Found::Added)) => report.added.push(id),
            Ok((id, Found::Known)) => report.known.push(id),
            Ok((id, Found::Moved)) => report.moved.push(id),
            Err(e) if !meta.is_dir() => return Err(e),
            Err(e) => report.failed.push((file, e.message)),
        }
    }
    Ok(report)
}

enum Found {
    Added,
    Known,
    Moved,
}

/// Returns the backup id and what became of it.
fn import_one(catalog: &Catalog, file: &Path) -> Result<(String, Found)> {
    let archive = Archive::open(file)?;
    let m = archive.manifest;
    if catalog.has_backup(&m.backup_id)? {
        let known = catalog.backup(&m.backup_id)?;
        if known.path != file && !known.path.exists() && sha256_file(file, |_| {})? == known.sha256
        {
            catalog.set_backup_path(&m.backup_id, file)?;
            return Ok((m.backup_id, Found::Moved));
        }
        return Ok((m.backup_id, Found::Known));
    }
    let sha256 = sha256_file(file, |_| {})?;
    if let Some(side) = read_sidecar(file) {
        if side != sha256 {
            return Err(Error::corrupt(format!(
                "The archive {} does not match its .sha256 file; it is damaged and was not imported.",
                file.display()
            )));
        }
    }
    let size = std::fs::metadata(file)
        .map_err(|e| Error::io("read", file, e))?
        .len();
    let record = BackupRecord {
        id: m.backup_id.clone(),
        shop_name: m.shop.name.clone(),
        shop_uid: m.shop.uid.clone(),
        kind: m.kind,
        name: m.name.clone(),
        created: m.created.clone(),
        path: file.to_path_buf(),
        size,
        sha256,
        verified_at: None,
        verified_ok: None,
        manifest: m,
    };
    catalog.insert_backup(&record)?;
    Ok((record.id, Found::Added))
}
