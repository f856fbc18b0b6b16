//! MySQL/MariaDB shops against a real, throwaway MariaDB server: native backup, restore by
//! scratch tables and one RENAME TABLE swap, and one clear sentence for each bad input.

mod common;

use common::maria::MariaServer;
use common::{files, listing};
use shopsafe_core::ops::{self, AddShopOptions, BackupOptions, RestoreOptions};
use shopsafe_core::{CancelToken, Catalog, NoProgress, Shop};

const TABLES: &[&str] = &[
    "catalog_category",
    "catalog_product",
    "orders_order",
    "orders_orderline",
];

/// A shop database with a login that has rights on it alone, and a Django-like schema.
fn make_shop_db(m: &MariaServer) {
    m.sql(
        "mysql",
        "CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
         CREATE USER 'shop'@'localhost' IDENTIFIED BY 'shop-pw';
         CREATE USER 'shop'@'127.0.0.1' IDENTIFIED BY 'shop-pw';
         GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'localhost';
         GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'127.0.0.1';",
    );
    m.sql(
        "shop",
        r#"
CREATE TABLE catalog_category (
  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(100) NOT NULL UNIQUE,
  parent_id int NULL,
  CONSTRAINT category_parent FOREIGN KEY (parent_id) REFERENCES catalog_category (id)
) ENGINE=InnoDB;
CREATE TABLE catalog_product (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  category_id int NOT NULL,
  title varchar(200) NOT NULL,
  price decimal(10,2) NOT NULL,
  data json NULL,
  image blob NULL,
  created datetime(6) NOT NULL,
  updated timestamp(6) NULL,
  active bit(1) NOT NULL DEFAULT b'1',
  title_lower varchar(200) AS (lower(title)) VIRTUAL,
  KEY product_price (price),
  CONSTRAINT product_category FOREIGN KEY (category_id) REFERENCES catalog_category (id) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE TABLE orders_order (
  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  status enum('new','paid','shipped') NOT NULL DEFAULT 'new',
  total decimal(12,2) NULL,
  note text NULL
) ENGINE=InnoDB AUTO_INCREMENT=1000;
CREATE TABLE orders_orderline (
  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id int NOT NULL,
  product_id bigint NOT NULL,
  quantity int NOT NULL,
  CONSTRAINT line_order FOREIGN KEY (order_id) REFERENCES orders_order (id),
  CONSTRAINT line_product FOREIGN KEY (product_id) REFERENCES catalog_product (id)
) ENGINE=InnoDB;
INSERT INTO catalog_category (name, parent_id) VALUES ('Tea', NULL), ('Grüner Tee 🍵', 1), ('日本茶', 1);
INSERT INTO catalog_product (category_id, title, price, data, image, created, updated, active)
SELECT 1 + seq % 3, CONCAT('Product ', seq, ' «ü» \'quote\' back\\slash'), seq * 1.25,
       IF(seq % 4 = 0, NULL, JSON_OBJECT('g', seq, 'tags', JSON_ARRAY('a', 'ö'))),
       IF(seq % 5 = 0, NULL, UNHEX(CONCAT('00FF00', LPAD(HEX(seq), 4, '0')))),
       '2024-01-01 12:00:00.123456' + INTERVAL seq HOUR, IF(seq % 3 = 0, NULL, '2024-06-01 00:00:00.000001'),
       seq % 7 <> 0
  FROM seq_1_to_300;
INSERT INTO orders_order (status, total, note)
SELECT ELT(1 + seq % 3, 'new', 'paid', 'shipped'), seq * 10.01, IF(seq % 2 = 0, 'Tab\there\nnewline', NULL) FROM seq_1_to_120;
INSERT INTO orders_orderline (order_id, product_id, quantity) SELECT 999 + seq, 1 + seq % 300, 1 + seq % 4 FROM seq_1_to_120;
"#,
    );
}

struct MyShop {
    dir: tempfile::TempDir,
    catalog: Catalog,
    shop: Shop,
}

fn register(m: &MariaServer) -> MyShop {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    for i in 0..10 {
        std::fs::write(media.join(format!("p{i}.jpg")), vec![i as u8; 3000]).unwrap();
    }
    std::fs::create_dir(dir.path().join("backups")).unwrap();
    let catalog = Catalog::open(&dir.path().join("home")).unwrap();
    let shop = ops::add_shop(
        &catalog,
        &AddShopOptions {
            name: "myshop".into(),
            db: format!(
                "mysql://shop@localhost/shop?socket={}",
                m.socket().display()
            ),
            media: Some(media),
            dest: dir.path().join("backups"),
            password: None,
        },
    )
    .unwrap();
    MyShop { dir, catalog, shop }
}

/// The tests connect as the shop's login with its password from the environment.
fn with_password() {
    // The same value in every test, so tests running side by side agree.
    unsafe { std::env::set_var("SHOPSAFE_DB_PASSWORD", "shop-pw") };
}

#[test]
fn mysql_round_trip_restores_schema_rows_auto_increment_and_media() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    let s = register(&m);
    let before = m.state("shop", TABLES);
    let checksums = m.sql(
        "shop",
        "CHECKSUM TABLE catalog_category, catalog_product, orders_order, orders_orderline",
    );
    let media = files(&s.dir.path().join("media"));
    let counter = m.sql(
        "shop",
        "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders_order'",
    );

    let opts = BackupOptions {
        shop: s.shop.clone(),
        name: None,
        include_media: true,
        safety: false,
    };
    let backup = ops::backup(&s.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(backup.manifest.database.engine, "mysql");
    assert_eq!(
        backup
            .manifest
            .database
            .tables
            .iter()
            .find(|t| t.name == "catalog_product")
            .unwrap()
            .rows,
        300
    );

    // Change rows, schema (a new column, a new table) and media.
    m.sql(
        "shop",
        "UPDATE catalog_product SET title = 'changed' WHERE id < 50;
         DELETE FROM orders_orderline WHERE id % 2 = 0;
         INSERT INTO orders_order (total) VALUES (1), (2);
         ALTER TABLE orders_order ADD COLUMN extra int NULL;
         CREATE TABLE added_later (x int) ENGINE=InnoDB;",
    );
    std::fs::write(s.dir.path().join("media/new.jpg"), b"new").unwrap();

    let plan = ops::prepare_restore(
        &s.catalog,
        &RestoreOptions {
            backup: backup.id.clone(),
            shop: None,
            force: false,
            pre_backup: true,
        },
    )
    .unwrap();
    let report = ops::restore(&s.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert!(report.safety_backup.is_some());
    assert_eq!(
        m.state("shop", TABLES),
        before,
        "schema or rows differ after restore"
    );
    assert_eq!(
        m.sql(
            "shop",
            "CHECKSUM TABLE catalog_category, catalog_product, orders_order, orders_orderline"
        ),
        checksums
    );
    assert_eq!(
        m.sql("shop", "SHOW TABLES").trim().lines().count(),
        TABLES.len(),
        "scratch or extra tables left"
    );
    assert_eq!(files(&s.dir.path().join("media")), media);
    // AUTO_INCREMENT continues where it was: a new order gets the next id of the backup.
    let next = m.sql(
        "shop",
        "INSERT INTO orders_order (total) VALUES (5); SELECT LAST_INSERT_ID();",
    );
    assert_eq!(next.trim(), counter.trim());
    assert!(next.trim().parse::<u32>().unwrap() >= 1120);
    assert!(!listing(&s.shop.dest).iter().any(|n| n.starts_with('.')));
}

#[test]
fn failed_mysql_restore_leaves_the_database_unchanged() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    let s = register(&m);
    let opts = BackupOptions {
        shop: s.shop.clone(),
        name: None,
        include_media: false,
        safety: false,
    };
    let backup = ops::backup(&s.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap();
    m.sql("shop", "DELETE FROM orders_orderline WHERE id > 60");
    let before = m.state("shop", TABLES);
    // Take the right to create tables away: loading the scratch tables fails, before any
    // live table was touched.
    m.sql(
        "mysql",
        "REVOKE CREATE ON shop.* FROM 'shop'@'localhost'; FLUSH PRIVILEGES;",
    );
    let plan = ops::prepare_restore(
        &s.catalog,
        &RestoreOptions {
            backup: backup.id.clone(),
            shop: None,
            force: false,
            pre_backup: false,
        },
    )
    .unwrap();
    let e = ops::restore(&s.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(
        e.message.contains("lacks a right") || e.message.contains("denied"),
        "{}",
        e.message
    );
    assert_eq!(m.state("shop", TABLES), before);
    assert_eq!(
        m.sql("shop", "SHOW TABLES").trim().lines().count(),
        TABLES.len()
    );
}

#[test]
fn mysql_bad_input_gets_one_sentence() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    // The password comes from SHOPSAFE_DB_PASSWORD unless the URL holds one.
    let check = |url: &str| ops::test_connection(url, None).unwrap_err();
    let e = check(&format!("mysql://shop:wrong@127.0.0.1:{}/shop", m.port));
    assert!(e.message.contains("refused the password"), "{}", e.message);
    let e = check(&format!(
        "mariadb://shop@localhost/nope?socket={}",
        m.socket().display()
    ));
    assert!(
        e.message.contains("does not exist") || e.message.contains("no rights"),
        "{}",
        e.message
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = check(&format!("mysql://shop@127.0.0.1:{closed}/shop"));
    assert!(e.message.contains("Could not reach"), "{}", e.message);

    // A login without rights on the shop's database.
    m.sql(
        "mysql",
        "CREATE USER 'stranger'@'localhost' IDENTIFIED BY 'shop-pw'",
    );
    let e = check(&format!(
        "mysql://stranger@localhost/shop?socket={}",
        m.socket().display()
    ));
    assert!(e.message.contains("no rights"), "{}", e.message);

    // A PostgreSQL-style archive cannot go into a MySQL shop: an SQLite one stands in.
    let s = register(&m);
    let t = common::TestShop::new("lite");
    let lite = t.backup();
    let e = ops::prepare_restore(
        &s.catalog,
        &RestoreOptions {
            backup: lite.path.to_string_lossy().into_owned(),
            shop: Some("myshop".into()),
            force: true,
            pre_backup: true,
        },
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("sqlite database but shop myshop uses mysql"),
        "{}",
        e.message
    );
}

#[test]
fn mysql_tricky_values_round_trip_and_unsupported_tables_are_named() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql(
        "shop",
        "CREATE TABLE tricky (
           id int PRIMARY KEY,
           f float, u uuid, ip inet6,
           legacy varchar(20) CHARACTER SET latin1,
           raw varbinary(8)
         ) ENGINE=InnoDB;
         INSERT INTO tricky VALUES
           (1, 123456.789, '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1', 'café', X'00FF27'),
           (2, 16777217, NULL, '::ffff:10.0.0.1', 'naïve', NULL),
           (3, 1.17549435e-38, '00000000-0000-0000-0000-000000000001', NULL, NULL, X'5C');",
    );
    let s = register(&m);
    let exact =
        "SELECT id, CAST(f AS DOUBLE), u, ip, HEX(legacy), HEX(raw) FROM tricky ORDER BY id";
    let before = m.sql("shop", exact);
    let opts = BackupOptions {
        shop: s.shop.clone(),
        name: None,
        include_media: false,
        safety: false,
    };
    let backup = ops::backup(&s.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap();
    m.sql("shop", "DELETE FROM tricky");
    let plan = ops::prepare_restore(
        &s.catalog,
        &RestoreOptions {
            backup: backup.id.clone(),
            shop: None,
            force: false,
            pre_backup: false,
        },
    )
    .unwrap();
    ops::restore(&s.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(m.sql("shop", exact), before);

    m.sql(
        "shop",
        "CREATE TABLE history (x int) WITH SYSTEM VERSIONING; CREATE SEQUENCE counter;",
    );
    let e = ops::backup(&s.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(
        e.message.contains("system versioned history") && e.message.contains("sequence counter"),
        "{}",
        e.message
    );
}

#[test]
fn mysql_backup_during_constant_writes_holds_one_consistent_snapshot() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql(
        "shop",
        "CREATE TABLE ledger (id bigint AUTO_INCREMENT PRIMARY KEY, amount int NOT NULL) ENGINE=InnoDB;
         CREATE TABLE ledger_total (id int PRIMARY KEY, n bigint NOT NULL) ENGINE=InnoDB;
         INSERT INTO ledger_total VALUES (1, 0);",
    );
    let s = register(&m);
    // One session commits a transaction after another: a ledger row and the total with it.
    let mut writer = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "yes 'BEGIN; INSERT INTO ledger (amount) VALUES (1); UPDATE ledger_total SET n = n + 1; COMMIT;' \
             | head -n 1000000 | mariadb --no-defaults -uroot -S {} shop",
            m.socket().display()
        ))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let count = || -> u64 {
        m.sql("shop", "SELECT n FROM ledger_total")
            .trim()
            .parse()
            .unwrap()
    };
    while count() < 200 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let at_start = count();
    let opts = BackupOptions {
        shop: s.shop.clone(),
        name: None,
        include_media: false,
        safety: false,
    };
    let backup = ops::backup(&s.catalog, &opts, &NoProgress, &CancelToken::new());
    let at_end = count();
    let _ = writer.kill();
    let _ = writer.wait();
    let backup = backup.unwrap();
    assert!(
        at_end > at_start,
        "the writer must have kept writing during the backup"
    );

    // The dump's ledger_total row must count exactly the ledger rows the dump holds.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&backup.path).unwrap()).unwrap();
    let mut dump = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("database/dump.sql").unwrap(), &mut dump)
        .unwrap();
    let row = dump
        .split("INSERT INTO `ledger_total`")
        .nth(1)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    let hex = row.rsplit("X'").next().unwrap().split('\'').next().unwrap();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let n: u64 = String::from_utf8(bytes).unwrap().parse().unwrap();
    let ledger = backup
        .manifest
        .database
        .tables
        .iter()
        .find(|t| t.name == "ledger")
        .unwrap();
    assert_eq!(ledger.rows, n, "the snapshot mixes two moments");
    assert!(n >= at_start);
}
