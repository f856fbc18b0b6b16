//! A thread writes to the shop's database all through a backup; the archive must hold one
//! consistent snapshot (the invariant every transaction keeps holds in the archive too).
//! Jobs on one shop share its lock, or exclude one another.

mod common;

use common::TestShop;
use rusqlite::Connection;
use shopsafe_core::{ops, CancelToken, NoProgress};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn backup_during_constant_writes_holds_one_consistent_snapshot() {
    let t = TestShop::new("busy");
    let db = t.db_path();
    {
        let c = Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL);
             CREATE TABLE ledger_total (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL, sum INTEGER NOT NULL);
             INSERT INTO ledger_total VALUES (1, 0, 0);",
        )
        .unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, commits, db) = (stop.clone(), commits.clone(), db.clone());
        std::thread::spawn(move || {
            let mut c = Connection::open(&db).unwrap();
            c.busy_timeout(Duration::from_secs(5)).unwrap();
            let mut i = 0i64;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let tx = c.transaction().unwrap();
                tx.execute("INSERT INTO ledger (amount) VALUES (?1)", [i])
                    .unwrap();
                tx.execute("UPDATE ledger_total SET n = n + 1, sum = sum + ?1", [i])
                    .unwrap();
                tx.execute(
                    "UPDATE catalog_product SET rating = rating + 0.01 WHERE id = ?1",
                    [i % 100 + 1],
                )
                .unwrap();
                tx.commit().unwrap();
                commits.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    while commits.load(Ordering::SeqCst) < 50 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let at_start = commits.load(Ordering::SeqCst);
    let backup = t.backup();
    let at_end = commits.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert!(
        at_end > at_start,
        "the writer must have kept writing during the backup"
    );

    // Take the database out of the archive and check the invariant.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&backup.path).unwrap()).unwrap();
    let out = t.dir.path().join("snap.sqlite3");
    std::io::copy(
        &mut zip.by_name("database/shop.sqlite3").unwrap(),
        &mut std::fs::File::create(&out).unwrap(),
    )
    .unwrap();
    let c = Connection::open(&out).unwrap();
    let (n, sum): (i64, i64) = c
        .query_row("SELECT n, sum FROM ledger_total", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let (rows, total): (i64, i64) = c
        .query_row(
            "SELECT count(*), coalesce(sum(amount), 0) FROM ledger",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((n, sum), (rows, total), "the snapshot mixes two moments");
    assert!(
        rows as u64 >= at_start,
        "the snapshot is older than the backup"
    );
    let ledger = backup
        .manifest
        .database
        .tables
        .iter()
        .find(|t| t.name == "ledger")
        .unwrap();
    assert_eq!(
        ledger.rows, rows as u64,
        "the manifest counts another moment than the archive holds"
    );
}

/// Deletes the given media files as soon as the media phase starts.
struct DeleteDuringMedia(Vec<std::path::PathBuf>, AtomicBool);

impl shopsafe_core::Progress for DeleteDuringMedia {
    fn update(&self, u: &shopsafe_core::Update) {
        if u.phase == shopsafe_core::Phase::Media
            && u.files_done > 0
            && !self.1.swap(true, Ordering::SeqCst)
        {
            for f in &self.0 {
                std::fs::remove_file(f).unwrap();
            }
        }
    }
}

#[test]
fn media_files_deleted_during_the_backup_are_noted_not_fatal() {
    let t = TestShop::new("vanishing");
    let all: Vec<String> = common::files(&t.media_path()).into_keys().collect();
    assert!(all.len() > 50);
    let doomed: Vec<String> = all[all.len() - 3..].to_vec();
    let sink = DeleteDuringMedia(
        doomed.iter().map(|r| t.media_path().join(r)).collect(),
        AtomicBool::new(false),
    );
    let backup = shopsafe_core::ops::backup(
        &t.catalog,
        &t.backup_options(),
        &sink,
        &shopsafe_core::CancelToken::new(),
    )
    .unwrap();
    let m = &backup.manifest.media;
    assert_eq!(m.files.len(), all.len() - 3);
    for d in &doomed {
        assert!(
            m.skipped
                .iter()
                .any(|s| s.starts_with(d.as_str()) && s.contains("deleted during")),
            "{:?}",
            m.skipped
        );
        assert!(!m.files.iter().any(|f| &f.path == d));
    }
    shopsafe_core::ops::verify(
        &t.catalog,
        &backup.id,
        &shopsafe_core::NoProgress,
        &shopsafe_core::CancelToken::new(),
    )
    .unwrap();
}

/// A restore while the site keeps committing writes (in WAL mode, as a Django site's SQLite
/// database often is, so readers do not hold writers back): the database is checked in staging
/// and copied in page for page, so the restore goes through, and the writes the site commits
/// after it are the shop's and stay. (A check of the live file after the copy saw the
/// site's writes, failed, and rolled back to the copy taken before: committed orders were
/// lost, their ids given again.)
#[test]
fn restore_during_constant_writes_keeps_what_the_site_commits_after_it() {
    let t = TestShop::new("busy-restore");
    let db = t.db_path();
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL UNIQUE);",
        )
        .unwrap();
    let backup = t.backup();
    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, commits, db) = (stop.clone(), commits.clone(), db.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::SeqCst) {
                // A connection per request, as a web site opens them.
                let c = Connection::open(&db).unwrap();
                c.busy_timeout(Duration::from_secs(10)).unwrap();
                i += 1;
                c.execute("INSERT INTO ledger (amount) VALUES (?1)", [i as i64])
                    .unwrap();
                commits.store(i, Ordering::SeqCst);
            }
        })
    };
    while commits.load(Ordering::SeqCst) < 20 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let plan = shopsafe_core::ops::prepare_restore(
        &t.catalog,
        &shopsafe_core::ops::RestoreOptions {
            backup: backup.id.clone(),
            shop: None,
            force: false,
            pre_backup: true,
        },
    )
    .unwrap();
    let during = commits.load(Ordering::SeqCst);
    let restored = shopsafe_core::ops::restore(
        &t.catalog,
        &plan,
        &shopsafe_core::NoProgress,
        &shopsafe_core::CancelToken::new(),
    );
    let after = commits.load(Ordering::SeqCst);
    while commits.load(Ordering::SeqCst) < after + 20 {
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let last = commits.load(Ordering::SeqCst);
    assert!(
        after > during,
        "the site must have written during the restore"
    );
    restored.unwrap();
    let c = Connection::open(&db).unwrap();
    let kept: i64 = c
        .query_row(
            "SELECT count(*) FROM ledger WHERE amount > ?1",
            [after as i64],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        kept as u64,
        last - after,
        "writes committed after the restore were lost"
    );
}

/// A site deleting and re-creating uploads and folders while backups read the media folder
/// (thumbnails cleaned up, caches rebuilt): every backup goes through, naming what vanished
/// as deleted during the backup. (A file listed, then gone before it was looked at, failed
/// the whole backup.)
#[test]
fn media_churning_while_it_is_listed_does_not_fail_backups() {
    let t = TestShop::new("churn");
    let churn = t.media_path().join("cache");
    for d in 0..20 {
        std::fs::create_dir_all(churn.join(format!("d{d}"))).unwrap();
        for f in 0..100 {
            std::fs::write(churn.join(format!("d{d}/f{f}.txt")), b"thumb").unwrap();
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let churner = {
        let (stop, churn) = (stop.clone(), churn.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                // Empty a folder file by file (or all at once), then fill it again.
                let d = churn.join(format!("d{}", i % 20));
                if i % 5 == 0 {
                    let _ = std::fs::remove_dir_all(&d);
                } else {
                    for f in 0..100 {
                        let _ = std::fs::remove_file(d.join(format!("f{f}.txt")));
                    }
                }
                let _ = std::fs::create_dir_all(&d);
                for f in 0..100 {
                    let _ = std::fs::write(d.join(format!("f{f}.txt")), b"thumb");
                }
            }
        })
    };
    // Listing the folder is where a backup first meets the churn: many listings, then
    // whole backups, which also read the files.
    let listings: Vec<_> = (0..300)
        .map(|_| shopsafe_core::media::scan(&t.media_path()).map(|l| l.skipped))
        .collect();
    let backups: Vec<_> = (0..3)
        .map(|_| t.try_backup().map(|b| b.manifest.media.skipped))
        .collect();
    stop.store(true, Ordering::SeqCst);
    churner.join().unwrap();
    let mut noted = 0;
    for skipped in listings.into_iter().chain(backups) {
        for s in skipped.unwrap_or_else(|e| panic!("{}", e.message)) {
            // A file the churn rewrites on every read is named too (since files changed
            // less than 50 ms before a read are read again).
            assert!(
                s.ends_with(": deleted during the backup")
                    || s.contains(": changed each time it was read"),
                "{s}"
            );
            noted += 1;
        }
    }
    assert!(
        noted > 0,
        "the site's deletions never met a listing: the test proves nothing"
    );
}

/// A check of a backup shares its shop's lock: it waits for no delete or restore, and none
/// deletes the archive under it (a check once reported a backup deleted meanwhile intact).
#[test]
fn verify_shares_the_shops_lock_with_other_readers_only() {
    let t = TestShop::with_media("verify-lock", 64 << 10);
    let b = t.backup();
    let restoring =
        shopsafe_core::lock::ShopLock::exclusive(t.catalog.home(), &t.shop.uid, &t.shop.name)
            .unwrap();
    let e = ops::verify(&t.catalog, &b.id, &NoProgress, &CancelToken::new()).unwrap_err();
    assert_eq!(e.kind, shopsafe_core::ErrorKind::Refused, "{}", e.message);
    drop(restoring);
    let backing_up =
        shopsafe_core::lock::ShopLock::shared(t.catalog.home(), &t.shop.uid, &t.shop.name).unwrap();
    ops::verify(&t.catalog, &b.id, &NoProgress, &CancelToken::new()).unwrap();
    drop(backing_up);
}

/// Rewrites media files while they are read: `settles` once, after its first chunk was
/// read (so it is read again, whole), `churns` at every step after that.
struct RewriteDuringMedia {
    settles: std::path::PathBuf,
    churns: std::path::PathBuf,
    small_files: u64,
    step: AtomicU64,
}

impl shopsafe_core::Progress for RewriteDuringMedia {
    fn update(&self, u: &shopsafe_core::Update) {
        if u.phase != shopsafe_core::Phase::Media || u.files_done < self.small_files {
            return;
        }
        // Step 0 is the last small file's; step 1 comes after the first chunk of `settles`.
        let step = self.step.fetch_add(1, Ordering::SeqCst);
        let target = match step {
            0 => return,
            1 => &self.settles,
            _ => &self.churns,
        };
        // One byte rewritten in place: same size, new content.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(target)
            .unwrap();
        std::io::Write::write_all(&mut f, &[step as u8 + 1]).unwrap();
    }
}

/// A big media file the site rewrites while it is read is read again, so the archive never
/// holds a torn copy (half old, half new, a state the file never had, which every later
/// check would call good); one that keeps changing is not saved, and said so.
#[test]
fn media_files_rewritten_while_read_are_read_again_or_noted() {
    let t = TestShop::with_media("rewritten", 256 << 10);
    let small_files = common::files(&t.media_path()).len() as u64;
    let (settles, churns) = (
        t.media_path().join("video-a.bin"),
        t.media_path().join("video-b.bin"),
    );
    std::fs::write(&settles, vec![0u8; 6 << 20]).unwrap();
    // Not compressible, so what is left of it in the archive shows.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<u8> = (0..6 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&churns, &noise).unwrap();
    let sink = RewriteDuringMedia {
        settles: settles.clone(),
        churns,
        small_files,
        step: AtomicU64::new(0),
    };
    let backup = ops::backup(&t.catalog, &t.backup_options(), &sink, &CancelToken::new()).unwrap();
    let m = &backup.manifest.media;
    let saved = m.files.iter().find(|f| f.path == "video-a.bin").unwrap();
    let now = std::fs::read(&settles).unwrap();
    assert_eq!(now[0], 2, "the file was not rewritten during the backup");
    assert_eq!(
        saved.sha256,
        shopsafe_core::hashing::hex(&<sha2::Sha256 as sha2::Digest>::digest(&now)),
        "the archive holds another content than the file had after its rewrite"
    );
    assert!(!m.files.iter().any(|f| f.path == "video-b.bin"));
    assert!(
        m.skipped
            .iter()
            .any(|s| s.starts_with("video-b.bin: changed each time it was read")),
        "{:?}",
        m.skipped
    );
    // The archive, with entries taken out again, is whole, and holds nothing of them.
    ops::verify(&t.catalog, &backup.id, &NoProgress, &CancelToken::new()).unwrap();
    assert!(
        backup.size < noise.len() as u64,
        "the archive takes {} bytes: the file left out ({} bytes) is still in it",
        backup.size,
        noise.len()
    );
}

/// A file the site keeps emptying and writing again (as `file_put_contents` does), faster
/// than file times move (they move in clock ticks), is never saved empty or cut short: it
/// is either whole or named as not saved.
#[test]
fn media_files_emptied_and_rewritten_all_the_time_are_never_saved_cut_short() {
    let t = TestShop::with_media("emptied", 64 << 10);
    let file = t.media_path().join("feed.xml");
    let content = vec![b'x'; 6 << 20];
    std::fs::write(&file, &content).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, file, content) = (stop.clone(), file.clone(), content.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let mut f = std::fs::File::create(&file).unwrap();
                std::thread::sleep(Duration::from_millis(2));
                std::io::Write::write_all(&mut f, &content).unwrap();
                drop(f);
                std::thread::sleep(Duration::from_millis(3));
            }
        })
    };
    let backup = ops::backup(
        &t.catalog,
        &t.backup_options(),
        &NoProgress,
        &CancelToken::new(),
    );
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let m = backup.unwrap().manifest.media;
    match m.files.iter().find(|f| f.path == "feed.xml") {
        Some(saved) => assert_eq!(saved.size, content.len() as u64, "saved cut short"),
        None => assert!(
            m.skipped
                .iter()
                .any(|s| s.starts_with("feed.xml: changed each time")),
            "{:?}",
            m.skipped
        ),
    }
}
