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
