//! Backup: one consistent snapshot of the database and every media file, into one verified
//! archive in the shop's destination.
//!
//! The archive is written as `<name>.zip.partial`, flushed to disk, hashed, given its
//! `.sha256` sidecar and only then renamed to `<name>.zip`; the catalog row comes last. A
//! failure or a cancel at any point removes the partial file and the snapshot, so nothing
//! incomplete ever looks like a backup.

use crate::archive::pipe::pipe;
use crate::archive::ArchiveWriter;
use crate::catalog::{BackupRecord, Catalog, Shop};
use crate::hashing::{sidecar_path, sidecar_text};
use crate::manifest::{
    BackupKind, Manifest, MediaPart, ShopRef, FORMAT_NAME, FORMAT_VERSION, MANIFEST_ENTRY,
    MEDIA_PREFIX, README_ENTRY,
};
use crate::media::MediaScan;
use crate::paths::{fsync_dir, write_atomic, Cleanup};
use crate::progress::{CancelToken, Meter, Phase, Progress};
use crate::{clock, media, Error, Result};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct BackupOptions {
    pub shop: Shop,
    /// A name the user chose, shown beside the date.
    pub name: Option<String>,
    /// False for a database-only backup.
    pub include_media: bool,
    /// True for the safety backup a restore takes first.
    pub safety: bool,
}

/// Back up a shop; returns the catalog record of the new backup.
pub fn backup(
    catalog: &Catalog,
    opts: &BackupOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<BackupRecord> {
    // A restore holds the shop's lock while it takes its own safety backup.
    let result = match opts.safety {
        true => run(catalog, opts, progress, cancel),
        false => crate::lock::ShopLock::shared(catalog.home(), &opts.shop.uid, &opts.shop.name)
            .and_then(|_lock| run(catalog, opts, progress, cancel)),
    };
    let action = if opts.safety {
        "safety-backup"
    } else {
        "backup"
    };
    let detail = result
        .as_ref()
        .map(|r| format!("Wrote {} ({} bytes).", r.path.display(), r.size))
        .map_err(Clone::clone);
    catalog.log(
        action,
        Some(&opts.shop.name),
        result.as_ref().ok().map(|r| r.id.as_str()),
        &detail,
    );
    result
}

fn run(
    catalog: &Catalog,
    opts: &BackupOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<BackupRecord> {
    let shop = &opts.shop;
    crate::ops::shops::check_apart(&shop.name, shop.media.as_deref(), &shop.dest)?;
    if !opts.safety {
        crate::ops::interrupted::refuse_backup(catalog, shop)?;
    }
    let db = crate::ops::shops::database(catalog, shop)?;
    db.check()?;
    let media_root = shop.media.as_deref().filter(|_| opts.include_media);
    let scan = match media_root {
        Some(root) => Some(media::scan(root)?),
        None => None,
    };
    check_destination(&shop.dest)?;
    cancel.check()?;

    let now = clock::now_secs();
    let work = crate::paths::work_dir(catalog.home())?;
    let (id, _reserved) = reserve_id(&work, catalog, || clock::new_backup_id(now))?;
    let kind = if opts.safety {
        BackupKind::Safety
    } else if opts.include_media {
        BackupKind::Full
    } else {
        BackupKind::Database
    };
    let file_name = format!(
        "shopsafe-{}-{id}.zip",
        crate::catalog::file_part(&shop.name)
    );
    let final_path = shop.dest.join(&file_name);
    crate::paths::remove_leftovers(&shop.dest);
    let partial = Cleanup::new(shop.dest.join(format!("{file_name}.partial")));

    let mut writer = ArchiveWriter::create(partial.path(), now)?;
    let entry_name = db.entry_name();
    writer.add_bytes(README_ENTRY, readme(shop, &id, entry_name).as_bytes())?;
    let snap_file = Cleanup::new(work.join(format!(".{file_name}.snapshot")));
    let (snap, db_entry, media_part, inspection) = std::thread::scope(|s| -> Result<_> {
        if db.streams() {
            // A server's dump streams into the archive as it is taken, measured as it goes.
            let (out, chunks) = pipe();
            let dump = s.spawn(|| db.dump(Box::new(out), cancel));
            let mut meter = Meter::new(progress, Phase::Database, 0, 1);
            let written = writer.add_chunks(
                entry_name,
                None,
                crate::archive::writer::PLAIN,
                chunks.into_iter().map(Ok),
                &mut meter,
                cancel,
            );
            let dumped = dump.join().expect("the dump thread never panics");
            // When the archive fails, the dump only learns that its stream was cut.
            let db_entry = written?;
            let (snap, inspection) = dumped?;
            meter.finish();
            let media_part = write_media(&mut writer, scan.as_ref(), progress, cancel)?;
            return Ok((snap, db_entry, media_part, inspection));
        }
        // An SQLite snapshot file is copied in and measured on a second thread meanwhile.
        let meter = Meter::new(progress, Phase::Snapshot, 0, 0);
        let snap = db.snapshot(snap_file.path(), cancel)?;
        meter.finish();
        let inspector = s.spawn(|| db.inspect_snapshot(snap_file.path(), cancel));
        let written = (|| -> Result<_> {
            let size = std::fs::metadata(snap_file.path()).map_or(0, |m| m.len());
            let mut meter = Meter::new(progress, Phase::Database, size, 1);
            let db_entry = writer.add_file(
                entry_name,
                snap_file.path(),
                crate::archive::writer::PLAIN,
                &mut meter,
                cancel,
            )?;
            meter.finish();
            Ok((
                db_entry,
                write_media(&mut writer, scan.as_ref(), progress, cancel)?,
            ))
        })();
        let inspection = inspector
            .join()
            .expect("the inspection thread never panics");
        let (db_entry, media_part) = written?;
        Ok((snap, db_entry, media_part, inspection?))
    })?;
    drop(snap_file);

    let manifest = Manifest {
        format: FORMAT_NAME.to_string(),
        format_version: FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").to_string(),
        backup_id: id.clone(),
        created: clock::rfc3339(now),
        kind,
        name: opts.name.clone(),
        shop: ShopRef {
            name: shop.name.clone(),
            uid: shop.uid.clone(),
        },
        database: inspection.into_part(db.engine(), snap, db_entry),
        media: media_part,
    };
    writer.add_bytes(MANIFEST_ENTRY, &manifest.to_json())?;
    cancel.check()?;
    let meter = Meter::new(progress, Phase::Finishing, 0, 0);
    let sha256 = writer.finish()?;
    let size = std::fs::metadata(partial.path())
        .map_err(|e| Error::io("read", partial.path(), e))?
        .len();
    cancel.check()?;
    let sidecar = Cleanup::new(sidecar_path(&final_path));
    write_atomic(
        sidecar.path(),
        sidecar_text(&final_path, &sha256).as_bytes(),
    )?;
    std::fs::rename(partial.path(), &final_path)
        .map_err(|e| Error::io("rename", &final_path, e))?;
    partial.keep();
    sidecar.keep();
    fsync_dir(&shop.dest)?;
    meter.finish();

    let record = BackupRecord {
        id,
        shop_name: shop.name.clone(),
        shop_uid: shop.uid.clone(),
        kind,
        name: opts.name.clone(),
        created: manifest.created.clone(),
        path: final_path,
        size,
        sha256,
        verified_at: None,
        verified_ok: None,
        manifest,
    };
    catalog.insert_backup(&record).map_err(|e| {
        e.context(&format!(
            "The archive {} is complete, but the catalog could not record it; run `shopsafe import` on its folder",
            record.path.display()
        ))
    })?;
    Meter::new(progress, Phase::Done, 0, 0).finish();
    Ok(record)
}

/// Write the media files into the archive (none for a database-only backup).
fn write_media(
    writer: &mut ArchiveWriter,
    scan: Option<&MediaScan>,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<MediaPart> {
    let Some(scan) = scan else {
        return Ok(MediaPart {
            included: false,
            file_count: 0,
            total_bytes: 0,
            files: Vec::new(),
            skipped: Vec::new(),
            empty_folders: Vec::new(),
        });
    };
    let mut meter = Meter::new(
        progress,
        Phase::Media,
        scan.total_bytes(),
        scan.files.len() as u64,
    );
    let (files, unsaved) = writer.add_media(MEDIA_PREFIX, &scan.files, &mut meter, cancel)?;
    meter.finish();
    let mut skipped = scan.skipped.clone();
    skipped.extend(unsaved);
    Ok(MediaPart {
        included: true,
        file_count: files.len() as u64,
        total_bytes: files.iter().map(|f| f.size).sum(),
        files,
        skipped,
        empty_folders: scan.empty_folders.clone(),
    })
}

/// A backup id from `draw` (`clock::new_backup_id`) that no recorded backup has and no other
/// running backup holds (two begun in the same second may draw the same one): reserved by
/// a file of its name in the home's work folder `work`, made only if none is there, until
/// the returned [`Cleanup`] drops. The id is written into the archive, so it cannot change
/// at the end, when the catalog records it.
fn reserve_id(
    work: &Path,
    catalog: &Catalog,
    mut draw: impl FnMut() -> String,
) -> Result<(String, Cleanup)> {
    loop {
        let id = draw();
        let path = work.join(format!(".shopsafe-id-{id}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => {
                let reserved = Cleanup::new(path);
                if !catalog.has_backup(&id)? {
                    return Ok((id, reserved));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io("write to the work folder", work, e)),
        }
    }
}

/// The destination must be an existing folder that not every user may change.
pub fn check_destination(dest: &Path) -> Result<()> {
    match std::fs::metadata(dest) {
        Ok(m) if m.is_dir() => crate::paths::refuse_open_to_all(
            dest,
            "swap a backup, or a file ShopSafe makes there while it works, for one of their own",
            false,
        ),
        Ok(_) => Err(Error::invalid(format!(
            "The backup destination {} is a file, not a folder; choose a folder.",
            dest.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::invalid(format!(
            "The backup destination {} does not exist; create it or choose another folder.",
            dest.display()
        ))),
        Err(e) => Err(Error::io("use the backup destination", dest, e)),
    }
}

fn readme(shop: &Shop, id: &str, database_entry: &str) -> String {
    let by_hand = if database_entry.ends_with(".sqlite3") {
        "Restore by hand: stop the shop, copy database/shop.sqlite3 over the shop's database\n\
         file (remove any -wal and -shm files beside it), and replace the media folder with\n\
         media/."
    } else if shop.db_url.starts_with("mysql") {
        "Restore by hand: load database/dump.sql into an empty database with the mariadb or\n\
         mysql client (mariadb --binary-mode DATABASE < dump.sql), and replace the media\n\
         folder with media/."
    } else {
        "Restore by hand: load database/dump.sql into an empty database with\n\
         psql -v ON_ERROR_STOP=1 --single-transaction -f dump.sql, and replace the media\n\
         folder with media/."
    };
    format!(
        "ShopSafe backup {id} of shop {name}\n\
         \n\
         manifest.json   what this archive holds, with a SHA-256 for every file\n\
         {database_entry:<15} the shop's database\n\
         media/          the shop's media files, under their own paths\n\
         \n\
         Restore with ShopSafe:   shopsafe restore {id}\n\
         {by_hand}\n\
         docs/FORMAT.md in the ShopSafe sources explains every detail.\n",
        name = shop.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two backups that draw the same id get two ids: the second draws again while the
    /// first holds it, and the id is free again once the first is done.
    #[test]
    fn a_running_backup_keeps_its_id_to_itself() {
        let home = tempfile::tempdir().unwrap();
        let catalog = Catalog::open(&home.path().join("home")).unwrap();
        let work = crate::paths::work_dir(catalog.home()).unwrap();
        let mut draws = [
            "20261128-042454-6334",
            "20261128-042454-6334",
            "20261128-042454-0001",
        ]
        .into_iter()
        .map(String::from);
        let (first, held) = reserve_id(&work, &catalog, || draws.next().unwrap()).unwrap();
        let (second, _) = reserve_id(&work, &catalog, || draws.next().unwrap()).unwrap();
        assert_eq!(first, "20261128-042454-6334");
        assert_eq!(second, "20261128-042454-0001");
        drop(held);
        let (again, _) = reserve_id(&work, &catalog, || first.clone()).unwrap();
        assert_eq!(again, first);
    }
}
