//! PostgreSQL: a native dump and an atomic restore, with no pg_dump or psql needed.
//!
//! The dump is taken inside one `REPEATABLE READ, READ ONLY` transaction, in pg_dump's order:
//! schemas, extensions, types, functions, sequences, tables; then every table's rows with
//! `COPY … TO STDOUT`; then sequence values, constraints, views and materialized views,
//! indexes, partitions' attachment, foreign keys, triggers, rules, row security, comments and
//! grants (FORMAT.md 5.1 has the full order). It is written as a plain SQL file that
//! `psql --single-transaction -f` can also restore by hand. Every statement follows a marker
//! comment carrying a random token, so ShopSafe can split the file again without parsing
//! SQL. Objects the native dump does not cover (foreign tables, large objects…: see
//! `UNSUPPORTED`; rows a shop added to an extension's own table:
//! see `EXTENSION_TABLES`) are detected and named, and the backup refuses rather than
//! pretend.
//!
//! A restore runs in one transaction: it drops the shop's own objects, runs the dump while
//! fingerprinting every row it sends, checks the schema and every table's row count (the
//! server's count of rows stored, too) and fingerprint, and returns with the transaction
//! still open ([`Open`]), so the caller commits only once the rest of the restore (the
//! media folder) has succeeded. A failure anywhere before the commit leaves the database
//! exactly as it was. Only the shop's own login is needed: no superuser, no CREATE DATABASE.
//!
//! This file holds the connection, its errors as sentences, the dump and the restore's
//! transaction; `catalog` holds the queries that describe the shop's objects (their SQL
//! text in `catalog::queries`), and `replay` the reading and replaying of a dump.

mod catalog;
mod replay;

use super::dumpfile::{self, DumpTo, DumpWriter};
use super::tls::{self, TlsMode};
use crate::manifest::DatabasePart;
use crate::progress::CancelToken;
use crate::secrets::HOW_TO_GIVE;
use crate::{Error, ErrorKind, Result};
use catalog::queries::{
    aggregates, column_storage, expand, ATTACH, COLLATIONS, COMMENTS, CONSTRAINTS,
    DATABASE_SETTINGS, DEFAULT_PRIVILEGES, DOMAIN_CHECKS, DOMAIN_DEFAULTS, DROPS, ENUMS,
    EXTENSIONS, EXTENSIONS_MADE_SINCE, EXTENSION_TABLES, FOREIGN_KEYS, FUNCTIONS,
    FUNCTIONS_ON_TABLES, GRANTS, INDEXES, INHERITS_FROM, LATE_NOT_NULLS, NOT_GIVEN, NOT_GRANTED,
    NOT_REPLACEABLE, NOT_SET, OBJECT_NAMES, OPTIONS, OWNERS, RANGES, REFRESH, RELATION_SETTINGS,
    RESET_DEFAULT_PRIVILEGES, ROW_SECURITY, RULES, SCHEMAS, SCHEMA_GRANTS, SEQUENCES, STATISTICS,
    TEXT_SEARCH, TRIGGERS, UNREADABLE, UNSUPPORTED, VALIDATIONS,
};
use catalog::{
    create_table, domains_and_composites, in_dependency_order, relations, routines_in_order,
    schema_fingerprints, strings, tables, views_in_order, Table,
};
use replay::{
    check_loaded, copy_lines, generated_fingerprint, read_dump, run_dump, Arriving, CopyError,
    Replay,
};
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

pub const ENGINE: &str = "postgresql";
/// Name of the database part inside the archive.
pub const ENTRY: &str = "database/dump.sql";

/// Settings every dump and restore session uses, so the dump's text reads back the same
/// whatever the role or database sets (no time limit on a statement, an idle transaction or
/// a whole transaction, which a long dump, index build or a restore waiting for its archive
/// check would pass; `transaction_timeout` is only known from PostgreSQL 17 on; no JIT
/// compilation, which costs seconds on the catalog queries and gains nothing). They head
/// the dump too, for a restore by hand.
const SESSION: &str = "SET statement_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SELECT pg_catalog.set_config('transaction_timeout', '0', false) WHERE pg_catalog.current_setting('server_version_num')::int >= 170000;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET client_min_messages = warning;
SET IntervalStyle = 'postgres';
SET xmloption = content;
SET array_nulls = on;
SET row_security = off;
SET jit = off;
SELECT pg_catalog.set_config('search_path', '', false);";

/// The settings that shape only how values are written as text: the dump is written, and a
/// restore's result checked, under these. The values a restore has the server compute
/// (stored generated columns, materialized views, expression indexes) are computed under
/// the shop's own ([`SHOPS_OWN_FORMS`]), as its sessions computed them; the dump's text
/// (ISO dates, times with their offset, every float digit, hex bytes) reads the same under
/// any of them.
const TEXT_FORMS: &str = "SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
SET extra_float_digits = 3;
SET bytea_output = 'hex';";
const SHOPS_OWN_FORMS: &str =
    "RESET DateStyle; RESET TimeZone; RESET extra_float_digits; RESET bytea_output;";

/// How long a restore waits for another connection's lock on a table before it gives up.
const RESTORE_LOCK_WAIT: u32 = 30;

/// Where a shop's PostgreSQL database is. The password is never stored or shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Postgres {
    pub user: String,
    pub password: Option<String>,
    /// A host name, or the folder of the server's unix socket (starting with `/`).
    pub host: String,
    pub port: u16,
    pub dbname: String,
    /// `sslmode=` in the URL.
    pub tls: TlsMode,
    /// `sslrootcert=`: the certificate file of the authority `verify-ca`/`verify-full` trust.
    pub tls_ca: Option<String>,
}

impl fmt::Debug for Postgres {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Postgres({})", self.url())
    }
}

impl Postgres {
    /// Parse `postgres://user[:password]@host[:port]/db[?host=/socket/dir&port=N]`.
    pub fn parse(rest: &str) -> Result<Postgres> {
        let u = super::url::parse(
            rest,
            5432,
            "postgres://user@host:5432/database (add ?host=/run/postgresql for a unix socket)",
        )?;
        let mut p = Postgres {
            user: u.user,
            password: u.password,
            host: u.host,
            port: u.port,
            dbname: u.dbname,
            tls: TlsMode::default(),
            tls_ca: None,
        };
        for (k, v) in u.options {
            match k.as_str() {
                "host" => p.host = v,
                "sslmode" => p.tls = TlsMode::parse_pg(&v)?,
                "sslrootcert" => p.tls_ca = Some(v),
                "port" => p.port = super::url::port(&v)?,
                _ => {
                    return Err(Error::invalid(format!(
                    "The database URL option {k:?} is not supported; use host=, port=, sslmode= or sslrootcert=."
                )))
                }
            }
        }
        tls::check_ca(
            p.tls,
            p.tls_ca.as_deref(),
            "sslrootcert",
            "sslmode=verify-ca or sslmode=verify-full",
            p.host.starts_with('/'),
        )?;
        Ok(p)
    }

    /// The URL without the password.
    pub fn url(&self) -> String {
        let (user, db) = (
            super::url::encode(&self.user, ""),
            super::url::encode(&self.dbname, ""),
        );
        let mut query = Vec::new();
        let host = if self.host.starts_with('/') {
            query.push(format!("host={}", super::url::encode(&self.host, "/")));
            "localhost".to_string()
        } else {
            super::url::host(&self.host)
        };
        if self.tls != TlsMode::Prefer {
            query.push(format!("sslmode={}", self.tls.pg_name()));
        }
        if let Some(ca) = &self.tls_ca {
            query.push(format!("sslrootcert={}", super::url::encode(ca, "/")));
        }
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        format!("postgres://{user}@{host}:{}/{db}{query}", self.port)
    }

    fn place(&self) -> String {
        format!(
            "the database {} at {}:{}",
            self.dbname, self.host, self.port
        )
    }

    async fn connect(&self) -> Result<Client> {
        let mut cfg = tokio_postgres::Config::new();
        cfg.user(&self.user)
            .dbname(&self.dbname)
            .port(self.port)
            .application_name("shopsafe")
            .connect_timeout(Duration::from_secs(10));
        if self.host.starts_with('/') {
            // A unix socket is local: PostgreSQL never speaks TLS on it.
            cfg.host_path(&self.host).ssl_mode(SslMode::Disable);
        } else {
            cfg.host(&self.host).ssl_mode(match self.tls {
                TlsMode::Disable => SslMode::Disable,
                TlsMode::Prefer => SslMode::Prefer,
                TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
            });
        }
        if let Some(p) = &self.password {
            cfg.password(p);
        }
        let (client, connection) = cfg
            .connect(MakeRustlsConnect::new(tls::client_config(
                self.tls,
                self.tls_ca.as_deref(),
            )?))
            .await
            .map_err(|e| self.connect_error(e))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        // The statement time limit first, on its own: the role's would count from the start
        // of a batch holding it. A very short one (a hosting account's) may still fire just
        // as that statement ends, and cancel the next: that one is run again.
        for settings in ["SET statement_timeout = 0", SESSION, TEXT_FORMS] {
            let mut tries = 0;
            loop {
                match client.batch_execute(settings).await {
                    Err(e) if e.code() == Some(&SqlState::QUERY_CANCELED) && tries < 3 => {
                        tries += 1
                    }
                    done => break done.map_err(|e| self.db_error(e))?,
                }
            }
        }
        Ok(client)
    }

    fn connect_error(&self, e: tokio_postgres::Error) -> Error {
        let user = &self.user;
        let place = self.place();
        if let Some(bad) = tls::certificate_problem(&e, &place, "sslmode= and sslrootcert=") {
            return bad;
        }
        let message = match e.code() {
            Some(c) if *c == SqlState::INVALID_PASSWORD => format!(
                "The PostgreSQL server refused the password for user {user}; check the password and {HOW_TO_GIVE}."
            ),
            Some(c)
                if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
                    && super::innermost(&e).contains("no encryption") =>
            {
                format!(
                    "The PostgreSQL server at {}:{} accepts only encrypted connections; remove sslmode=disable from the database URL (or use sslmode=require).",
                    self.host, self.port
                )
            }
            Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => format!(
                "The PostgreSQL server does not let user {user} log in to {place}; check the user name and the server's access rules."
            ),
            Some(c) if *c == SqlState::INVALID_CATALOG_NAME => format!(
                "The database {} does not exist on the PostgreSQL server {}:{}; check the database name.",
                self.dbname, self.host, self.port
            ),
            Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => format!(
                "User {user} may not connect to {place}; ask for CONNECT rights on the database."
            ),
            _ => {
                if super::innermost(&e).contains("server does not support TLS") {
                    return Error::invalid(format!(
                        "The PostgreSQL server at {}:{} does not offer TLS, but the database URL says sslmode={}; turn on ssl in the server{}.",
                        self.host,
                        self.port,
                        self.tls.pg_name(),
                        if self.tls.verifies() { "" } else { ", or use sslmode=prefer" }
                    ));
                }
                if super::innermost(&e).contains("password missing") {
                    return Error::new(
                        ErrorKind::PasswordRequired,
                        format!("The PostgreSQL server asks for a password for user {user}; {HOW_TO_GIVE}."),
                    );
                } else {
                    format!(
                        "Could not reach the PostgreSQL server at {}:{}; check the host and port and that the server is running ({}).",
                        self.host,
                        self.port,
                        super::innermost(&e)
                    )
                }
            }
        };
        let kind = if message.starts_with("Could not reach") {
            ErrorKind::Database
        } else {
            ErrorKind::InvalidInput
        };
        Error::new(kind, message)
    }

    fn db_error(&self, e: tokio_postgres::Error) -> Error {
        if let Some(missing) = e
            .as_db_error()
            .and_then(|db| missing_extension(db.message()))
        {
            return Error::new(
                ErrorKind::Database,
                match missing {
                    MissingExtension::NotInstalled(name) => format!(
                        "The server of the database {} does not have the extension {name} installed; install it on that server (its operating system package), then try again.",
                        self.dbname
                    ),
                    MissingExtension::NotAllowed(name) => format!(
                        "The extension {name} is not in the database {} and user {} may not create it (only a superuser can); ask the server's administrator to run CREATE EXTENSION {name} in that database, then try again.",
                        self.dbname, self.user
                    ),
                },
            );
        }
        match e.as_db_error() {
            Some(db)
                if *db.code() == SqlState::OUT_OF_MEMORY
                    && db.message().contains("shared memory") =>
            {
                Error::new(
                    ErrorKind::Database,
                    format!(
                        "The server of {} ran out of room for locks: a backup locks every table of the shop in one transaction (a restore, which replaces them, also every index and sequence), and the shop has more than the server's max_locks_per_transaction allows; ask the server's administrator to raise max_locks_per_transaction (to several times the number of the shop's tables and indexes, say), then try again.",
                        self.place()
                    ),
                )
            }
            Some(db)
                if *db.code() == SqlState::INSUFFICIENT_PRIVILEGE
                    && db.message().starts_with("must be owner of ") =>
            {
                let what = db.message().trim_start_matches("must be owner of ");
                Error::new(
                    ErrorKind::Database,
                    format!(
                        "The {what} in {} belongs to another role, so user {user} may not replace it; make {user} its owner (ALTER … OWNER TO {user}, run by that owner or a superuser), or use the login that owns it.",
                        self.place(),
                        user = self.user
                    ),
                )
            }
            Some(db)
                if *db.code() == SqlState::INSUFFICIENT_PRIVILEGE
                    && db.message().contains("row-level security") =>
            {
                Error::new(
                    ErrorKind::Database,
                    format!(
                        "User {user} may not read every row of a table in {} ({}); use the login that owns the table, or let {user} bypass row level security (ALTER ROLE {user} BYPASSRLS, run by a superuser).",
                        self.place(),
                        db.message().trim_end_matches('.'),
                        user = self.user
                    ),
                )
            }
            Some(db) if *db.code() == SqlState::T_R_DEADLOCK_DETECTED => Error::new(
                ErrorKind::Database,
                format!(
                    "Another connection to {} (the running site, say) and ShopSafe each waited for a lock the other held, so PostgreSQL stopped ShopSafe; stop the site or try again when it is quieter.",
                    self.place()
                ),
            ),
            Some(db) if db.message().contains("ICU is not supported") => Error::new(
                ErrorKind::Database,
                format!(
                    "The backup uses ICU collations, and the PostgreSQL server of {} was built without ICU; restore into a server built with it (the Debian, Ubuntu and official packages are), or use libc collations in the shop and back up again.",
                    self.place()
                ),
            ),
            Some(db) if not_utf8(db) => self.not_utf8_error(db, None),
            Some(db) if *db.code() == SqlState::LOCK_NOT_AVAILABLE => self.lock_wait(None),
            Some(db) if *db.code() == SqlState::INSUFFICIENT_PRIVILEGE => Error::new(
                ErrorKind::Database,
                format!(
                    "User {} lacks a right ShopSafe needs on {}: {}; grant it, or use the login that owns the shop's tables.",
                    self.user,
                    self.place(),
                    db.message()
                ),
            ),
            Some(db) => {
                // Where it happened (a function of the shop's, say), when the server says;
                // not for a sentence the dump's own checks raise.
                let context = db
                    .where_()
                    .filter(|_| db.code() != &SqlState::RAISE_EXCEPTION)
                    .and_then(|w| w.lines().next())
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default();
                Error::new(
                    ErrorKind::Database,
                    format!(
                        "PostgreSQL reported an error on {}: {}{context}.",
                        self.place(),
                        db.message().trim_end_matches('.')
                    ),
                )
            }
            None => Error::new(
                ErrorKind::Database,
                format!(
                    "The connection to PostgreSQL ({}) failed: {}; check that the server is running and reachable, then try again.",
                    self.place(),
                    super::innermost(&e)
                ),
            ),
        }
    }

    /// The sentence for a restore that waited too long for another connection's lock, while
    /// dropping `what` when known ("the table public.x").
    fn lock_wait(&self, what: Option<&str>) -> Error {
        Error::new(
            ErrorKind::Database,
            format!(
                "Another connection to {} (the running site, say) held a lock on a table ShopSafe needed{} for over {RESTORE_LOCK_WAIT} seconds; stop the site or wait until that work is done, then try again.",
                self.place(),
                what.map(|w| format!(" ({w}, or one tied to it by a foreign key)"))
                    .unwrap_or_default()
            ),
        )
    }

    /// The sentence for text the server cannot send as UTF-8 (see [`not_utf8`]), in `table`
    /// when known.
    fn not_utf8_error(&self, d: &DbError, table: Option<&str>) -> Error {
        Error::new(
            ErrorKind::Database,
            format!(
                "The database {} holds text{} that cannot be written as UTF-8, as ShopSafe writes every dump ({}; a database in the SQL_ASCII encoding may hold such bytes); correct that text, or convert the database to UTF8, then try again.",
                self.dbname,
                table.map(|t| format!(" in table {t}")).unwrap_or_default(),
                d.message().trim_end_matches('.')
            ),
        )
    }

    /// Connect and run a trivial query; one sentence if that fails.
    pub fn check(&self) -> Result<()> {
        super::block_on(async {
            let client = self.connect().await?;
            client
                .simple_query("SELECT 1")
                .await
                .map_err(|e| self.db_error(e))?;
            Ok(())
        })
    }

    /// Connect and describe the server and database in a few words: "PostgreSQL 15.14 — 12 tables".
    pub fn describe(&self) -> Result<super::Described> {
        super::block_on(async {
            let client = self.connect().await?;
            let e = |e| self.db_error(e);
            let version: String = client
                .query_one("SHOW server_version", &[])
                .await
                .map_err(e)?
                .get(0);
            let n = tables(&client).await.map_err(e)?.len();
            let foreign: Vec<(String, String)> = client
                .query(&expand(NOT_REPLACEABLE), &[])
                .await
                .map_err(e)?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let mut warnings = Vec::new();
            if let Some((_, first)) = foreign.first() {
                let mut roles: Vec<&str> = foreign.iter().map(|(r, _)| r.as_str()).collect();
                roles.sort_unstable();
                roles.dedup();
                let n = foreign.len();
                warnings.push(format!(
                    "user {user} could not restore over it, as {n} {} to {} {} it may not act as, in schemas it does not own ({first}{}): restore with a login that owns them or may act as their owners",
                    if n == 1 { "object belongs" } else { "objects belong" },
                    if roles.len() == 1 { "the role" } else { "the roles" },
                    roles.join(", "),
                    if n > 1 { ", …" } else { "" },
                    user = self.user
                ));
            }
            if let Some((kind, name, owner)) = self.unreadable(&client).await?.first() {
                warnings.push(format!(
                    "user {} may not read the {kind} {name} (it belongs to role {owner}), so backups will fail: grant it the right to read it, or use the login that owns the shop's tables",
                    self.user
                ));
            }
            Ok(super::Described {
                summary: format!(
                    "PostgreSQL {} — {}",
                    super::short_version(&version),
                    super::tables_phrase(n)
                ),
                warnings,
            })
        })
    }

    /// The shop's tables and sequences the login may not read, `(kind, name, owner)`.
    async fn unreadable(&self, client: &Client) -> Result<Vec<(String, String, String)>> {
        Ok(client
            .query(&expand(UNREADABLE), &[])
            .await
            .map_err(|e| self.db_error(e))?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    /// Row counts of the live tables (for a restore plan); `None` where counting fails, as
    /// when the database's settings no longer let the shop's functions in an index find
    /// the names they use (the very thing a restore may be meant to mend).
    pub fn row_counts(&self) -> Result<Vec<(String, Option<u64>)>> {
        super::block_on(async {
            let client = self.connect().await?;
            // Counting plans over the table's indexes, whose expressions may call the shop's
            // functions: with the search_path its own sessions get, those find their names.
            client
                .batch_execute("RESET search_path")
                .await
                .map_err(|e| self.db_error(e))?;
            let mut out = Vec::new();
            for t in tables(&client).await.map_err(|e| self.db_error(e))? {
                let n = match client
                    .query_one(&format!("SELECT count(*) FROM {}", t.qualified()), &[])
                    .await
                {
                    Ok(row) => Some(row.get::<_, i64>(0) as u64),
                    Err(e) if e.as_db_error().is_some() => None,
                    Err(e) => return Err(self.db_error(e)),
                };
                out.push((t.name(), n));
            }
            Ok(out)
        })
    }

    /// Begin the dump's transaction with every table locked against rewrites (ALTER,
    /// TRUNCATE) before its snapshot is taken, as pg_dump does: a table rewritten under an
    /// older snapshot would read as empty.
    async fn begin_locked(&self, client: &Client) -> Result<()> {
        let e = |e| self.db_error(e);
        for _ in 0..3 {
            let wanted = tables(client).await.map_err(e)?;
            client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL lock_timeout = '60s'")
                .await
                .map_err(e)?;
            if !wanted.is_empty() {
                let names: Vec<String> = wanted.iter().map(Table::qualified).collect();
                let lock = format!("LOCK TABLE {} IN ACCESS SHARE MODE", names.join(", "));
                if let Err(err) = client.batch_execute(&lock).await {
                    let _ = client.batch_execute("ROLLBACK").await;
                    if err.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
                        return Err(Error::new(
                            ErrorKind::Database,
                            "A table stayed locked by another session for a minute (a migration or a long job); try the backup again when it has finished.",
                        ));
                    }
                    return Err(e(err));
                }
            }
            // A table created in between would be in the snapshot but not locked: start over.
            let now = tables(client).await.map_err(e)?;
            if now
                .iter()
                .map(Table::name)
                .eq(wanted.iter().map(Table::name))
            {
                return Ok(());
            }
            client.batch_execute("ROLLBACK").await.map_err(e)?;
        }
        Err(Error::new(
            ErrorKind::Database,
            "Tables kept being created while the backup started; try again when the shop's schema is not changing.",
        ))
    }

    /// Dump the database (into the archive being written, or a rollback point's file),
    /// measuring every table as its rows stream past.
    pub(super) async fn dump(
        &self,
        to: DumpTo<'_>,
        cancel: &CancelToken,
    ) -> Result<(super::Snapshot, super::Inspection)> {
        let client = self.connect().await?;
        let e = |e| self.db_error(e);
        self.begin_locked(&client).await?;
        let mut unsupported = strings(&client, UNSUPPORTED).await.map_err(e)?;
        for row in client.query(EXTENSION_TABLES, &[]).await.map_err(e)? {
            let added: i64 = client
                .query_one(row.get::<_, &str>(0), &[])
                .await
                .map_err(e)?
                .get(0);
            if added > 0 {
                unsupported.push(format!(
                    "{added} row{} added to {} (a table of extension {})",
                    if added == 1 { "" } else { "s" },
                    row.get::<_, &str>(1),
                    row.get::<_, &str>(2)
                ));
            }
        }
        if !unsupported.is_empty() {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "The database {} holds things ShopSafe cannot back up natively yet: {}; nothing was written. Until it can, remove or change them, or back this database up with pg_dump.",
                    self.dbname,
                    unsupported.join(", ")
                ),
            ));
        }
        let version: String = client
            .query_one("SHOW server_version", &[])
            .await
            .map_err(e)?
            .get(0);
        let mut out = DumpWriter::create(
            to,
            &format!(
                "-- ShopSafe native PostgreSQL dump (server {version}).\n\
                 -- Restore by hand into an empty database: psql -v ON_ERROR_STOP=1 --single-transaction -f dump.sql"
            ),
            SESSION,
        )?;
        // Every name in the dump is qualified, but the restore runs the shop's functions
        // (a generated column's, a check's, a materialized view's), whose bodies find
        // unqualified names through the search_path: the one the shop's own sessions get.
        let path: String = client
            .query_one(
                "SELECT reset_val FROM pg_catalog.pg_settings WHERE name = 'search_path'",
                &[],
            )
            .await
            .map_err(e)?
            .get(0);
        out.stmt(&format!(
            "SELECT pg_catalog.set_config('search_path', '{}', false);",
            path.replace('\'', "''")
        ))?;
        for stmt in strings(&client, SCHEMAS).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        for q in [EXTENSIONS, COLLATIONS, TEXT_SEARCH, ENUMS, RANGES] {
            for stmt in strings(&client, q).await.map_err(e)? {
                out.stmt(&stmt)?;
            }
        }
        for stmt in domains_and_composites(&client).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        // Sequences (not identities, made with their tables) before the functions, whose
        // `BEGIN ATOMIC` bodies may use them.
        let sequences = client.query(&expand(SEQUENCES), &[]).await.map_err(e)?;
        for s in &sequences {
            let identity: bool = s.get("identity");
            if !identity {
                out.stmt(&s.get::<_, String>("create"))?;
            }
        }
        // Each after the ones its `BEGIN ATOMIC` body calls.
        for stmt in routines_in_order(&client, &[FUNCTIONS.into()])
            .await
            .map_err(e)?
        {
            out.stmt(&stmt)?;
        }
        // Partitioned tables too: each partition is created as a table of its own, and
        // attached to its parent once its constraints and indexes exist (`ATTACH`). A table
        // that inherits from others comes after them.
        let parents: Vec<(u32, u32)> = client
            .query(INHERITS_FROM, &[])
            .await
            .map_err(e)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let tables_to_create = relations(&client, "'r', 'p'").await.map_err(e)?;
        let tables_to_create = tables_to_create.into_iter().map(|t| {
            let needs = parents
                .iter()
                .filter(|p| p.0 == t.oid)
                .map(|p| p.1)
                .collect();
            (t.oid, t, needs)
        });
        for t in in_dependency_order(tables_to_create.collect()) {
            out.stmt(&create_table(&client, &t).await.map_err(e)?)?;
        }
        for stmt in strings(&client, &column_storage('r')).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        // Aggregates made of functions that need no tables come before the functions that
        // need tables (whose `BEGIN ATOMIC` bodies may call them); the others among them,
        // each after the routines it is made of or calls.
        for queries in [
            &[aggregates(false)][..],
            &[FUNCTIONS_ON_TABLES.into(), aggregates(true)],
        ] {
            for stmt in routines_in_order(&client, queries).await.map_err(e)? {
                out.stmt(&stmt)?;
            }
        }
        for s in &sequences {
            if let Some(owned) = s.get::<_, Option<String>>("owned_by") {
                out.stmt(&format!(
                    "ALTER SEQUENCE {} OWNED BY {owned};",
                    s.get::<_, String>("name")
                ))?;
            }
        }
        for stmt in strings(&client, DOMAIN_DEFAULTS).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        let tables = tables(&client).await.map_err(e)?;
        // The manifest names a table `schema.table`: `public."a.b"` and `"public.a".b` would
        // be one name there.
        let mut named = std::collections::HashMap::new();
        for t in &tables {
            if let Some(other) = named.insert(t.name(), t.qualified()) {
                return Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "The tables {other} and {} of the database {} would both be named {} in the backup, so a restore could not tell them apart; rename one of them, then back up again. Nothing was written.",
                        t.qualified(),
                        self.dbname,
                        t.name()
                    ),
                ));
            }
        }
        let mut stats = Vec::new();
        for t in &tables {
            cancel.check()?;
            let copy = format!("COPY {}{} TO STDOUT", t.qualified(), t.columns);
            let stream = client.copy_out(&copy).await.map_err(e)?;
            out.marker("copy")?;
            out.raw(format!("COPY {}{} FROM stdin;\n", t.qualified(), t.columns).as_bytes())?;
            let copy_error = |err| match err {
                CopyError::Db(err) => match err.as_db_error().filter(|d| not_utf8(d)) {
                    Some(d) => self.not_utf8_error(d, Some(&t.name())),
                    None => self.db_error(err),
                },
                CopyError::Io(err) => err,
            };
            let mut stat = copy_lines(stream, |chunk| out.raw(chunk))
                .await
                .map_err(copy_error)?
                .stat(t.name());
            out.raw(b"\\.\n")?;
            stat.generated_fingerprint = generated_fingerprint(&client, t)
                .await
                .map_err(copy_error)?;
            stats.push(stat);
        }
        for s in &sequences {
            let name: String = s.get("name");
            let row = client
                .query_one(
                    &format!("SELECT last_value::text, is_called FROM {name}"),
                    &[],
                )
                .await
                .map_err(e)?;
            let (last, called): (String, bool) = (row.get(0), row.get(1));
            out.stmt(&format!(
                "SELECT pg_catalog.setval('{}', {last}, {called});",
                name.replace('\'', "''")
            ))?;
        }
        for q in [CONSTRAINTS, VALIDATIONS, DOMAIN_CHECKS, LATE_NOT_NULLS] {
            for stmt in strings(&client, q).await.map_err(e)? {
                out.stmt(&stmt)?;
            }
        }
        for stmt in views_in_order(&client).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        for q in [
            OPTIONS,
            &column_storage('m'),
            INDEXES,
            RELATION_SETTINGS,
            ATTACH,
            STATISTICS,
            FOREIGN_KEYS,
            TRIGGERS,
            RULES,
            ROW_SECURITY,
            REFRESH,
            COMMENTS,
            SCHEMA_GRANTS,
            OWNERS,
            GRANTS,
            DEFAULT_PRIVILEGES,
            DATABASE_SETTINGS,
            EXTENSIONS_MADE_SINCE,
        ] {
            for stmt in strings(&client, q).await.map_err(e)? {
                out.stmt(&stmt)?;
            }
        }
        out.finish()?;
        let [schema, _] = schema_fingerprints(&client).await.map_err(e)?;
        let objects = strings(&client, OBJECT_NAMES).await.map_err(e)?;
        client.batch_execute("COMMIT").await.map_err(e)?;
        let snapshot = super::Snapshot {
            server_version: version,
            database_name: self.dbname.clone(),
            method: "native-postgresql".to_string(),
        };
        let inspection = super::Inspection {
            schema_fingerprint: schema,
            tables: stats,
            foreign_key_violations: 0,
            objects: Some(objects),
        };
        Ok((snapshot, inspection))
    }

    /// The live database's objects other than its tables, as a backup lists them.
    pub fn object_names(&self) -> Result<Vec<String>> {
        super::block_on(async {
            let client = self.connect().await?;
            strings(&client, OBJECT_NAMES)
                .await
                .map_err(|e| self.db_error(e))
        })
    }

    /// Check that a staged file is a ShopSafe PostgreSQL dump.
    pub fn check_staged(&self, staged: &Path) -> Result<()> {
        dumpfile::marker(staged, "stmt").map(drop)
    }

    /// Replace the shop's objects with the dump in `staged` inside one transaction, check
    /// the result against `expected` (every table's rows as loaded, the schema), and leave
    /// the transaction open: nothing is visible to others, and the shop's tables stay locked,
    /// until [`Open::commit`]. Any failure rolls the transaction back.
    ///
    /// With `arriving` (its final size and a flag raised if the writer gives up), `staged`
    /// is still being written by another thread, and is loaded as it arrives. A `cancel`
    /// stops the load at its next statement or batch of rows, and rolls it back.
    pub fn apply(
        &self,
        staged: &Path,
        arriving: Option<(u64, &AtomicBool)>,
        expected: Option<&DatabasePart>,
        cancel: &CancelToken,
    ) -> Result<Open> {
        let source: Box<dyn Read + Send> = match arriving {
            Some((size, failed)) => Box::new(Arriving {
                path: staged,
                file: None,
                left: size,
                failed,
            }),
            None => {
                Box::new(crate::paths::open_own(staged).map_err(|e| Error::io("read", staged, e))?)
            }
        };
        let runtime = super::runtime();
        let (pieces_in, pieces) = tokio::sync::mpsc::channel(4);
        let client = std::thread::scope(|s| {
            s.spawn(move || read_dump(source, staged, pieces_in));
            runtime.block_on(async {
            let client = self.connect().await?;
            let e = |e| self.db_error(e);
            // The transaction may wait idle while the media folder is swapped and checked; a
            // server-wide idle timeout must not end it then.
            client
                .batch_execute(
                    &format!("BEGIN; SET LOCAL lock_timeout = '{RESTORE_LOCK_WAIT}s'; SET LOCAL idle_in_transaction_session_timeout = 0; {SHOPS_OWN_FORMS}"),
                )
                .await
                .map_err(e)?;
            let live: String = client
                .query_one("SHOW server_version", &[])
                .await
                .map_err(e)?
                .get(0);
            let result: Result<Vec<String>> = async {
                // A table or sequence the login may not read is in no backup: dropping it
                // would lose it.
                let backed_up = |t: &str| expected.is_some_and(|x| x.tables.iter().any(|b| b.name == t));
                if let Some((kind, name, owner)) = self
                    .unreadable(&client)
                    .await?
                    .into_iter()
                    .find(|(_, t, _)| !backed_up(t))
                {
                    return Err(Error::new(
                        ErrorKind::Database,
                        format!(
                            "The {kind} {name} belongs to role {owner}, and user {user} may not read it, so no backup holds it and this restore, which replaces the shop's tables and sequences, would drop it; grant {user} the right to read it (GRANT SELECT ON {name} TO {user}), move it out of the shop's schemas, or restore with a login that may read it.",
                            user = self.user
                        ),
                    ));
                }
                for stmt in strings(&client, DROPS)
                    .await
                    .map_err(e)?
                    .into_iter()
                    .chain(strings(&client, RESET_DEFAULT_PRIVILEGES).await.map_err(e)?)
                {
                    client.batch_execute(&stmt).await.map_err(|err| {
                        // `DROP TABLE IF EXISTS public.x CASCADE;`: which one waited.
                        let dropping = stmt.strip_prefix("DROP ").and_then(|s| {
                            let (kind, rest) = s.split_once(" IF EXISTS ")?;
                            Some(format!("the {} {}", kind.to_lowercase(), rest.strip_suffix(" CASCADE;")?))
                        });
                        match dropping {
                            Some(what) if err.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
                                self.lock_wait(Some(&what))
                            }
                            _ => self.db_error(err),
                        }
                    })?;
                }
                let loaded = run_dump(&client, pieces, cancel).await.map_err(|err| match err {
                    Replay::Io(err) => err,
                    Replay::Db(err) => {
                        let lacking = err
                            .as_db_error()
                            // A missing role is the server's setup, not its version.
                            .filter(|d| {
                                lacks_something(d.code())
                                    && !d.message().starts_with("role ")
                                    // An extension missing here: its package, not the version.
                                    && missing_extension(d.message()).is_none()
                            })
                            .map(|d| d.message().to_string());
                        let newer = expected.zip(lacking).and_then(|(x, lacking)| {
                            super::from_other_server(
                                "PostgreSQL",
                                &x.server_version,
                                &live,
                                1,
                                &lacking,
                            )
                        });
                        let no_longer = expected.zip(err.as_db_error()).and_then(|(x, d)| {
                            inherited_not_null_dropped(&x.server_version, &live, d)
                                .or_else(|| restricted_search_path(&x.server_version, &live, d))
                        });
                        let inner = self.db_error(err);
                        Error::new(
                            inner.kind,
                            newer.or(no_longer).unwrap_or_else(|| {
                                format!("The backup could not be loaded: {}", inner.message)
                            }),
                        )
                    }
                })?;
                client.batch_execute(TEXT_FORMS).await.map_err(e)?;
                if let Some(expected) = expected {
                    check_loaded(&client, expected, &loaded, cancel)
                        .await
                        .map_err(|err| match err {
                            Replay::Io(err) => err,
                            Replay::Db(err) => self.db_error(err),
                        })?;
                }
                self.left_out(&client).await
            }
            .await;
            match result {
                Ok(notes) => Ok((client, notes)),
                Err(err) => {
                    let _ = client.batch_execute("ROLLBACK").await;
                    Err(err)
                }
            }
        })
        })?;
        let (client, notes) = client;
        Ok(Open {
            runtime,
            client,
            pg: self.clone(),
            notes,
        })
    }

    /// What a loaded dump left out, as notes for the restore's report: the objects the
    /// login could not give back to their owners, and the grants to roles missing here
    /// (the session settings the dump's `DO` blocks filled).
    async fn left_out(&self, client: &Client) -> Result<Vec<String>> {
        let row = client
            .query_one(
                "SELECT pg_catalog.current_setting($1, true), pg_catalog.current_setting($2, true),
                        pg_catalog.current_setting($3, true)",
                &[&NOT_GIVEN, &NOT_GRANTED, &NOT_SET],
            )
            .await
            .map_err(|e| self.db_error(e))?;
        let entries = |i| -> Vec<String> {
            let list: Option<String> = row.get(i);
            let list = list.unwrap_or_default();
            list.split("; ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut notes = Vec::new();
        match entries(0).as_slice() {
            [] => {}
            [one] => notes.push(format!(
                "1 object of the backup stays owned by user {}, which may not give it back to its owner here (or that role does not exist here): {one}.",
                self.user
            )),
            list => notes.push(format!(
                "{} objects of the backup stay owned by user {}, which may not give them back to their owners here (or those roles do not exist here): {}.",
                list.len(),
                self.user,
                list.join(", ")
            )),
        }
        match entries(1).as_slice() {
            [] => {}
            [one] => notes.push(format!(
                "1 grant or policy of the backup names a role that does not exist here, and was left out for it: {one}"
            )),
            list => notes.push(format!(
                "{} grants or policies of the backup name roles that do not exist here, and were left out for them: {}",
                list.len(),
                list.join(" ")
            )),
        }
        let settings = entries(2);
        if !settings.is_empty() {
            notes.push(format!(
                "{} of the database's own settings in the backup could not be made here (user {} may not set {}), and were left out: {}.",
                settings.len(),
                self.user,
                if settings.len() == 1 { "it" } else { "them" },
                settings.join(", ")
            ));
        }
        Ok(notes)
    }
}

/// A restore loaded and checked inside its still-open transaction (see [`Postgres::apply`]).
/// Dropping it without [`Open::commit`] closes the connection, and the server rolls the
/// transaction back.
pub struct Open {
    runtime: tokio::runtime::Runtime,
    client: Client,
    pg: Postgres,
    /// What the restore report should say about the load (objects not given back).
    pub notes: Vec<String>,
}

impl Open {
    /// Make the restore visible. If the server answers with an error it has rolled back
    /// (`changed` false); if the connection fails, whether it committed is not known
    /// (`changed` true).
    pub fn commit(self) -> std::result::Result<(), super::Failed> {
        let Open {
            runtime,
            client,
            pg,
            ..
        } = self;
        runtime
            .block_on(client.batch_execute("COMMIT"))
            .map_err(|e| super::Failed {
                changed: e.as_db_error().is_none(),
                error: if e.as_db_error().is_none() {
                    Error::new(
                        ErrorKind::Database,
                        format!(
                            "The connection to PostgreSQL ({}) failed while the restore was committed, so it is not known whether the database was replaced: {}.",
                            pg.place(),
                            super::innermost(&e)
                        ),
                    )
                } else {
                    pg.db_error(e)
                },
            })
    }

    /// Roll the restore back. If the connection is gone the server has rolled it back already.
    pub fn roll_back(self) {
        let _ = self.runtime.block_on(self.client.batch_execute("ROLLBACK"));
    }
}

/// Why an extension cannot be created.
enum MissingExtension {
    /// The server has no such extension to install.
    NotInstalled(String),
    /// Only a superuser may create it.
    NotAllowed(String),
}

/// Whether a server message says an extension cannot be created, and why.
fn missing_extension(message: &str) -> Option<MissingExtension> {
    let quoted = |s: &str| s.split('"').nth(1).map(str::to_string);
    if let Some(rest) = message.strip_prefix("permission denied to create extension ") {
        return quoted(rest).map(MissingExtension::NotAllowed);
    }
    if message.starts_with("extension ") && message.ends_with(" is not available") {
        return quoted(message).map(MissingExtension::NotInstalled);
    }
    // Before PostgreSQL 15.
    let file = message.strip_prefix("could not open extension control file ")?;
    let name = quoted(file)?
        .rsplit('/')
        .next()?
        .strip_suffix(".control")?
        .to_string();
    Some(MissingExtension::NotInstalled(name))
}

/// For a backup from PostgreSQL 16 or older failing to load into 17 or newer because a
/// function of the shop's, called by an index, a materialized view or a check, no longer
/// finds a name: from 17 on, the server runs such functions with only `pg_catalog` on
/// the search path while it builds or refreshes them. The sentence says how to mend it.
fn restricted_search_path(backup: &str, live: &str, d: &DbError) -> Option<String> {
    let (backup, live) = (super::short_version(backup), super::short_version(live));
    let major = |v: &str| -> u32 { v.split('.').next().unwrap_or("").parse().unwrap_or(0) };
    let function = d.where_()?.lines().find_map(|l| {
        let (_, rest) = l.split_once(" function \"")?;
        Some(rest.split('"').next()?.to_string())
    })?;
    ([
        SqlState::UNDEFINED_FUNCTION,
        SqlState::UNDEFINED_TABLE,
        SqlState::UNDEFINED_OBJECT,
    ]
    .contains(d.code())
        && major(backup) < 17
        && major(live) >= 17)
        .then(|| {
            format!(
                "The backup comes from PostgreSQL {backup}, and PostgreSQL {live} runs the function {function} (for an index, a materialized view or a check) with only pg_catalog on its search path, so it no longer finds what it uses ({}); give that function its own search path in the shop (ALTER FUNCTION {function} SET search_path = public, or the schemas it uses), back up again and restore that backup, or restore into PostgreSQL 16 or older.",
                d.message()
            )
        })
}

/// The sentence for a backup from PostgreSQL 17 or older whose inheriting table lets a
/// column be NULL that its parent keeps NOT NULL, loaded into PostgreSQL 18 or newer, where
/// every inheritor keeps its parents' NOT NULL constraints.
fn inherited_not_null_dropped(backup: &str, live: &str, d: &DbError) -> Option<String> {
    let (backup, live) = (super::short_version(backup), super::short_version(live));
    let major = |v: &str| -> u32 { v.split('.').next().unwrap_or("").parse().unwrap_or(0) };
    (d.code() == &SqlState::INVALID_TABLE_DEFINITION
        && d.message().starts_with("cannot drop inherited constraint")
        && major(backup) < 18
        && major(live) >= 18)
        .then(|| {
            format!(
                "The backup comes from PostgreSQL {backup} and has a table that lets a column be empty where the table it inherits from does not, which PostgreSQL {live} no longer allows ({}); restore it into PostgreSQL 17 or older, or make that column NOT NULL in the shop and back up again.",
                d.message()
            )
        })
}

/// Whether the server could not send text as UTF-8: bytes that are no text in the
/// database's encoding (SQL_ASCII holds any), or a character UTF-8 lacks.
fn not_utf8(d: &DbError) -> bool {
    [
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        SqlState::UNTRANSLATABLE_CHARACTER,
    ]
    .contains(d.code())
}

/// Whether a failed statement names something the server does not know: syntax, objects,
/// functions, types, columns, features or settings (of a newer server, say).
fn lacks_something(code: &SqlState) -> bool {
    [
        SqlState::SYNTAX_ERROR,
        SqlState::UNDEFINED_OBJECT,
        SqlState::UNDEFINED_FUNCTION,
        SqlState::UNDEFINED_COLUMN,
        SqlState::FEATURE_NOT_SUPPORTED,
        SqlState::INVALID_PARAMETER_VALUE,
    ]
    .contains(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_the_server_cannot_create_are_recognised() {
        let name = |m: &str| match missing_extension(m) {
            Some(MissingExtension::NotAllowed(n)) => format!("not allowed {n}"),
            Some(MissingExtension::NotInstalled(n)) => format!("not installed {n}"),
            None => "none".into(),
        };
        assert_eq!(
            name("permission denied to create extension \"postgis\""),
            "not allowed postgis"
        );
        assert_eq!(
            name("extension \"postgis\" is not available"),
            "not installed postgis"
        );
        // PostgreSQL 14 and older.
        assert_eq!(
            name("could not open extension control file \"/usr/share/postgresql/13/extension/postgis.control\": No such file or directory"),
            "not installed postgis"
        );
        assert_eq!(name("permission denied for table x"), "none");
    }

    #[test]
    fn urls_parse_and_never_show_the_password() {
        let p = Postgres::parse("shop:s%40cret@db.example:6543/my_shop").unwrap();
        assert_eq!(p.user, "shop");
        assert_eq!(p.password.as_deref(), Some("s@cret"));
        assert_eq!(
            (p.host.as_str(), p.port, p.dbname.as_str()),
            ("db.example", 6543, "my_shop")
        );
        assert_eq!(p.url(), "postgres://shop@db.example:6543/my_shop");
        assert!(!format!("{p:?}").contains("s@cret"));
        let s = Postgres::parse("shop@/my_shop?host=/run/postgresql&port=5433").unwrap();
        assert_eq!((s.host.as_str(), s.port), ("/run/postgresql", 5433));
        assert_eq!(Postgres::parse(&s.url()["postgres://".len()..]).unwrap(), s);
        assert!(Postgres::parse("nobody").is_err());
        assert!(Postgres::parse("u@h:notaport/db").is_err());
        let v = Postgres::parse("u@h/db?sslmode=verify-full&sslrootcert=/etc/ca%20files/ca.pem")
            .unwrap();
        assert_eq!(v.tls_ca.as_deref(), Some("/etc/ca files/ca.pem"));
        assert_eq!(
            v.url(),
            "postgres://u@h:5432/db?sslmode=verify-full&sslrootcert=/etc/ca%20files/ca.pem"
        );
        assert_eq!(Postgres::parse(&v.url()["postgres://".len()..]).unwrap(), v);
    }
}
