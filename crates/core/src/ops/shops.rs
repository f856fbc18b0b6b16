//! Registering and changing shops: checking that the database, password, media folder and
//! destination a user gives are usable before anything is stored, and keeping the password
//! in the secret store (never in the catalog).

use crate::catalog::{check_shop_name, Catalog, Shop};
use crate::engine::{Database, Described};
use crate::ops::backup::check_destination;
use crate::secrets::{self, PasswordStore};
use crate::{clock, media, paths, Error, Result};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct AddShopOptions {
    pub name: String,
    /// The database URL or SQLite path. A password in it is accepted, moved to the secret
    /// store, and never stored in the catalog.
    pub db: String,
    pub media: Option<PathBuf>,
    pub dest: PathBuf,
    /// The database password, from a separate field or a prompt.
    pub password: Option<String>,
}

/// What to change in a registered shop; `None` leaves a part as it is.
#[derive(Clone, Default)]
pub struct EditShopOptions {
    pub new_name: Option<String>,
    /// A new database URL (a password in it is treated as [`EditShopOptions::password`]).
    pub db: Option<String>,
    /// A new database password.
    pub password: Option<String>,
    /// `Some(None)` removes the media folder from the shop.
    pub media: Option<Option<PathBuf>>,
    pub dest: Option<PathBuf>,
}

/// Debug output shows whether a password was given, never the password (the URL is shown
/// parsed, without one).
fn shown_url(url: &str) -> String {
    Database::parse(url)
        .map(|d| d.url())
        .unwrap_or_else(|_| "(not a valid database URL)".into())
}

impl std::fmt::Debug for AddShopOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddShopOptions")
            .field("name", &self.name)
            .field("db", &shown_url(&self.db))
            .field("media", &self.media)
            .field("dest", &self.dest)
            .field("password", &self.password.as_ref().map(|_| "(hidden)"))
            .finish()
    }
}

impl std::fmt::Debug for EditShopOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EditShopOptions")
            .field("new_name", &self.new_name)
            .field("db", &self.db.as_deref().map(shown_url))
            .field("media", &self.media)
            .field("dest", &self.dest)
            .field("password", &self.password.as_ref().map(|_| "(hidden)"))
            .finish()
    }
}

/// Check and register a shop; returns it as stored.
pub fn add_shop(catalog: &Catalog, opts: &AddShopOptions) -> Result<Shop> {
    let result = check_and_add(catalog, opts);
    let detail = result
        .as_ref()
        .map(|s| registered(catalog.home(), s))
        .map_err(Clone::clone);
    catalog.log("shop-add", Some(&opts.name), None, &detail);
    result
}

fn registered(home: &Path, s: &Shop) -> String {
    match where_password_is(home, s) {
        Some(w) => format!("Registered {}. {w}", s.db_url),
        None => format!("Registered {}.", s.db_url),
    }
}

/// One sentence on a registered shop's password: where it is kept, or, for a server shop
/// with none stored while `SHOPSAFE_DB_PASSWORD` is set, that that one served this run
/// only (the next unattended backup needs it again).
pub fn where_password_is(home: &Path, shop: &Shop) -> Option<String> {
    let env = secrets::PASSWORD_ENV;
    secrets::where_kept(home, &shop.uid, shop.password_store).or_else(|| {
        let server = Database::parse(&shop.db_url).is_ok_and(|d| d.is_server());
        (server && std::env::var_os(env).is_some()).then(|| format!(
            "The password in {env} was used for this check only and is not stored: set it for every run, or store it with `shopsafe shop edit {} --password`.",
            shop.name
        ))
    })
}

/// Parse a database URL and separate its password (from the URL or `given`) from it.
fn parse_db(url: &str, given: Option<&str>) -> Result<(Database, Option<String>)> {
    let db = Database::parse(url)?.absolutize()?;
    let given = given.filter(|p| !p.is_empty());
    let password = match (db.password(), given) {
        (Some(u), Some(g)) if u != g => {
            return Err(Error::invalid(
                "The database URL holds a password and a different one was given; give the password once.",
            ))
        }
        (u, g) => g.or(u).map(str::to_string),
    };
    let password = password.filter(|_| db.is_server());
    Ok((db.with_password(None), password))
}

/// The password to check a connection with: the new one, else `SHOPSAFE_DB_PASSWORD`.
fn env_or(password: Option<String>) -> Option<String> {
    password.or_else(|| std::env::var(secrets::PASSWORD_ENV).ok())
}

fn check_media(m: &Path) -> Result<PathBuf> {
    let m = paths::absolute(m)?;
    if std::fs::metadata(&m).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Err(Error::invalid(format!(
            "The media folder {} does not exist; check the path, or register the shop without a media folder.",
            m.display()
        )));
    }
    media::check_root(&m)?;
    Ok(m)
}

fn check_dest(d: &Path) -> Result<PathBuf> {
    let d = paths::absolute(d)?;
    check_destination(&d)?;
    Ok(d)
}

/// The backup folder must not be the media folder or inside it: every backup would carry the
/// earlier archives as media, and a restore, which replaces the media folder, would delete
/// them all, its own safety backup among them. Links are followed, as the file system does.
pub(crate) fn check_apart(name: &str, media: Option<&Path>, dest: &Path) -> Result<()> {
    let Some(media) = media else {
        return Ok(());
    };
    // Through links, from the nearest folder that exists.
    let real = |p: &Path| {
        let mut rest = Vec::new();
        let mut at = p;
        loop {
            if let Ok(real) = std::fs::canonicalize(at) {
                return rest.iter().rev().fold(real, |real, part| real.join(part));
            }
            match (at.parent(), at.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    at = parent;
                }
                _ => return p.to_path_buf(),
            }
        }
    };
    if real(dest).starts_with(real(media)) {
        return Err(Error::invalid(format!(
            "The backup folder {} is inside the media folder {}, so every backup would carry the earlier ones as media, and a restore, which replaces the media folder, would delete them all; choose a backup folder outside it (shopsafe shop edit {name} --dest FOLDER).",
            dest.display(),
            media.display()
        )));
    }
    Ok(())
}

fn check_and_add(catalog: &Catalog, opts: &AddShopOptions) -> Result<Shop> {
    check_shop_name(&opts.name)?;
    if catalog.find_shop(&opts.name)?.is_some() {
        return Err(Error::invalid(format!(
            "A shop named {} is already registered; pick another name or remove it first.",
            opts.name
        )));
    }
    let (db, password) = parse_db(&opts.db, opts.password.as_deref())?;
    db.clone().with_password(env_or(password.clone())).check()?;
    let media = opts.media.as_deref().map(check_media).transpose()?;
    let dest = check_dest(&opts.dest)?;
    check_apart(&opts.name, media.as_deref(), &dest)?;
    let uid = clock::new_uid();
    let password_store = match &password {
        Some(p) => secrets::save(catalog.home(), &uid, p)?,
        None => PasswordStore::None,
    };
    let shop = Shop {
        name: opts.name.clone(),
        uid,
        db_url: db.url(),
        media,
        dest,
        created: clock::rfc3339(clock::now_secs()),
        password_store,
    };
    if let Err(e) = catalog.add_shop(&shop) {
        let _ = secrets::delete(catalog.home(), &shop.uid, password_store);
        return Err(e);
    }
    Ok(shop)
}

/// Change a registered shop: its name (its backups follow), database, password, media
/// folder or destination. Every changed part is checked as [`add_shop`] checks it; if one
/// fails, nothing is changed.
pub fn edit_shop(catalog: &Catalog, name: &str, opts: &EditShopOptions) -> Result<Shop> {
    let result = check_and_edit(catalog, name, opts);
    let detail = result
        .as_ref()
        .map(|(_, changes)| changes.clone())
        .map_err(Clone::clone);
    catalog.log("shop-edit", Some(name), None, &detail);
    result.map(|(shop, _)| shop)
}

fn check_and_edit(catalog: &Catalog, name: &str, opts: &EditShopOptions) -> Result<(Shop, String)> {
    let home = catalog.home();
    let old = catalog.resolve_shop(Some(name))?;
    let _lock = crate::lock::ShopLock::exclusive(home, &old.uid, &old.name)?;
    let mut shop = old.clone();
    let mut changes = Vec::new();
    if let Some(n) = opts.new_name.as_ref().filter(|n| **n != old.name) {
        check_shop_name(n)?;
        if catalog.find_shop(n)?.is_some() {
            return Err(Error::invalid(format!(
                "A shop named {n} is already registered; pick another name."
            )));
        }
        shop.name = n.clone();
        changes.push(format!("renamed to {n}"));
    }
    let (db, new_password) = match &opts.db {
        Some(url) => parse_db(url, opts.password.as_deref())?,
        None => parse_db(&old.db_url, opts.password.as_deref())?,
    };
    let same_login = db.login() == Database::parse(&old.db_url)?.login();
    if opts.db.is_some() || new_password.is_some() {
        let password = password_for_login(catalog, &old, &db, new_password.clone())?;
        db.clone().with_password(password).check()?;
        if db.url() != old.db_url {
            shop.db_url = db.url();
            changes.push(format!("database {}", shop.db_url));
        }
        if new_password.is_some() {
            changes.push("new password".into());
        }
    }
    if let Some(m) = &opts.media {
        shop.media = m.as_deref().map(check_media).transpose()?;
        if shop.media != old.media {
            changes.push(match &shop.media {
                Some(m) => format!("media {}", m.display()),
                None => "no media".into(),
            });
        }
    }
    if let Some(d) = &opts.dest {
        shop.dest = check_dest(d)?;
        if shop.dest != old.dest {
            changes.push(format!("backups to {}", shop.dest.display()));
        }
    }
    if changes.is_empty() {
        return Ok((old, "Nothing to change.".into()));
    }
    check_apart(&old.name, shop.media.as_deref(), &shop.dest)?;

    // Everything checked: store the password, then the catalog row, undoing the first if
    // the second fails.
    let old_secret = || {
        secrets::load(home, &old.uid, old.password_store)
            .ok()
            .flatten()
    };
    let undo: Option<Option<String>> = if let Some(p) = &new_password {
        let previous = old_secret();
        shop.password_store = secrets::save(home, &shop.uid, p)?;
        Some(previous)
    } else {
        if !same_login {
            shop.password_store = PasswordStore::None;
        }
        None
    };
    if let Err(e) = catalog.update_shop(&old.name, &shop) {
        match undo {
            Some(Some(previous)) => {
                let _ = secrets::save(home, &shop.uid, &previous);
            }
            Some(None) => {
                let _ = secrets::delete(home, &shop.uid, shop.password_store);
            }
            None => {}
        }
        return Err(e);
    }
    let mut detail = format!("Changed: {}.", changes.join(", "));
    if new_password.is_some() {
        if let Some(w) = secrets::where_kept(home, &shop.uid, shop.password_store) {
            detail = format!("{detail} {w}");
        }
    }
    if old.password_store != shop.password_store {
        // The password moved (or is no longer needed): forget the old copy, or say where
        // it is left (a keyring that cannot be reached now).
        if let Err(e) = secrets::delete(home, &old.uid, old.password_store) {
            detail = format!(
                "{detail} The old copy of the password stays: {} Remove it by hand (the entry of service ShopSafe, account {}).",
                e.message, old.uid
            );
        }
    }
    Ok((shop, detail))
}

/// The password to connect to `db` with, for a form editing `old`: the one typed, else the
/// one stored for `old` if `db` is still its login (another server or user is never sent
/// it), else `SHOPSAFE_DB_PASSWORD`.
fn password_for_login(
    catalog: &Catalog,
    old: &Shop,
    db: &Database,
    typed: Option<String>,
) -> Result<Option<String>> {
    match typed {
        Some(p) => Ok(Some(p)),
        None if db.is_server() && db.login() == Database::parse(&old.db_url)?.login() => {
            secrets::password_for(catalog.home(), &old.uid, old.password_store)
        }
        None => Ok(env_or(None)),
    }
}

/// Connect to a database URL with an optional password (else `SHOPSAFE_DB_PASSWORD`) and
/// say in a few words what is there: "PostgreSQL 15.14 — 12 tables", "SQLite file, 40
/// tables". Nothing is stored.
pub fn test_connection(db: &str, password: Option<&str>) -> Result<String> {
    describe_connection(db, password, None).map(|d| d.to_string())
}

/// [`test_connection`] with what it found in parts; `editing` (the catalog and a shop's
/// name) is a form editing that shop, whose stored password is used when none is typed.
pub fn describe_connection(
    db: &str,
    password: Option<&str>,
    editing: Option<(&Catalog, &str)>,
) -> Result<Described> {
    let (db, password) = parse_db(db, password)?;
    let password = match editing {
        Some((catalog, name)) => {
            password_for_login(catalog, &catalog.resolve_shop(Some(name))?, &db, password)?
        }
        None => env_or(password),
    };
    db.with_password(password).describe()
}

/// Connect to a registered shop's database with its stored password (or
/// `SHOPSAFE_DB_PASSWORD`) and say in a few words what is there.
pub fn test_shop(catalog: &Catalog, name: &str) -> Result<String> {
    let shop = catalog.resolve_shop(Some(name))?;
    Ok(database(catalog, &shop)?.describe()?.to_string())
}

/// The database of a registered shop, with the password to connect with this run
/// (`SHOPSAFE_DB_PASSWORD`, else the stored one).
pub fn database(catalog: &Catalog, shop: &Shop) -> Result<Database> {
    let db = Database::parse(&shop.db_url)?;
    if !db.is_server() {
        return Ok(db);
    }
    let password = secrets::password_for(catalog.home(), &shop.uid, shop.password_store)
        .map_err(|e| e.context(&format!("Shop {}", shop.name)))?;
    Ok(db.with_password(password))
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
            password: None,
        },
    )
}

/// Create a demo shop (see [`crate::demo`]) in a new folder under `<home>/demo-shops` and
/// register it as `name`: the app's "Try with a demo shop".
pub fn create_demo_shop(catalog: &Catalog, name: &str) -> Result<Shop> {
    check_shop_name(name)?;
    if catalog.find_shop(name)?.is_some() {
        return Err(Error::invalid(format!(
            "A shop named {name} is already registered; choose another name."
        )));
    }
    let folder = format!(
        "{}-{}",
        crate::catalog::file_part(name),
        &clock::new_uid()[..8]
    );
    let dir = catalog.home().join("demo-shops").join(folder);
    let demo = crate::demo::create(&crate::demo::DemoOptions::new(dir))?;
    add_demo_shop(catalog, &demo, name)
}

/// Forget a shop and its stored password; its backups stay.
pub fn remove_shop(catalog: &Catalog, name: &str) -> Result<()> {
    let result = remove(catalog, name);
    catalog.log("shop-remove", Some(name), None, &result);
    result.map(drop)
}

fn remove(catalog: &Catalog, name: &str) -> Result<String> {
    let shop = catalog.resolve_shop(Some(name))?;
    let _lock = crate::lock::ShopLock::exclusive(catalog.home(), &shop.uid, &shop.name)?;
    catalog.remove_shop(name)?;
    // The shop goes even so: a keyring out of reach (no desktop session) must not keep a
    // shop the owner wants gone; the sentence says how to remove what is left.
    secrets::delete(catalog.home(), &shop.uid, shop.password_store).map_err(|e| {
        Error::new(
            e.kind,
            format!(
                "Shop {name} was removed from the catalog, but its password is still in the OS keyring: {} Remove it where the keyring can be reached, with your keyring's app (service ShopSafe, account {}) or `secret-tool clear service ShopSafe username {}`.",
                e.message, shop.uid, shop.uid
            ),
        )
    })?;
    Ok(match shop.password_store {
        PasswordStore::None => "Removed from the catalog; its backups stay.".into(),
        _ => "Removed from the catalog with its stored password; its backups stay.".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_never_show_a_password_when_debugged() {
        let add = AddShopOptions {
            name: "s".into(),
            db: "postgres://u:in-url-secret@h/db".into(),
            media: None,
            dest: PathBuf::from("/d"),
            password: Some("field-secret".into()),
        };
        let edit = EditShopOptions {
            db: Some(add.db.clone()),
            password: add.password.clone(),
            ..Default::default()
        };
        for shown in [format!("{add:?}"), format!("{edit:?}")] {
            assert!(!shown.contains("secret"), "{shown}");
            assert!(shown.contains("(hidden)"), "{shown}");
        }
    }
}
