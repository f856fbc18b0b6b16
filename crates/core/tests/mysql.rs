//! MySQL/MariaDB shops against a real, throwaway MariaDB server: native backup, restore by
//! scratch tables and one RENAME TABLE swap, and one clear sentence for each bad input.

mod common;

use common::maria::MariaServer;
use common::{files, listing, ServerShop};
use shopsafe_core::ops::{self, AddShopOptions, BackupOptions, RestoreOptions};
use shopsafe_core::{BackupRecord, CancelToken, Catalog, ErrorKind, NoProgress};

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

fn register(m: &MariaServer) -> ServerShop {
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
    ServerShop { dir, catalog, shop }
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
    // The newest orders were deleted: the counter is past the highest id, and a restore
    // must keep it there rather than let the server count on from the rows.
    m.sql(
        "shop",
        "INSERT INTO orders_order (total) VALUES (0), (0); DELETE FROM orders_order WHERE total = 0;",
    );
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
    let max_id = m.sql("shop", "SELECT MAX(id) FROM orders_order");
    assert!(
        counter.trim().parse::<u32>().unwrap() > max_id.trim().parse::<u32>().unwrap() + 1,
        "the counter ({counter}) should be past the next id after the highest ({max_id})"
    );

    // A hosting account's limit on a statement's time, and settings the server gives its
    // logins' sessions (a row limit, no autocommit), hold the shop's queries, not
    // ShopSafe's backup and restore.
    m.sql(
        "mysql",
        "ALTER USER 'shop'@'localhost' WITH MAX_STATEMENT_TIME 0.001;
         SET GLOBAL init_connect = 'SET SESSION sql_select_limit = 100, autocommit = 0';",
    );
    let opts = BackupOptions {
        shop: s.shop.clone(),
        name: None,
        include_media: true,
        safety: false,
    };
    let backup = ops::backup(&s.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap();
    assert_eq!(backup.manifest.database.engine, "mysql");
    assert_eq!(backup.manifest.database.method, "native-mysql");
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
    let tables_now = [TABLES, &["added_later"]].concat();
    let changed = (
        m.state("shop", &tables_now),
        files(&s.dir.path().join("media")),
    );

    // The server's own log of the restore's statements shows how the tables went live.
    m.sql(
        "mysql",
        "SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1;",
    );
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
    let renames = m.sql(
        "mysql",
        "SET GLOBAL general_log = 0;
         SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log
          WHERE command_type = 'Query' AND argument LIKE 'RENAME TABLE%';",
    );
    let renames: Vec<&str> = renames.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        renames.len(),
        1,
        "the tables went live in more than one RENAME TABLE: {renames:?}"
    );
    for t in TABLES {
        assert!(
            renames[0].contains(&format!("`{t}`")),
            "{t} not swapped in the one RENAME TABLE: {}",
            renames[0]
        );
    }
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
    assert!(!listing(&s.shop.dest).iter().any(|n| n.starts_with('.')));

    // The safety backup holds the shop as it was just before the restore, and gives it back.
    restore_from(&s, report.safety_backup.as_ref().unwrap(), false).unwrap();
    assert_eq!(
        (
            m.state("shop", &tables_now),
            files(&s.dir.path().join("media"))
        ),
        changed,
        "the safety backup did not give back the shop as it was before the restore"
    );
}

/// A PostgreSQL shop's archive cannot be restored into a MySQL/MariaDB shop, nor the other
/// way round: each refusal says so before anything changes.
#[test]
fn archives_of_the_other_server_engine_are_refused() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    let s = register(&m);
    let pg = common::pg::PgServer::start();
    pg.owned_database("shop", "shop-pw", "shop");
    pg.psql(
        "shop",
        "shop",
        "CREATE TABLE orders_order (id serial PRIMARY KEY, total numeric(12, 2));
         INSERT INTO orders_order (total) VALUES (1.5), (2.5);",
    );
    let pg_shop = s.add_database_shop("pgshop", pg.socket_url("shop", "shop"));
    let my_backup = backup_of(&s);
    let pg_backup = s.try_backup_of(&pg_shop).unwrap();
    let before = (
        m.state("shop", TABLES),
        pg.rows("shop", &["public.orders_order"]),
    );
    for (backup, into, says) in [
        (
            &pg_backup,
            "myshop",
            "holds a PostgreSQL database but shop myshop uses MySQL/MariaDB",
        ),
        (
            &my_backup,
            "pgshop",
            "holds a MySQL/MariaDB database but shop pgshop uses PostgreSQL",
        ),
    ] {
        let e = ops::prepare_restore(
            &s.catalog,
            &RestoreOptions {
                backup: backup.id.clone(),
                shop: Some(into.into()),
                force: true,
                pre_backup: true,
            },
        )
        .unwrap_err();
        assert!(e.message.contains(says), "{}", e.message);
    }
    assert_eq!(
        (
            m.state("shop", TABLES),
            pg.rows("shop", &["public.orders_order"])
        ),
        before
    );
    assert_eq!(
        s.catalog.backups(None).unwrap().len(),
        2,
        "a safety backup was taken"
    );
}

/// A restore whose connections the server drops while it loads (a server restart, an
/// administrator's KILL) changes nothing, and the half-loaded scratch tables it made go,
/// over a new connection.
#[test]
fn a_mysql_restore_cut_off_while_loading_leaves_no_scratch_tables() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql(
        "shop",
        "CREATE TABLE bulk (id int PRIMARY KEY, note varchar(200));
         INSERT INTO bulk SELECT seq, REPEAT('x', 200) FROM seq_1_to_400000;",
    );
    let s = register(&m);
    let backup = backup_of(&s);
    m.sql("shop", "DELETE FROM orders_orderline WHERE id > 60");
    let before = m.state("shop", TABLES);
    let (result, killed) = std::thread::scope(|scope| {
        // Kill the shop's connections once rows are going into a scratch table.
        let killer = scope.spawn(|| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while std::time::Instant::now() < deadline {
                let loading = m.sql(
                    "mysql",
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'shop' AND INFO LIKE '%_shopsafe_new_%'",
                );
                if loading.trim() != "0" {
                    // Every connection of the restore, as a server going down drops them.
                    let ids = m.sql(
                        "mysql",
                        "SELECT GROUP_CONCAT(ID) FROM information_schema.PROCESSLIST WHERE USER = 'shop'",
                    );
                    let ids = ids.trim();
                    // (One may end by itself meanwhile: each KILL on its own.)
                    for id in ids.split(',') {
                        let _ = m.client_as("root", "", "mysql", &format!("KILL {id}"));
                    }
                    return true;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            false
        });
        let result = restore_from(&s, &backup.id, false);
        (result, killer.join().unwrap())
    });
    assert!(
        killed,
        "the restore never loaded rows where they could be seen"
    );
    let e = result.unwrap_err();
    assert!(
        e.message
            .ends_with("Nothing was changed; the shop is as it was."),
        "{}",
        e.message
    );
    assert_eq!(m.state("shop", TABLES), before);
    assert_eq!(
        m.sql(
            "shop",
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME LIKE '\\_shopsafe\\_%'"
        )
        .trim(),
        "0"
    );
}

#[test]
fn failed_mysql_restore_leaves_the_database_unchanged() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    let s = register(&m);
    let opts = common::database_only(&s.shop);
    let backup = ops::backup(&s.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap();
    m.sql("shop", "DELETE FROM orders_orderline WHERE id > 60");
    let before = m.state("shop", TABLES);
    let options = |pre_backup| RestoreOptions {
        backup: backup.id.clone(),
        shop: None,
        force: false,
        pre_backup,
    };
    let plan = ops::prepare_restore(&s.catalog, &options(false)).unwrap();
    // Take the right to create tables away: planning the restore says so, before its safety
    // backup is taken.
    m.sql(
        "mysql",
        "REVOKE CREATE ON shop.* FROM 'shop'@'localhost'; FLUSH PRIVILEGES;",
    );
    let archives = listing(&s.dir.path().join("backups"));
    let e = ops::prepare_restore(&s.catalog, &options(true)).unwrap_err();
    assert!(
        e.message
            .starts_with("User shop lacks the CREATE right on the database shop"),
        "{}",
        e.message
    );
    assert_eq!(listing(&s.dir.path().join("backups")), archives);
    // A restore planned before the right went says so before any work is done.
    let e = ops::restore(&s.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(
        e.message
            .contains("lacks the CREATE right on the database shop")
            && e.message
                .ends_with("Nothing was changed; the shop is as it was."),
        "{}",
        e.message
    );
    assert_eq!(m.state("shop", TABLES), before);
    assert_eq!(
        m.sql("shop", "SHOW TABLES").trim().lines().count(),
        TABLES.len()
    );

    // Another database's table with a foreign key to one of the shop's: the restore could
    // not keep it pointing at the restored table, so it says so and changes nothing.
    m.sql(
        "mysql",
        "GRANT CREATE ON shop.* TO 'shop'@'localhost';
         CREATE DATABASE erp;
         CREATE TABLE erp.invoices (id int PRIMARY KEY, order_id int,
             CONSTRAINT invoice_order FOREIGN KEY (order_id) REFERENCES shop.orders_order (id));
         INSERT INTO erp.invoices VALUES (1, 1000);
         GRANT SELECT ON erp.* TO 'shop'@'localhost'; FLUSH PRIVILEGES;",
    );
    let e = ops::restore(&s.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(
        e.message.contains("The table erp.invoices of another database has a foreign key (invoice_order) to the table orders_order of shop"),
        "{}",
        e.message
    );
    assert_eq!(m.state("shop", TABLES), before);
    assert!(m
        .sql("erp", "SHOW CREATE TABLE invoices")
        .contains("REFERENCES `shop`.`orders_order`"));

    // A login that may run only 100 statements an hour would run out halfway (and while
    // putting the shop back): refused before anything changes.
    m.sql(
        "mysql",
        "DROP DATABASE erp;
         ALTER USER 'shop'@'localhost' WITH MAX_QUERIES_PER_HOUR 100; FLUSH USER_RESOURCES;",
    );
    let e = ops::restore(&s.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(
        e.message
            .contains("User shop may run only 100 statements an hour (MAX_QUERIES_PER_HOUR)"),
        "{}",
        e.message
    );
    assert_eq!(m.state("shop", TABLES), before);
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
    // A host name that resolves nowhere (.invalid never does).
    let e = check("mysql://shop@shop-db.invalid/shop");
    assert!(e.message.contains("Could not reach"), "{}", e.message);
    // A login with rights on every database is told plainly that this one does not exist.
    m.sql(
        "mysql",
        "CREATE USER 'wide'@'localhost' IDENTIFIED BY 'shop-pw'; GRANT SELECT ON *.* TO 'wide'@'localhost';",
    );
    let e = check(&format!(
        "mysql://wide@localhost/nope?socket={}",
        m.socket().display()
    ));
    assert!(
        e.message.contains("The database nope does not exist"),
        "{}",
        e.message
    );

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

    // An SQLite archive cannot go into a MySQL shop (a PostgreSQL one: in
    // archives_of_the_other_server_engine_are_refused).
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
            .contains("SQLite database but shop myshop uses MySQL/MariaDB"),
        "{}",
        e.message
    );

    // A row bigger than the server takes in one statement (max_allowed_packet): backing it
    // up says so; restoring one into a server that takes less says so, changing nothing.
    m.sql("mysql", "SET GLOBAL max_allowed_packet = 64 * 1024 * 1024");
    m.sql(
        "shop",
        "CREATE TABLE big_blob (id int PRIMARY KEY, b longblob);
         INSERT INTO big_blob VALUES (1, REPEAT('x', 3000000));",
    );
    let backup = backup_of(&s);
    m.sql("mysql", "SET GLOBAL max_allowed_packet = 1024 * 1024");
    let e = s.try_backup().unwrap_err();
    assert!(
        e.message
            .contains("Table big_blob has a row that takes 6000")
            && e.message.contains("max_allowed_packet is 1048576")
            && e.message.contains("raise max_allowed_packet"),
        "{}",
        e.message
    );
    assert_eq!(s.catalog.backups(None).unwrap().len(), 1);
    m.sql("shop", "DELETE FROM big_blob");
    let before = m.state("shop", TABLES);
    let e = restore_from(&s, &backup.id, false).unwrap_err();
    assert!(
        e.message
            .contains("it holds rows of table big_blob that make a statement of")
            && e.message.contains("raise max_allowed_packet on the server"),
        "{}",
        e.message
    );
    assert_eq!(m.state("shop", TABLES), before);
    assert_eq!(m.sql("shop", "SELECT COUNT(*) FROM big_blob").trim(), "0");
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
           (3, 1.17549435e-38, '00000000-0000-0000-0000-000000000001', NULL, NULL, X'5C');
         CREATE TABLE stores (id int PRIMARY KEY, loc POINT NOT NULL, area POLYGON, route GEOMETRY,
           SPATIAL INDEX stores_loc (loc)) ENGINE=InnoDB;
         INSERT INTO stores SELECT seq, POINT(seq * 0.5, -seq / 3),
           IF(seq % 2 = 0, ST_GeomFromText('POLYGON((0 0,0 1,1 1,1 0,0 0))'), NULL),
           ST_GeomFromText(CONCAT('LINESTRING(0 0,', seq, ' ', seq / 7, ')')) FROM seq_1_to_40;",
    );
    // What older servers and settings left behind: tables made with innodb_strict_mode off,
    // a TIMESTAMP without a default made with explicit_defaults_for_timestamp on (restored
    // into a server where it is off), rows that break checks added later, a MEMORY table
    // over the default size limit, and a comment that mentions AUTO_INCREMENT.
    let wide: Vec<String> = (0..45).map(|i| format!("attr_{i} varchar(60)")).collect();
    m.sql(
        "shop",
        &format!(
            "SET SESSION innodb_strict_mode = OFF;
             CREATE TABLE product_flat (id int AUTO_INCREMENT PRIMARY KEY, {}) ENGINE=InnoDB;
             INSERT INTO product_flat (attr_0, attr_44) VALUES ('a', 'b');
             CREATE TABLE ps_configuration (id int AUTO_INCREMENT PRIMARY KEY, name varchar(64))
                 ENGINE=InnoDB ROW_FORMAT=FIXED;
             INSERT INTO ps_configuration (name) VALUES ('PS_SHOP_NAME');
             SET SESSION innodb_strict_mode = ON, explicit_defaults_for_timestamp = ON;
             CREATE TABLE paid (id int PRIMARY KEY, paid_at timestamp NOT NULL, shipped_at timestamp NULL);
             INSERT INTO paid VALUES (1, '2024-01-01 00:00:00', NULL);
             CREATE TABLE stock (id int PRIMARY KEY, qty int NOT NULL, attrs longtext);
             INSERT INTO stock VALUES (1, 5, '{{}}'), (2, -3, 'not json');
             SET SESSION check_constraint_checks = 0;
             ALTER TABLE stock ADD CONSTRAINT qty_nonneg CHECK (qty >= 0),
                 MODIFY attrs longtext CHECK (json_valid(attrs));
             SET SESSION max_heap_table_size = 64 * 1024 * 1024;
             CREATE TABLE cache_mem (k varchar(64) NOT NULL PRIMARY KEY, v varchar(2000)) ENGINE=MEMORY;
             INSERT INTO cache_mem SELECT CONCAT('k', seq), REPEAT('v', 2000) FROM seq_1_to_3000;
             CREATE TABLE legacy_ids (uuid uuid NOT NULL PRIMARY KEY,
                 old_pk int NOT NULL COMMENT 'was the AUTO_INCREMENT key', id int NOT NULL AUTO_INCREMENT,
                 name varchar(20), KEY id (id), KEY name (name));
             INSERT INTO legacy_ids (uuid, old_pk, name) VALUES (uuid(), 1, 'a'), (uuid(), 2, 'b');
             SET SESSION sql_mode = 'ALLOW_INVALID_DATES';
             CREATE TABLE odd_dates (id int PRIMARY KEY, d date, dt datetime, z datetime);
             INSERT INTO odd_dates VALUES (1, '2021-02-30', '2021-04-31 10:00:00', '0000-00-00 00:00:00');
             SET GLOBAL explicit_defaults_for_timestamp = OFF;",
            wide.join(", ")
        ),
    );
    let s = register(&m);
    let exact =
        "SHOW CREATE TABLE product_flat; SHOW CREATE TABLE ps_configuration; SHOW CREATE TABLE paid;
         SHOW CREATE TABLE stock; SHOW CREATE TABLE cache_mem; SHOW CREATE TABLE legacy_ids;
         SELECT * FROM odd_dates;
         SELECT * FROM product_flat; SELECT * FROM ps_configuration; SELECT * FROM paid; SELECT * FROM stock;
         SELECT count(*), sum(length(v)) FROM cache_mem; SELECT * FROM legacy_ids ORDER BY id;
         SELECT id, CAST(f AS DOUBLE), u, ip, HEX(legacy), HEX(raw) FROM tricky ORDER BY id;
         SELECT id, HEX(loc), HEX(area), HEX(route) FROM stores ORDER BY id;
         SHOW CREATE TABLE stores";
    let before = m.sql("shop", exact);
    let opts = common::database_only(&s.shop);
    let backup = ops::backup(&s.catalog, &opts, &NoProgress, &CancelToken::new()).unwrap();
    m.sql(
        "shop",
        "DELETE FROM tricky; DELETE FROM stores WHERE id > 3; DELETE FROM cache_mem; DELETE FROM stock;
         DELETE FROM odd_dates",
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

/// A MySQL restore can be cancelled until its swap: the scratch tables are dropped, and the
/// shop is as it was.
#[test]
fn cancelling_a_mysql_restore_before_its_swap_leaves_the_shop_as_it_was() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    let s = register(&m);
    let backup = backup_of(&s);
    m.sql(
        "shop",
        "DELETE FROM orders_orderline WHERE id > 3; CREATE TABLE later (x int);",
    );
    let mut tables: Vec<&str> = TABLES.to_vec();
    tables.push("later");
    let before = m.state("shop", &tables);
    assert_eq!(
        common::restore_cancelled_at(&s.catalog, &backup.id, shopsafe_core::Phase::Swapping),
        "The restore was cancelled; nothing was changed."
    );
    assert_eq!(m.state("shop", &tables), before);
    let scratch = m.sql(
        "shop",
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME LIKE '\\_shopsafe%'",
    );
    assert_eq!(scratch.trim(), "0");

    // A restore killed outright leaves its scratch tables: testing the shop says so, and the
    // next restore removes them.
    m.sql("shop", "CREATE TABLE _shopsafe_new_0 (x int)");
    let said = ops::test_connection(&s.shop.db_url, None).unwrap();
    assert!(
        said.ends_with("; an interrupted restore left scratch tables there (_shopsafe_new_0), which backups leave out: restoring again removes them"),
        "{said}"
    );
    restore_from(&s, &backup.id, false).unwrap();
    assert!(!ops::test_connection(&s.shop.db_url, None)
        .unwrap()
        .contains("scratch"));
}

/// Another user who may write to the backup folder swaps the restore's working dumps there
/// (staged from the archive, or the rollback point) for files of their own, as fast as they
/// can: the restore never runs their statements as the shop's login. It refuses a working
/// file that is not its own, and changes nothing. (As root, the test plants files owned by
/// `nobody`.)
#[test]
fn working_dumps_swapped_by_another_user_are_never_loaded() {
    use std::os::unix::fs::FileTypeExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    assert!(
        unsafe { libc::geteuid() } == 0,
        "this test plants files as another user: run it as root (CI does)"
    );
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    let s = register(&m);
    let backup = backup_of(&s);
    m.sql("shop", "DELETE FROM orders_orderline WHERE id > 3");
    let before = m.state("shop", TABLES);
    let mut planted = common::archive_entry(&backup.path, "database/dump.sql");
    planted.extend_from_slice(b"CREATE TABLE planted (x int);\n");
    let dest = s.dir.path().join("backups");
    let theirs = dest.join("theirs");
    // A file of theirs, then a FIFO, which must not keep the restore waiting for a writer.
    let plant: [&(dyn Fn() -> bool + Sync); 2] = [
        &|| {
            std::fs::write(&theirs, &planted).is_ok()
                && std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).is_ok()
        },
        &|| {
            let name = std::ffi::CString::new(theirs.to_str().unwrap()).unwrap();
            let _ = std::fs::remove_file(&theirs);
            unsafe { libc::mkfifo(name.as_ptr(), 0o666) == 0 }
        },
    ];
    for plant in plant {
        let (stop, released) = (AtomicBool::new(false), AtomicBool::new(false));
        let restored = std::thread::scope(|sc| {
            sc.spawn(|| {
                let give_up = std::time::Instant::now() + std::time::Duration::from_secs(60);
                while !stop.load(Ordering::Relaxed) {
                    for entry in std::fs::read_dir(&dest).unwrap().flatten() {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if !name.starts_with(".shopsafe-") {
                            continue;
                        }
                        let kind = entry.file_type().unwrap();
                        // A restore still waiting on a FIFO after a minute is let go (by
                        // opening its other end), so the test fails instead of hanging.
                        if kind.is_fifo() && std::time::Instant::now() > give_up {
                            use std::os::unix::fs::OpenOptionsExt;
                            let mut writer = std::fs::OpenOptions::new();
                            writer.write(true).custom_flags(libc::O_NONBLOCK);
                            released.fetch_or(writer.open(entry.path()).is_ok(), Ordering::Relaxed);
                        }
                        // Put in place in one step, so the name is never missing.
                        if kind.is_file() && plant() {
                            let _ = std::fs::rename(&theirs, entry.path());
                        }
                    }
                }
            });
            let restored = restore_from(&s, &backup.id, false);
            stop.store(true, Ordering::Relaxed);
            restored
        });
        assert!(
            !released.load(Ordering::Relaxed),
            "the restore waited for a writer of a FIFO planted at its dump's name"
        );
        let e = restored.unwrap_err();
        assert!(
            e.message.contains(&format!(
                ": it is not the file ShopSafe made there but another user's; make sure no other user may write to {}, then try again",
                dest.display()
            )),
            "{}",
            e.message
        );
        assert_eq!(m.state("shop", TABLES), before);
        assert!(!m.sql("shop", "SHOW TABLES").contains("planted"));
    }
}

/// A restore's plan names what was made since the backup besides tables (a view, a
/// trigger), which the restore removes.
#[test]
fn mysql_restore_plan_names_the_objects_made_since_the_backup() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    let s = register(&m);
    let backup = backup_of(&s);
    m.sql(
        "shop",
        "CREATE VIEW sales_report AS SELECT 1 AS n;
         CREATE TRIGGER order_bi BEFORE INSERT ON orders_order FOR EACH ROW SET NEW.id = NEW.id;",
    );
    let plan = common::plan(&s.catalog, &backup.id);
    assert_eq!(
        plan.objects_made_since,
        ["trigger order_bi", "view sales_report"]
    );
}

/// Back up `s` `n` times while another session changes its tables: each backup either
/// passes `whole`, or is refused saying the tables changed and to back up again.
fn backups_while_tables_change(s: &ServerShop, n: usize, whole: impl Fn(&BackupRecord)) {
    for _ in 0..n {
        match s.try_backup() {
            Ok(b) => whole(&b),
            Err(e) => assert!(
                e.message.starts_with(
                    "The tables of the database shop changed while the backup read them ("
                ) && e.message.ends_with("; back up again. Nothing was written."),
                "{}",
                e.message
            ),
        }
    }
}

/// information_schema leaves out a table whose definition another connection is changing
/// (a cache table TRUNCATEd over and over, here), with only a warning: a backup then fails
/// and says to back up again, and never succeeds without the table (or its trigger).
#[test]
fn mysql_backup_never_leaves_out_a_table_that_is_being_truncated() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql(
        "shop",
        "CREATE TABLE cache_t (k varchar(50) PRIMARY KEY, v text) ENGINE=InnoDB;
         CREATE TRIGGER cache_t_bi BEFORE INSERT ON cache_t FOR EACH ROW SET NEW.v = NEW.v;",
    );
    let tables: Vec<String> = m
        .sql(
            "shop",
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop'",
        )
        .lines()
        .map(str::to_string)
        .collect();
    assert!(tables.len() > 2, "{tables:?}");
    let s = register(&m);
    let mut writer = m.keep_running(
        "shop",
        "TRUNCATE TABLE cache_t; INSERT INTO cache_t VALUES ('sess1', 'cart');",
    );
    backups_while_tables_change(&s, 12, |b| {
        let mut got: Vec<&str> = b
            .manifest
            .database
            .tables
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        got.sort_unstable();
        let mut want: Vec<&str> = tables.iter().map(String::as_str).collect();
        want.sort_unstable();
        assert_eq!(got, want, "a backup left out a table");
        let dump = common::archive_entry(&b.path, "database/dump.sql");
        // As it was written, or as the server writes it once a TRUNCATE made the table
        // again: with or without quotes.
        let text = String::from_utf8_lossy(&dump);
        assert!(
            text.lines()
                .any(|l| l.contains(" TRIGGER ") && l.contains("cache_t_bi")),
            "the trigger is missing"
        );
    });
    let _ = writer.kill();
    let _ = writer.wait();
    // Once the table is left alone, the backup goes through.
    assert_eq!(backup_of(&s).manifest.database.tables.len(), tables.len());
}

/// A table rebuilt over and over as online schema-change tools do (a copy renamed over it)
/// during backups: each backup holds it with its rows, or fails saying the tables changed
/// and to back up again. (The copy renamed in after the snapshot began was read as the
/// snapshot sees it: empty.)
#[test]
fn mysql_backup_of_a_table_being_renamed_holds_it_or_says_to_back_up_again() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql(
        "shop",
        "CREATE TABLE cache_t (k varchar(50) PRIMARY KEY, v text) ENGINE=InnoDB;
         INSERT INTO cache_t VALUES ('sess1', 'cart');",
    );
    let s = register(&m);
    let mut writer = m.keep_running(
        "shop",
        // As pt-online-schema-change and gh-ost do, waiting at most a second for a lock.
        "SET SESSION lock_wait_timeout = 1; DROP TABLE IF EXISTS cache_new, cache_old;
         CREATE TABLE cache_new LIKE cache_t; INSERT INTO cache_new SELECT * FROM cache_t;
         RENAME TABLE cache_t TO cache_old, cache_new TO cache_t; DROP TABLE IF EXISTS cache_old;",
    );
    backups_while_tables_change(&s, 20, |b| {
        // The tool's own tables may be there too, as they were at that moment.
        let tables = &b.manifest.database.tables;
        let cache = tables.iter().find(|t| t.name == "cache_t");
        assert_eq!(cache.map(|t| t.rows), Some(1), "{tables:?}");
    });
    let _ = writer.kill();
    let _ = writer.wait();
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
    let writer = m.keep_running(
        "shop",
        "BEGIN; INSERT INTO ledger (amount) VALUES (1); UPDATE ledger_total SET n = n + 1; COMMIT;",
    );
    let (backup, at_start) = common::backup_during_writes(&s.catalog, &s.shop, writer, || {
        m.sql("shop", "SELECT n FROM ledger_total")
            .trim()
            .parse()
            .unwrap()
    });

    // The dump's ledger_total row must count exactly the ledger rows the dump holds.
    let dump = String::from_utf8(common::archive_entry(&backup.path, "database/dump.sql")).unwrap();
    let row = dump
        .split("INSERT INTO `ledger_total`")
        .nth(1)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    // `(1,N);`: the bigint is written as a bare number.
    let n: u64 = row
        .trim_end_matches(");")
        .rsplit(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
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

/// The dump streams into the archive as it is taken: a dump failing after some of it is in
/// the archive (a row larger than the server lets through, in the last table) leaves no
/// archive, no partial file and no catalog row.
#[test]
fn mysql_backup_failing_while_its_dump_streams_leaves_nothing() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql(
        "shop",
        "CREATE TABLE a_log (id int PRIMARY KEY, line varchar(100));
         INSERT INTO a_log SELECT seq, CONCAT(MD5(seq), MD5(seq * 7)) FROM seq_1_to_60000;
         CREATE TABLE zz_big (id int PRIMARY KEY, body longtext);
         INSERT INTO zz_big VALUES (1, REPEAT('x', 3000000));
         SET GLOBAL max_allowed_packet = 1048576;",
    );
    let s = register(&m);
    let e = s.try_backup().unwrap_err();
    assert!(e.message.contains("max_allowed_packet"), "{}", e.message);
    assert!(
        listing(&s.shop.dest).is_empty(),
        "{:?}",
        listing(&s.shop.dest)
    );
    assert!(s.catalog.backups(None).unwrap().is_empty());
}

/// Views (one over the other; the outer one sorts first by name), a BEFORE INSERT trigger,
/// a function, a procedure and an event. Views and trigger are root's (their DEFINER is
/// another login), routines and event the shop login's own, as on a hosting account.
fn add_objects(m: &MariaServer) {
    m.sql(
        "shop",
        "CREATE VIEW product_cheap AS SELECT id, title, price FROM catalog_product WHERE price < 100;
         CREATE SQL SECURITY INVOKER VIEW a_cheap_titles AS SELECT title FROM product_cheap WHERE id > 2;
         CREATE TRIGGER order_note BEFORE INSERT ON orders_order FOR EACH ROW
           SET NEW.note = CONCAT('checked: ', COALESCE(NEW.note, ''));",
    );
    m.sql_as(
        "shop",
        "shop-pw",
        "shop",
        "DELIMITER ;;
         CREATE FUNCTION price_with_tax(p DECIMAL(10,2)) RETURNS DECIMAL(10,2) DETERMINISTIC
         BEGIN
           DECLARE t DECIMAL(10,2);
           SET t = p * 1.19;
           RETURN ROUND(t, 2);
         END;;
         CREATE PROCEDURE count_orders(OUT n INT) SQL SECURITY INVOKER
         BEGIN
           SELECT COUNT(*) INTO n FROM orders_order;
         END;;
         DELIMITER ;
         CREATE EVENT purge_nothing ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE
           DO DELETE FROM orders_order WHERE id < 0;",
    );
}

/// Every view, trigger, routine and event of `db` with its session settings, as `SHOW
/// CREATE` gives it without the DEFINER clause, sorted.
fn objects(m: &MariaServer, db: &str) -> Vec<String> {
    let list = m.sql(
        db,
        &format!(
            "SELECT 'VIEW', TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{db}'
             UNION ALL SELECT 'TRIGGER', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{db}'
             UNION ALL SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{db}'
             UNION ALL SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '{db}'"
        ),
    );
    let mut out: Vec<String> = list
        .lines()
        .map(|l| {
            let (kind, name) = l.split_once('\t').unwrap();
            let text = m.sql(db, &format!("SHOW CREATE {kind} `{name}`"));
            // Drop the DEFINER clause and the trigger's creation time.
            let text = match text.find("DEFINER=") {
                Some(i) => {
                    let end = i + text[i..].find(' ').unwrap() + 1;
                    format!("{}{}", &text[..i], &text[end..])
                }
                None => text,
            };
            let fields: Vec<&str> = text.trim_end().split('\t').collect();
            let keep = if kind == "TRIGGER" {
                &fields[..fields.len() - 1]
            } else {
                &fields[..]
            };
            format!("{kind} {}", keep.join("\t"))
        })
        .collect();
    out.sort();
    out
}

/// A database-only backup of the shop.
fn backup_of(s: &ServerShop) -> BackupRecord {
    s.try_backup().unwrap()
}

fn restore_from(s: &ServerShop, id: &str, pre_backup: bool) -> shopsafe_core::Result<()> {
    let plan = ops::prepare_restore(
        &s.catalog,
        &RestoreOptions {
            backup: id.to_string(),
            shop: None,
            force: false,
            pre_backup,
        },
    )?;
    ops::restore(&s.catalog, &plan, &NoProgress, &CancelToken::new()).map(drop)
}

/// The live database drifts from the backup: a view dropped, a trigger added, the function
/// changed, a procedure added, rows changed.
fn mess_up(m: &MariaServer) {
    m.sql(
        "shop",
        "DROP VIEW a_cheap_titles;
         CREATE TRIGGER line_quantity BEFORE INSERT ON orders_orderline FOR EACH ROW SET NEW.quantity = 99;
         DELETE FROM orders_orderline WHERE id > 100;",
    );
    m.sql_as(
        "shop",
        "shop-pw",
        "shop",
        "DROP FUNCTION price_with_tax;
         CREATE FUNCTION price_with_tax(p DECIMAL(10,2)) RETURNS DECIMAL(10,2) DETERMINISTIC RETURN p * 2;
         CREATE PROCEDURE added_later() BEGIN END;",
    );
}

#[test]
fn mysql_views_triggers_routines_and_events_round_trip() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    add_objects(&m);
    let s = register(&m);
    let before = (m.state("shop", TABLES), objects(&m, "shop"));
    assert_eq!(before.1.len(), 6, "{:?}", before.1);
    let counter = m.sql(
        "shop",
        "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders_order'",
    );
    let backup = backup_of(&s);

    mess_up(&m);
    assert_ne!(objects(&m, "shop"), before.1);
    restore_from(&s, &backup.id, true).unwrap();

    assert_eq!((m.state("shop", TABLES), objects(&m, "shop")), before);
    assert_eq!(
        m.sql("shop", "SHOW FULL TABLES").trim().lines().count(),
        TABLES.len() + 2,
        "scratch or extra tables or views left"
    );
    // The trigger fires on a new row, which gets the backup's next id.
    let row = m.sql(
        "shop",
        "INSERT INTO orders_order (total, note) VALUES (5, 'hi');
         SELECT id, note FROM orders_order WHERE id = LAST_INSERT_ID();",
    );
    assert_eq!(row.trim(), format!("{}\tchecked: hi", counter.trim()));
    // The function is the backup's, the procedure runs, the views read through each other.
    assert_eq!(m.sql("shop", "SELECT price_with_tax(100)").trim(), "119.00");
    assert_eq!(
        m.sql_as(
            "shop",
            "shop-pw",
            "shop",
            "CALL count_orders(@n); SELECT @n"
        )
        .trim(),
        "121"
    );
    assert_eq!(
        m.sql("shop", "SELECT COUNT(*) FROM a_cheap_titles").trim(),
        m.sql(
            "shop",
            "SELECT COUNT(*) FROM catalog_product WHERE price < 100 AND id > 2"
        )
        .trim()
    );

    // Restored by an administrator's login, the views, triggers, routines and events keep
    // their definers (not the administrator), so they run with the rights they had and the
    // shop's own login can still read them to back up.
    let definers = || {
        m.sql(
            "shop",
            "SELECT CONCAT(ROUTINE_NAME, ' ', DEFINER) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop'
             UNION ALL SELECT CONCAT(TABLE_NAME, ' ', DEFINER) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop'
             UNION ALL SELECT CONCAT(TRIGGER_NAME, ' ', DEFINER) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop'
             UNION ALL SELECT CONCAT(EVENT_NAME, ' ', DEFINER) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop'
             ORDER BY 1",
        )
    };
    let by_shop = definers();
    assert!(by_shop.contains("shop@localhost"), "{by_shop}");
    m.sql(
        "mysql",
        "CREATE USER 'admin'@'localhost' IDENTIFIED BY 'shop-pw';
         GRANT ALL PRIVILEGES ON *.* TO 'admin'@'localhost' WITH GRANT OPTION;",
    );
    s.add_database_shop(
        "admin",
        format!(
            "mysql://admin@localhost/shop?socket={}",
            m.socket().display()
        ),
    );
    // An event whose time has passed keeps its definer too (made in two steps).
    m.sql_as(
        "shop",
        "shop-pw",
        "shop",
        "CREATE EVENT past_due ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 SECOND ON COMPLETION PRESERVE DO DELETE FROM orders_order WHERE id < 0",
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let by_shop = definers();
    let by_shop_backup = backup_of(&s);
    mess_up(&m);
    let restore_into = |id: &str, shop: &str| {
        let plan = ops::prepare_restore(
            &s.catalog,
            &RestoreOptions {
                backup: id.into(),
                shop: Some(shop.into()),
                force: true,
                pre_backup: false,
            },
        )
        .unwrap();
        ops::restore(&s.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap()
    };
    let report = restore_into(&by_shop_backup.id, "admin");
    assert_eq!(definers(), by_shop);
    assert!(
        !report.notes.iter().any(|n| n.contains("made by")),
        "{:?}",
        report.notes
    );
    backup_of(&s);
    m.sql("shop", "DROP EVENT past_due");
    // A login that may name another definer (SET USER) but not read another's routines: a
    // routine root defined comes back as its own, which it can check.
    m.sql(
        "mysql",
        "CREATE DATABASE setters; CREATE FUNCTION setters.root_fn() RETURNS INT DETERMINISTIC RETURN 7;
         CREATE USER 'setter'@'localhost' IDENTIFIED BY 'shop-pw';
         GRANT ALL PRIVILEGES ON setters.* TO 'setter'@'localhost';
         GRANT SET USER ON *.* TO 'setter'@'localhost';",
    );
    let url = |user: &str| {
        format!(
            "mysql://{user}@localhost/setters?socket={}",
            m.socket().display()
        )
    };
    let admin_of_setters = s.add_database_shop("setters-admin", url("admin"));
    let by_admin = s.try_backup_of(&admin_of_setters).unwrap();
    m.sql("setters", "DROP FUNCTION root_fn");
    s.add_database_shop("setters", url("setter"));
    let report = restore_into(&by_admin.id, "setters");
    assert_eq!(
        m.sql(
            "setters",
            "SELECT DEFINER, root_fn() FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'setters'"
        ),
        "setter@localhost\t7\n"
    );
    // The restore's report says so.
    assert!(
        report.notes.iter().any(|n| n.starts_with(
            "These now run with the rights of user setter@localhost, who restored them, instead of their definer's"
        ) && n.contains("function root_fn (made by root@localhost)")),
        "{:?}",
        report.notes
    );

    // The dump loads by hand with the mariadb client (DELIMITER lines) into an empty
    // database and gives the same objects.
    let dump = common::archive_entry(&backup.path, "database/dump.sql");
    m.sql("mysql", "CREATE DATABASE hand");
    let mut client = std::process::Command::new("mariadb")
        .args(["--no-defaults", "-uroot", "--binary-mode", "-S"])
        .arg(m.socket())
        .arg("hand")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(client.stdin.as_mut().unwrap(), &dump).unwrap();
    drop(client.stdin.take());
    assert!(client.wait().unwrap().success());
    assert_eq!(objects(&m, "hand"), before.1);

    // Events whose time has passed, which a server with its event scheduler off (the
    // default) keeps, though given one again it drops it, or disables it if kept on
    // completion. One passes before the backup, one between backup and restore; both come
    // back as they were, as does one the owner disabled.
    let event = |name: &str, keep: &str| {
        m.sql_as(
            "shop",
            "shop-pw",
            "shop",
            &format!("CREATE EVENT {name} ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 SECOND {keep} DO DELETE FROM orders_order WHERE id < 0"),
        );
    };
    // The server calls a time past from the next whole second on.
    let pass = || std::thread::sleep(std::time::Duration::from_millis(2100));
    event("spring_sale", "");
    pass();
    event("kept_sale", "ON COMPLETION PRESERVE");
    event("paused_sale", "ON COMPLETION PRESERVE DISABLE");
    let events = || {
        m.sql(
            "shop",
            "SELECT EVENT_NAME, STATUS, ON_COMPLETION, EXECUTE_AT FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop' ORDER BY 1",
        )
    };
    let with_events = (backup_of(&s), events());
    pass();
    m.sql("shop", "DROP EVENT spring_sale");
    restore_from(&s, &with_events.0.id, true).unwrap();
    assert_eq!(events(), with_events.1);
    assert_eq!(with_events.1.lines().count(), 4, "{}", with_events.1);
    // With the scheduler on, the server runs an event whose time has passed as soon as it
    // is made again, and drops it: the restore still goes through.
    m.sql("mysql", "SET GLOBAL event_scheduler = ON");
    event("flash_sale", "");
    let before_it_ran = backup_of(&s);
    pass();
    let restored = restore_from(&s, &before_it_ran.id, true);
    m.sql("mysql", "SET GLOBAL event_scheduler = OFF");
    restored.unwrap();

    // A view whose definer is gone (the server shows its columns qualified by the
    // database): made again under the restoring login, it works.
    m.sql(
        "shop",
        "CREATE DEFINER = 'gone'@'localhost' VIEW v_gone AS SELECT id FROM orders_order",
    );
    let orphan = backup_of(&s);
    restore_from(&s, &orphan.id, true).unwrap();
    assert_eq!(
        m.sql("shop", "SELECT COUNT(*) FROM v_gone"),
        m.sql("shop", "SELECT COUNT(*) FROM orders_order")
    );

    // A trigger written with the database's name, restored into another database the
    // login may also change (a staging copy): refused, neither database changed.
    m.sql(
        "mysql",
        "CREATE DATABASE staging; GRANT ALL PRIVILEGES ON staging.* TO 'shop'@'localhost';",
    );
    m.sql_as(
        "shop",
        "shop-pw",
        "shop",
        "CREATE TRIGGER shop.note_kept BEFORE UPDATE ON shop.orders_order FOR EACH ROW SET NEW.note = NEW.note",
    );
    let qualified = backup_of(&s);
    s.add_database_shop(
        "staging",
        format!(
            "mysql://shop@localhost/staging?socket={}",
            m.socket().display()
        ),
    );
    let both = || (objects(&m, "shop"), m.sql("staging", "SHOW FULL TABLES"));
    let before = both();
    let plan = ops::prepare_restore(
        &s.catalog,
        &RestoreOptions {
            backup: qualified.id.clone(),
            shop: Some("staging".into()),
            force: true,
            pre_backup: false,
        },
    )
    .unwrap();
    let e = ops::restore(&s.catalog, &plan, &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(
        e.message.contains("A trigger in the backup names its database shop in its definition, so restoring it into staging would change shop"),
        "{}",
        e.message
    );
    assert_eq!(both(), before);

    // A routine another login created cannot be read by the shop's login: named, refused.
    m.sql(
        "shop",
        "CREATE FUNCTION root_only() RETURNS INT DETERMINISTIC RETURN 1",
    );
    let e = s.try_backup().unwrap_err();
    assert!(
        e.message
            .contains("function root_only (its definition is hidden"),
        "{}",
        e.message
    );

    // A trigger using a column a migration dropped could not be made again: named, refused.
    m.sql(
        "shop",
        "DROP FUNCTION root_only;
         ALTER TABLE orders_order ADD COLUMN legacy_total decimal(12,2);
         CREATE TRIGGER sync_legacy BEFORE UPDATE ON orders_order FOR EACH ROW SET NEW.legacy_total = NEW.total;
         ALTER TABLE orders_order DROP COLUMN legacy_total;",
    );
    let e = s.try_backup().unwrap_err();
    assert!(
        e.message.contains("The trigger sync_legacy of the database shop uses the column legacy_total, which its table orders_order no longer has"),
        "{}",
        e.message
    );
}

/// A login may hold some of its rights through a role; the server hides triggers, events
/// and routines from a login without the rights to see them, so a backup then refuses, naming
/// what it cannot see, rather than silently leaving them out.
#[test]
fn mysql_rights_through_a_role_work_and_hidden_objects_are_refused() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    add_objects(&m);
    m.sql(
        "mysql",
        "REVOKE EVENT ON shop.* FROM 'shop'@'localhost';
         CREATE ROLE shop_events;
         GRANT EVENT ON shop.* TO shop_events;
         GRANT shop_events TO 'shop'@'localhost';
         SET DEFAULT ROLE shop_events FOR 'shop'@'localhost';",
    );
    let s = register(&m);
    let before = (m.state("shop", TABLES), objects(&m, "shop"));
    let backup = backup_of(&s);
    mess_up(&m);
    restore_from(&s, &backup.id, true).unwrap();
    assert_eq!((m.state("shop", TABLES), objects(&m, "shop")), before);

    // Without the EVENT right the event is invisible to the login: named, nothing written.
    m.sql("mysql", "REVOKE EVENT ON shop.* FROM shop_events;");
    let archives = listing(&s.dir.path().join("backups"));
    let e = s.try_backup().unwrap_err();
    assert!(
        e.message.contains(
            "User shop cannot see the events of the database shop, because it lacks the EVENT right there"
        ),
        "{}",
        e.message
    );
    assert_eq!(listing(&s.dir.path().join("backups")), archives);
    // Testing the connection says so too.
    let said = ops::test_shop(&s.catalog, "myshop").unwrap();
    assert!(
        said.ends_with("; user shop cannot see the events there (it lacks the EVENT right), so a backup would be refused"),
        "{said}"
    );
    // A restore needs the same sight for its rollback point: refused before any change.
    let e = restore_from(&s, &backup.id, false).unwrap_err();
    assert!(e.message.contains("lacks the EVENT right"), "{}", e.message);
    assert_eq!((m.state("shop", TABLES), objects(&m, "shop")), before);
}

#[test]
fn failed_mysql_restores_leave_views_triggers_and_routines_as_they_were() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    add_objects(&m);
    // A view over another database's table, which will be gone when the backup is restored:
    // creating that view fails after the swap.
    m.sql(
        "mysql",
        "CREATE DATABASE elsewhere; CREATE TABLE elsewhere.rates (r int);
         GRANT SELECT ON elsewhere.* TO 'shop'@'localhost';",
    );
    m.sql_as(
        "shop",
        "shop-pw",
        "shop",
        "CREATE VIEW z_rates AS SELECT r FROM elsewhere.rates",
    );
    let s = register(&m);
    let backup = backup_of(&s);
    mess_up(&m);
    m.sql("shop", "DROP VIEW z_rates; DROP DATABASE elsewhere;");
    let before = (m.state("shop", TABLES), objects(&m, "shop"));

    // A login without the right to create routines: one sentence before anything changed.
    m.sql(
        "mysql",
        "REVOKE CREATE ROUTINE ON shop.* FROM 'shop'@'localhost'; FLUSH PRIVILEGES;",
    );
    let e = restore_from(&s, &backup.id, false).unwrap_err();
    assert!(
        e.message
            .contains("lacks the CREATE ROUTINE right on the database shop"),
        "{}",
        e.message
    );
    assert_eq!((m.state("shop", TABLES), objects(&m, "shop")), before);

    // With the right back, the restore fails after the swap (the view z_rates cannot be
    // created) and rolls back: tables, views, triggers and routines as they were.
    m.sql(
        "mysql",
        "GRANT CREATE ROUTINE ON shop.* TO 'shop'@'localhost'; FLUSH PRIVILEGES;",
    );
    let e = restore_from(&s, &backup.id, false).unwrap_err();
    assert!(
        e.message.contains("rolled back")
            && e.message
                .contains("(making the view z_rates of the backup)"),
        "{}",
        e.message
    );
    assert_eq!((m.state("shop", TABLES), objects(&m, "shop")), before);
    assert_eq!(
        m.sql("shop", "SHOW FULL TABLES").trim().lines().count(),
        TABLES.len() + 1,
        "scratch or extra tables or views left"
    );

    // Without the ALTER right (swapping tables needs it), or while the site keeps a table
    // in use past the lock wait: one sentence each, nothing changed, no scratch table left.
    m.sql(
        "mysql",
        "CREATE DATABASE elsewhere; CREATE TABLE elsewhere.rates (r int);
         REVOKE ALTER ON shop.* FROM 'shop'@'localhost'; FLUSH PRIVILEGES;",
    );
    let e = restore_from(&s, &backup.id, false).unwrap_err();
    assert!(
        e.message
            .contains("lacks the ALTER right on the database shop"),
        "{}",
        e.message
    );
    m.sql(
        "mysql",
        "GRANT ALTER ON shop.* TO 'shop'@'localhost'; FLUSH PRIVILEGES;",
    );
    let scratch = || m.sql("shop", "SHOW TABLES LIKE '\\_shopsafe%'");
    assert_eq!(scratch(), "");
    let mut site = std::process::Command::new("mariadb")
        .args(["--no-defaults", "-uroot", "-S"])
        .arg(m.socket())
        .args(["shop", "-e"])
        .arg("START TRANSACTION; SELECT COUNT(*) FROM orders_order; SELECT SLEEP(300);")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let waiting = || {
        m.sql(
            "mysql",
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(300)%'",
        )
        .trim()
            != "0"
    };
    while !waiting() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let result = std::thread::scope(|scope| {
        // While the restore waits for that table, the site's statements on the others go
        // on: the swap waits a second at a time, not 30 seconds at once.
        let site_query = scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_secs(15));
            let asked = std::time::Instant::now();
            m.sql("shop", "SELECT COUNT(*) FROM catalog_category");
            asked.elapsed()
        });
        let result = restore_from(&s, &backup.id, false);
        let waited = site_query.join().unwrap();
        assert!(
            waited < std::time::Duration::from_secs(10),
            "the site waited {waited:?} for the restore's swap"
        );
        result
    });
    let _ = site.kill();
    let _ = site.wait();
    let e = result.unwrap_err();
    assert!(
        e.message
            .contains("kept using a table ShopSafe had to replace for over 30 seconds"),
        "{}",
        e.message
    );
    assert_eq!((m.state("shop", TABLES), objects(&m, "shop")), before);
    assert_eq!(scratch(), "");
}

/// The error of restoring the shop's backup rewritten by `edit` (see
/// [`common::rewrite_archive`]) after the live rows have changed, once it is checked that
/// the restore left the database as it was, with no scratch tables.
fn refused_restore_of_rewritten_backup(
    edit: impl FnOnce(&mut String, &mut shopsafe_core::manifest::Manifest),
) -> shopsafe_core::Error {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    let s = register(&m);
    let backup = backup_of(&s);
    let rewritten = s.dir.path().join("rewritten.zip");
    common::rewrite_archive(&backup.path, &rewritten, edit);
    m.sql("shop", "DELETE FROM orders_orderline WHERE id > 100");
    let before = m.state("shop", TABLES);
    let e = restore_from(&s, &rewritten.to_string_lossy(), false).unwrap_err();
    assert_eq!(m.state("shop", TABLES), before, "{}", e.message);
    assert_eq!(
        m.sql("shop", "SHOW FULL TABLES").trim().lines().count(),
        TABLES.len(),
        "scratch tables left"
    );
    e
}

/// An archive holding what this server lacks (from MySQL 8, restored into MariaDB 10.11):
/// one sentence naming both servers, and the database is left as it was. No MySQL 8 server
/// can be run here, so the backup is rewritten as one would have made it: its tables in
/// MySQL 8's default collation, which MariaDB does not have, and MySQL's version in the
/// manifest; the load fails on MariaDB just as a real MySQL 8 dump using that collation does.
#[test]
fn mysql_restore_from_a_server_this_one_cannot_follow_says_so() {
    let e = refused_restore_of_rewritten_backup(|dump, manifest| {
        *dump = dump.replace("utf8mb4_unicode_ci", "utf8mb4_0900_ai_ci");
        assert!(dump.contains("COLLATE=utf8mb4_0900_ai_ci"));
        manifest.database.server_version = "8.0.40".into();
    });
    assert!(
        e.message
            .contains("The backup comes from MySQL 8.0.40 and holds something MariaDB 10.")
            && e.message.contains("utf8mb4_0900_ai_ci")
            && e.message.contains("restore it into MySQL 8.0 or newer"),
        "{}",
        e.message
    );
}

/// A dump whose rows are not those its manifest counted (its hashes made to agree, as a
/// fault in writing it could leave it): the restore finds the difference in the scratch
/// tables, says which table, and never swaps them in.
#[test]
fn mysql_restore_of_rows_unlike_the_manifest_is_refused() {
    let e = refused_restore_of_rewritten_backup(|dump, _| {
        assert_eq!(dump.matches("'Grüner Tee 🍵'").count(), 1);
        *dump = dump.replace("'Grüner Tee 🍵'", "'Grüner Tea 🍵'");
    });
    assert_eq!(e.kind, ErrorKind::VerificationFailed, "{}", e.message);
    assert!(
        e.message
            .contains("different content in table catalog_category"),
        "{}",
        e.message
    );
}

/// Text is written as quoted strings (FORMAT.md 5.2): every value that stresses the quoting
/// comes back byte for byte, through ShopSafe's restore and through the mariadb client.
#[test]
fn mysql_text_that_stresses_the_quoting_round_trips() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql(
        "shop",
        "CREATE TABLE quoting (
           id int PRIMARY KEY,
           t text CHARACTER SET utf8mb4,
           l varchar(40) CHARACTER SET latin1,
           n decimal(8,2),
           j json,
           KEY quoting_l (l),
           UNIQUE KEY quoting_n (n)
         ) ENGINE=InnoDB;
         INSERT INTO quoting VALUES
           (1, CHAR(92), CHAR(92), -0.5, NULL),
           (2, CHAR(39), CHAR(39), 0, '{\"a\": \"it''s\"}'),
           (3, CONCAT(CHAR(92), CHAR(39)), CONCAT(CHAR(92), CHAR(39)), 12345.67, NULL),
           (4, CONCAT(CHAR(39), CHAR(39)), CONCAT(CHAR(39), CHAR(39)), NULL, NULL),
           (5, CONCAT('a', CHAR(0), 'b'), CONCAT('a', CHAR(0), 'b'), 1, NULL),
           (6, 'Grüner Tee 🍵 日本茶', 'café naïve ÿ', 2, '[\"🍵\"]'),
           (7, CONCAT('line', CHAR(10), '-- shopsafe: x', CHAR(10), 'DELIMITER ;;', CHAR(13), CHAR(26)), CONCAT('x', CHAR(10), 'y'), 3, NULL),
           (8, CONCAT(CHAR(39), '); DROP TABLE quoting; -- '), CONCAT(CHAR(92), 'é'), 4, NULL),
           (9, '', '', 5, NULL),
           (10, CONCAT(CHAR(92), '0', CHAR(92), 'n'), 'NULL', 6, NULL),
           (11, CONCAT(CHAR(92), CHAR(92), CHAR(39), CHAR(39), CHAR(0), CHAR(26)), CONCAT(CHAR(92), CHAR(92)), 7, NULL);",
    );
    let s = register(&m);
    let exact = "SELECT id, HEX(t), HEX(l), n, HEX(j) FROM quoting ORDER BY id";
    let before = m.sql("shop", exact);
    let create = m.sql("shop", "SHOW CREATE TABLE quoting");
    let backup = backup_of(&s);

    // The dump writes text quoted, with backslashes, NUL and Ctrl-Z bytes escaped.
    let dump = common::archive_entry(&backup.path, "database/dump.sql");
    let text = String::from_utf8(dump.clone()).unwrap();
    for row in [
        "(6,'Grüner Tee 🍵 日本茶','café naïve ÿ',2.00,",
        r"(1,'\\','\\',-0.50,NULL)",
        r"(11,'\\\\''''\0\Z','\\\\',7.00,NULL)",
    ] {
        assert!(text.contains(row), "{row} is not in {text}");
    }

    m.sql("shop", "UPDATE quoting SET t = 'changed', l = NULL");
    restore_from(&s, &backup.id, false).unwrap();
    assert_eq!(m.sql("shop", exact), before);
    assert_eq!(m.sql("shop", "SHOW CREATE TABLE quoting"), create);

    m.sql("mysql", "CREATE DATABASE hand");
    let mut client = std::process::Command::new("mariadb")
        .args(["--no-defaults", "-uroot", "--binary-mode", "-S"])
        .arg(m.socket())
        .arg("hand")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(client.stdin.as_mut().unwrap(), &dump).unwrap();
    drop(client.stdin.take());
    assert!(client.wait().unwrap().success());
    assert_eq!(m.sql("hand", exact), before);

    // A login allowed one connection at a time loads its rows over that one.
    m.sql(
        "mysql",
        "ALTER USER 'shop'@'localhost' WITH MAX_USER_CONNECTIONS 1",
    );
    m.sql("shop", "UPDATE quoting SET t = 'changed again'");
    restore_from(&s, &backup.id, false).unwrap();
    assert_eq!(m.sql("shop", exact), before);
}

/// Objects made over a latin1 connection or under ANSI_QUOTES (whose DEFINER clause is
/// double-quoted), and a table still in an old server's date and time format, come back as
/// they were; a view that no longer works is refused at backup with its name, and so is a
/// restore, whose rollback point it would spoil, before anything changes.
#[test]
fn mysql_objects_from_other_sessions_and_old_formats_round_trip() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql_as(
        "shop",
        "shop-pw",
        "shop",
        "SET NAMES latin1;
         CREATE VIEW sizes AS SELECT id, 'Größe' AS label FROM catalog_category;
         CREATE TRIGGER degree BEFORE INSERT ON orders_order FOR EACH ROW
           SET NEW.note = CONCAT(COALESCE(NEW.note, ''), '°');
         CREATE FUNCTION greeting() RETURNS varchar(20) CHARSET utf8mb4 DETERMINISTIC RETURN 'Grüße';",
    );
    m.sql(
        "shop",
        "SET sql_mode = 'ANSI';
         CREATE TRIGGER line_checked BEFORE INSERT ON orders_orderline FOR EACH ROW
           SET NEW.quantity = NEW.quantity;
         CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO SELECT 1;",
    );
    m.sql(
        "shop",
        "SET GLOBAL mysql56_temporal_format = OFF;
         CREATE TABLE legacy_log (id int PRIMARY KEY, at datetime, took time);
         INSERT INTO legacy_log VALUES (1, '2001-02-03 04:05:06', '01:02:03');
         SET GLOBAL mysql56_temporal_format = ON;",
    );
    assert!(m
        .sql("shop", "SHOW CREATE TABLE legacy_log")
        .contains("/* mariadb-5.3 */"));
    let s = register(&m);
    let snapshot = || {
        (
            m.state("shop", TABLES),
            objects(&m, "shop"),
            m.sql(
                "shop",
                "SELECT HEX(greeting()), HEX(label) FROM sizes ORDER BY id LIMIT 1;
                 SELECT * FROM legacy_log",
            ),
        )
    };
    let before = snapshot();
    let backup = backup_of(&s);
    // The dump keeps each object's definer as shown, the ANSI_QUOTES objects'
    // `DEFINER="root"@"localhost"` too; the shop's own login, which may not name root,
    // makes them without it.
    let dump = common::archive_entry(&backup.path, "database/dump.sql");
    assert!(
        String::from_utf8_lossy(&dump).contains("DEFINER=\"root\"@\"localhost\""),
        "the ANSI_QUOTES definer is not in the dump"
    );
    m.sql(
        "shop",
        "DROP VIEW sizes; DROP TRIGGER degree; DROP TRIGGER line_checked; DROP EVENT nightly;
         DROP FUNCTION greeting; DELETE FROM legacy_log; DELETE FROM orders_orderline WHERE id > 10;",
    );
    restore_from(&s, &backup.id, false).unwrap();
    let after = snapshot();
    assert_eq!(after.0, before.0);
    assert_eq!(
        after.2, before.2,
        "the latin1 objects' text or the old-format rows differ"
    );
    assert_eq!(after.1, before.1);

    m.sql(
        "shop",
        "CREATE TABLE gone (a int); CREATE VIEW broken AS SELECT a FROM gone; DROP TABLE gone;",
    );
    let e = s.try_backup().unwrap_err();
    assert!(
        e.message
            .starts_with("The view broken of the database shop no longer works ("),
        "{}",
        e.message
    );
    let live = snapshot();
    let e = restore_from(&s, &backup.id, true).unwrap_err();
    assert!(
        e.message.starts_with(
            "Nothing was restored, as the safety backup of the shop as it is now failed: The view broken"
        ),
        "{}",
        e.message
    );
    let e = restore_from(&s, &backup.id, false).unwrap_err();
    assert!(
        e.message
            .starts_with("Nothing was changed: the live database could not be saved first")
            && e.message.contains("The view broken"),
        "{}",
        e.message
    );
    assert_eq!(snapshot(), live);

    // A view on another database the login may no longer read: SHOW COLUMNS still works,
    // reading it does not, and creating it again would not.
    m.sql("shop", "DROP VIEW broken");
    m.sql(
        "mysql",
        "CREATE DATABASE other; CREATE TABLE other.users (id int);
         GRANT SELECT ON other.* TO 'shop'@'localhost';",
    );
    m.sql_as(
        "shop",
        "shop-pw",
        "shop",
        "CREATE VIEW v_users AS SELECT id FROM other.users",
    );
    m.sql("mysql", "REVOKE SELECT ON other.* FROM 'shop'@'localhost'");
    let e = s.try_backup().unwrap_err();
    assert!(
        e.message
            .starts_with("The view v_users of the database shop no longer works ("),
        "{}",
        e.message
    );
}

/// Text in character sets without a Unicode counterpart for every byte (cp1250, ascii,
/// cp932, big5, hebrew) comes back byte for byte; a stored generated column whose value
/// depends on the session's time zone, which a restore cannot reproduce, makes the restore
/// fail its check and roll back rather than silently change.
#[test]
fn mysql_text_in_other_character_sets_and_stored_generated_columns_are_checked() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql(
        "shop",
        "CREATE TABLE charsets (id int PRIMARY KEY, w varchar(10) CHARACTER SET cp1250,
           a varchar(10) CHARACTER SET ascii, sj varchar(10) CHARACTER SET cp932,
           big varchar(10) CHARACTER SET big5, heb varchar(10) CHARACTER SET hebrew,
           note text CHARACTER SET latin1);
         INSERT INTO charsets VALUES (1, X'81', X'80', X'ED40', X'F9FE', X'FF', X'81E9'),
           (2, NULL, 'plain', X'8790', X'A1C3', X'CA', 'caf\\xe9'), (3, X'8A9A', '', '', '', '', '');",
    );
    let s = register(&m);
    let hex = "SELECT id, HEX(w), HEX(a), HEX(sj), HEX(big), HEX(heb), HEX(note) FROM charsets ORDER BY id";
    let before = (m.state("shop", TABLES), m.sql("shop", hex));
    let backup = backup_of(&s);
    m.sql("shop", "UPDATE charsets SET w = NULL, sj = NULL, big = 'x'");
    restore_from(&s, &backup.id, false).unwrap();
    assert_eq!((m.state("shop", TABLES), m.sql("shop", hex)), before);

    // A stored column computed from a TIMESTAMP in the session's time zone (+05:00 here).
    m.sql(
        "shop",
        "SET time_zone = '+05:00';
         CREATE TABLE shipped (id int PRIMARY KEY, at timestamp NULL,
           day date AS (CAST(at AS date)) STORED);
         INSERT INTO shipped (id, at) VALUES (1, '2024-01-01 02:00:00');",
    );
    let before = (
        m.state("shop", TABLES),
        m.sql("shop", "SELECT * FROM shipped"),
    );
    let backup = backup_of(&s);
    m.sql("shop", "DELETE FROM orders_orderline WHERE id > 5");
    let live = (
        m.state("shop", TABLES),
        m.sql("shop", "SELECT * FROM shipped"),
    );
    let e = restore_from(&s, &backup.id, false).unwrap_err();
    assert!(
        e.message.contains("different content in table shipped") && e.message.contains("time zone"),
        "{}",
        e.message
    );
    assert_eq!(
        (
            m.state("shop", TABLES),
            m.sql("shop", "SELECT * FROM shipped")
        ),
        live,
        "rolled back"
    );
    assert_ne!(live, before);
}

/// MyISAM, Aria and MEMORY tables have no snapshot: the backup holds them still with a read
/// lock from before its snapshot until they are read, so they agree with the InnoDB tables
/// read in the snapshot, and they restore as they were. A login without the LOCK TABLES
/// right, and a table of another engine, are told why before anything is written.
#[test]
fn mysql_tables_without_a_snapshot_are_held_still_and_round_trip() {
    with_password();
    let m = MariaServer::start();
    make_shop_db(&m);
    m.sql(
        "shop",
        "CREATE TABLE a_orders (id int AUTO_INCREMENT PRIMARY KEY, note varchar(20)) ENGINE=InnoDB;
         CREATE TABLE m_big (id int PRIMARY KEY, line varchar(100)) ENGINE=InnoDB;
         INSERT INTO m_big SELECT seq, CONCAT(MD5(seq), MD5(seq * 7)) FROM seq_1_to_60000;
         CREATE TABLE z_log (id int AUTO_INCREMENT PRIMARY KEY, msg text, FULLTEXT KEY z_log_msg (msg)) ENGINE=MyISAM;
         CREATE TABLE aria_pages (id int PRIMARY KEY, body text, KEY aria_body (body(20))) ENGINE=Aria;
         CREATE TABLE mem_cache (k varchar(40) PRIMARY KEY, v int, KEY mem_v (v)) ENGINE=MEMORY;
         INSERT INTO z_log (msg) SELECT CONCAT('line ', seq, ' «é» back\\\\slash') FROM seq_1_to_400;
         INSERT INTO aria_pages SELECT seq, CONCAT('page ', seq, ' 🍵') FROM seq_1_to_500;
         INSERT INTO mem_cache SELECT CONCAT('k', seq), seq FROM seq_1_to_300;
         SET SESSION max_heap_table_size = 64 * 1024 * 1024;
         CREATE TABLE mem_big (id int PRIMARY KEY, pad char(200)) ENGINE=MEMORY;
         INSERT INTO mem_big SELECT seq, MD5(seq) FROM seq_1_to_30000;",
    );
    let s = register(&m);
    let tables = ["z_log", "aria_pages", "mem_cache", "mem_big"];
    // A MEMORY table's limit on its size, which it gets from the session that makes it.
    let limits = || {
        m.sql(
            "shop",
            "SELECT TABLE_NAME, MAX_DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND ENGINE = 'MEMORY' ORDER BY 1",
        )
    };
    let before = (m.state("shop", &tables), limits());
    let backup = backup_of(&s);
    m.sql(
        "shop",
        "DELETE FROM z_log WHERE id > 10; UPDATE aria_pages SET body = 'x'; INSERT INTO mem_cache VALUES ('new', 1);",
    );
    restore_from(&s, &backup.id, true).unwrap();
    // mem_cache gets the server's limit again; mem_big, over it, holds all its rows under
    // a limit twice their size (not the 16 GiB it was loaded under).
    let after = (m.state("shop", &tables), limits());
    assert_eq!(after.0, before.0);
    assert_eq!(after.1.lines().nth(1), before.1.lines().nth(1));
    let big_limit: u64 = after
        .1
        .lines()
        .next()
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (20_000_000..200_000_000).contains(&big_limit),
        "{}",
        after.1
    );
    assert!(
        m.sql("shop", "SHOW TABLES LIKE '\\_shopsafe%'").is_empty(),
        "scratch or old tables were left behind"
    );

    // A writer adds an order, then its log line, one statement after the other.
    let writer = m.keep_running(
        "shop",
        "INSERT INTO a_orders (note) VALUES ('o'); INSERT INTO z_log (msg) VALUES ('order');",
    );
    let (backup, at_start) = common::backup_during_writes(&s.catalog, &s.shop, writer, || {
        m.sql("shop", "SELECT COUNT(*) FROM a_orders")
            .trim()
            .parse()
            .unwrap()
    });
    let rows = |name: &str| {
        let t = backup.manifest.database.tables.iter();
        t.filter(|t| t.name == name).map(|t| t.rows).sum::<u64>()
    };
    // z_log (read last, after 60,000 rows of m_big) holds 400 lines and one per order; at
    // the snapshot the writer may be between an order and its line, never further.
    let (orders, lines) = (rows("a_orders"), rows("z_log") - 400);
    assert!(
        orders >= at_start && (lines == orders || lines + 1 == orders),
        "the backup holds {orders} orders but {lines} log lines: z_log was read at another moment than the snapshot"
    );

    // Without LOCK TABLES the backup says what to grant; other engines are named.
    m.sql(
        "mysql",
        "REVOKE LOCK TABLES ON shop.* FROM 'shop'@'localhost'",
    );
    let e = s.try_backup().unwrap_err();
    assert!(
        e.message.contains("LOCK TABLES")
            && e.message.contains("aria_pages, mem_big, mem_cache, z_log"),
        "{}",
        e.message
    );
    m.sql("mysql", "GRANT LOCK TABLES ON shop.* TO 'shop'@'localhost'");
    // Holding them takes a second connection, which a hosting limit may not allow.
    m.sql(
        "mysql",
        "ALTER USER 'shop'@'localhost' WITH MAX_USER_CONNECTIONS 1",
    );
    let e = s.try_backup().unwrap_err();
    assert!(
        e.message.contains("MAX_USER_CONNECTIONS") && e.message.contains("mem_cache"),
        "{}",
        e.message
    );
    m.sql(
        "mysql",
        "ALTER USER 'shop'@'localhost' WITH MAX_USER_CONNECTIONS 0",
    );
    m.sql("shop", "CREATE TABLE flat (x int NOT NULL) ENGINE=CSV");
    let e = s.try_backup().unwrap_err();
    assert!(
        e.message.contains("table flat (CSV engine"),
        "{}",
        e.message
    );
    assert_eq!(s.catalog.backups(None).unwrap().len(), 3);
}
