//! ShopSafe's engine: backup, verify, restore, import and the catalog, for a shop's database
//! and media folder. No user interface lives here: the CLI and the desktop app are thin
//! shells over [`ops`]. See docs/ARCHITECTURE.md for the map and docs/FORMAT.md for the
//! archive format.

pub mod archive;
pub mod catalog;
pub mod clock;
pub mod demo;
pub mod engine;
pub mod error;
pub mod hashing;
pub mod lock;
pub mod manifest;
pub mod media;
pub mod ops;
pub mod paths;
pub mod progress;
pub mod secrets;

pub use catalog::{BackupRecord, Catalog, Shop};
pub use error::{Error, ErrorKind, Result};
pub use manifest::{BackupKind, Manifest};
pub use progress::{CancelToken, NoProgress, Phase, Progress, Throttled, Update};
