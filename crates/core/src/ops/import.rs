//! Import: rebuild catalog entries from archives, so a lost catalog never means lost backups.
//!
//! Takes one archive or a folder of them (its subfolders too; a folder without any archive,
//! or whose archives all fail, is an error). Each archive's manifest says everything the
//! catalog needs; its SHA-256 is computed afresh and must agree with its `.sha256` file
//! when there is one. Backups the catalog already has are not added again,
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
    let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::not_found(format!(
            "{} does not exist; give the archive or the folder holding the backups.",
            path.display()
        )),
        _ => Error::io("read", &path, e),
    })?;
    let swap = "swap an archive for one of their own before it is imported";
    let files: Vec<PathBuf> = if meta.is_dir() {
        paths::refuse_open_to_all(&path, swap, false)?;
        let mut v = Vec::new();
        zips_below(&path, &mut v)?;
        // ShopSafe's own names first: of a backup found twice, that copy is listed.
        v.sort_by_key(|p| (!own_name(p), p.clone()));
        if v.is_empty() {
            return Err(Error::not_found(format!(
                "No archives (.zip files) are in the folder {} or its subfolders; give the folder that holds the backups.",
                path.display()
            )));
        }
        v
    } else {
        paths::refuse_archive_open_to_all(&path, swap)?;
        vec![path.clone()]
    };
    let mut report = ImportReport::default();
    for file in files {
        match import_one(catalog, &file) {
            // A backup found twice (a copy beside it) counts once.
            Ok((id, _))
                if [&report.added, &report.known, &report.moved]
                    .iter()
                    .any(|ids| ids.contains(&id)) => {}
            Ok((id, Found::Added)) => report.added.push(id),
            Ok((id, Found::Known)) => report.known.push(id),
            Ok((id, Found::Moved)) => report.moved.push(id),
            Err(e) if !meta.is_dir() => return Err(e),
            Err(e) => report.failed.push((file, e.message)),
        }
    }
    if report.added.is_empty() && report.known.is_empty() && report.moved.is_empty() {
        let why = &report.failed[0].1;
        return Err(Error::corrupt(match report.failed.len() {
            1 => format!(
                "The only archive in the folder {} could not be imported: {why}",
                path.display()
            ),
            n => format!(
                "None of the {n} archives in the folder {} could be imported; the first: {why}",
                path.display()
            ),
        }));
    }
    Ok(report)
}

/// The `.zip` files (any case) in `dir` and the folders below it (not hidden ones, nor
/// folders reached through links).
fn zips_below(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("read the folder", dir, e))? {
        let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        match entry.file_type() {
            Ok(t) if t.is_dir() && !hidden => zips_below(&path, out)?,
            _ if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
                && path.is_file() =>
            {
                out.push(path)
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether the file has the name ShopSafe gives its archives.
fn own_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("shopsafe-"))
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
                "The archive {} does not match its .sha256 file (one of them was damaged, or replaced by another backup's); it was not imported.",
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
