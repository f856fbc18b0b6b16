//! Verify: re-read a backup and check every entry's SHA-256 and the archive's own checksum.
//!
//! The result is recorded in the catalog (when and whether it passed) and in the audit log.

use crate::archive::{Archive, CheckReport};
use crate::catalog::Catalog;
use crate::hashing::read_sidecar;
use crate::progress::{CancelToken, Meter, Phase, Progress};
use crate::{clock, Error, Result};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub backup_id: String,
    pub path: PathBuf,
    pub archive_sha256: String,
    pub entries: u64,
    pub bytes: u64,
}

/// Verify the catalog's backup `id`.
pub fn verify(
    catalog: &Catalog,
    id: &str,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<VerifyReport> {
    let record = catalog.backup(id).inspect_err(|e| {
        catalog.log("verify", None, Some(id), &Err(e.clone()));
    })?;
    let result = (|| {
        // A delete (exclusive) waits for the check, or the check for it.
        let _lock =
            crate::lock::ShopLock::shared(catalog.home(), &record.shop_uid, &record.shop_name)?;
        if let Some(side) = read_sidecar(&record.path) {
            if side != record.sha256 {
                return Err(Error::corrupt(format!(
                    "The checksum file beside {} does not match the catalog; the archive or its .sha256 file was changed.",
                    record.path.display()
                )));
            }
        }
        let mut archive = Archive::open_backup(&record.path, &record.id)?;
        let report = check(&mut archive, Some(&record.sha256), progress, cancel)?;
        Ok(VerifyReport {
            backup_id: record.id.clone(),
            path: record.path.clone(),
            archive_sha256: report.archive_sha256,
            entries: report.entries,
            bytes: report.bytes,
        })
    })();
    // Only a finished check or a damaged archive says something about the backup; a
    // cancelled check or an unplugged disk does not.
    let verdict = match &result {
        Ok(_) => Some(true),
        Err(e) if e.kind == crate::ErrorKind::Corrupt => Some(false),
        Err(_) => None,
    };
    if let Some(ok) = verdict {
        catalog.mark_verified(&record.id, &clock::rfc3339(clock::now_secs()), ok)?;
    }
    let detail = result
        .as_ref()
        .map(|r| {
            format!(
                "{} entries, {} bytes, all checksums match.",
                r.entries, r.bytes
            )
        })
        .map_err(Clone::clone);
    catalog.log("verify", Some(&record.shop_name), Some(&record.id), &detail);
    result
}

/// Check an open archive, reporting progress.
pub(crate) fn check(
    archive: &mut Archive,
    expected_sha256: Option<&str>,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<CheckReport> {
    let total_files = archive.manifest.media.files.len() as u64 + 1;
    let mut meter = Meter::new(
        progress,
        Phase::Verifying,
        archive.listed_bytes(),
        total_files,
    );
    let report = archive.check(expected_sha256, None, &mut meter, cancel)?;
    meter.finish();
    Ok(report)
}
