//! TLS where the server asks for it, against real servers with self-signed certificates
//! that refuse plain TCP: a shop whose URL says `sslmode=require` / `ssl-mode=REQUIRED`
//! backs up and restores, the default (`prefer`) encrypts too, a plain attempt gets one
//! clear sentence, and so does `require` against a server without TLS.

mod common;

use common::maria::MariaServer;
use common::pg::PgServer;
use shopsafe_core::ops::{self, AddShopOptions, BackupOptions, RestoreOptions};
use shopsafe_core::{CancelToken, Catalog, NoProgress, Shop};

const PW: &str = "tls-Pass-42";

fn add(catalog: &Catalog, db: &str, dest: &std::path::Path) -> Shop {
    ops::add_shop(
        catalog,
        &AddShopOptions {
            name: "shop".into(),
            db: db.into(),
            media: None,
            dest: dest.to_path_buf(),
            password: None,
        },
    )
    .unwrap()
}

fn backup(catalog: &Catalog, shop: &Shop) -> String {
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
    .id
}

fn restore(catalog: &Catalog, id: &str) {
    let plan = ops::prepare_restore(
        catalog,
        &RestoreOptions {
            backup: id.into(),
            shop: None,
            force: true,
            pre_backup: true,
        },
    )
    .unwrap();
    ops::restore(catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
}

#[test]
fn postgres_backup_and_restore_over_required_tls() {
    let pg = PgServer::start();
    pg.psql(
        "postgres",
        "postgres",
        &format!("CREATE ROLE shop LOGIN PASSWORD '{PW}'"),
    );
    pg.psql("postgres", "postgres", "CREATE DATABASE shop OWNER shop");
    pg.psql(
        "shop",
        "shop",
        "CREATE TABLE t (id serial PRIMARY KEY, note text);
         INSERT INTO t (note) SELECT 'row ' || g FROM generate_series(1, 50) g;",
    );
    let tcp = |opts: &str| format!("postgres://shop:{PW}@127.0.0.1:{}/shop{opts}", pg.port);

    // A server without TLS, and a URL that requires it.
    let e = ops::test_connection(&tcp("?sslmode=require"), None).unwrap_err();
    assert!(
        e.message.contains("does not offer TLS") && e.message.contains("sslmode=prefer"),
        "{}",
        e.message
    );

    pg.require_tls();
    let e = ops::test_connection(&tcp("?sslmode=disable"), None).unwrap_err();
    assert!(
        e.message.contains("accepts only encrypted connections"),
        "{}",
        e.message
    );
    assert!(!e.message.contains(PW));
    // The default, prefer, encrypts when the server offers TLS.
    let described = ops::test_connection(&tcp(""), None).unwrap();
    assert!(described.starts_with("PostgreSQL 15."), "{described}");
    let e = ops::test_connection(&tcp("?sslmode=verify-full"), None).unwrap_err();
    assert!(
        e.message.contains("disable, prefer or require"),
        "{}",
        e.message
    );

    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&dir.path().join("home")).unwrap();
    let shop = add(&catalog, &tcp("?sslmode=require"), dir.path());
    assert!(
        shop.db_url.ends_with("/shop?sslmode=require") && !shop.db_url.contains(PW),
        "{}",
        shop.db_url
    );
    let before = pg.rows("shop", &["t"]);
    let id = backup(&catalog, &shop);
    pg.psql(
        "shop",
        "shop",
        "DELETE FROM t WHERE id > 10; INSERT INTO t (note) VALUES ('later');",
    );
    assert_ne!(pg.rows("shop", &["t"]), before);
    restore(&catalog, &id);
    assert_eq!(pg.rows("shop", &["t"]), before);
}

#[test]
fn mysql_backup_and_restore_over_required_tls() {
    let m = MariaServer::start_with_tls();
    m.sql(
        "mysql",
        &format!(
            "CREATE DATABASE shop;
             CREATE USER 'shop'@'localhost' IDENTIFIED BY '{PW}';
             CREATE USER 'shop'@'127.0.0.1' IDENTIFIED BY '{PW}';
             GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'localhost';
             GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'127.0.0.1';"
        ),
    );
    m.sql(
        "shop",
        "CREATE TABLE t (id int AUTO_INCREMENT PRIMARY KEY, note varchar(20)) ENGINE=InnoDB;
         INSERT INTO t (note) SELECT CONCAT('row ', seq) FROM seq_1_to_50;",
    );
    let tcp = |opts: &str| format!("mysql://shop:{PW}@127.0.0.1:{}/shop{opts}", m.port);

    // MariaDB answers a plain attempt as it answers a wrong password; the sentence names both.
    let e = ops::test_connection(&tcp("?ssl-mode=DISABLED"), None).unwrap_err();
    assert!(
        e.message.contains("accepts only encrypted connections")
            && e.message.contains("remove ssl-mode=DISABLED"),
        "{}",
        e.message
    );
    assert!(!e.message.contains(PW));
    let described = ops::test_connection(&tcp(""), None).unwrap();
    assert!(described.starts_with("MariaDB "), "{described}");

    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&dir.path().join("home")).unwrap();
    let shop = add(&catalog, &tcp("?ssl-mode=REQUIRED"), dir.path());
    assert!(
        shop.db_url.ends_with("/shop?ssl-mode=REQUIRED") && !shop.db_url.contains(PW),
        "{}",
        shop.db_url
    );
    let before = m.state("shop", &["t"]);
    let id = backup(&catalog, &shop);
    m.sql(
        "shop",
        "DELETE FROM t WHERE id > 10; INSERT INTO t (note) VALUES ('later');",
    );
    assert_ne!(m.state("shop", &["t"]), before);
    restore(&catalog, &id);
    assert_eq!(m.state("shop", &["t"]), before);
}
