//! Cancelling a backup midway leaves no archive, no partial file and no catalog row.

mod common;

use common::{listing, TestShop};
use shopsafe_core::ops;
use shopsafe_core::{CancelToken, ErrorKind, Phase, Progress, Update};

/// Cancels the job as soon as some media bytes have been written.
struct CancelDuringMedia(CancelToken);

impl Progress for CancelDuringMedia {
    fn update(&self, u: &Update) {
        if u.phase == Phase::Media && u.bytes_done > 0 {
            self.0.cancel();
        }
    }
}

#[test]
fn cancelled_backup_leaves_nothing_behind() {
    let t = TestShop::with_media("cancel", 8 << 20);
    let token = CancelToken::new();
    let err = ops::backup(
        &t.catalog,
        &t.backup_options(),
        &CancelDuringMedia(token.clone()),
        &token,
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled, "{}", err.message);
    assert!(
        listing(&t.dest()).is_empty(),
        "left in the destination: {:?}",
        listing(&t.dest())
    );
    assert!(t.catalog.backups(None).unwrap().is_empty());
    let log = t.catalog.log_entries(1).unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].outcome.as_str()),
        ("backup", "cancelled")
    );
}

/// Cancels the job a moment after the restore starts putting the backup in place.
struct CancelWhileSwapping(CancelToken, std::sync::Mutex<Option<std::time::Instant>>);

impl Progress for CancelWhileSwapping {
    fn update(&self, u: &Update) {
        let mut at = self.1.lock().unwrap();
        if u.phase == Phase::Swapping && at.is_none() {
            let when = std::time::Instant::now() + std::time::Duration::from_millis(1500);
            *at = Some(when);
            let token = self.0.clone();
            std::thread::spawn(move || {
                std::thread::sleep(when - std::time::Instant::now());
                token.cancel();
            });
        }
    }
}

/// A restore waiting for another program's lock on the database (a transaction left open in
/// an sqlite3 shell) has changed nothing yet: it can be cancelled, and stops at once.
#[test]
fn a_restore_waiting_for_a_locked_database_stops_when_cancelled() {
    let t = TestShop::new("locked");
    let backup = t.backup();
    let opts = shopsafe_core::ops::RestoreOptions {
        backup: backup.id.clone(),
        shop: None,
        force: true,
        pre_backup: false,
    };
    let plan = ops::prepare_restore(&t.catalog, &opts).unwrap();
    let before = common::dump(&t.db_path());
    let holder = rusqlite::Connection::open(t.db_path()).unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; CREATE TABLE held (x int);")
        .unwrap();
    let token = CancelToken::new();
    let progress = CancelWhileSwapping(token.clone(), std::sync::Mutex::new(None));
    let e = ops::restore(&t.catalog, &plan, &progress, &token).unwrap_err();
    let cancelled_at = progress
        .1
        .lock()
        .unwrap()
        .expect("the restore reached its swap");
    assert_eq!(e.kind, ErrorKind::Cancelled, "{}", e.message);
    let late = std::time::Instant::now().saturating_duration_since(cancelled_at);
    assert!(
        late < std::time::Duration::from_secs(2),
        "the restore went on waiting for the lock {late:?} after it was cancelled"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(common::dump(&t.db_path()), before);
}
