//! Import: rebuild catalog entries from archives, so a lost catalog never means lost backups.
//!
//! Takes one archive or a folder of them (not recursive). Each archive's manifest says
//! everything the catalog needs; its SHA-256 is computed afresh and must agree with its
//! `.sha256` file when there is one. Backups the catalog already has are left as they are,
//! so importing twice adds nothing twice.

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
    /// Archives that could not be imported, with why.
    pub failed: Vec<(PathBuf, String)>,
}

pub fn import(catalog: &Catalog, path: &Path) -> Result<ImportReport> {
    let result = run(catalog, path);
    let detail = result
        .as_ref()
        .map(|r| {
            format!(
                "{} added, {} already known, {} failed.",
                r.added.len(),
                r.known.len(),
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
            Ok((id, true)) => report.added.push(id),
            Ok((id, false)) => report.known.push(id),
            Err(e) if !meta.is_dir() => return Err(e),
            Err(e) => report.failed.push((file, e.message)),
        }
    }
    Ok(report)
}

/// Returns the backup id and whether it was added.
fn import_one(catalog: &Catalog, file: &Path) -> Result<(String, bool)> {
    let archive = Archive::open(file)?;
    let m = archive.manifest;
    if catalog.has_backup(&m.backup_id)? {
        return Ok((m.backup_id, false));
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
    Ok((record.id, true))
}
