//! Every operation ShopSafe offers, each an options struct and a function. The CLI and the
//! desktop app only build the options, pass a progress sink and a cancel token, and show the
//! result. Each operation writes its outcome to the catalog's audit log.

pub mod backup;
pub mod delete;
pub mod import;
pub mod interrupted;
mod media_owners;
mod media_swap;
pub mod restore;
pub mod shops;
pub mod status;
pub mod verify;

pub use backup::{backup, BackupOptions};
pub use delete::{delete, Deleted};
pub use import::{import, ImportReport};
pub use restore::{
    prepare_restore, restore, MediaChange, RestoreOptions, RestorePlan, RestoreReport, TableChange,
};
pub use shops::{
    add_demo_shop, add_shop, create_demo_shop, database, describe_connection, edit_shop,
    remove_shop, test_connection, test_shop, where_password_is, AddShopOptions, EditShopOptions,
};
pub use status::{shop_status, Health, ShopStatus};
pub use verify::{verify, VerifyReport};
