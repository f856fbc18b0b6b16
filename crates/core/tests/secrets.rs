//! Database passwords against real servers: a password given at `shop add` is kept out of
//! the catalog file, the audit log and the shop list, lives in the secret store (here the
//! file store: a file of mode 0600), lets a backup run without SHOPSAFE_DB_PASSWORD, and goes
//! away with the shop. Also `edit_shop` and `test_connection`.

mod common;

use common::maria::MariaServer;
use common::pg::PgServer;
use shopsafe_core::ops::{self, AddShopOptions, BackupOptions, EditShopOptions};
use shopsafe_core::secrets::{self, PasswordStore};
use shopsafe_core::{CancelToken, Catalog, ErrorKind, NoProgress, Shop};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const PW: &str = "quartz-Zebra-71";

/// Passwords go to the file store in these tests, also on a machine with a desktop keyring,
/// and none comes from the environment.
fn file_store_only() {
    // The same value in every test, so tests running side by side agree.
    unsafe { std::env::set_var(secrets::KEYRING_ENV, "off") };
    assert!(
        std::env::var(secrets::PASSWORD_ENV).is_err(),
        "unset SHOPSAFE_DB_PASSWORD before running these tests: they check that stored passwords are used"
    );
}

/// Every byte of the catalog (with its WAL) and the audit log and shop list as the CLI
/// prints them as JSON: none may hold the password.
fn assert_nowhere_but_the_store(catalog: &Catalog) {
    let home = catalog.home();
    for f in std::fs::read_dir(home).unwrap() {
        let f = f.unwrap().path();
        if f.is_file() {
            let bytes = std::fs::read(&f).unwrap();
            assert!(
                !bytes.windows(PW.len()).any(|w| w == PW.as_bytes()),
                "{} holds the password",
                f.display()
            );
        }
    }
    let log = serde_json::to_string(&catalog.log_entries(100).unwrap()).unwrap();
    assert!(!log.contains(PW), "the audit log holds the password: {log}");
    let list = serde_json::to_string(&catalog.shops().unwrap()).unwrap();
    assert!(
        !list.contains(PW),
        "the shop list holds the password: {list}"
    );
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn backup(catalog: &Catalog, shop: &Shop) -> shopsafe_core::BackupRecord {
    ops::backup(
        catalog,
        &BackupOptions {
            shop: shop.clone(),
            name: None,
            include_media: false,
            safety: false,
        },
        &NoProgress,
        &CancelToken::new(),
    )
    .unwrap()
}

fn make_role_and_db(pg: &PgServer) {
    let role = format!("CREATE ROLE shop LOGIN PASSWORD '{PW}'");
    pg.psql("postgres", "postgres", &role);
    pg.psql("postgres", "postgres", "CREATE DATABASE shop OWNER shop");
}

#[test]
fn postgres_password_from_the_url_is_stored_safely_used_and_removed() {
    file_store_only();
    let pg = PgServer::start();
    make_role_and_db(&pg);
    pg.psql(
        "shop",
        "shop",
        "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2);",
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("backups");
    std::fs::create_dir(&dest).unwrap();
    let catalog = Catalog::open(&dir.path().join("home")).unwrap();
    let url = format!("postgres://shop:{PW}@127.0.0.1:{}/shop", pg.port);

    let described = ops::test_connection(&url, None).unwrap();
    assert!(
        described.starts_with("PostgreSQL 15.") && described.ends_with("— 1 table"),
        "{described}"
    );
    let e = ops::test_connection(
        &format!("postgres://shop@127.0.0.1:{}/shop", pg.port),
        Some("nope"),
    )
    .unwrap_err();
    assert!(e.message.contains("refused the password"), "{}", e.message);
    assert!(!e.message.contains("nope"), "{}", e.message);

    let shop = ops::add_shop(
        &catalog,
        &AddShopOptions {
            name: "pg".into(),
            db: url.clone(),
            media: None,
            dest: dest.clone(),
            password: None,
        },
    )
    .unwrap();
    assert_eq!(shop.password_store, PasswordStore::File);
    assert!(!shop.db_url.contains(PW), "{}", shop.db_url);
    let file = secrets::file_path(catalog.home(), &shop.uid);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), PW);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    let said = secrets::where_kept(catalog.home(), &shop.uid, shop.password_store).unwrap();
    assert!(
        said.contains(&file.display().to_string()) && said.contains("readable only by you"),
        "{said}"
    );

    // The backup connects over TCP with the stored password alone.
    let record = backup(&catalog, &shop);
    assert_eq!(record.manifest.total_rows(), 2);
    assert_eq!(ops::test_shop(&catalog, "pg").unwrap(), described);
    assert_nowhere_but_the_store(&catalog);

    // The app's edit form tests its fields with the stored password when none is typed,
    // for the same login only; without the shop, the server asks for one, and the app
    // says where to type it.
    let bare = shop.db_url.clone();
    let found = ops::describe_connection(&bare, None, Some((&catalog, "pg"))).unwrap();
    assert_eq!(found.to_string(), described);
    assert!(found.warnings.is_empty(), "{found:?}");
    let e = ops::describe_connection(&bare, None, None).unwrap_err();
    assert_eq!(e.kind, shopsafe_core::ErrorKind::PasswordRequired);
    assert!(e.message.contains("--password"), "{}", e.message);
    let e = e.for_window();
    assert!(
        e.message.ends_with("asks for a password for user shop; type it in the Password field (Shops, then Edit, for a shop already added)."),
        "{}",
        e.message
    );
    let other_user = bare.replace("shop@", "someone@");
    let e = ops::describe_connection(&other_user, None, Some((&catalog, "pg"))).unwrap_err();
    assert_eq!(
        e.kind,
        shopsafe_core::ErrorKind::PasswordRequired,
        "{}",
        e.message
    );

    // Renaming keeps the backups listed under the new name, and the password.
    let renamed = ops::edit_shop(
        &catalog,
        "pg",
        &EditShopOptions {
            new_name: Some("pg-main".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (renamed.name.as_str(), &renamed.uid),
        ("pg-main", &shop.uid)
    );
    assert!(catalog.find_shop("pg").unwrap().is_none());
    let listed: Vec<_> = catalog.backups(Some("pg-main")).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, record.id);
    backup(&catalog, &renamed);

    // A bad new destination, or a wrong new password: refused, nothing changed.
    let before = catalog.find_shop("pg-main").unwrap().unwrap();
    let e = ops::edit_shop(
        &catalog,
        "pg-main",
        &EditShopOptions {
            new_name: Some("other".into()),
            dest: Some(dir.path().join("no/such/folder")),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.message.contains("does not exist"), "{}", e.message);
    let e = ops::edit_shop(
        &catalog,
        "pg-main",
        &EditShopOptions {
            password: Some("wrong-one".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.message.contains("refused the password"), "{}", e.message);
    assert_eq!(catalog.find_shop("pg-main").unwrap().unwrap(), before);
    assert!(catalog.find_shop("other").unwrap().is_none());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), PW);
    assert_eq!(catalog.backups(Some("pg-main")).unwrap().len(), 2);
    let log = catalog.log_entries(10).unwrap();
    assert!(
        log.iter().any(|l| l.action == "shop-edit"
            && l.outcome == "ok"
            && l.detail.contains("renamed to pg-main")),
        "{log:?}"
    );
    assert_nowhere_but_the_store(&catalog);

    // Pointed at another login (or server), the shop's stored password is not sent there:
    // the new one asks for its own.
    pg.psql(
        "postgres",
        "postgres",
        "CREATE ROLE other LOGIN PASSWORD 'other-Pw-3'; GRANT shop TO other",
    );
    let other = format!("postgres://other@127.0.0.1:{}/shop", pg.port);
    let e = ops::edit_shop(
        &catalog,
        "pg-main",
        &EditShopOptions {
            db: Some(other.clone()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::PasswordRequired, "{}", e.message);
    assert_eq!(catalog.find_shop("pg-main").unwrap().unwrap(), before);
    let moved = ops::edit_shop(
        &catalog,
        "pg-main",
        &EditShopOptions {
            db: Some(other),
            password: Some("other-Pw-3".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "other-Pw-3");
    backup(&catalog, &moved);

    // Removing the shop removes its password.
    ops::remove_shop(&catalog, "pg-main").unwrap();
    assert!(!file.exists());
    assert!(record.path.exists(), "the backups stay");
}

#[test]
fn a_shop_whose_server_needs_a_password_says_how_to_give_one() {
    file_store_only();
    let pg = PgServer::start();
    make_role_and_db(&pg);
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&dir.path().join("home")).unwrap();
    let url = format!("postgres://shop@127.0.0.1:{}/shop", pg.port);
    let opts = AddShopOptions {
        name: "pg".into(),
        db: url.clone(),
        media: None,
        dest: dir.path().to_path_buf(),
        password: None,
    };
    let e = ops::add_shop(&catalog, &opts).unwrap_err();
    assert_eq!(e.kind, ErrorKind::PasswordRequired, "{}", e.message);
    assert!(
        e.message.contains("--password") && e.message.contains("SHOPSAFE_DB_PASSWORD"),
        "{}",
        e.message
    );
    assert!(catalog.shops().unwrap().is_empty());

    // A password from a separate field works; the same one in the URL too; two that differ
    // are refused.
    let shop = ops::add_shop(
        &catalog,
        &AddShopOptions {
            password: Some(PW.into()),
            ..opts.clone()
        },
    )
    .unwrap();
    assert_eq!(shop.password_store, PasswordStore::File);
    let e = ops::add_shop(
        &catalog,
        &AddShopOptions {
            name: "pg2".into(),
            db: format!("postgres://shop:{PW}@127.0.0.1:{}/shop", pg.port),
            password: Some("other".into()),
            ..opts.clone()
        },
    )
    .unwrap_err();
    assert!(
        e.message.contains("give the password once"),
        "{}",
        e.message
    );

    // Moving the shop to an SQLite file drops the stored password.
    let t = common::TestShop::new("lite");
    let edited = ops::edit_shop(
        &catalog,
        "pg",
        &EditShopOptions {
            db: Some(t.db_path().to_string_lossy().into_owned()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(edited.password_store, PasswordStore::None);
    assert!(!secrets::file_path(catalog.home(), &shop.uid).exists());
    let described = ops::test_shop(&catalog, "pg").unwrap();
    assert!(
        described.starts_with("SQLite file, ") && described.ends_with(" tables"),
        "{described}"
    );
    assert_nowhere_but_the_store(&catalog);
}

#[test]
fn mysql_password_from_the_url_is_stored_safely_used_and_removed() {
    file_store_only();
    let m = MariaServer::start();
    m.sql(
        "mysql",
        &format!(
            "CREATE DATABASE shop; CREATE USER 'shop'@'localhost' IDENTIFIED BY '{PW}';
             GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'localhost';"
        ),
    );
    m.sql(
        "shop",
        "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);",
    );
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&dir.path().join("home")).unwrap();
    let url = format!(
        "mysql://shop:{PW}@localhost/shop?socket={}",
        m.socket().display()
    );
    let described = ops::test_connection(&url, None).unwrap();
    assert!(
        described.starts_with("MariaDB 10.") && described.ends_with("— 1 table"),
        "{described}"
    );
    let bare = format!(
        "mysql://shop@localhost/shop?socket={}",
        m.socket().display()
    );
    let e = ops::test_connection(&bare, None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::PasswordRequired, "{}", e.message);
    // This server has no TLS: a TCP URL that requires it gets one sentence; over the unix
    // socket, local, TLS never applies (as with the mysql client).
    let tcp = format!(
        "mysql://shop:{PW}@127.0.0.1:{}/shop?ssl-mode=REQUIRED",
        m.port
    );
    let e = ops::test_connection(&tcp, None).unwrap_err();
    assert!(e.message.contains("does not offer TLS"), "{}", e.message);
    ops::test_connection(&format!("{url}&ssl-mode=REQUIRED"), None).unwrap();

    let shop = ops::add_shop(
        &catalog,
        &AddShopOptions {
            name: "my".into(),
            db: url,
            media: None,
            dest: dir.path().to_path_buf(),
            password: None,
        },
    )
    .unwrap();
    let file = secrets::file_path(catalog.home(), &shop.uid);
    assert_eq!(mode(&file), 0o600);
    let record = backup(&catalog, &shop);
    assert_eq!(record.manifest.total_rows(), 3);
    assert_nowhere_but_the_store(&catalog);
    ops::remove_shop(&catalog, "my").unwrap();
    assert!(!file.exists());
}
