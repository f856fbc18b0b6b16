//! A shop's state at a glance: its newest good backup, how old that is as a traffic light,
//! and how much room is left at the backup destination. The app's home screen shows this.

use crate::catalog::{BackupSummary, Catalog, LogEntry};
use crate::manifest::BackupKind;
use crate::{clock, Result, Shop};
use serde::Serialize;
use std::path::Path;

/// A backup younger than this is fresh (green): daily backups with a day of slack.
pub const FRESH_SECS: i64 = 2 * 86_400;
/// A backup younger than this is ageing (amber); older, or none at all, is stale (red).
pub const AGEING_SECS: i64 = 7 * 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Fresh,
    Ageing,
    Stale,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShopStatus {
    pub shop: Shop,
    /// The newest full or database-only backup not known to be damaged.
    pub last_good: Option<BackupSummary>,
    pub age_secs: Option<i64>,
    /// By the last good backup's age; stale while a stopped restore may have left the shop
    /// half-restored.
    pub health: Health,
    /// Free bytes at the destination; `None` when the folder cannot be read.
    pub dest_free_bytes: Option<u64>,
    /// A restore that was stopped outright and may have left the shop half-restored: what
    /// to do, in one sentence.
    pub interrupted_restore: Option<String>,
    /// The last backup attempt, when it failed (not when it was cancelled) and no backup
    /// has succeeded since: the owner would otherwise see only the older good one.
    pub last_attempt_failed: Option<LogEntry>,
}

pub fn shop_status(catalog: &Catalog, name: Option<&str>) -> Result<ShopStatus> {
    let shop = catalog.resolve_shop(name)?;
    let backups = catalog.backups(Some(&shop.name))?;
    let now = clock::now_secs();
    // Newest first, as the catalog lists them.
    let last_good = backups
        .iter()
        .find(|b| b.kind != BackupKind::Safety && b.verified_ok != Some(false))
        .cloned();
    let age_secs = last_good
        .as_ref()
        .and_then(|b| clock::parse_rfc3339(&b.created))
        .map(|t| (now - t).max(0));
    let last_attempt_failed = catalog
        .last_logged("backup", &shop.name)?
        .filter(|l| l.outcome == "failed");
    let interrupted_restore =
        crate::ops::interrupted::find(catalog, &shop).map(|i| i.sentence(&shop.name));
    Ok(ShopStatus {
        last_attempt_failed,
        // A shop a stopped restore may have left half-restored is not in good health,
        // however fresh its last backup.
        health: match interrupted_restore {
            Some(_) => Health::Stale,
            None => health(age_secs),
        },
        dest_free_bytes: free_space(&shop.dest),
        interrupted_restore,
        last_good,
        age_secs,
        shop,
    })
}

fn health(age_secs: Option<i64>) -> Health {
    match age_secs {
        Some(a) if a < FRESH_SECS => Health::Fresh,
        Some(a) if a < AGEING_SECS => Health::Ageing,
        _ => Health::Stale,
    }
}

/// Bytes available to this user on the file system holding `dir`.
pub fn free_space(dir: &Path) -> Option<u64> {
    fs4::available_space(dir).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_map_to_traffic_lights() {
        assert_eq!(health(None), Health::Stale);
        assert_eq!(health(Some(0)), Health::Fresh);
        assert_eq!(health(Some(FRESH_SECS - 1)), Health::Fresh);
        assert_eq!(health(Some(FRESH_SECS)), Health::Ageing);
        assert_eq!(health(Some(AGEING_SECS)), Health::Stale);
    }
}
