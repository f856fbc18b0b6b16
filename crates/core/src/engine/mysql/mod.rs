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
//! This file holds the connection, its errors as sentences and the restore (loading, swap
//! and checks); `dump` holds the backup in its snapshot; `objects` the views, triggers,
//! routines and events (read, written into the dump, fingerprinted and made again); and
//! `tables` the text of tables and rows (quoting, `CREATE TABLE` taken apart for a scratch
//! table, rows as literals and fingerprints) and the scratch tables a restore loads.

mod dump;
mod objects;
mod tables;

use super::dumpfile;
use super::grants::Rights;
use super::rowsum::RowSum;
use super::tls::TlsMode;
use crate::hashing::hex;
use crate::manifest::DatabasePart;
use crate::progress::CancelToken;
use crate::secrets::HOW_TO_GIVE;
use crate::{Error, ErrorKind, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder};
use objects::{
    add_objects, names_database, object_difference, parse_block, rights_for, OBJECT_KINDS,
};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;
use tables::{
    add_row, alter_adding, leading_ident, quote, schema_line, scratch_check_names,
    split_foreign_keys, split_keys, Lanes, Scratch, LOAD_CONNECTIONS,
};

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

/// Why a connection attempt failed: the server offers no TLS (a `PREFERRED` connection
/// then tries again without), or anything else, as a sentence.
enum Failure {
    NoTls,
    Error(Error),
}

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
        };
        for (k, v) in u.options {
            match k.as_str() {
                "socket" => m.socket = Some(v),
                "ssl-mode" | "ssl_mode" | "sslmode" => m.tls = TlsMode::parse_mysql(&v)?,
                "ssl-ca" | "ssl_ca" => m.tls_ca = Some(v),
                "port" => m.port = super::url::port(&v)?,
                _ => {
                    return Err(Error::invalid(format!(
                        "The database URL option {k:?} is not supported; use socket=, port=, ssl-mode= or ssl-ca=."
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
        if query.is_empty() {
            base
        } else {
            format!("{base}?{}", query.join("&"))
        }
    }

    fn place(&self) -> String {
        match &self.socket {
            Some(s) => format!("the database {} at {s}", self.dbname),
            None => format!(
                "the database {} at {}:{}",
                self.dbname, self.host, self.port
            ),
        }
    }

    async fn connect(&self) -> Result<Conn> {
        // A unix socket is local and never carries TLS (mysql_async does not secure one).
        let tls = match self.socket {
            Some(_) => TlsMode::Disable,
            None => self.tls,
        };
        match self.connect_with(tls != TlsMode::Disable).await {
            Err(Failure::NoTls) if tls == TlsMode::Prefer => {
                self.connect_with(false).await.map_err(|f| self.failure(f))
            }
            other => other.map_err(|f| self.failure(f)),
        }
    }

    fn failure(&self, f: Failure) -> Error {
        match f {
            Failure::Error(e) => e,
            Failure::NoTls => Error::invalid(format!(
                "The MySQL or MariaDB server for {} does not offer TLS, but the database URL says ssl-mode={}; turn on TLS in the server{}.",
                self.place(),
                self.tls.mysql_name(),
                if self.tls.verifies() { "" } else { ", or use ssl-mode=PREFERRED" }
            )),
        }
    }

    async fn connect_with(&self, tls: bool) -> std::result::Result<Conn, Failure> {
        if tls && self.tls.verifies() {
            // The certificate file, checked here for a clear sentence if it is unusable.
            super::tls::client_config(self.tls, self.tls_ca.as_deref()).map_err(Failure::Error)?;
        }
        let ssl = tls.then(|| {
            super::tls::install_provider();
            let roots = self
                .tls_ca
                .iter()
                .map(|ca| std::path::PathBuf::from(ca).into());
            match self.tls {
                // VERIFY_IDENTITY: the certificate checked against the authority and the host
                // name; mysql_async adds Mozilla's list unless a file is given.
                TlsMode::VerifyCa | TlsMode::VerifyFull => mysql_async::SslOpts::default()
                    .with_root_certs(roots.collect())
                    .with_disable_built_in_roots(self.tls_ca.is_some()),
                // As the mysql client's REQUIRED: encrypted, the certificate not checked.
                _ => mysql_async::SslOpts::default()
                    .with_danger_accept_invalid_certs(true)
                    .with_danger_skip_domain_validation(true),
            }
        });
        let opts = OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(self.user.clone()))
            .pass(self.password.clone())
            .db_name(Some(self.dbname.clone()))
            .socket(self.socket.clone())
            .prefer_socket(false)
            // The protocol's own limit: a row as big as the server holds can be read (the
            // client's default, the server's max_allowed_packet, fails on it).
            .max_allowed_packet(Some(1 << 30))
            .ssl_opts(ssl)
            .setup(
                SESSION
                    .iter()
                    .map(|s| s.to_string())
                    .chain([format!(
                        "SET SESSION lock_wait_timeout = {LOCK_WAIT_SECONDS}"
                    )])
                    .collect::<Vec<_>>(),
            );
        let mut waited_ms = 0;
        let connected = loop {
            let connect = Conn::new(opts.clone());
            match tokio::time::timeout(std::time::Duration::from_secs(15), connect).await {
                // The login's connection limit, often reached by its own connection just
                // closed, which the server lets go of a moment later.
                Ok(Err(mysql_async::Error::Server(s)))
                    if matches!(s.code, 1203 | 1226) && waited_ms < 1000 =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    waited_ms += 100;
                }
                other => break other,
            }
        };
        match connected {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(mysql_async::Error::Driver(
                mysql_async::DriverError::NoClientSslFlagFromServer,
            ))) => Err(Failure::NoTls),
            Ok(Err(e)) => Err(Failure::Error(self.connect_error(e))),
            Err(_) => Err(Failure::Error(Error::new(
                ErrorKind::Database,
                format!(
                    "The MySQL or MariaDB server at {}:{} did not answer within 15 seconds; check the host and port.",
                    self.host, self.port
                ),
            ))),
        }
    }

    fn connect_error(&self, e: mysql_async::Error) -> Error {
        let user = &self.user;
        if let Some(bad) =
            super::tls::certificate_problem(&e, &self.place(), "ssl-mode= and ssl-ca=")
        {
            return bad;
        }
        match &e {
            // MySQL's and MariaDB's codes for require_secure_transport refusing plain text.
            mysql_async::Error::Server(s) if s.code == 3159 || s.code == 4036 => Error::invalid(format!(
                "The MySQL or MariaDB server for {} accepts only encrypted connections; remove ssl-mode=DISABLED from the database URL (or use ssl-mode=REQUIRED).",
                self.place()
            )),
            mysql_async::Error::Server(s) if s.code == 1045 && self.password.is_none() => Error::new(
                ErrorKind::PasswordRequired,
                format!("The MySQL or MariaDB server asks for a password for user {user}; {HOW_TO_GIVE}."),
            ),
            // MariaDB refuses a plain connection to a server that demands TLS with the same
            // code as a wrong password.
            mysql_async::Error::Server(s) if s.code == 1045 && self.tls == TlsMode::Disable => Error::invalid(format!(
                "The MySQL or MariaDB server refused user {user}; check the password, and whether the server accepts only encrypted connections (then remove ssl-mode=DISABLED from the database URL)."
            )),
            mysql_async::Error::Server(s) if s.code == 1045 => Error::invalid(format!(
                "The MySQL or MariaDB server refused the password for user {user}; check the password and {HOW_TO_GIVE}."
            )),
            mysql_async::Error::Server(s) if s.code == 1049 => Error::invalid(format!(
                "The database {} does not exist on the MySQL or MariaDB server; check the database name.",
                self.dbname
            )),
            mysql_async::Error::Server(s) if s.code == 1044 => Error::invalid(format!(
                "User {user} has no rights on the database {db}, or it does not exist (the server says the same for both); check the name, create it, or grant the rights (GRANT ALL ON {quoted}.* TO the login), or use the shop's own login.",
                db = self.dbname,
                quoted = tables::quote(&self.dbname)
            )),
            mysql_async::Error::Server(_) => self.db_error(e),
            mysql_async::Error::Driver(mysql_async::DriverError::CleartextPluginDisabled) => Error::invalid(format!(
                "The MySQL or MariaDB server for {} asked for user {user}'s password in clear text (mysql_clear_password), which ShopSafe never sends; ask its administrator to give the user another way to log in (mysql_native_password, caching_sha2_password or ed25519).",
                self.place()
            )),
            _ => Error::new(
                ErrorKind::Database,
                format!(
                    "Could not reach the MySQL or MariaDB server for {}; check the {} and that the server is running ({}).",
                    self.place(),
                    match self.socket {
                        Some(_) => "socket path",
                        None => "host and port",
                    },
                    super::innermost(&e)
                ),
            ),
        }
    }

    fn db_error(&self, e: mysql_async::Error) -> Error {
        match e {
            mysql_async::Error::Server(s) if matches!(s.code, 1142 | 1143 | 1044 | 1227) => Error::new(
                ErrorKind::Database,
                format!(
                    "User {} lacks a right ShopSafe needs on {}: {}; grant it, or use a login that has it.",
                    self.user,
                    self.place(),
                    s.message.trim_end_matches('.')
                ),
            ),
            // A table named in a list read a moment before.
            mysql_async::Error::Server(s) if s.code == 1146 => Error::new(
                ErrorKind::Database,
                format!(
                    "A table of {} went away while ShopSafe was working ({}: another connection dropped or renamed it); try again once the database is not being changed.",
                    self.place(),
                    s.message.trim_end_matches('.')
                ),
            ),
            mysql_async::Error::Server(s) => Error::new(
                ErrorKind::Database,
                format!("The MySQL or MariaDB server reported an error on {}: {}.", self.place(), s.message.trim_end_matches('.')),
            ),
            other => Error::new(
                ErrorKind::Database,
                format!(
                    "The connection to the MySQL or MariaDB server ({}) failed: {}.",
                    self.place(),
                    super::innermost(&other)
                ),
            ),
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

    /// Check that a staged file is a ShopSafe MySQL dump.
    pub fn check_staged(&self, staged: &Path) -> Result<()> {
        dumpfile::marker(staged, "create").map(drop)
    }

    /// Load `staged` into scratch tables, check them against `expected`, swap them in with
    /// one `RENAME TABLE`, drop the old tables and add the foreign keys. A `cancel` before
    /// the swap drops the scratch tables and ends with nothing changed; from the swap on,
    /// the restore finishes.
    pub fn apply(
        &self,
        staged: &Path,
        expected: Option<&DatabasePart>,
        cancel: &CancelToken,
    ) -> std::result::Result<Vec<String>, super::Failed> {
        super::block_on(async {
            let mut conn = self.connect().await.map_err(|error| super::Failed {
                error,
                changed: false,
            })?;
            let result = self
                .load_and_swap(&mut conn, staged, expected, cancel)
                .await;
            let _ = conn.disconnect().await;
            match result {
                // A load cut short (its connection lost) may leave its scratch tables: they
                // go now, over a new connection, or the sentence says they are there.
                Err(mut failed) if !failed.changed => {
                    let cleaned = match self.connect().await {
                        Ok(mut conn) => {
                            let dropped = self.drop_scratch(&mut conn).await;
                            let _ = conn.disconnect().await;
                            dropped
                        }
                        Err(e) => Err(e),
                    };
                    if cleaned.is_err() {
                        failed.error.message = format!(
                            "{} The copies it was loading (tables named _shopsafe_new_…) may be left in the database beside the shop's own; backups leave them out, and the next restore removes them.",
                            failed.error.message
                        );
                    }
                    Err(failed)
                }
                other => other,
            }
        })
    }

    async fn load_and_swap(
        &self,
        conn: &mut Conn,
        staged: &Path,
        expected: Option<&DatabasePart>,
        cancel: &CancelToken,
    ) -> std::result::Result<Vec<String>, super::Failed> {
        let e = |e| self.db_error(e);
        let before = |error| super::Failed {
            error,
            changed: false,
        };
        let after = |error| super::Failed {
            error,
            changed: true,
        };
        let (live, packet): (String, usize) = conn
            .query_first("SELECT VERSION(), @@max_allowed_packet")
            .await
            .map_err(|err| before(e(err)))?
            .unwrap_or_default();
        let is_mysql = !live.contains("MariaDB");
        self.drop_scratch(conn).await.map_err(before)?;
        // The login's rights, read once: those to make and swap tables checked now, those for
        // the objects once the dump has said which it holds.
        let rights = self.rights(conn).await.map_err(before)?;
        self.preflight(conn, &rights, staged)
            .await
            .map_err(before)?;
        // Load into scratch tables; the live tables are untouched.
        let mut loaded: Vec<Scratch> = Vec::new();
        // (kind, block)
        let mut objects: Vec<(String, String)> = Vec::new();
        // Rows go in over extra connections, two statements at a time (the server works on
        // both); without them (a login limited to one connection), over this one.
        let mut lanes = Lanes::open(self, LOAD_CONNECTIONS).await;
        let load = async {
            // Whether the last table still waits for its secondary keys (and its check), and
            // has no rows yet.
            let mut open = false;
            let mut fresh = false;
            for stmt in dumpfile::blocks(staged)? {
                cancel.check()?;
                let (kind, sql) = stmt?;
                if kind != "insert" && open {
                    let s = loaded.last().ok_or_else(bad_dump)?;
                    self.finish_scratch(conn, lanes.as_mut(), s, expected.is_some())
                        .await?;
                    open = false;
                }
                match kind.as_str() {
                    "create" => {
                        let rest = sql
                            .trim_start()
                            .strip_prefix("CREATE TABLE ")
                            .ok_or_else(bad_dump)?;
                        let (name, body) = leading_ident(rest).ok_or_else(bad_dump)?;
                        let scratch = format!("_shopsafe_new_{}", loaded.len());
                        let body = if is_mysql {
                            scratch_check_names(body, &name, &scratch)
                        } else {
                            body.to_string()
                        };
                        let (body, fks) = split_foreign_keys(body.trim_end().trim_end_matches(';'));
                        let (bare, keys) = split_keys(&body);
                        // Listed before it is made, so an error making it names the shop's table.
                        loaded.push(Scratch {
                            create: format!("CREATE TABLE {}{body}", quote(&scratch)),
                            name,
                            scratch: scratch.clone(),
                            fks,
                            keys,
                        });
                        conn.query_drop(format!("CREATE TABLE {}{bare}", quote(&scratch)))
                            .await
                            .map_err(|err| {
                                let mut err = e(err);
                                err.message = format!(
                                    "{} (making the table {}).",
                                    err.message.trim_end_matches('.'),
                                    loaded.last().map_or("", |s| s.name.as_str())
                                );
                                err
                            })?;
                        open = true;
                        fresh = true;
                    }
                    "insert" => {
                        let s = loaded.last().ok_or_else(bad_dump)?;
                        let rest = sql
                            .trim_start()
                            .strip_prefix("INSERT INTO ")
                            .ok_or_else(bad_dump)?;
                        let (target, body) = leading_ident(rest).ok_or_else(bad_dump)?;
                        if target != s.name {
                            return Err(bad_dump());
                        }
                        let body = body.trim_end().trim_end_matches(';');
                        let insert = format!("INSERT INTO {}{body}", quote(&s.scratch));
                        // A server that takes less in one statement than the one backed up
                        // would close the connection on it.
                        if insert.len() + PACKET_MARGIN > packet {
                            return Err(Error::new(
                                ErrorKind::Database,
                                format!(
                                    "it holds rows of table {} that make a statement of {} bytes, more than the MySQL server takes in one (its max_allowed_packet is {packet}, some of which the protocol uses); raise max_allowed_packet on the server (SET GLOBAL max_allowed_packet = 1073741824, or in its configuration), then restore again.",
                                    s.name,
                                    insert.len()
                                ),
                            ));
                        }
                        match lanes.as_mut() {
                            Some(lanes) => {
                                lanes.send(self, insert).await?;
                                // Into an empty table InnoDB inserts in bulk under a table
                                // lock, which two connections at once would deadlock on: the
                                // first statement of a table runs alone.
                                if fresh {
                                    lanes.wait(self).await?;
                                }
                            }
                            None => conn.query_drop(insert).await.map_err(e)?,
                        }
                        fresh = false;
                    }
                    kind if OBJECT_KINDS.contains(&kind) => {
                        parse_block(&sql).ok_or_else(bad_dump)?;
                        objects.push((kind.to_string(), sql));
                    }
                    _ => return Err(bad_dump()),
                }
            }
            if open {
                let s = loaded.last().ok_or_else(bad_dump)?;
                self.finish_scratch(conn, lanes.as_mut(), s, expected.is_some())
                    .await?;
            }
            if let Some(expected) = expected {
                let pairs: Vec<(String, String)> = loaded
                    .iter()
                    .map(|s| (s.name.clone(), s.scratch.clone()))
                    .collect();
                self.compare_tables(conn, &pairs, expected).await?;
            }
            Ok(())
        }
        .await;
        if let Some(lanes) = lanes {
            lanes.close().await;
        }
        if let Err(mut err) = load {
            let _ = self.drop_scratch(conn).await;
            if err.kind == ErrorKind::Cancelled {
                return Err(before(err));
            }
            // The server names the scratch tables; say the shop's (the highest numbers first,
            // so `_shopsafe_new_1` does not eat into `_shopsafe_new_12`).
            for s in loaded.iter().rev() {
                err.message = err.message.replace(&s.scratch, &s.name);
            }
            let newer = expected
                .filter(|_| lacks_something(&err.message))
                .and_then(|x| {
                    // The server's own words, without "The MySQL or MariaDB server reported an error on …: ".
                    let said = err
                        .message
                        .split_once(": ")
                        .map_or(&*err.message, |(_, m)| m);
                    super::from_other_server("MySQL", &x.server_version, &live, 2, said)
                });
            return Err(before(Error::new(
                err.kind,
                newer.unwrap_or_else(|| format!("The backup could not be loaded: {}", err.message)),
            )));
        }
        // An object that names the backup's database would be made there, not here.
        if let Some(x) = expected.filter(|x| x.database_name != self.dbname) {
            let named = objects.iter().find_map(|(kind, block)| {
                let (_, create) = parse_block(block)?;
                names_database(create, &x.database_name).then_some(kind)
            });
            if let Some(kind) = named {
                let _ = self.drop_scratch(conn).await;
                return Err(before(Error::new(
                    ErrorKind::Database,
                    format!(
                        "A {kind} in the backup names its database {db} in its definition, so restoring it into {here} would change {db}; restore it into {db}, or leave the database's name out of that {kind} in the shop and back up again.",
                        db = x.database_name,
                        here = self.dbname
                    ),
                )));
            }
        }
        // The rights to remove the live objects and create the backup's (and to put the live
        // ones back if a later step fails), checked before anything changes.
        let mut kinds: Vec<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
        let allowed = self.live_kinds(conn).await.and_then(|live| {
            kinds.extend(live);
            self.check_rights(&rights, &kinds)
        });
        if let Err(err) = allowed {
            let _ = self.drop_scratch(conn).await;
            return Err(before(err));
        }
        // Swap every table and view at once (a table's triggers move with it), then drop the
        // old ones and add the foreign keys.
        let live = self.tables(conn).await.map_err(before)?;
        let live_views: Vec<String> = conn
            .query(
                "SELECT TABLE_NAME FROM information_schema.VIEWS
                  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE BINARY '\\_shopsafe\\_%'",
            )
            .await
            .map_err(|err| before(e(err)))?;
        let mut renames: Vec<String> = Vec::new();
        let mut old = Vec::new();
        for (i, t) in live.iter().enumerate() {
            let o = format!("_shopsafe_old_{i}");
            renames.push(format!("{} TO {}", quote(t), quote(&o)));
            old.push(o);
        }
        let mut old_views = Vec::new();
        for (i, v) in live_views.iter().enumerate() {
            let o = format!("_shopsafe_oldview_{i}");
            renames.push(format!("{} TO {}", quote(v), quote(&o)));
            old_views.push(o);
        }
        for s in &loaded {
            renames.push(format!("{} TO {}", quote(&s.scratch), quote(&s.name)));
        }
        if let Err(err) = cancel.check() {
            let _ = self.drop_scratch(conn).await;
            return Err(before(err));
        }
        if !renames.is_empty() {
            if let Err(err) = self
                .rename_in_steps(conn, &format!("RENAME TABLE {}", renames.join(", ")))
                .await
            {
                let _ = self.drop_scratch(conn).await;
                return Err(before(match err {
                    mysql_async::Error::Server(s) if s.code == 1205 => Error::new(
                        ErrorKind::Database,
                        format!(
                            "Another connection to {} (the running site, say) kept using a table ShopSafe had to replace for over {LOCK_WAIT_SECONDS} seconds; stop the site or wait until that work is done, then try again.",
                            self.place()
                        ),
                    ),
                    other => e(other),
                }));
            }
        }
        for o in &old {
            conn.query_drop(format!("DROP TABLE {}", quote(o)))
                .await
                .map_err(|err| after(e(err)))?;
        }
        for o in &old_views {
            conn.query_drop(format!("DROP VIEW {}", quote(o)))
                .await
                .map_err(|err| after(e(err)))?;
        }
        for s in &loaded {
            if !s.fks.is_empty() {
                conn.query_drop(alter_adding(&s.name, &s.fks))
                    .await
                    .map_err(|err| after(e(err)))?;
            }
        }
        let home = expected.is_none_or(|x| x.database_name == self.dbname);
        let notes: Vec<String> = self
            .replace_objects(conn, &objects, home)
            .await
            .map_err(after)?
            .into_iter()
            .collect();
        if let Some(expected) = expected {
            let tables = self.tables(conn).await.map_err(after)?;
            if !self
                .schema_matches(conn, &tables, &expected.schema_fingerprint)
                .await
                .map_err(after)?
            {
                let live = self.objects(conn).await.map(|o| o.0).unwrap_or_default();
                return Err(after(Error::new(
                    ErrorKind::VerificationFailed,
                    format!(
                        "The restored database's tables, views, triggers or routines differ from those recorded in the manifest{}.",
                        object_difference(&objects, &live)
                    ),
                )));
            }
        }
        Ok(notes)
    }

    /// The rights this login holds on its database.
    async fn rights(&self, conn: &mut Conn) -> Result<Rights> {
        let e = |e| self.db_error(e);
        // MariaDB lists the enabled role's grants itself; MySQL 8 only with USING them
        // (CURRENT_ROLE() gives them quoted and comma-separated, or NONE).
        let (version, roles): (Option<String>, Option<String>) = conn
            .query_first("SELECT VERSION(), CURRENT_ROLE()")
            .await
            .map_err(e)?
            .unwrap_or_default();
        let show = match (version.unwrap_or_default().contains("MariaDB"), roles) {
            (false, Some(roles)) if roles != "NONE" => {
                format!("SHOW GRANTS FOR CURRENT_USER() USING {roles}")
            }
            _ => "SHOW GRANTS".to_string(),
        };
        let grants: Vec<String> = conn.query(show).await.map_err(e)?;
        Ok(Rights::from_grants(&grants, &self.dbname))
    }

    /// Run the swap's `rename`. It waits for a lock on every table it names, and while it
    /// waits the site's own statements on them queue behind it: so it waits a second at a
    /// time, letting the site go on in between, for up to LOCK_WAIT_SECONDS in all.
    async fn rename_in_steps(
        &self,
        conn: &mut Conn,
        rename: &str,
    ) -> std::result::Result<(), mysql_async::Error> {
        conn.query_drop("SET SESSION lock_wait_timeout = 1").await?;
        let started = std::time::Instant::now();
        let limit = std::time::Duration::from_secs(LOCK_WAIT_SECONDS.into());
        let renamed = loop {
            match conn.query_drop(rename).await {
                Err(mysql_async::Error::Server(s))
                    if s.code == 1205 && started.elapsed() < limit =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                done => break done,
            }
        };
        conn.query_drop(format!(
            "SET SESSION lock_wait_timeout = {LOCK_WAIT_SECONDS}"
        ))
        .await?;
        renamed
    }

    /// What a restore checks before it loads anything: the rights to make, fill and swap in
    /// tables; an hourly statement limit that leaves room for it; no foreign key of another
    /// database pointing at the shop's tables.
    async fn preflight(&self, conn: &mut Conn, rights: &Rights, staged: &Path) -> Result<()> {
        self.check_rights(rights, &["table"])?;
        // A login that may run only so many statements an hour must not run out halfway,
        // nor while putting the shop back: the dump's statements, a few more per table to
        // make, check and swap it.
        if let Some((limit, n)) = rights.hourly_limit {
            let mut statements = 60;
            for block in dumpfile::blocks(staged)? {
                let (kind, _) = block?;
                statements += if kind == "create" { 7 } else { 1 };
            }
            // As many again each for the safety backup, the rollback point and a rollback.
            if n < 4 * statements {
                return Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "User {} may run only {n} statements an hour ({limit}), and restoring this backup takes about {statements}, with as many again each for the safety backup, the point to roll back to and a rollback should a step fail; ask for that limit to be raised above {} (or lifted), then restore again.",
                        self.user,
                        4 * statements
                    ),
                ));
            }
        }
        // A foreign key of another database's table to one of the shop's would follow that
        // table when it is swapped out, and point at nothing once it is dropped. (The server
        // shows it only to a login with some right on that other database.)
        let incoming: Option<(String, String, String, String)> = conn
            .query_first(
                "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME
                   FROM information_schema.KEY_COLUMN_USAGE
                  WHERE REFERENCED_TABLE_SCHEMA = DATABASE() AND TABLE_SCHEMA <> DATABASE()
                  ORDER BY 1, 2, 3",
            )
            .await
            .map_err(|e| self.db_error(e))?;
        if let Some((db, table, key, target)) = incoming {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "The table {db}.{table} of another database has a foreign key ({key}) to the table {target} of {}, which a restore cannot keep pointing at the restored table; drop that foreign key, restore, then add it again.",
                    self.dbname
                ),
            ));
        }
        Ok(())
    }

    /// Whether `rights` hold what restoring objects of `kinds` (`"table"`, `"view"`…)
    /// needs; one sentence naming what to grant if not.
    fn check_rights(&self, rights: &Rights, kinds: &[&str]) -> Result<()> {
        let needed = kinds.iter().flat_map(|k| rights_for(k).iter().copied());
        let missing = rights.missing(needed);
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Database,
            format!(
                "User {} lacks the {} right on the database {}, which restoring its tables, views, triggers and routines needs; grant it (GRANT {} ON {}.* TO that login), or restore with a login that has it.",
                self.user,
                missing.join(", "),
                self.dbname,
                missing.join(", "),
                quote(&self.dbname)
            ),
        ))
    }

    /// Whether `tables` and the database's objects have the schema fingerprint (FORMAT.md
    /// 7.4) `expected`, as written now or, with the events that end, before.
    async fn schema_matches(
        &self,
        conn: &mut Conn,
        tables: &[String],
        expected: &str,
    ) -> Result<bool> {
        let mut schema = Sha256::new();
        for t in tables {
            let create: Option<(String, String)> = conn
                .query_first(format!("SHOW CREATE TABLE {}", quote(t)))
                .await
                .map_err(|e| self.db_error(e))?;
            schema_line(&mut schema, &create.map(|c| c.1).unwrap_or_default());
        }
        let (objects, hidden) = self.objects(conn).await?;
        if let Some(h) = hidden.first() {
            return Err(Error::new(
                ErrorKind::VerificationFailed,
                format!(
                    "The definition of the {h} in the restored database is hidden from this login."
                ),
            ));
        }
        let mut before = schema.clone();
        add_objects(&mut schema, &objects, false);
        add_objects(&mut before, &objects, true);
        Ok([schema, before]
            .into_iter()
            .any(|h| hex(&h.finalize()) == expected))
    }

    /// Compare tables (`(name in the manifest, table to read)`) with the manifest.
    async fn compare_tables(
        &self,
        conn: &mut Conn,
        pairs: &[(String, String)],
        expected: &DatabasePart,
    ) -> Result<()> {
        let what = "The restored database";
        let fail = |m: String| Error::new(ErrorKind::VerificationFailed, m);
        for want in &expected.tables {
            let Some((_, table)) = pairs.iter().find(|(n, _)| n == &want.name) else {
                return Err(fail(format!("{what} lacks the table {}.", want.name)));
            };
            let columns = self.columns(conn, table).await?;
            let mut measure = RowSum::default();
            let mut encoded = Vec::new();
            conn.query_iter(format!("SELECT {} FROM {}", columns.select, quote(table)))
                .await
                .map_err(|e| self.db_error(e))?
                .for_each(|row| add_row(&mut measure, &mut encoded, &row.unwrap()))
                .await
                .map_err(|e| self.db_error(e))?;
            let got = measure.stat(want.name.clone());
            if got.rows != want.rows {
                return Err(fail(format!(
                    "{what} has {} rows in table {} where the backup has {}.",
                    got.rows, want.name, want.rows
                )));
            }
            if got.fingerprint != want.fingerprint {
                let why = if columns.has_stored_generated {
                    " (it has stored generated columns, which the server computes again: one whose expression depends on the session, such as its time zone, comes out different)"
                } else {
                    ""
                };
                return Err(fail(format!(
                    "{what} has different content in table {} than the backup{why}.",
                    want.name
                )));
            }
        }
        if let Some((extra, _)) = pairs
            .iter()
            .find(|(n, _)| !expected.tables.iter().any(|w| &w.name == n))
        {
            return Err(fail(format!(
                "{what} has a table {extra} that the backup does not have."
            )));
        }
        Ok(())
    }
}

fn bad_dump() -> Error {
    Error::corrupt("The database part of the archive is not a well-formed ShopSafe MySQL dump.")
}

/// Whether a failed statement's message names something the server does not know: syntax,
/// collations, character sets, engines, functions, columns (of a newer server or the other
/// flavour, say); a missing definer login is the server's setup, not its version.
fn lacks_something(message: &str) -> bool {
    !message.contains("definer")
        && [
            "error in your SQL syntax",
            "Unknown collation",
            "Unknown character set",
            "Unknown storage engine",
            "Unknown table engine",
            "does not exist",
            "Unknown column",
        ]
        .iter()
        .any(|m| message.contains(m))
}

#[cfg(test)]
mod tests {
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
