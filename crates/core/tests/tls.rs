//! TLS where the server asks for it, against real servers whose certificates (for
//! `localhost`, signed by a test authority) refuse plain TCP: a shop whose URL says
//! `sslmode=require` / `ssl-mode=VERIFY_IDENTITY` backs up and restores, the default
//! (`prefer`) encrypts too, a plain attempt gets one clear sentence, and so does `require`
//! against a server without TLS. The verifying modes accept the authority's certificate
//! for the name it carries, and refuse another host name (except PostgreSQL's `verify-ca`),
//! another authority, the public authorities, an unusable certificate file, and a file
//! given without a verifying mode, each in one sentence. Servers that ask for a client
//! certificate get the one the URL names, and say in one sentence when it is missing, not
//! signed by the authority they trust, or given with another key.

mod common;

use common::maria::MariaServer;
use common::pg::PgServer;
use shopsafe_core::ops::{self, AddShopOptions, BackupOptions, RestoreOptions};
use shopsafe_core::{CancelToken, Catalog, ErrorKind, NoProgress, Shop};

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

    let ca = pg.require_tls();
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

    // verify-full: the certificate must come from the trusted authority and name the host
    // (the test certificate names localhost only); verify-ca checks the authority alone.
    let at = |host: &str, opts: &str| {
        format!(
            "postgres://shop:{PW}@{host}:{}/shop?{opts}&sslrootcert={}",
            pg.port,
            ca.display()
        )
    };
    let described = ops::test_connection(&at("localhost", "sslmode=verify-full"), None).unwrap();
    assert!(described.starts_with("PostgreSQL 15."), "{described}");
    let e = ops::test_connection(&at("127.0.0.1", "sslmode=verify-full"), None).unwrap_err();
    assert!(
        e.message.contains("does not name the host connected to")
            && e.message.contains("sslrootcert="),
        "{}",
        e.message
    );
    ops::test_connection(&at("127.0.0.1", "sslmode=verify-ca"), None).unwrap();
    // Another authority's file, or the public authorities: the certificate is refused.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = common::pg::cert::authority(elsewhere.path(), "other");
    let e = ops::test_connection(
        &format!(
            "postgres://shop:{PW}@localhost:{}/shop?sslmode=verify-full&sslrootcert={}",
            pg.port,
            other.display()
        ),
        None,
    )
    .unwrap_err();
    assert!(
        e.message.contains("is not signed by the authority trusted"),
        "{}",
        e.message
    );
    let e = ops::test_connection(&tcp("?sslmode=verify-full"), None).unwrap_err();
    assert!(
        e.message.contains("is not signed by the authority trusted"),
        "{}",
        e.message
    );
    // verify-ca trusts only a given authority: the public ones sign anyone's host names.
    let e = ops::test_connection(&tcp("?sslmode=verify-ca"), None).unwrap_err();
    assert!(
        e.message.contains("verify-ca needs sslrootcert="),
        "{}",
        e.message
    );
    // A certificate file that is not one, and one given without a checking mode.
    let e = ops::test_connection(
        &format!(
            "postgres://shop:{PW}@localhost:{}/shop?sslmode=verify-full&sslrootcert={}",
            pg.port,
            elsewhere.path().join("other.key").display()
        ),
        None,
    )
    .unwrap_err();
    assert!(
        e.message.contains("Could not use the certificate file"),
        "{}",
        e.message
    );
    let e =
        ops::test_connection(&tcp(&format!("?sslrootcert={}", ca.display())), None).unwrap_err();
    assert!(
        e.message
            .contains("add sslmode=verify-ca or sslmode=verify-full"),
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

    // VERIFY_IDENTITY: the certificate must come from the trusted authority and name the
    // host (the test certificate names localhost only).
    let at = |host: &str, ca: &std::path::Path| {
        format!(
            "mysql://shop:{PW}@{host}:{}/shop?ssl-mode=VERIFY_IDENTITY&ssl-ca={}",
            m.port,
            ca.display()
        )
    };
    let described = ops::test_connection(&at("localhost", &m.authority()), None).unwrap();
    assert!(described.starts_with("MariaDB "), "{described}");
    let e = ops::test_connection(&at("127.0.0.1", &m.authority()), None).unwrap_err();
    assert!(
        e.message.contains("does not name the host connected to") && e.message.contains("ssl-ca="),
        "{}",
        e.message
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let other = common::pg::cert::authority(elsewhere.path(), "other");
    let e = ops::test_connection(&at("localhost", &other), None).unwrap_err();
    assert!(
        e.message.contains("is not signed by the authority trusted"),
        "{}",
        e.message
    );
    let e = ops::test_connection(&tcp("?ssl-mode=VERIFY_IDENTITY"), None).unwrap_err();
    assert!(
        e.message.contains("is not signed by the authority trusted"),
        "{}",
        e.message
    );
    let e = ops::test_connection(&tcp("?ssl-mode=VERIFY_CA"), None).unwrap_err();
    assert!(e.message.contains("or VERIFY_IDENTITY"), "{}", e.message);

    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&dir.path().join("home")).unwrap();
    let shop = add(&catalog, &at("localhost", &m.authority()), dir.path());
    assert!(
        shop.db_url.ends_with(&format!(
            "/shop?ssl-mode=VERIFY_IDENTITY&ssl-ca={}",
            m.authority().display()
        )) && !shop.db_url.contains(PW),
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

/// Back up the shop at `url` (a new catalog), change its table `t` with `change`, restore,
/// and check `state` gives back what it gave before the backup.
fn round_trip(url: &str, state: impl Fn() -> Vec<String>, change: impl FnOnce()) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&dir.path().join("home")).unwrap();
    let shop = add(&catalog, url, dir.path());
    assert!(!shop.db_url.contains(PW), "{}", shop.db_url);
    let before = state();
    let id = backup(&catalog, &shop);
    change();
    assert_ne!(state(), before);
    restore(&catalog, &id);
    assert_eq!(state(), before);
}

/// A client certificate of another authority, and the right certificate `crt` with another
/// key, given in the URL `url(certificate, key)`: each refused in a sentence of its own
/// (`names`: the URL's options, as "sslcert= and sslkey=").
fn other_certificates_are_refused(
    url: impl Fn(&std::path::Path, &std::path::Path) -> String,
    crt: &std::path::Path,
    names: &str,
) {
    let elsewhere = tempfile::tempdir().unwrap();
    common::pg::cert::authority(elsewhere.path(), "ca");
    let (other_crt, other_key) = common::pg::cert::client_cert(elsewhere.path(), "shop");
    let e = ops::test_connection(&url(&other_crt, &other_key), None).unwrap_err();
    assert!(
        e.message.contains("refused the client certificate")
            && e.message
                .contains("not signed by an authority the server trusts")
            && e.message.contains(&format!("check {names}")),
        "{}",
        e.message
    );
    let e = ops::test_connection(&url(crt, &other_key), None).unwrap_err();
    assert!(
        e.message
            .contains("does not belong to the client certificate"),
        "{}",
        e.message
    );
}

/// A server that asks every TCP login for a client certificate its authority signed: without
/// one, a sentence naming the URL options to add; with one, backup and restore work; a
/// certificate of another authority, or a key that is not its own, one sentence each.
#[test]
fn postgres_client_certificates_are_shown_when_the_server_asks() {
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
    pg.require_tls();
    let (crt, key) = pg.ask_for_client_certificates();
    let url = |crt: &std::path::Path, key: &std::path::Path| {
        format!(
            "postgres://shop:{PW}@127.0.0.1:{}/shop?sslmode=require&sslcert={}&sslkey={}",
            pg.port,
            crt.display(),
            key.display()
        )
    };
    let plain = format!("postgres://shop:{PW}@127.0.0.1:{}/shop", pg.port);
    let e = ops::test_connection(&plain, None).unwrap_err();
    assert!(
        e.message.contains("asks for a client certificate")
            && e.message.contains("add sslcert= and sslkey="),
        "{}",
        e.message
    );
    other_certificates_are_refused(url, &crt, "sslcert= and sslkey=");
    // A key others may read is not used (as libpq refuses it).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let good = url(&crt, &key);
    let e = ops::test_connection(&good, None).unwrap_err();
    assert!(
        e.message.contains("may be read by other users") && e.message.contains("chmod 600"),
        "{}",
        e.message
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let described = ops::test_connection(&good, None).unwrap();
    assert!(described.starts_with("PostgreSQL 15."), "{described}");
    round_trip(
        &good,
        || pg.rows("shop", &["t"]),
        || {
            pg.psql("shop", "shop", "DELETE FROM t WHERE id > 10");
        },
    );
}

/// The same for a MariaDB login that must show a client certificate (REQUIRE X509).
#[test]
fn mysql_client_certificates_are_shown_when_the_server_asks() {
    let m = MariaServer::start_with_tls();
    m.sql(
        "mysql",
        &format!(
            "CREATE DATABASE shop;
             CREATE USER 'shop'@'127.0.0.1' IDENTIFIED BY '{PW}' REQUIRE X509;
             GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'127.0.0.1';
             CREATE USER 'badge'@'127.0.0.1' REQUIRE X509;
             GRANT SELECT ON shop.* TO 'badge'@'127.0.0.1';"
        ),
    );
    m.sql(
        "shop",
        "CREATE TABLE t (id int AUTO_INCREMENT PRIMARY KEY, note varchar(20)) ENGINE=InnoDB;
         INSERT INTO t (note) SELECT CONCAT('row ', seq) FROM seq_1_to_50;",
    );
    let (crt, key) = m.client_cert("shop");
    let url = |crt: &std::path::Path, key: &std::path::Path| {
        format!(
            "mysql://shop:{PW}@127.0.0.1:{}/shop?ssl-cert={}&ssl-key={}",
            m.port,
            crt.display(),
            key.display()
        )
    };
    let plain = format!("mysql://shop:{PW}@127.0.0.1:{}/shop", m.port);
    let e = ops::test_connection(&plain, None).unwrap_err();
    assert!(
        e.message.contains("wants a client certificate")
            && e.message.contains("add ssl-cert= and ssl-key="),
        "{}",
        e.message
    );
    other_certificates_are_refused(url, &crt, "ssl-cert= and ssl-key=");
    let good = url(&crt, &key);
    let described = ops::test_connection(&good, None).unwrap();
    assert!(described.starts_with("MariaDB "), "{described}");
    // A login with a certificate and no password: without the certificate, the sentence
    // asking for a password names the certificate too.
    let badge = format!("mysql://badge@127.0.0.1:{}/shop", m.port);
    let e = ops::test_connection(&badge, None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::PasswordRequired, "{}", e.message);
    assert!(
        e.message.contains("add ssl-cert= and ssl-key="),
        "{}",
        e.message
    );
    let with = format!(
        "{badge}?ssl-cert={}&ssl-key={}",
        crt.display(),
        key.display()
    );
    ops::test_connection(&with, None).unwrap();
    round_trip(
        &good,
        || m.state("shop", &["t"]),
        || {
            m.sql("shop", "DELETE FROM t WHERE id > 10");
        },
    );
}
