//! MySQL and MariaDB: a native dump and a restore that swaps every table at once.
//!
//! The dump runs inside `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`, with the
//! session in UTC and utf8mb4 (MyISAM, Aria and MEMORY tables, which have no snapshot, are
//! held still by a read lock on a second connection from before the snapshot until they
//! are read): `SHOW CREATE TABLE` for each table (with its AUTO_INCREMENT), then its rows
//! as multi-row `INSERT` statements: text as quoted strings (hex where it is not UTF-8),
//! numbers bare, bytes as hex literals, so no character set can change a byte. It is a
//! plain SQL file the `mariadb` or `mysql` client can also load by hand into an empty
//! database. After the rows come the
//! views, triggers, stored functions and procedures and events, as `SHOW CREATE` gives them
//! (a restore keeps their DEFINER only where the login may name another and restores into
//! the same database), each with the session settings it was created under.
//! Sequences, system-versioned tables and tables of other engines (CSV, FEDERATED…) are
//! detected and named, and the backup refuses.
//!
//! DDL commits by itself in MySQL, so a restore never touches the live tables until the
//! backup has been loaded and checked in scratch tables (`_shopsafe_new_N`, without foreign
//! keys, since their names must be unique in a database, and with their secondary keys
//! added after their rows, which go in over two more connections at once). One multi-table `RENAME TABLE` then swaps all tables at once
//! (their triggers go with them) and moves the live views aside; the old ones are dropped,
//! the foreign keys added, the routines and events replaced and the backup's objects
//! created, and the schema fingerprint checked. A failure before the swap leaves the
//! database as it was; after it, the restore pipeline rolls back from its rollback point.
//! Only rights on the shop's own database are needed.
//!
//! This file holds the URL, the session settings, the description and row counts;
//! `connection` connecting and the server's errors as sentences; `restore` the restore
//! (loading, swap and checks); `dump` holds the backup in its snapshot; `objects` the views, triggers,
//! routines and events (read, written into the dump, fingerprinted and made again); and
//! `tables` the text of tables and rows (quoting, `CREATE TABLE` taken apart for a scratch
//! table, rows as literals and fingerprints) and the scratch tables a restore loads.

mod connection;
mod dump;
mod objects;
mod restore;
mod tables;

use super::tls::{ClientCert, TlsMode};
use crate::{Error, Result};
use mysql_async::prelude::Queryable;
use mysql_async::Conn;
use std::fmt;
use tables::quote;

pub const ENGINE: &str = "mysql";
/// Name of the database part inside the archive.
pub const ENTRY: &str = "database/dump.sql";

/// Session settings of every dump and restore.
const SESSION: [&str; 8] = [
    "SET NAMES utf8mb4",
    "SET time_zone = '+00:00'",
    // No time limits a hosting account may set: on a statement (MariaDB), on a connection
    // left idle (the one holding tables without a snapshot still while the others read),
    // on the network while a long statement runs.
    "SET SESSION wait_timeout = 86400, net_read_timeout = 3600, net_write_timeout = 3600 /*M!100108 , max_statement_time = 0 */",
    // Every row of a SELECT (a server's sql_select_limit would cut the dump short), and
    // every statement committed (a server's autocommit=0 would leave loaded rows unseen).
    "SET SESSION sql_select_limit = 18446744073709551615, autocommit = 1",
    "SET FOREIGN_KEY_CHECKS = 0",
    // MariaDB (the `/*M!` part, which MySQL skips): rows load without their checks, as
    // without their foreign keys; tables the server once took with innodb_strict_mode off
    // are made again; a TIMESTAMP column gets only the defaults its definition spells out.
    "SET UNIQUE_CHECKS = 0 /*M!100201 , check_constraint_checks = 0, innodb_strict_mode = OFF, explicit_defaults_for_timestamp = ON */",
    HEAP_LIMIT,
    // A 0 in an AUTO_INCREMENT column stays 0; a date the shop stored under
    // ALLOW_INVALID_DATES (2021-02-30) is not turned into 0000-00-00.
    "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'",
];
/// What an `INSERT` must leave of the server's max_allowed_packet for the protocol.
const PACKET_MARGIN: usize = 1024;
/// A MEMORY table loads all it held, whatever the server's own limit (see `finish_scratch`).
const HEAP_LIMIT: &str = "SET max_heap_table_size = 17179869184";

/// The table engines read besides InnoDB. They have no snapshot, so a backup holds them
/// still with `LOCK TABLES … READ` on a second connection, taken before the snapshot and
/// let go once the last of them is read. Other engines (CSV, ARCHIVE, FEDERATED,
/// MRG_MyISAM…) are refused.
const LOCKED_ENGINES: &str = "'MyISAM', 'Aria', 'MEMORY'";

/// How long every connection waits for another connection's lock on a table (writers of the
/// tables a backup locks, a long ALTER TABLE) before its statement fails.
const LOCK_WAIT_SECONDS: u32 = 30;

/// The URL options naming a client certificate and its key (the mysql client's names).
const CLIENT_CERT_OPTIONS: (&str, &str) = ("ssl-cert", "ssl-key");

#[derive(Clone, PartialEq, Eq)]
pub struct Mysql {
    pub user: String,
    pub password: Option<String>,
    pub host: String,
    pub port: u16,
    pub dbname: String,
    /// Path of the server's unix socket, if it is used instead of TCP.
    pub socket: Option<String>,
    /// `ssl-mode=` in the URL.
    pub tls: TlsMode,
    /// `ssl-ca=`: the certificate file of the authority `VERIFY_IDENTITY` trusts.
    pub tls_ca: Option<String>,
    /// `ssl-cert=` and `ssl-key=`: the client certificate for a server that asks for one.
    pub tls_client: Option<ClientCert>,
}

impl fmt::Debug for Mysql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mysql({})", self.url())
    }
}

impl Mysql {
    /// Parse `mysql://user[:password]@host[:port]/db[?socket=/path&port=N]`.
    pub fn parse(rest: &str) -> Result<Mysql> {
        let u = super::url::parse(
            rest,
            3306,
            "mysql://user@host:3306/database (add ?socket=/run/mysqld/mysqld.sock for a unix socket)",
        )?;
        let mut m = Mysql {
            user: u.user,
            password: u.password,
            host: u.host,
            port: u.port,
            dbname: u.dbname,
            socket: None,
            tls: TlsMode::default(),
            tls_ca: None,
            tls_client: None,
        };
        let (mut cert, mut key) = (None, None);
        for (k, v) in u.options {
            match k.as_str() {
                "socket" => m.socket = Some(v),
                "ssl-mode" | "ssl_mode" | "sslmode" => m.tls = TlsMode::parse_mysql(&v)?,
                "ssl-ca" | "ssl_ca" => m.tls_ca = Some(v),
                "ssl-cert" | "ssl_cert" => cert = Some(v),
                "ssl-key" | "ssl_key" => key = Some(v),
                "port" => m.port = super::url::port(&v)?,
                _ => {
                    return Err(Error::invalid(format!(
                        "The database URL option {k:?} is not supported; use socket=, port=, ssl-mode=, ssl-ca=, ssl-cert= or ssl-key=."
                    )))
                }
            }
        }
        super::tls::check_ca(
            m.tls,
            m.tls_ca.as_deref(),
            "ssl-ca",
            "ssl-mode=VERIFY_IDENTITY",
            m.socket.is_some(),
        )?;
        m.tls_client =
            ClientCert::from_url(cert, key, CLIENT_CERT_OPTIONS, m.tls, m.socket.is_some())?;
        Ok(m)
    }

    /// The URL without the password.
    pub fn url(&self) -> String {
        let (user, db) = (
            super::url::encode(&self.user, ""),
            super::url::encode(&self.dbname, ""),
        );
        let base = format!(
            "mysql://{user}@{}:{}/{db}",
            super::url::host(&self.host),
            self.port
        );
        let mut query = Vec::new();
        if let Some(s) = &self.socket {
            query.push(format!("socket={}", super::url::encode(s, "/")));
        }
        if self.tls != TlsMode::Prefer {
            query.push(format!("ssl-mode={}", self.tls.mysql_name()));
        }
        if let Some(ca) = &self.tls_ca {
            query.push(format!("ssl-ca={}", super::url::encode(ca, "/")));
        }
        if let Some(c) = &self.tls_client {
            query.extend(c.url_options(CLIENT_CERT_OPTIONS));
        }
        if query.is_empty() {
            base
        } else {
            format!("{base}?{}", query.join("&"))
        }
    }

    /// Connect and run a trivial query; one sentence if that fails.
    pub fn check(&self) -> Result<()> {
        super::block_on(async {
            let mut conn = self.connect().await?;
            conn.query_drop("SELECT 1")
                .await
                .map_err(|e| self.db_error(e))?;
            let _ = conn.disconnect().await;
            Ok(())
        })
    }

    /// Connect and describe the server and database in a few words: "MariaDB 10.11.14 — 12 tables".
    pub fn describe(&self) -> Result<super::Described> {
        super::block_on(async {
            let mut conn = self.connect().await?;
            let version: Option<String> = conn
                .query_first("SELECT VERSION()")
                .await
                .map_err(|e| self.db_error(e))?;
            let n = self.tables(&mut conn).await?.len();
            // What a backup would refuse for: objects the server hides from this login.
            let blind = self.rights(&mut conn).await?.blind_spots();
            // What a restore killed outright left.
            let scratch: Vec<String> = conn
                .query(
                    "SELECT TABLE_NAME FROM information_schema.TABLES
                      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE BINARY '\\_shopsafe\\_%'
                      ORDER BY BINARY TABLE_NAME",
                )
                .await
                .map_err(|e| self.db_error(e))?;
            let _ = conn.disconnect().await;
            let version = version.unwrap_or_default();
            let number = version.split('-').next().unwrap_or("");
            let flavour = if version.contains("MariaDB") {
                "MariaDB"
            } else {
                "MySQL"
            };
            let mut warnings = Vec::new();
            if !blind.is_empty() {
                warnings.push(format!(
                    "user {} cannot see the {} there (it lacks the {} right), so a backup would be refused",
                    self.user,
                    blind.iter().map(|b| b.0).collect::<Vec<_>>().join(" or "),
                    blind.iter().map(|b| b.1).collect::<Vec<_>>().join(", ")
                ));
            }
            if !scratch.is_empty() {
                warnings.push(format!(
                    "an interrupted restore left scratch tables there ({}), which backups leave out: restoring again removes them",
                    scratch.join(", ")
                ));
            }
            Ok(super::Described {
                summary: format!("{flavour} {number} — {}", super::tables_phrase(n)),
                warnings,
            })
        })
    }

    async fn tables(&self, conn: &mut Conn) -> Result<Vec<String>> {
        self.tables_where(conn, "TRUE").await
    }

    /// The tables whose engine has no snapshot (LOCKED_ENGINES), in the same order.
    async fn tables_without_snapshot(&self, conn: &mut Conn) -> Result<Vec<String>> {
        self.tables_where(conn, &format!("ENGINE IN ({LOCKED_ENGINES})"))
            .await
    }

    async fn tables_where(&self, conn: &mut Conn, condition: &str) -> Result<Vec<String>> {
        let tables = conn
            .query(format!(
                "SELECT TABLE_NAME FROM information_schema.TABLES
                  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND {condition}
                    AND TABLE_NAME NOT LIKE BINARY '\\_shopsafe\\_new\\_%' AND TABLE_NAME NOT LIKE BINARY '\\_shopsafe\\_old\\_%'
                  ORDER BY BINARY TABLE_NAME"
            ))
            .await
            .map_err(|e| self.db_error(e))?;
        self.none_skipped(conn).await?;
        Ok(tables)
    }

    /// Row counts of the live tables (for a restore plan).
    pub fn row_counts(&self) -> Result<Vec<(String, u64)>> {
        super::block_on(async {
            let mut conn = self.connect().await?;
            let mut out = Vec::new();
            for t in self.tables(&mut conn).await? {
                let n: Option<u64> = conn
                    .query_first(format!("SELECT COUNT(*) FROM {}", quote(&t)))
                    .await
                    .map_err(|e| self.db_error(e))?;
                out.push((t, n.unwrap_or(0)));
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::tables::{leading_ident, split_foreign_keys};
    use super::*;

    #[test]
    fn urls_identifiers_and_foreign_keys() {
        let m = Mysql::parse("shop:p%40ss@db:3307/shop?socket=/run/mysqld/mysqld.sock").unwrap();
        assert_eq!(m.password.as_deref(), Some("p@ss"));
        assert_eq!(
            m.url(),
            "mysql://shop@db:3307/shop?socket=/run/mysqld/mysqld.sock"
        );
        assert!(!format!("{m:?}").contains("p@ss"));
        let v = Mysql::parse("u@h/db?ssl-mode=verify_identity&ssl-ca=/etc/ca.pem").unwrap();
        assert_eq!(
            v.url(),
            "mysql://u@h:3306/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem"
        );
        assert_eq!(Mysql::parse(&v.url()["mysql://".len()..]).unwrap(), v);
        assert!(Mysql::parse("u@h/db?ssl-ca=/etc/ca.pem").is_err());
        let c = Mysql::parse("u@h/db?ssl-cert=/k/crt.pem&ssl_key=/k/key.pem").unwrap();
        assert_eq!(c.tls_client.as_ref().unwrap().key, "/k/key.pem");
        assert_eq!(
            c.url(),
            "mysql://u@h:3306/db?ssl-cert=/k/crt.pem&ssl-key=/k/key.pem"
        );
        assert_eq!(Mysql::parse(&c.url()["mysql://".len()..]).unwrap(), c);
        assert_eq!(
            leading_ident("`a``b` (x)"),
            Some(("a`b".to_string(), " (x)"))
        );
        let body = " (\n  `id` int NOT NULL,\n  `p` int,\n  PRIMARY KEY (`id`),\n  CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `t` (`id`)\n) ENGINE=InnoDB";
        let (kept, fks) = split_foreign_keys(body);
        assert_eq!(
            fks,
            vec!["CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `t` (`id`)"]
        );
        assert!(kept.contains("PRIMARY KEY (`id`)\n)"), "{kept}");
    }
}
