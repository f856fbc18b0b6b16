//! A restore written down before it changes anything, so one stopped outright (a crash, a
//! kill, a power cut) is noticed: it may have left the shop half-restored, its database and
//! media folder from different moments. The note is `<home>/restoring/<shop uid>.json`,
//! removed once the restore has finished or been rolled back. While it is there, a backup
//! refuses (it would save the half-restored shop), the shop's status says so, and the next
//! restore keeps what the stopped one had moved aside.

use crate::catalog::{Catalog, Shop};
use crate::{paths, Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a restore under way had done, as far as a later run needs to know.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Interrupted {
    pub backup_id: String,
    /// The restored backup as the window names it ("the backup of 2026-11-27 21:51 UTC
    /// (\"Before the sale\")"); notes written before it was kept lack it.
    #[serde(default)]
    pub known_as: Option<String>,
    /// When it began changing the shop (RFC 3339).
    pub started: String,
    /// The safety backup it took of the shop as it was, if any.
    pub safety_backup: Option<String>,
    /// Where it moved the media folder as it was (or its entries), and where it saved the
    /// database as it was; either may be left behind.
    pub media_aside: Option<PathBuf>,
    pub rollback_point: Option<PathBuf>,
}

impl Interrupted {
    /// The sentence for the owner: what may be wrong, and the ways out.
    pub fn sentence(&self, shop: &str) -> String {
        let back = match &self.safety_backup {
            Some(id) => format!(
                ", or restore the safety backup it took (backup {id}, named \"Before restoring …\") to go back"
            ),
            None => String::new(),
        };
        let what = match &self.known_as {
            Some(known_as) => format!("{known_as} (backup {})", self.backup_id),
            None => format!("backup {}", self.backup_id),
        };
        let at = crate::clock::readable(&self.started);
        format!(
            "A restore of {what} into shop {shop} was stopped at {at} before it finished, so the shop may be half-restored (its database and media folder from different moments); restore that backup again to finish it{back}."
        )
    }

    /// Keep what the stopped restore had moved aside (the media and the database as they
    /// were), renamed to `…shopsafe-kept-…` names no later restore takes or reuses; one
    /// sentence each for the next restore's report.
    pub fn keep_leftovers(&self) -> Result<Vec<String>> {
        let mut notes = Vec::new();
        for (left, what) in [
            (&self.media_aside, "media as they were before it"),
            (&self.rollback_point, "database as it was before it"),
        ] {
            let Some(left) = left else { continue };
            let name = left.file_name().unwrap_or_default().to_string_lossy();
            let kept_name = name
                .replace("shopsafe-old-", "shopsafe-kept-")
                .replace("shopsafe-rollback-", "shopsafe-kept-rollback-");
            // (A restore stopped before it moved anything aside left nothing at its name.)
            let kept = match std::fs::symlink_metadata(left) {
                Ok(_) => {
                    let kept = paths::unused(&left.with_file_name(&kept_name));
                    std::fs::rename(left, &kept).map_err(|e| Error::io("keep", left, e))?;
                    Some(kept)
                }
                Err(_) => None,
            };
            // Restores stopped one after another each kept their predecessor's; those were
            // never reported, as none of them finished. They are named alike but for the id.
            let family = &kept_name[..kept_name.rfind(&self.backup_id).unwrap_or(0)];
            let earlier: Vec<String> = match (family.is_empty(), left.parent()) {
                (false, Some(dir)) => paths::starting_with(dir, family)?
                    .into_iter()
                    .filter(|p| Some(p) != kept.as_ref())
                    .map(|p| p.display().to_string())
                    .collect(),
                _ => Vec::new(),
            };
            let earlier = earlier.join(", ");
            let note = match (kept, earlier.is_empty()) {
                (None, true) => continue,
                (None, false) => format!(
                    "What earlier stopped restores had moved aside (the shop's media or database as they were) is kept in {earlier}"
                ),
                (Some(kept), true) => format!(
                    "The stopped restore of backup {} had moved the shop's {what} aside; that is kept in {}",
                    self.backup_id,
                    kept.display()
                ),
                (Some(kept), false) => format!(
                    "The stopped restore of backup {} had moved the shop's {what} aside; that is kept in {} (and so is what earlier stopped restores moved aside, in {earlier})",
                    self.backup_id,
                    kept.display()
                ),
            };
            notes.push(format!("{note}: remove it once you no longer need it."));
        }
        Ok(notes)
    }
}

fn note_path(home: &Path, shop: &Shop) -> PathBuf {
    home.join("restoring").join(format!("{}.json", shop.uid))
}

/// The restore of `shop` a crash or kill stopped, if any.
pub fn find(catalog: &Catalog, shop: &Shop) -> Option<Interrupted> {
    let text = std::fs::read(note_path(catalog.home(), shop)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Refuse to back up a shop a stopped restore may have left half-restored.
pub fn refuse_backup(catalog: &Catalog, shop: &Shop) -> Result<()> {
    match find(catalog, shop) {
        Some(i) => Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "{} Until then a backup would save the half-restored shop; nothing was written.",
                i.sentence(&shop.name)
            ),
        )),
        None => Ok(()),
    }
}

/// The written-down restore of one run; [`Note::done`] removes it.
pub struct Note(PathBuf);

impl Note {
    /// Write down `what` before the restore changes the shop.
    pub fn write(catalog: &Catalog, shop: &Shop, what: &Interrupted) -> Result<Note> {
        let path = note_path(catalog.home(), shop);
        if let Some(dir) = path.parent() {
            paths::create_private_dir(dir)?;
        }
        let text = serde_json::to_vec_pretty(what)
            .map_err(|e| Error::internal(format!("Could not write down the restore: {e}.")))?;
        paths::write_atomic(&path, &text)?;
        Ok(Note(path))
    }

    /// The restore finished, or was rolled back: the shop is whole.
    pub fn done(self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
