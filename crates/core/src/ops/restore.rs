//! Restore: plan first ([`prepare_restore`]), then replace the shop ([`restore`]).
//!
//! The plan opens the archive, decides which shop it goes into, and compares what is there
//! now with what the backup holds (rows per table, media files added and removed since), so
//! a shell can show it and ask. The restore then follows the safety rules of DESIGN.md:
//!
//! 1. verify every entry while unpacking it into staging beside the database and the media
//!    folder (nothing live is touched);
//! 2. check the staged database (integrity, foreign keys, schema, every table);
//! 3. take a safety backup of the shop as it is (unless the user opted out);
//! 4. save a rollback point of the live database (not for PostgreSQL: see step 7);
//! 5. apply the database through the engine and swap the media folder by renames;
//! 6. verify the live media folder, every file's hash (the database was checked before it
//!    became visible: SQLite's in staging, PostgreSQL's inside its transaction, MySQL's in
//!    scratch tables before the swap);
//! 7. commit PostgreSQL's transaction, which stayed open through steps 5 and 6;
//! 8. on any failure after step 4, put the database and media back and say so.

use crate::archive::{Archive, Staging};
use crate::catalog::{BackupRecord, Catalog, Shop};
use crate::engine::{Applied, Database, Failed};
use crate::hashing::{read_sidecar, sha256_file};
use crate::manifest::{Manifest, MediaPart};
use crate::ops::backup::{backup, BackupOptions};
use crate::ops::interrupted::{self, Interrupted};
use crate::ops::media_swap::MediaSwap;
use crate::paths::Cleanup;
use crate::progress::{CancelToken, Meter, Phase, Progress};
use crate::{media, Error, ErrorKind, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// A backup id (or unique prefix) from the catalog, or the path of an archive file.
    pub backup: String,
    /// The shop to restore into; by default the shop the backup was made from.
    pub shop: Option<String>,
    /// Allow restoring another shop's backup.
    pub force: bool,
    /// Take a safety backup first (the default).
    pub pre_backup: bool,
}

/// What a restore will do, for the user to confirm.
#[derive(Debug, Clone, Serialize)]
pub struct RestorePlan {
    pub backup_id: String,
    pub archive: PathBuf,
    /// The checksum the archive must have, if one is known.
    pub expected_sha256: Option<String>,
    pub backup_created: String,
    pub backup_shop: String,
    pub shop: Shop,
    /// When the backup was made from another shop than the one it goes into: a sentence
    /// saying which ("This backup was made from …").
    pub other_shop: Option<String>,
    pub tables: Vec<TableChange>,
    /// The database's objects other than tables (views, routines, triggers…) made since the
    /// backup, which the restore removes; known for server databases backed up since they
    /// were listed (empty otherwise).
    pub objects_made_since: Vec<String>,
    /// For a server database's backup made before they were listed (FORMAT.md: no
    /// `objects`): its objects other than tables there now, any of which the restore
    /// removes unless the backup holds it too.
    pub objects_unlisted_then: Vec<String>,
    pub media: Option<MediaChange>,
    pub pre_backup: bool,
    #[serde(skip)]
    manifest: Manifest,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableChange {
    pub name: String,
    /// Whether the table exists now.
    pub exists_now: bool,
    /// Rows now, or `None` if the table does not exist now or could not be counted.
    pub rows_now: Option<u64>,
    /// Rows in the backup, or `None` if the backup lacks the table (it will be dropped).
    pub rows_backup: Option<u64>,
    /// Whether the restore visibly changes the table: makes or drops it, or changes its
    /// number of rows (or that number is not known now). Every shell shows these first.
    pub changes: bool,
}

impl TableChange {
    fn new(
        name: String,
        exists_now: bool,
        rows_now: Option<u64>,
        rows_backup: Option<u64>,
    ) -> Self {
        TableChange {
            name,
            exists_now,
            rows_now,
            rows_backup,
            changes: exists_now != rows_backup.is_some() || rows_now != rows_backup,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MediaChange {
    pub root: PathBuf,
    pub files_now: u64,
    pub files_backup: u64,
    /// Files there now that the backup does not have: they will be removed.
    pub added_since: u64,
    /// Files in the backup that are gone now: they will come back.
    pub removed_since: u64,
    /// Files in both whose size differs.
    pub changed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub backup_id: String,
    pub shop: String,
    /// The safety backup taken first, if any.
    pub safety_backup: Option<String>,
    pub tables_checked: u64,
    pub rows_checked: u64,
    pub media_files_checked: Option<u64>,
    /// Things worth knowing that did not stop the restore.
    pub notes: Vec<String>,
}

/// Look at the backup and the shop and say what a restore would replace.
pub fn prepare_restore(catalog: &Catalog, opts: &RestoreOptions) -> Result<RestorePlan> {
    let (archive, expected_sha256, record) = locate(catalog, &opts.backup)?;
    let manifest = match &record {
        Some(r) => Archive::open_backup(&archive, &r.id)?,
        None => Archive::open(&archive)?,
    }
    .manifest;
    let shop = match (&opts.shop, &record) {
        (Some(name), _) => catalog.resolve_shop(Some(name))?,
        (None, _) => match catalog.shops()?.into_iter().find(|s| s.uid == manifest.shop.uid) {
            Some(s) => s,
            None => catalog.find_shop(&manifest.shop.name)?.ok_or_else(|| {
                Error::not_found(format!(
                    "The shop {} this backup was made from is not registered; say where to restore it with --shop NAME.",
                    manifest.shop.name
                ))
            })?,
        },
    };
    crate::ops::shops::check_apart(&shop.name, shop.media.as_deref(), &shop.dest)?;
    // The restore's working files go there.
    crate::ops::backup::check_destination(&shop.dest)?;
    if let (Some(root), true) = (&shop.media, manifest.media.included) {
        super::media_swap::refuse_mounts_inside(root)?;
        super::media_owners::refuse_foreign(root)?;
    }
    let db = crate::ops::shops::database(catalog, &shop)?;
    if db.engine() != manifest.database.engine {
        return Err(Error::invalid(format!(
            "This backup holds a {} database but shop {} uses {}; it cannot be restored there.",
            Database::engine_label(&manifest.database.engine),
            shop.name,
            Database::engine_label(db.engine())
        )));
    }
    // A shop removed and added again, or registered anew on another computer, is another
    // shop (its uid differs), though its name may be the same.
    let other_shop = (manifest.shop.uid != shop.uid).then(|| match manifest.shop.name == shop.name {
        true => format!(
            "This backup was made from another shop also named {} (one removed and added again since, or registered on another computer).",
            shop.name
        ),
        false => format!(
            "This backup was made from shop {}, not from shop {}.",
            manifest.shop.name, shop.name
        ),
    });
    if let (Some(from), false) = (&other_shop, opts.force) {
        return Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "{}; pass --force to restore it into {} anyway.",
                from.trim_end_matches('.'),
                shop.name
            ),
        ));
    }
    db.check_restorable(&manifest.database)?;
    let now: HashMap<String, Option<u64>> = match db.row_counts() {
        Ok(counts) => counts.into_iter().collect(),
        Err(e) if e.kind == ErrorKind::InvalidInput => HashMap::new(),
        Err(e) => return Err(e),
    };
    let mut tables: Vec<TableChange> = manifest
        .database
        .tables
        .iter()
        .map(|t| {
            TableChange::new(
                t.name.clone(),
                now.contains_key(&t.name),
                now.get(&t.name).copied().flatten(),
                Some(t.rows),
            )
        })
        .collect();
    for (name, rows) in &now {
        if !manifest.database.tables.iter().any(|t| &t.name == name) {
            tables.push(TableChange::new(name.clone(), true, *rows, None));
        }
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let objects_now = db.object_names()?.unwrap_or_default();
    let (objects_made_since, objects_unlisted_then) = match &manifest.database.objects {
        Some(then) => (
            objects_now
                .into_iter()
                .filter(|o| !then.contains(o))
                .collect(),
            Vec::new(),
        ),
        None => (Vec::new(), objects_now),
    };
    let media = match (&shop.media, manifest.media.included) {
        (Some(root), true) => Some(media_change(root, &manifest.media)?),
        _ => None,
    };
    Ok(RestorePlan {
        backup_id: manifest.backup_id.clone(),
        archive,
        expected_sha256,
        backup_created: manifest.created.clone(),
        backup_shop: manifest.shop.name.clone(),
        shop,
        other_shop,
        tables,
        objects_made_since,
        objects_unlisted_then,
        media,
        pre_backup: opts.pre_backup,
        manifest,
    })
}

/// The archive path, its expected checksum, and its catalog record, for an id or a path.
fn locate(
    catalog: &Catalog,
    backup: &str,
) -> Result<(PathBuf, Option<String>, Option<BackupRecord>)> {
    match catalog.backup(backup) {
        Ok(r) => Ok((r.path.clone(), Some(r.sha256.clone()), Some(r))),
        Err(e) if e.kind == ErrorKind::NotFound && Path::new(backup).is_file() => {
            let path = crate::paths::absolute(Path::new(backup))?;
            crate::paths::refuse_archive_open_to_all(
                &path,
                "swap the archive for one of their own before it is restored",
            )?;
            Ok((path.clone(), read_sidecar(&path), None))
        }
        // Given as a path (to an archive not there), not an id.
        Err(e) if e.kind == ErrorKind::NotFound && (backup.contains(['/', '\\']) || backup.ends_with(".zip")) => {
            Err(Error::not_found(format!(
                "The archive {backup} does not exist; check the path, or give a backup id from `shopsafe list`."
            )))
        }
        Err(e) => Err(e),
    }
}

/// A backup as its owner knows it, by its time and name (the lists show no ids): `the backup
/// of 2026-11-27 21:51 UTC ("Before the sale")`.
fn known_as(m: &Manifest) -> String {
    let at = crate::clock::readable(&m.created);
    match &m.name {
        Some(name) => format!("the backup of {at} (\"{name}\")"),
        None => format!("the backup of {at}"),
    }
}

fn media_change(root: &Path, backup: &MediaPart) -> Result<MediaChange> {
    let now = if root.exists() {
        media::scan(root)?.files
    } else {
        Vec::new()
    };
    let then: HashMap<&str, u64> = backup
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.size))
        .collect();
    let now_map: HashMap<&str, u64> = now.iter().map(|f| (f.rel.as_str(), f.size)).collect();
    Ok(MediaChange {
        root: root.to_path_buf(),
        files_now: now.len() as u64,
        files_backup: backup.files.len() as u64,
        added_since: now_map.keys().filter(|k| !then.contains_key(*k)).count() as u64,
        removed_since: then.keys().filter(|k| !now_map.contains_key(*k)).count() as u64,
        changed: now_map
            .iter()
            .filter(|(k, s)| then.get(*k).is_some_and(|t| t != *s))
            .count() as u64,
    })
}

/// Carry out a plan from [`prepare_restore`].
pub fn restore(
    catalog: &Catalog,
    plan: &RestorePlan,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<RestoreReport> {
    let result = crate::lock::ShopLock::exclusive(catalog.home(), &plan.shop.uid, &plan.shop.name)
        .and_then(|_lock| {
            still_as_planned(catalog, plan)?;
            run(catalog, plan, progress, cancel)
        });
    let detail = result
        .as_ref()
        .map(|r| {
            format!(
                "Restored into {}; {} tables and {} rows verified{}.",
                r.shop,
                r.tables_checked,
                r.rows_checked,
                r.media_files_checked
                    .map(|n| format!(", {n} media files verified"))
                    .unwrap_or_default()
            )
        })
        .map_err(Clone::clone);
    catalog.log(
        "restore",
        Some(&plan.shop.name),
        Some(&plan.backup_id),
        &detail,
    );
    // A finished restore checked every entry of the archive and the whole file, as a
    // verify does (of the catalog's file: one restored by another path says nothing of it).
    let listed = || {
        catalog
            .backup(&plan.backup_id)
            .is_ok_and(|r| r.id == plan.backup_id && r.path == plan.archive)
    };
    if result.is_ok() && listed() {
        let _ = catalog.mark_verified(
            &plan.backup_id,
            &crate::clock::rfc3339(crate::clock::now_secs()),
            true,
        );
    }
    result
}

/// The shop must still be what the user confirmed: not removed, moved to another database
/// or media folder since the plan was shown (by another window or the command line).
fn still_as_planned(catalog: &Catalog, plan: &RestorePlan) -> Result<()> {
    let now = catalog
        .shops()?
        .into_iter()
        .find(|s| s.uid == plan.shop.uid);
    match now {
        Some(s) if s.db_url == plan.shop.db_url && s.media == plan.shop.media && s.dest == plan.shop.dest => Ok(()),
        _ => Err(Error::new(
            ErrorKind::Refused,
            format!(
                "Shop {} was changed or removed after this restore was shown; nothing was restored. Look at the restore again and confirm it anew.",
                plan.shop.name
            ),
        )),
    }
}

fn run(
    catalog: &Catalog,
    plan: &RestorePlan,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<RestoreReport> {
    let shop = &plan.shop;
    let m = &plan.manifest;
    let db = crate::ops::shops::database(catalog, shop)?;
    let tag = format!("shopsafe-restore-{}", m.backup_id);
    crate::paths::remove_leftovers(&shop.dest);
    let mut notes = Vec::new();
    // What a restore stopped outright moved aside is kept, under a name no restore reuses.
    let stopped = interrupted::find(catalog, shop);
    if let Some(stopped) = &stopped {
        notes.extend(stopped.keep_leftovers()?);
    }

    // 1. Verify while unpacking into staging.
    let work = crate::paths::work_dir(catalog.home())?;
    let staged_db = Cleanup::fresh(db.scratch_path(&shop.dest, &work, &tag));
    let media_root = match (&shop.media, m.media.included) {
        (Some(root), true) => Some(root.clone()),
        (None, true) => {
            notes.push(format!(
                "The backup holds {} media files, but shop {} has no media folder, so they were not restored.",
                m.media.file_count, shop.name
            ));
            None
        }
        _ => None,
    };
    let mut media_swap = match &media_root {
        Some(root) => Some(MediaSwap::new(root, &m.backup_id, stopped.is_some())?),
        None => None,
    };
    let staged_media = media_swap.as_ref().map(|ms| ms.staged.clone());
    let staging = Staging {
        database: staged_db.path(),
        media: staged_media.as_deref(),
    };
    // PostgreSQL with no media to stage loads the dump while the archive is checked (step
    // 5): its load stays invisible until the check has passed, and nothing is waiting for
    // media to be staged while it holds the shop's tables. Otherwise everything is checked
    // and staged first.
    let overlap = db.loads_while_staging() && media_swap.is_none();
    if overlap {
        open_planned(plan)?;
    } else {
        stage(plan, &staging, progress, cancel)?;
        // 2. Check the staged database.
        db.check_staged(staged_db.path(), &m.database)?;
    }
    cancel.check()?;

    // 3. Safety backup of the shop as it is now (if there is a database to save).
    let had_db = db.exists();
    let had_media = media_root.as_ref().is_some_and(|r| r.exists());
    if plan.pre_backup && !had_db {
        notes.push(
            "The shop's database did not exist, so there was nothing to take a safety backup of."
                .into(),
        );
    }
    let safety_backup = if plan.pre_backup && had_db {
        let opts = BackupOptions {
            shop: shop.clone(),
            name: Some(match &stopped {
                None => format!("Before restoring {}", known_as(m)),
                Some(_) => format!(
                    "Before restoring {}, of a shop a stopped restore may have half-restored",
                    known_as(m)
                ),
            }),
            include_media: had_media,
            safety: true,
        };
        let sink = Relabel {
            inner: progress,
            phase: Phase::SafetyBackup,
        };
        let taken = backup(catalog, &opts, &sink, cancel).map_err(|e| match e.kind {
            ErrorKind::Cancelled => e,
            kind => Error::new(
                kind,
                format!(
                    "Nothing was restored, as the safety backup of the shop as it is now failed: {}",
                    e.message
                ),
            ),
        });
        Some(taken?.id)
    } else {
        None
    };
    cancel.check()?;

    // 4. Rollback point, for engines that make the database visible before the restore has
    // finished (not PostgreSQL, whose transaction stays open until step 7). From here on a
    // cancel stops a PostgreSQL restore until its commit (rolled back) and a MySQL one until
    // its swap (nothing changed); SQLite's finishes or rolls back.
    let rollback_db = Cleanup::fresh(db.scratch_path(
        &shop.dest,
        &work,
        &format!("shopsafe-rollback-{}", m.backup_id),
    ));
    let has_rollback_point = had_db && db.needs_rollback_point();
    // What the rollback point holds, to check the database against if it is put back.
    let rollback_holds = if has_rollback_point {
        db.rollback_point(rollback_db.path(), cancel)?
    } else {
        None
    };

    // Written down before the first change, so a restore stopped outright is noticed: one
    // that swaps media too, or a MySQL one (whose objects follow its tables' swap). Alone,
    // a PostgreSQL transaction or an SQLite copy is all or nothing.
    let may_stop_halfway = media_swap.is_some() || matches!(db, Database::Mysql(_));
    let note = may_stop_halfway
        .then(|| {
            interrupted::Note::write(
                catalog,
                shop,
                &Interrupted {
                    backup_id: m.backup_id.clone(),
                    known_as: Some(known_as(m)),
                    started: crate::clock::rfc3339(crate::clock::now_secs()),
                    // After a stopped restore, the way back is its safety backup (of the shop as it
                    // was), not this one's (of the shop half-restored).
                    safety_backup: match &stopped {
                        Some(stopped) => stopped.safety_backup.clone(),
                        None => safety_backup.clone(),
                    },
                    media_aside: media_swap.as_ref().map(|ms| ms.aside().to_path_buf()),
                    rollback_point: has_rollback_point.then(|| rollback_db.path().to_path_buf()),
                },
            )
        })
        .transpose()?;

    // 5. Swap in (when the load overlaps staging, it shows as staging).
    let swapping = || Meter::new(progress, Phase::Swapping, 0, 0).finish();
    if !overlap {
        swapping();
    }
    // Whether this run changed the database, so a rollback undoes exactly that.
    let mut applied = false;
    // A PostgreSQL restore loaded and checked in its still-open transaction.
    let mut pending = None;
    let swapped = (|| -> Result<()> {
        let result = if overlap {
            apply_while_staging(&db, plan, &staging, progress, cancel)
        } else {
            db.apply(staged_db.path(), Some(&m.database), cancel)
        };
        match result {
            Ok(a) => {
                applied = a.is_visible();
                notes.extend_from_slice(a.notes());
                pending = Some(a);
            }
            Err(failed) => {
                applied = failed.changed;
                return Err(failed.error);
            }
        }
        if overlap {
            swapping();
        }
        if let Some(ms) = media_swap.as_mut() {
            if had_media {
                let kept = media::keep_unsaved(&ms.root, &ms.staged)?;
                if !kept.is_empty() {
                    notes.push(format!(
                        "Kept as they were in the media folder, as no backup saves them: {}.",
                        kept.join(", ")
                    ));
                }
            }
            notes.extend(super::media_owners::adopt(&ms.root, &ms.staged));
            ms.swap(had_media)?;
        }
        Ok(())
    })();
    // 6. Verify the live media folder. The database was checked before it became visible:
    // an SQLite file in staging (its copy is page for page), a server's database inside its
    // transaction or in scratch tables. Checking it again now could only see the shop's own
    // new writes, and rolling back for them would lose them.
    let checked = swapped.and_then(|_| {
        let mut meter = Meter::new(
            progress,
            Phase::Checking,
            m.media.total_bytes,
            m.media.files.len() as u64,
        );
        if let Some(ms) = &media_swap {
            verify_media(&ms.root, &m.media, &mut meter)?;
        }
        meter.finish();
        Ok(())
    });
    // 7. Commit a pending database restore once everything else has succeeded, unless the
    // restore was cancelled meanwhile.
    let committed = checked.and_then(|_| match pending.take() {
        Some(a) if cancel.is_cancelled() => {
            pending = Some(a);
            Err(Error::cancelled())
        }
        Some(a) => a.commit().map_err(|failed| {
            applied = failed.changed;
            failed.error
        }),
        None => Ok(()),
    });
    // 8. Roll back on failure.
    if let Err(e) = committed {
        Meter::new(progress, Phase::RollingBack, 0, 0).finish();
        // Whether anything was changed (or is held changed in an open transaction) to undo.
        let undone = applied
            || media_swap.as_ref().is_some_and(MediaSwap::changed)
            || pending.is_some()
            || !had_db;
        let back = (|| -> Result<()> {
            if pending.take().is_some_and(Applied::roll_back) {
                // The transaction was still open: nothing was ever visible.
            } else if !had_db {
                db.remove_live()?;
            } else if applied && has_rollback_point {
                db.apply(
                    rollback_db.path(),
                    rollback_holds.as_ref(),
                    &CancelToken::new(),
                )
                .and_then(Applied::commit)
                .map_err(|f| f.error)?;
            } else if applied {
                return Err(Error::new(
                    ErrorKind::Database,
                    "there is no rollback point for a database that may have been replaced",
                ));
            }
            if let Some(ms) = &media_swap {
                ms.undo()?;
            }
            Ok(())
        })();
        // Put back: the shop is whole again. (Not put back: it stays written down.)
        if let (Ok(()), Some(note)) = (&back, note) {
            note.done();
        }
        return Err(match back {
            Ok(()) if e.kind == ErrorKind::Cancelled => Error::new(
                e.kind,
                match undone {
                    true => {
                        "The restore was cancelled and rolled back; the shop is as it was before."
                    }
                    false => "The restore was cancelled; nothing was changed.",
                },
            ),
            Ok(()) if !undone => Error::new(
                e.kind,
                format!("{} Nothing was changed; the shop is as it was.", e.message),
            ),
            Ok(()) => Error::new(
                e.kind,
                format!(
                    "{} The restore was rolled back; the shop is as it was before.",
                    e.message
                ),
            ),
            Err(b) => {
                // What is left to put the shop back by hand: the safety backup, and the
                // rollback point, kept.
                let mut by_hand = Vec::new();
                if let Some(id) = &safety_backup {
                    by_hand.push(format!("restore the safety backup {id}"));
                }
                if has_rollback_point && rollback_db.path().exists() {
                    by_hand.push(format!(
                        "load the database as it was from {}",
                        rollback_db.keep().display()
                    ));
                }
                let what = match by_hand.is_empty() {
                    true => "check the shop by hand: no safety backup was taken".to_string(),
                    false => by_hand.join(", or "),
                };
                Error::new(
                    ErrorKind::Internal,
                    format!(
                        "{} Rolling back also failed ({}); {what}.",
                        e.message, b.message
                    ),
                )
            }
        });
    }
    if let Some(ms) = &media_swap {
        ms.retire();
    }
    if let Some(note) = note {
        note.done();
    }
    if let Some(left) = media_swap.as_ref().and_then(MediaSwap::finish) {
        notes.push(left);
    }
    Meter::new(progress, Phase::Done, 0, 0).finish();
    Ok(RestoreReport {
        backup_id: m.backup_id.clone(),
        shop: shop.name.clone(),
        safety_backup,
        tables_checked: m.database.tables.len() as u64,
        rows_checked: m.total_rows(),
        media_files_checked: media_root.as_ref().map(|_| m.media.file_count),
        notes,
    })
}

/// Open the planned archive; it must still hold the planned backup.
fn open_planned(plan: &RestorePlan) -> Result<Archive> {
    let archive = Archive::open(&plan.archive)?;
    if archive.manifest != plan.manifest {
        return Err(Error::corrupt(format!(
            "The archive {} changed since the restore was planned; plan it again.",
            plan.archive.display()
        )));
    }
    Ok(archive)
}

/// Step 1: check every entry of the archive (and its checksum) while unpacking into staging.
fn stage(
    plan: &RestorePlan,
    staging: &Staging,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<()> {
    let mut archive = open_planned(plan)?;
    let mut meter = Meter::new(
        progress,
        Phase::Staging,
        archive.listed_bytes(),
        plan.manifest.media.files.len() as u64 + 1,
    );
    archive.check(
        plan.expected_sha256.as_deref(),
        Some(staging),
        &mut meter,
        cancel,
    )?;
    // The media folders that were empty, which no file makes again.
    if let Some(media) = staging.media {
        for folder in &plan.manifest.media.empty_folders {
            let rel = crate::archive::reader::safe_relative(folder).ok_or_else(|| {
                Error::corrupt(format!(
                    "The archive {} names an unsafe media folder ({folder}) that points outside its folder; nothing was restored from it.",
                    plan.archive.display()
                ))
            })?;
            let made = media.join(rel);
            std::fs::create_dir_all(&made).map_err(|e| Error::io("create", &made, e))?;
        }
    }
    meter.finish();
    Ok(())
}

/// Steps 1 and 5 at once: stage the archive on one thread while the database loads the
/// staged dump as it arrives. The load is left pending only if every entry checked out.
fn apply_while_staging(
    db: &Database,
    plan: &RestorePlan,
    staging: &Staging,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> std::result::Result<Applied, Failed> {
    let failed = AtomicBool::new(false);
    let entry_size = plan.manifest.database.entry.size;
    std::thread::scope(|s| {
        let check = s.spawn(|| {
            let result = stage(plan, staging, progress, cancel);
            if result.is_err() {
                failed.store(true, Ordering::Release);
            }
            result
        });
        let applied = db.apply_arriving(
            staging.database,
            entry_size,
            &failed,
            &plan.manifest.database,
            cancel,
        );
        match (
            check.join().expect("the staging thread never panics"),
            applied,
        ) {
            (Ok(()), applied) => applied,
            (Err(error), applied) => {
                if let Ok(a) = applied {
                    a.roll_back();
                }
                Err(Failed {
                    error,
                    changed: false,
                })
            }
        }
    })
}

/// Check the restored media folder `root` holds exactly the manifest's files, each with its
/// recorded hash (the scan passes over the restore's own folders in it).
fn verify_media(root: &Path, want: &MediaPart, meter: &mut Meter) -> Result<()> {
    let scan = media::scan(root)?;
    let expected: HashMap<&str, &str> = want
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    if let Some(extra) = scan
        .files
        .iter()
        .find(|f| !expected.contains_key(f.rel.as_str()))
    {
        return Err(Error::new(
            ErrorKind::VerificationFailed,
            format!(
                "The restored media folder has a file the backup does not have ({}).",
                extra.rel
            ),
        ));
    }
    if scan.files.len() != want.files.len() {
        return Err(Error::new(
            ErrorKind::VerificationFailed,
            "The restored media folder lacks files the backup has.",
        ));
    }
    for f in &scan.files {
        let sha = sha256_file(&f.abs, |n| meter.add(n, 0))?;
        if expected.get(f.rel.as_str()) != Some(&sha.as_str()) {
            return Err(Error::new(
                ErrorKind::VerificationFailed,
                format!(
                    "The restored media file {} does not match the backup.",
                    f.rel
                ),
            ));
        }
        meter.add(0, 1);
    }
    Ok(())
}

/// Reports another job's progress under one phase (the safety backup inside a restore).
struct Relabel<'a> {
    inner: &'a dyn Progress,
    phase: Phase,
}

impl Progress for Relabel<'_> {
    fn update(&self, u: &crate::progress::Update) {
        if u.phase != Phase::Done {
            self.inner.update(&crate::progress::Update {
                phase: self.phase,
                ..u.clone()
            });
        }
    }
}
