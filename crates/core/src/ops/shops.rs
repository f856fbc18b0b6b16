//! Registering shops: checking that the database, media folder and destination a user gives
//! are usable before anything is stored.

use crate::catalog::{check_shop_name, Catalog, Shop};
use crate::engine::Database;
use crate::ops::backup::check_destination;
use crate::{clock, media, paths, Error, Result};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct AddShopOptions {
    pub name: String,
    pub db: String,
    pub media: Option<PathBuf>,
    pub dest: PathBuf,
}

/// Check and register a shop; returns it as stored.
pub fn add_shop(catalog: &Catalog, opts: &AddShopOptions) -> Result<Shop> {
    let result = check_and_add(catalog, opts);
    let detail = result
        .as_ref()
        .map(|s| format!("Registered {}.", s.db_url))
        .map_err(Clone::clone);
    catalog.log("shop-add", Some(&opts.name), None, &detail);
    result
}

fn check_and_add(catalog: &Catalog, opts: &AddShopOptions) -> Result<Shop> {
    check_shop_name(&opts.name)?;
    let db = Database::parse(&opts.db)?.absolutize()?;
    if db.has_password() {
        return Err(Error::invalid(format!(
            "ShopSafe does not store database passwords yet; remove the password from the URL and give it in {} when ShopSafe runs.",
            crate::engine::postgres::PASSWORD_ENV
        )));
    }
    db.check()?;
    let media = match &opts.media {
        Some(m) => {
            let m = paths::absolute(m)?;
            media::check_root(&m)?;
            Some(m)
        }
        None => None,
    };
    let dest = paths::absolute(&opts.dest)?;
    check_destination(&dest)?;
    let shop = Shop {
        name: opts.name.clone(),
        uid: clock::new_uid(),
        db_url: db.url(),
        media,
        dest,
        created: clock::rfc3339(clock::now_secs()),
    };
    catalog.add_shop(&shop)?;
    Ok(shop)
}

/// Register a demo shop made by [`crate::demo::create`] as `name`, with its backups going
/// to a `backups` folder beside it.
pub fn add_demo_shop(catalog: &Catalog, demo: &crate::demo::DemoShop, name: &str) -> Result<Shop> {
    let dir = demo.database.parent().unwrap_or(std::path::Path::new("."));
    let dest = dir.join("backups");
    std::fs::create_dir_all(&dest).map_err(|e| Error::io("create", &dest, e))?;
    add_shop(
        catalog,
        &AddShopOptions {
            name: name.to_string(),
            db: demo.database.to_string_lossy().into_owned(),
            media: Some(demo.media.clone()),
            dest,
        },
    )
}

/// Create a demo shop (see [`crate::demo`]) and register it as `name`: the app's
/// "Try with a demo shop".
pub fn create_demo_shop(
    catalog: &Catalog,
    opts: &crate::demo::DemoOptions,
    name: &str,
) -> Result<Shop> {
    check_shop_name(name)?;
    if catalog.find_shop(name)?.is_some() {
        return Err(Error::invalid(format!(
            "A shop named {name} is already registered; choose another name."
        )));
    }
    let demo = crate::demo::create(opts)?;
    add_demo_shop(catalog, &demo, name)
}

pub fn remove_shop(catalog: &Catalog, name: &str) -> Result<()> {
    let result = catalog
        .remove_shop(name)
        .map(|_| "Removed from the catalog; its backups stay.".to_string());
    catalog.log("shop-remove", Some(name), None, &result);
    result.map(drop)
}
