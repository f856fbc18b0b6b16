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

use super::dumpfile::{self, DumpTo, DumpWriter};
use super::rowsum::RowSum;
use super::tls::{self, TlsMode};
use crate::hashing::hex;
use crate::manifest::DatabasePart;
use crate::progress::CancelToken;
use crate::secrets::HOW_TO_GIVE;
use crate::{Error, ErrorKind, Result};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Duration;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

pub const ENGINE: &str = "postgresql";
/// Name of the database part inside the archive.
pub const ENTRY: &str = "database/dump.sql";

/// Settings every dump and restore session uses, so text forms are the same on both sides
/// whatever the role or database sets (no time limit on a statement, an idle transaction or
/// a whole transaction, which a long dump, index build or a restore waiting for its archive
/// check would pass; `transaction_timeout` is only known from PostgreSQL 17 on; no JIT
/// compilation, which costs seconds on the catalog queries and gains nothing).
const SESSION: &str = "SET statement_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SELECT pg_catalog.set_config('transaction_timeout', '0', false) WHERE pg_catalog.current_setting('server_version_num')::int >= 170000;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET client_min_messages = warning;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET TimeZone = 'UTC';
SET extra_float_digits = 3;
SET bytea_output = 'hex';
SET xmloption = content;
SET array_nulls = on;
SET row_security = off;
SET jit = off;
SELECT pg_catalog.set_config('search_path', '', false);";

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
        format!("{} on {}:{}", self.dbname, self.host, self.port)
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
        // of a batch holding it.
        for settings in ["SET statement_timeout = 0", SESSION] {
            client
                .batch_execute(settings)
                .await
                .map_err(|e| self.db_error(e))?;
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
                    && source_text(&e).contains("no encryption") =>
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
                if source_text(&e).contains("server does not support TLS") {
                    return Error::invalid(format!(
                        "The PostgreSQL server at {}:{} does not offer TLS, but the database URL says sslmode={}; turn on ssl in the server{}.",
                        self.host,
                        self.port,
                        self.tls.pg_name(),
                        if self.tls.verifies() { "" } else { ", or use sslmode=prefer" }
                    ));
                }
                if source_text(&e).contains("password missing") {
                    return Error::new(
                        ErrorKind::PasswordRequired,
                        format!("The PostgreSQL server asks for a password for user {user}; {HOW_TO_GIVE}."),
                    );
                } else {
                    format!(
                        "Could not reach the PostgreSQL server at {}:{}; check the host and port and that the server is running ({}).",
                        self.host,
                        self.port,
                        source_text(&e)
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
                    && (db.message().starts_with("must be member of role ")
                        || db.message().starts_with("must be able to SET ROLE ")) =>
            {
                // The server quotes the role's name: `… SET ROLE "reporting"`.
                let quoted = db.message().find('"').map_or("", |i| &db.message()[i..]);
                let role = quoted.trim_matches('"').replace("\"\"", "\"");
                Error::new(
                    ErrorKind::Database,
                    format!(
                        "Objects of the backup belong to the role {role}, to which user {user} may not give them in {}; make {user} a member of {role} (GRANT {quoted} TO {user}, run by a superuser), or restore as {role}.",
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
            Some(db) if not_utf8(db) => self.not_utf8_error(db, None),
            Some(db) if *db.code() == SqlState::LOCK_NOT_AVAILABLE => Error::new(
                ErrorKind::Database,
                format!(
                    "Another connection to {} (the running site, say) held a lock on a table ShopSafe needed for over {RESTORE_LOCK_WAIT} seconds; stop the site or wait until that work is done, then try again.",
                    self.place()
                ),
            ),
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
                // Where it happened (a function of the shop's, say), when the server says.
                let context = db
                    .where_()
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
                format!("The connection to PostgreSQL ({}) failed: {}.", self.place(), source_text(&e)),
            ),
        }
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
    pub fn describe(&self) -> Result<String> {
        super::block_on(async {
            let client = self.connect().await?;
            let e = |e| self.db_error(e);
            let version: String = client
                .query_one("SHOW server_version", &[])
                .await
                .map_err(e)?
                .get(0);
            let n = tables(&client).await.map_err(e)?.len();
            let foreign = strings(&client, NOT_REPLACEABLE).await.map_err(e)?;
            let warning = match foreign.as_slice() {
                [] => String::new(),
                [first, ..] => format!(
                    "; user {user} could not restore over it, as {} of its objects belong to roles it is not a member of ({first}{}): make {user} a member of those roles (GRANT role TO {user}) or use the login that owns them",
                    foreign.len(),
                    if foreign.len() > 1 { ", …" } else { "" },
                    user = self.user
                ),
            };
            Ok(format!(
                "PostgreSQL {} — {}{warning}",
                super::short_version(&version),
                super::tables_phrase(n)
            ))
        })
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
            return Err(Error::invalid(format!(
                "The database {} holds things ShopSafe cannot back up natively yet: {}; nothing was written.",
                self.dbname,
                unsupported.join(", ")
            )));
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
        for stmt in strings(&client, FUNCTIONS).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        let sequences = client.query(&expand(SEQUENCES), &[]).await.map_err(e)?;
        for s in &sequences {
            let identity: bool = s.get("identity");
            if !identity {
                out.stmt(&s.get::<_, String>("create"))?;
            }
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
        let mut stats = Vec::new();
        for t in &tables {
            cancel.check()?;
            let copy = format!("COPY {}{} TO STDOUT", t.qualified(), t.columns);
            let stream = client.copy_out(&copy).await.map_err(e)?;
            out.marker("copy")?;
            out.raw(format!("COPY {}{} FROM stdin;\n", t.qualified(), t.columns).as_bytes())?;
            let stat =
                copy_lines(stream, |chunk| out.raw(chunk))
                    .await
                    .map_err(|err| match err {
                        CopyError::Db(err) => match err.as_db_error().filter(|d| not_utf8(d)) {
                            Some(d) => self.not_utf8_error(d, Some(&t.name())),
                            None => self.db_error(err),
                        },
                        CopyError::Io(err) => err,
                    })?;
            out.raw(b"\\.\n")?;
            stats.push(stat.stat(t.name()));
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
            OWNERS,
            GRANTS,
        ] {
            for stmt in strings(&client, q).await.map_err(e)? {
                out.stmt(&stmt)?;
            }
        }
        out.finish()?;
        let [schema, _] = schema_fingerprints(&client).await.map_err(e)?;
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
        };
        Ok((snapshot, inspection))
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
    /// is still being written by another thread, and is loaded as it arrives.
    pub fn apply(
        &self,
        staged: &Path,
        arriving: Option<(u64, &AtomicBool)>,
        expected: Option<&DatabasePart>,
    ) -> Result<Open> {
        let source: Box<dyn Read + Send> = match arriving {
            Some((size, failed)) => Box::new(Arriving {
                path: staged,
                file: None,
                left: size,
                failed,
            }),
            None => {
                Box::new(std::fs::File::open(staged).map_err(|e| Error::io("read", staged, e))?)
            }
        };
        let runtime = super::runtime();
        let (pieces_in, pieces) = std::sync::mpsc::sync_channel(4);
        let client = std::thread::scope(|s| {
            s.spawn(move || read_dump(source, staged, pieces_in));
            runtime.block_on(async {
            let client = self.connect().await?;
            let e = |e| self.db_error(e);
            // The transaction may wait idle while the media folder is swapped and checked; a
            // server-wide idle timeout must not end it then.
            client
                .batch_execute(
                    &format!("BEGIN; SET LOCAL lock_timeout = '{RESTORE_LOCK_WAIT}s'; SET LOCAL idle_in_transaction_session_timeout = 0"),
                )
                .await
                .map_err(e)?;
            let live: String = client
                .query_one("SHOW server_version", &[])
                .await
                .map_err(e)?
                .get(0);
            let result: Result<()> = async {
                for stmt in strings(&client, DROPS).await.map_err(e)? {
                    client.batch_execute(&stmt).await.map_err(e)?;
                }
                let loaded = run_dump(&client, pieces).await.map_err(|err| match err {
                    Replay::Io(err) => err,
                    Replay::Db(err) => {
                        let lacking = err
                            .as_db_error()
                            // A missing role is the server's setup, not its version.
                            .filter(|d| {
                                lacks_something(d.code()) && !d.message().starts_with("role ")
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
                if let Some(expected) = expected {
                    check_loaded(&client, expected, &loaded)
                        .await
                        .map_err(|err| match err {
                            Replay::Io(err) => err,
                            Replay::Db(err) => self.db_error(err),
                        })?;
                }
                Ok(())
            }
            .await;
            match result {
                Ok(()) => Ok(client),
                Err(err) => {
                    let _ = client.batch_execute("ROLLBACK").await;
                    Err(err)
                }
            }
        })
        })?;
        Ok(Open {
            runtime,
            client,
            pg: self.clone(),
        })
    }

    /// Check the live database equals what the manifest records.
    pub fn verify_live(&self, expected: &DatabasePart) -> Result<()> {
        super::block_on(async {
            let client = self.connect().await?;
            compare(&client, expected, &[])
                .await
                .map_err(|err| match err {
                    Replay::Io(err) => err,
                    Replay::Db(err) => self.db_error(err),
                })
        })
    }
}

/// A restore loaded and checked inside its still-open transaction (see [`Postgres::apply`]).
/// Dropping it without [`Open::commit`] closes the connection, and the server rolls the
/// transaction back.
pub struct Open {
    runtime: tokio::runtime::Runtime,
    client: Client,
    pg: Postgres,
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
                            source_text(&e)
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

/// The sentence for a backup from PostgreSQL 17 or older whose inheriting table lets a
/// column be NULL that its parent keeps NOT NULL, loaded into PostgreSQL 18 or newer, where
/// every inheritor keeps its parents' NOT NULL constraints.
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

fn source_text(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = s.to_string();
        source = s.source();
    }
    text.trim_end_matches('.').to_string()
}

/// A table to dump.
struct Table {
    oid: u32,
    schema: String,
    name: String,
    /// The columns its rows are copied in and out with (` ("a", "b")`, in the table's
    /// order, without generated columns), or nothing for a table without columns.
    columns: String,
}

impl Table {
    fn qualified(&self) -> String {
        format!("{}.{}", quote(&self.schema), quote(&self.name))
    }

    /// The name in the manifest: `schema.table`.
    fn name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The shop's own schemas: not system schemas, not owned by an extension.
const USER_SCHEMA: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_namespace'::regclass
                    AND d.objid = n.oid AND d.deptype = 'e')";

/// The shop's tables that hold rows (partitions among them).
async fn tables(client: &Client) -> std::result::Result<Vec<Table>, tokio_postgres::Error> {
    relations(client, "'r'").await
}

/// The shop's relations whose `relkind` is among `kinds` (`'r', 'p'`…), by name.
async fn relations(
    client: &Client,
    kinds: &str,
) -> std::result::Result<Vec<Table>, tokio_postgres::Error> {
    let q = format!(
        "SELECT c.oid, n.nspname, c.relname,
                ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                       ORDER BY a.attnum)
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ({kinds}) AND {{USER_SCHEMA}} AND {{CLASS_NOT_EXT}}
          ORDER BY n.nspname, c.relname"
    );
    Ok(client
        .query(&expand(&q), &[])
        .await?
        .into_iter()
        .map(|r| {
            let columns: Vec<String> = r.get(3);
            Table {
                oid: r.get(0),
                schema: r.get(1),
                name: r.get(2),
                columns: match columns.is_empty() {
                    true => String::new(),
                    false => format!(
                        " ({})",
                        columns
                            .iter()
                            .map(|c| quote(c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            }
        })
        .collect())
}

/// Run a query whose rows are one text column each.
async fn strings(
    client: &Client,
    query: &str,
) -> std::result::Result<Vec<String>, tokio_postgres::Error> {
    Ok(client
        .query(&expand(query), &[])
        .await?
        .into_iter()
        .map(|r| r.get(0))
        .collect())
}

/// Fill in the shared fragments of a catalog query. `{not_ext:CATALOG:OID}` is the condition
/// that the object whose oid is `OID` in `pg_catalog.CATALOG` was not created by an
/// extension; `{CLASS_NOT_EXT}`, `{TYPE_NOT_EXT}` and `{PROC_NOT_EXT}` are it for the
/// relation `c`, the type `t` and the routine `p` (which must not be part of another object
/// either, as a range type's constructors are). `{modify:COL}`, `{enabled:COL}` and
/// `{element:TYPE}` are the keyword and type expressions described below.
fn expand(query: &str) -> String {
    let mut query = query
        .replace("{OWNED}", OWNED)
        .replace("{NEEDS_TABLES}", NEEDS_TABLES)
        .replace("{ROUTINES_USED}", ROUTINES_USED)
        .replace("{GRANTEE}", GRANTEE)
        .replace("{ROUTINE_SIGNATURE}", ROUTINE_SIGNATURE)
        .replace("{ALTER_KIND}", ALTER_KIND)
        // A relation `c`'s storage options and (`tc` joined as its TOAST table) its TOAST
        // table's; a column `a`'s options (`n_distinct`…).
        .replace(
            "{RELOPTIONS}",
            &option_list(
                "SELECT '' AS prefix, unnest(c.reloptions) AS o UNION ALL SELECT 'toast.', unnest(tc.reloptions)",
            ),
        )
        .replace(
            "{ATTOPTIONS}",
            &option_list("SELECT '' AS prefix, unnest(a.attoptions) AS o"),
        )
        .replace("{STANDALONE_TYPE}", STANDALONE_TYPE)
        .replace("{LATE_CHECK}", LATE_CHECK)
        .replace(
            "{U_REACHES_RELATION_ROW_TYPE}",
            &type_reaches("u.oid", &row_type_of("<> 'c'")),
        )
        .replace(
            "{U_REACHES_VIEW_ROW_TYPE}",
            &type_reaches("u.oid", &row_type_of("IN ('v', 'm')")),
        )
        .replace("{USER_SCHEMA}", USER_SCHEMA)
        .replace("{CLASS_NOT_EXT}", "{not_ext:pg_class:c.oid}")
        .replace("{TYPE_NOT_EXT}", "{not_ext:pg_type:t.oid}")
        .replace(
            "{PROC_NOT_EXT}",
            "{not_ext:pg_proc:p.oid} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend part
                 WHERE part.classid = 'pg_catalog.pg_proc'::regclass AND part.objid = p.oid AND part.deptype = 'i')",
        );
    // The fragments that take an argument, `{name:ARG}`, expanded last, as the ones above
    // may hold them.
    let with_argument = ["{not_ext:", "{modify:", "{enabled:", "{element:"];
    while let Some(start) = with_argument.iter().filter_map(|f| query.find(f)).min() {
        let end = start + query[start..].find('}').expect("a closed {name:ARG}");
        let (name, arg) = query[start + 1..end].split_once(':').expect("{name:ARG}");
        let fragment = match name {
            // Not created by an extension: ARG is `CATALOG:OID`.
            "not_ext" => {
                let (catalog, oid) = arg.split_once(':').expect("{not_ext:CATALOG:OID}");
                format!(
                    "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext WHERE ext.classid = 'pg_catalog.{catalog}'::regclass
                            AND ext.objid = {oid} AND ext.deptype = 'e')"
                )
            }
            // The `FINALFUNC_MODIFY` keyword for an aggregate's ARG column.
            "modify" => format!(
                "CASE {arg} WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END"
            ),
            // The `ALTER TABLE` keyword that sets a trigger or rule (its ARG column, not
            // `'O'`) to fire as it did.
            "enabled" => format!(
                "CASE {arg} WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA' ELSE 'ENABLE ALWAYS' END"
            ),
            // The type ARG (a `pg_type` row) or, for an array type, its element type.
            "element" => format!("CASE WHEN {arg}.typcategory = 'A' THEN {arg}.typelem ELSE {arg}.oid END"),
            other => unreachable!("no fragment {{{other}:…}}"),
        };
        query.replace_range(start..=end, &fragment);
    }
    query
}

/// A type `ty` that is the row type of a relation whose kind meets `kind`.
fn row_type_of(kind: &str) -> String {
    format!(
        "ty.typtype = 'c' AND (SELECT rc.relkind FROM pg_catalog.pg_class rc WHERE rc.oid = ty.typrelid) {kind}"
    )
}

/// Whether the type `start`, or what it is an array of or a domain over (at any depth), is a
/// type `ty` meeting `found`. The set of such types is computed once per query (an
/// uncorrelated subquery), upwards from the types meeting `found`.
fn type_reaches(start: &str, found: &str) -> String {
    format!(
        "{start} IN (WITH RECURSIVE reach(oid) AS (
             SELECT ty.oid FROM pg_catalog.pg_type ty WHERE {found}
             UNION
             SELECT w.oid FROM reach JOIN pg_catalog.pg_type w
                 ON (w.typtype = 'd' AND w.typbasetype = reach.oid)
                 OR (w.typcategory = 'A' AND w.typelem = reach.oid))
         SELECT oid FROM reach)"
    )
}

const UNSUPPORTED: &str = "
SELECT format('foreign table %I.%I', n.nspname, c.relname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'f' AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('range type %s (%s)', t.oid::regtype,
              CASE WHEN r.rngcanonical <> 0 THEN 'a canonical function'
                   WHEN st.typtype NOT IN ('b', 'e') THEN 'over a domain, composite or range type'
                   ELSE 'a subtype difference function of the database''s own' END)
  FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
 WHERE {USER_SCHEMA} AND {TYPE_NOT_EXT}
   AND (r.rngcanonical <> 0 OR st.typtype NOT IN ('b', 'e')
        OR r.rngsubdiff IN (SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                             WHERE {USER_SCHEMA} AND {PROC_NOT_EXT}))
UNION ALL
SELECT format('%s %s (its %s %I is of a table''s or view''s row type)',
              CASE c.relkind WHEN 'c' THEN 'composite type' ELSE 'table' END, c.oid::regclass,
              CASE c.relkind WHEN 'c' THEN 'attribute' ELSE 'column' END, a.attname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid CROSS JOIN LATERAL (SELECT a.atttypid) u(oid)
 WHERE a.attnum > 0 AND NOT a.attisdropped AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND c.relkind IN ('c', 'r', 'p') AND {U_REACHES_RELATION_ROW_TYPE}
UNION ALL
SELECT format('%s %s (a view''s row type among its argument or result types)',
              CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, p.oid::regprocedure)
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
   AND p.oid IN (SELECT fp.oid FROM pg_catalog.pg_proc fp
                  CROSS JOIN LATERAL unnest(fp.proargtypes::oid[] || fp.prorettype) AS u(oid)
                 WHERE {U_REACHES_VIEW_ROW_TYPE})
UNION ALL
SELECT format('domain %s (over a table''s or view''s row type)', t.oid::regtype)
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  CROSS JOIN LATERAL (SELECT t.typbasetype) u(oid)
 WHERE t.typtype = 'd' AND {USER_SCHEMA} AND {TYPE_NOT_EXT} AND {U_REACHES_RELATION_ROW_TYPE}
UNION ALL
SELECT format('domain %s (a check that calls the database''s own functions, on a domain used in an array or composite type, where PostgreSQL cannot add it once there are rows)', t.oid::regtype)
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype = 'd' AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
   AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid AND co.convalidated AND {LATE_CHECK})
   AND EXISTS (WITH RECURSIVE built(oid) AS (
                 SELECT t.oid UNION SELECT w.oid FROM built JOIN pg_catalog.pg_type w
                     ON (w.typtype = 'd' AND w.typbasetype = built.oid) OR (w.typcategory = 'A' AND w.typelem = built.oid))
               SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class ac ON ac.oid = a.attrelid
                 JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                WHERE a.atttypid IN (SELECT oid FROM built) AND a.attnum > 0 AND NOT a.attisdropped
                  AND (at.typcategory = 'A' OR ac.relkind = 'c'))
UNION ALL
SELECT format('window function %s', p.oid::regprocedure) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind = 'w' AND {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT format('text search parser %I.%I', n.nspname, t.prsname) FROM pg_catalog.pg_ts_parser t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.prsnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_parser:t.oid}
UNION ALL
SELECT format('text search template %I.%I', n.nspname, t.tmplname) FROM pg_catalog.pg_ts_template t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_template:t.oid}
UNION ALL
SELECT 'large objects' WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_largeobject_metadata)
UNION ALL
SELECT format('table %s (a line break in its name or a column''s, which its COPY line cannot hold)', c.oid::regclass)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND (c.relname ~ '[\n\r]' OR n.nspname ~ '[\n\r]'
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                      AND NOT a.attisdropped AND a.attname ~ '[\n\r]'))
UNION ALL
SELECT format('operator %s', o.oid::regoperator) FROM pg_catalog.pg_operator o
  JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE {USER_SCHEMA} AND {not_ext:pg_operator:o.oid}
UNION ALL
SELECT format('operator class %I.%I', n.nspname, oc.opcname) FROM pg_catalog.pg_opclass oc
  JOIN pg_catalog.pg_namespace n ON n.oid = oc.opcnamespace WHERE {USER_SCHEMA} AND {not_ext:pg_opclass:oc.oid}
UNION ALL
SELECT format('operator family %I.%I', n.nspname, f.opfname) FROM pg_catalog.pg_opfamily f
  JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace WHERE {USER_SCHEMA} AND {not_ext:pg_opfamily:f.oid}
UNION ALL
SELECT format('row level security forced on %s (it would hide rows from the dump even for the table''s owner)',
              c.oid::regclass)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relforcerowsecurity AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
";

/// Extensions' configuration tables this login can read (PostGIS's `spatial_ref_sys`, say),
/// each with the query counting the rows that are not the extension's own (its
/// `extcondition` picks the rows an extension leaves to the user). Such rows are not
/// dumped, so a backup refuses while there are any.
const EXTENSION_TABLES: &str = "
SELECT format('SELECT count(*) FROM %s %s', c.oid::regclass, x.cond), c.oid::regclass::text, e.extname::text
  FROM pg_catalog.pg_extension e CROSS JOIN LATERAL unnest(e.extconfig, e.extcondition) AS x(oid, cond)
  JOIN pg_catalog.pg_class c ON c.oid = x.oid
 WHERE c.relkind = 'r' AND pg_catalog.has_table_privilege(c.oid, 'SELECT')";

const SCHEMAS: &str = "
SELECT format('CREATE SCHEMA IF NOT EXISTS %I;', n.nspname) FROM pg_catalog.pg_namespace n
 WHERE {USER_SCHEMA} AND n.nspname <> 'public' ORDER BY n.nspname";

const EXTENSIONS: &str = "
SELECT format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I;', e.extname, n.nspname)
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname <> 'plpgsql' ORDER BY e.oid";

/// The shop's own collations (a case-insensitive ICU one, say), before the types and tables
/// that use them. The locale's column differs between versions (`colllocale` from 17,
/// `colliculocale` in 15 and 16, `collcollate` before), so the row is read as JSON.
const COLLATIONS: &str = "
SELECT format('CREATE COLLATION %I.%I (provider = %s, %s, deterministic = %s%s);', n.nspname, co.collname,
              CASE co.collprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END,
              CASE WHEN co.collprovider IN ('i', 'b')
                   THEN format('locale = %L', coalesce(j->>'colllocale', j->>'colliculocale', co.collcollate))
                   ELSE format('lc_collate = %L, lc_ctype = %L', co.collcollate, co.collctype) END,
              CASE WHEN co.collisdeterministic THEN 'true' ELSE 'false' END,
              coalesce(', rules = ' || quote_literal(j->>'collicurules'), ''))
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
  CROSS JOIN LATERAL to_jsonb(co) j
 WHERE {USER_SCHEMA} AND {not_ext:pg_collation:co.oid} ORDER BY co.oid";

/// Text search dictionaries (over any template, such as `snowball` or an extension's
/// `unaccent`) and configurations with every token type's dictionaries, before the tables
/// whose generated columns and indexes name them.
const TEXT_SEARCH: &str = "
SELECT stmt FROM (
SELECT format('CREATE TEXT SEARCH DICTIONARY %I.%I (TEMPLATE = %I.%I%s);', n.nspname, d.dictname,
              tn.nspname, t.tmplname, coalesce(', ' || d.dictinitoption, '')) AS stmt, 1 AS step, d.oid
  FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
  JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_dict:d.oid}
UNION ALL
SELECT format('CREATE TEXT SEARCH CONFIGURATION %I.%I (PARSER = %I.%I);', n.nspname, c.cfgname, pn.nspname, p.prsname)
       || coalesce((SELECT string_agg(format(E'\nALTER TEXT SEARCH CONFIGURATION %I.%I ADD MAPPING FOR %s WITH %s;',
                                             n.nspname, c.cfgname, tt.alias,
                                             (SELECT string_agg(m.mapdict::pg_catalog.regdictionary::text, ', ' ORDER BY m.mapseqno)
                                                FROM pg_catalog.pg_ts_config_map m
                                               WHERE m.mapcfg = c.oid AND m.maptokentype = tt.tokid)), '' ORDER BY tt.tokid)
                      FROM pg_catalog.ts_token_type(c.cfgparser) tt
                     WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config_map m
                                    WHERE m.mapcfg = c.oid AND m.maptokentype = tt.tokid)), ''), 2, c.oid
  FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
  JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_config:c.oid}
) s ORDER BY step, oid";

const ENUMS: &str = "
SELECT format('CREATE TYPE %I.%I AS ENUM (%s);', n.nspname, t.typname,
              (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                 FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid))
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype = 'e' AND {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// Range types (over a base type or an enum, with the server's own subtype difference
/// function if any: others are refused, see `UNSUPPORTED`), after the enums and before the
/// domains, each with its multirange type's name.
const RANGES: &str = "
SELECT format('CREATE TYPE %I.%I AS RANGE (%s);', n.nspname, t.typname, concat_ws(', ',
         'SUBTYPE = ' || pg_catalog.format_type(r.rngsubtype, NULL),
         CASE WHEN NOT opc.opcdefault THEN format('SUBTYPE_OPCLASS = %I.%I', opn.nspname, opc.opcname) END,
         (SELECT format('COLLATION = %I.%I', cn.nspname, co.collname)
            FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
           WHERE co.oid = r.rngcollation),
         CASE WHEN r.rngsubdiff <> 0 THEN 'SUBTYPE_DIFF = ' || r.rngsubdiff::regproc END,
         (SELECT format('MULTIRANGE_TYPE_NAME = %I.%I', mn.nspname, m.typname)
            FROM pg_catalog.pg_type m JOIN pg_catalog.pg_namespace mn ON mn.oid = m.typnamespace
           WHERE m.oid = r.rngmultitypid)))
  FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
  JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
 WHERE {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// Domains with the types they are made of (base type, types their checks name), after the
/// enums they may be over and before the functions and tables that use them. Their defaults come later, in `DOMAIN_DEFAULTS`, and some checks after the rows, in
/// `DOMAIN_CHECKS`.
const DOMAINS: &str = "
SELECT t.oid, {element:bt} || ARRAY(SELECT d.refobjid FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_depend d
                    ON d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid = co.oid
                   AND d.refclassid = 'pg_catalog.pg_type'::regclass WHERE co.contypid = t.oid),
       format('CREATE DOMAIN %I.%I AS %s%s%s%s;', n.nspname, t.typname,
              pg_catalog.format_type(t.typbasetype, t.typtypmod),
              CASE WHEN t.typcollation <> bt.typcollation AND t.typcollation <> 0
                   THEN (SELECT format(' COLLATE %I.%I', cn.nspname, co.collname) FROM pg_catalog.pg_collation co
                           JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation)
                   ELSE '' END,
              CASE WHEN t.typnotnull AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co
                                                      WHERE co.contypid = t.oid AND co.contype = 'n')
                   THEN ' NOT NULL' ELSE '' END,
              (SELECT coalesce(string_agg(format(' CONSTRAINT %I %s', co.conname, pg_catalog.pg_get_constraintdef(co.oid)),
                                          '' ORDER BY co.conname), '')
                 FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid AND co.contype IN ('c', 'n') AND NOT {LATE_CHECK}))
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
 WHERE t.typtype = 'd' AND {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// A domain's check `co` that is added after the rows (`DOMAIN_CHECKS`) rather than in
/// `CREATE DOMAIN`: one not yet validated (the rows may break it), or one calling the
/// database's own functions (which may take the domain as an argument themselves).
const LATE_CHECK: &str = "(co.contype = 'c' AND (NOT co.convalidated
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.refobjid
                 JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid = co.oid
                  AND d.refclassid = 'pg_catalog.pg_proc'::regclass AND {USER_SCHEMA} AND {PROC_NOT_EXT})))";

/// Domains' checks that come after the rows (see `LATE_CHECK`): adding one checks the rows
/// already there, unless it was `NOT VALID`.
const DOMAIN_CHECKS: &str = "
SELECT format('ALTER DOMAIN %s ADD CONSTRAINT %I %s;', t.oid::regtype, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_type t ON t.oid = co.contypid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE {USER_SCHEMA} AND {TYPE_NOT_EXT} AND {LATE_CHECK} ORDER BY t.oid, co.conname";

/// Domains' defaults, once the sequences and functions they may call exist (and before any
/// row is loaded), deparsed schema-qualified.
const DOMAIN_DEFAULTS: &str = "
SELECT format('ALTER DOMAIN %I.%I SET DEFAULT %s;', n.nspname, t.typname, pg_catalog.pg_get_expr(t.typdefaultbin, 0))
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype = 'd' AND t.typdefaultbin IS NOT NULL AND {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// Composite types with the types of their attributes (ordered with the domains by
/// `domains_and_composites`; one with an attribute of a table's or view's row type is
/// refused: see `UNSUPPORTED`).
const COMPOSITES: &str = "
SELECT t.oid, ARRAY(SELECT {element:at} FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                     WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
       format('CREATE TYPE %I.%I AS (%s);', n.nspname, t.typname,
              (SELECT coalesce(string_agg(format('%I %s%s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                                                 CASE WHEN a.attcollation <> at.typcollation AND a.attcollation <> 0
                                                      THEN (SELECT format(' COLLATE %I.%I', cn.nspname, co.collname)
                                                              FROM pg_catalog.pg_collation co
                                                              JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                                                             WHERE co.oid = a.attcollation)
                                                      ELSE '' END), ', ' ORDER BY a.attnum), '')
                 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped))
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
 WHERE t.typtype = 'c' AND c.relkind = 'c' AND {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// The `CREATE` statements of the shop's domains and composite types, each after the ones
/// it is made of (a composite of composites, a domain over one, a composite with a domain
/// attribute, a domain whose check names a type…); otherwise domains first, each group in
/// creation order.
async fn domains_and_composites(
    client: &Client,
) -> std::result::Result<Vec<String>, tokio_postgres::Error> {
    let mut types = Vec::new();
    for q in [DOMAINS, COMPOSITES] {
        for r in client.query(&expand(q), &[]).await? {
            types.push((r.get(0), r.get(2), r.get(1)));
        }
    }
    Ok(in_dependency_order(types))
}

/// Functions that need tables to exist first: an SQL-standard body (`BEGIN ATOMIC`), or a
/// table's or view's row type (or an array of or domain over one) among their argument or
/// result types.
const NEEDS_TABLES: &str = "(p.prosqlbody IS NOT NULL OR p.oid IN (
    SELECT fp.oid FROM pg_catalog.pg_proc fp CROSS JOIN LATERAL unnest(fp.proargtypes::oid[] || fp.prorettype) AS u(oid)
     WHERE {U_REACHES_RELATION_ROW_TYPE}))";

const FUNCTIONS: &str = "
SELECT pg_catalog.pg_get_functiondef(p.oid) || ';'
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p') AND {USER_SCHEMA} AND {PROC_NOT_EXT} AND NOT {NEEDS_TABLES} ORDER BY p.oid";

const FUNCTIONS_ON_TABLES: &str = "
SELECT p.oid, {ROUTINES_USED}, pg_catalog.pg_get_functiondef(p.oid) || ';'
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p') AND {USER_SCHEMA} AND {PROC_NOT_EXT} AND {NEEDS_TABLES} ORDER BY p.oid";

/// The routines a routine `p` is made of (an aggregate's functions) or calls (a `BEGIN
/// ATOMIC` body), as the server records them.
const ROUTINES_USED: &str = "ARRAY(SELECT d.refobjid FROM pg_catalog.pg_depend d
     WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
       AND d.refclassid = 'pg_catalog.pg_proc'::regclass)";

/// The `CREATE` statements of the routines `queries` select (oid, routines used, statement),
/// each after the ones among them it uses.
async fn routines_in_order(
    client: &Client,
    queries: &[String],
) -> std::result::Result<Vec<String>, tokio_postgres::Error> {
    let mut routines = Vec::new();
    for q in queries {
        for r in client.query(&expand(q), &[]).await? {
            routines.push((r.get(0), r.get(2), r.get(1)));
        }
    }
    Ok(in_dependency_order(routines))
}

/// The shop's own aggregates (normal, ordered-set and hypothetical-set) that are made of a
/// function needing the tables (`on_tables`) or not: each once every function it is made
/// of exists, and before the views that use it. What is the default is left out, as
/// pg_dump does.
fn aggregates(on_tables: bool) -> String {
    let needs = if on_tables { "" } else { "NOT " };
    AGGREGATES.replace(
        "{NEEDS}",
        &format!(
            "{needs}EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                                a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn)
                  AND {{USER_SCHEMA}} AND {{PROC_NOT_EXT}} AND {{NEEDS_TABLES}})"
        ),
    )
}

const AGGREGATES: &str = "
SELECT p.oid, {ROUTINES_USED}, format('CREATE AGGREGATE %I.%I(%s) (%s);', n.nspname, p.proname,
              CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_catalog.pg_get_function_arguments(p.oid) END,
              concat_ws(', ',
                'SFUNC = ' || a.aggtransfn::regproc,
                'STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL),
                NULLIF('SSPACE = ' || a.aggtransspace, 'SSPACE = 0'),
                CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc END,
                CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
                CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC_MODIFY = ' || {modify:a.aggfinalmodify} END,
                CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc END,
                CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::regproc END,
                CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::regproc END,
                'INITCOND = ' || quote_literal(a.agginitval),
                CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::regproc END,
                CASE WHEN a.aggminvtransfn <> 0 THEN 'MINVFUNC = ' || a.aggminvtransfn::regproc END,
                CASE WHEN a.aggmtransfn <> 0 THEN 'MSTYPE = ' || pg_catalog.format_type(a.aggmtranstype, NULL) END,
                NULLIF('MSSPACE = ' || a.aggmtransspace, 'MSSPACE = 0'),
                CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::regproc END,
                CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
                CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC_MODIFY = ' || {modify:a.aggmfinalmodify} END,
                'MINITCOND = ' || quote_literal(a.aggminitval),
                (SELECT format('SORTOP = OPERATOR(%I.%s)', opn.nspname, o.oprname)
                   FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace
                  WHERE o.oid = a.aggsortop),
                CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END,
                CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END))
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
 WHERE p.prokind = 'a' AND {USER_SCHEMA} AND {PROC_NOT_EXT} AND {NEEDS} ORDER BY p.oid";

const SEQUENCES: &str = "
SELECT format('%I.%I', n.nspname, c.relname) AS name,
       format('CREATE %sSEQUENCE %I.%I AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s;',
              CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax,
              s.seqstart, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END) AS create,
       (SELECT format('%I.%I.%I', tn.nspname, t.relname, a.attname)
          FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
          JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a') AS owned_by,
       EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'i') AS identity
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
 WHERE c.relkind = 'S' AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
 ORDER BY c.oid";

/// A column as [`create_table`] reads it.
struct Column {
    name: String,
    /// `format_type` of its type.
    type_name: String,
    /// `NOT NULL`, validated.
    not_null: bool,
    /// Its default or generation expression.
    default: Option<String>,
    /// `a`, `d` or empty.
    identity: String,
    /// `s`, `v` or empty.
    generated: String,
    /// `COLLATE` where not the type's.
    collation: Option<String>,
    /// ` (SEQUENCE NAME … )` of an identity column.
    identity_sequence: Option<String>,
    /// Declared by the table itself (not only inherited).
    local: bool,
    /// The first parent's default for a column of that name, among the parents that have one.
    parent_default: Option<String>,
    /// Whether a parent passes NOT NULL on to it.
    parent_not_null: bool,
    /// Whether the parents' defaults differ.
    parents_differ: bool,
    /// PostgreSQL 18: its NOT NULL constraint's name, whether it is `NO INHERIT`, and whether
    /// it is `NOT VALID` (then made after the rows, in `LATE_NOT_NULLS`).
    not_null_name: Option<String>,
    not_null_no_inherit: bool,
    not_null_not_valid: bool,
}

impl Column {
    fn from_row(r: &tokio_postgres::Row) -> Column {
        Column {
            name: r.get(0),
            type_name: r.get(1),
            not_null: r.get(2),
            default: r.get(3),
            identity: r.get(4),
            generated: r.get(5),
            collation: r.get(6),
            identity_sequence: r.get(7),
            local: r.get(8),
            parent_default: r.get(9),
            parent_not_null: r.get(10),
            parents_differ: r.get(11),
            not_null_name: r.get(12),
            not_null_no_inherit: r.get(13),
            not_null_not_valid: r.get(14),
        }
    }

    /// Its NOT NULL as a column constraint (`CONSTRAINT n NOT NULL NO INHERIT`), or as a
    /// table constraint with the column's name (`… NOT NULL col …`).
    fn not_null_clause(&self, with_column: bool) -> String {
        let column = if with_column {
            format!(" {}", quote(&self.name))
        } else {
            String::new()
        };
        let no_inherit = if self.not_null_no_inherit {
            " NO INHERIT"
        } else {
            ""
        };
        match &self.not_null_name {
            Some(name) => format!("CONSTRAINT {} NOT NULL{column}{no_inherit}", quote(name)),
            None => format!("NOT NULL{column}"),
        }
    }
}

/// `CREATE TABLE` with columns, types, collations, defaults, NOT NULL, identity and
/// generated columns.
async fn create_table(
    client: &Client,
    t: &Table,
) -> std::result::Result<String, tokio_postgres::Error> {
    let columns: Vec<Column> = client
        .query(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                    a.attnotnull AND nn.convalidated IS NOT FALSE,
                    pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                    CASE WHEN a.attcollation <> ty.typcollation AND a.attcollation <> 0
                         THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_catalog.pg_collation co
                                 JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                    (SELECT format(' (SEQUENCE NAME %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s)',
                                   pg_catalog.pg_get_serial_sequence(format('%I.%I', $2::text, $3::text), a.attname),
                                   s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache,
                                   CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END)
                       FROM pg_catalog.pg_sequence s
                      WHERE s.seqrelid = pg_catalog.pg_get_serial_sequence(format('%I.%I', $2::text, $3::text), a.attname)::regclass),
                    a.attislocal, par.default_expr, coalesce(par.not_null, false), coalesce(par.defaults > 1, false),
                    nn.conname::text, coalesce(nn.connoinherit, false), nn.convalidated IS FALSE
               FROM pg_catalog.pg_attribute a
               JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
               LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               LEFT JOIN pg_catalog.pg_constraint nn
                      ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey[1] = a.attnum
               LEFT JOIN LATERAL (
                   SELECT (array_agg(pg_catalog.pg_get_expr(pd.adbin, pd.adrelid) ORDER BY i.inhseqno)
                             FILTER (WHERE pd.adbin IS NOT NULL))[1] AS default_expr,
                          count(DISTINCT pg_catalog.pg_get_expr(pd.adbin, pd.adrelid)) AS defaults,
                          bool_or(pa.attnotnull AND pn.connoinherit IS NOT TRUE) AS not_null
                     FROM pg_catalog.pg_inherits i
                     JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
                     LEFT JOIN pg_catalog.pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
                     LEFT JOIN pg_catalog.pg_constraint pn
                            ON pn.conrelid = pa.attrelid AND pn.contype = 'n' AND pn.conkey[1] = pa.attnum
                    WHERE i.inhrelid = a.attrelid) par ON true
              WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY a.attnum",
            &[&t.oid, &t.schema, &t.name],
        )
        .await?
        .iter()
        .map(Column::from_row)
        .collect();
    // Unlogged storage, and the table's and its TOAST table's storage options.
    let storage = client
        .query_one(
            &expand(
                "SELECT c.relpersistence = 'u', {RELOPTIONS}, pg_catalog.pg_get_partkeydef(c.oid)
                   FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
                  WHERE c.oid = $1",
            ),
            &[&t.oid],
        )
        .await?;
    // The parents of a table that inherits from others (not a partition: those are created
    // as tables of their own and attached later).
    let parents: Vec<String> = client
        .query(
            "SELECT i.inhparent::regclass::text FROM pg_catalog.pg_inherits i
               JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
              WHERE i.inhrelid = $1 AND NOT c.relispartition ORDER BY i.inhseqno",
            &[&t.oid],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let inheriting = !parents.is_empty();
    let inherits = match inheriting {
        true => format!(" INHERITS ({})", parents.join(", ")),
        false => String::new(),
    };
    let unlogged = if storage.get(0) { "UNLOGGED " } else { "" };
    let with = storage
        .get::<_, Option<String>>(1)
        .map(|o| format!(" WITH ({o})"))
        .unwrap_or_default();
    let partition_by = storage
        .get::<_, Option<String>>(2)
        .map(|key| format!(" PARTITION BY {key}"))
        .unwrap_or_default();
    // A column that only comes from a parent is not declared again (unless its parents'
    // defaults differ, which only a declared one settles); where its default, identity or
    // NOT NULL is the table's own, that is set afterwards. (A partition's columns all come
    // from its parent, but it is created on its own.)
    let inherited = |c: &Column| inheriting && !c.local && !c.parents_differ;
    let mut own_settings = String::new();
    for c in columns.iter().filter(|_| inheriting) {
        let column = format!(
            "ALTER TABLE ONLY {} ALTER COLUMN {}",
            t.qualified(),
            quote(&c.name)
        );
        let set_not_null = match c.not_null_name {
            Some(_) => format!(
                "\nALTER TABLE ONLY {} ADD {};",
                t.qualified(),
                c.not_null_clause(true)
            ),
            None => format!("\n{column} SET NOT NULL;"),
        };
        if inherited(c) {
            let identity = match c.identity.as_str() {
                "a" => Some("ALWAYS"),
                "d" => Some("BY DEFAULT"),
                _ => None,
            };
            if let Some(kind) = identity {
                // An identity needs the column NOT NULL and without a default first.
                if c.parent_default.is_some() {
                    own_settings.push_str(&format!("\n{column} DROP DEFAULT;"));
                }
                if !c.parent_not_null {
                    own_settings.push_str(&set_not_null);
                }
                own_settings.push_str(&format!(
                    "\n{column} ADD GENERATED {kind} AS IDENTITY{};",
                    c.identity_sequence.as_deref().unwrap_or_default()
                ));
            } else if c.default != c.parent_default {
                own_settings.push_str(&match (c.generated.is_empty(), &c.default) {
                    (false, Some(expr)) => format!("\n{column} SET EXPRESSION AS ({expr});"),
                    (true, Some(expr)) => format!("\n{column} SET DEFAULT {expr};"),
                    (_, None) => format!("\n{column} DROP DEFAULT;"),
                });
            }
            if c.not_null && !c.parent_not_null && identity.is_none() {
                own_settings.push_str(&set_not_null);
            }
        }
        if !c.not_null && !c.not_null_not_valid && c.parent_not_null {
            own_settings.push_str(&format!("\n{column} DROP NOT NULL;"));
        }
    }
    let declared: Vec<String> = columns
        .iter()
        .filter(|c| !inherited(c))
        .map(|c| {
            let mut col = format!("    {} {}", quote(&c.name), c.type_name);
            if let Some(coll) = &c.collation {
                col.push_str(&format!(" COLLATE {coll}"));
            }
            // A generated column also declared by a parent takes the parent's expression
            // (PostgreSQL 15 refuses it written again); a different one is its own.
            let generated_as_parent =
                inheriting && c.default.is_some() && c.default == c.parent_default;
            match (c.generated.as_str(), &c.default) {
                ("s" | "v", Some(_)) if generated_as_parent => {}
                ("s", Some(expr)) => col.push_str(&format!(" GENERATED ALWAYS AS ({expr}) STORED")),
                ("v", Some(expr)) => {
                    col.push_str(&format!(" GENERATED ALWAYS AS ({expr}) VIRTUAL"))
                }
                (_, Some(expr)) => col.push_str(&format!(" DEFAULT {expr}")),
                // Without a default of its own it would take a parent's (as pg_dump does).
                ("", None) if inheriting && c.identity.is_empty() && c.parent_default.is_some() => {
                    col.push_str(" DEFAULT NULL")
                }
                _ => {}
            }
            match c.identity.as_str() {
                "a" => col.push_str(" GENERATED ALWAYS AS IDENTITY"),
                "d" => col.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
                _ => {}
            }
            if !c.identity.is_empty() {
                col.push_str(c.identity_sequence.as_deref().unwrap_or_default());
            }
            if c.not_null {
                col.push(' ');
                col.push_str(&c.not_null_clause(false));
            }
            col
        })
        .collect();
    Ok(format!(
        "CREATE {unlogged}TABLE {} (\n{}\n){inherits}{partition_by}{with};{own_settings}",
        t.qualified(),
        declared.join(",\n")
    ))
}

/// Each table that inherits from another (not a partition), with that parent.
const INHERITS_FROM: &str = "
SELECT i.inhrelid, i.inhparent FROM pg_catalog.pg_inherits i
  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid WHERE NOT c.relispartition";

/// Primary-key, unique, exclusion and check constraints. A check an inheriting table only
/// has from its parent comes with the parent's, which is added to the tables that inherit
/// from it too (partitions, created on their own, get every one of theirs).
const CONSTRAINTS: &str = "
SELECT format('ALTER TABLE %s%s ADD CONSTRAINT %I %s;',
              CASE WHEN co.contype = 'c' AND NOT co.connoinherit AND EXISTS (
                     SELECT 1 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class ch ON ch.oid = i.inhrelid
                      WHERE i.inhparent = c.oid AND NOT ch.relispartition) THEN '' ELSE 'ONLY ' END,
              co.conrelid::regclass, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE co.contype IN ('p', 'u', 'c', 'x') AND c.relkind IN ('r', 'p') AND (co.conislocal OR c.relispartition)
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
 ORDER BY co.contype = 'c', co.conrelid, co.conname";

/// PostgreSQL 18's NOT NULL constraints added `NOT VALID` (the rows may break them): after
/// the rows, each on the table that made it (the tables inheriting from it get theirs).
const LATE_NOT_NULLS: &str = "
SELECT format('ALTER TABLE %s ADD CONSTRAINT %I NOT NULL %I NOT VALID;', co.conrelid::regclass, co.conname, a.attname)
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
 WHERE co.contype = 'n' AND NOT co.convalidated AND co.conislocal AND c.relkind IN ('r', 'p')
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
 ORDER BY co.conrelid, co.conname";

/// Checks an inheriting table has only from its parents, validated: a parent's check added
/// `NOT VALID` reaches the table unvalidated, so it is validated again, with the tables that
/// inherit from it in turn (which then had theirs validated too); where it is valid
/// already, nothing happens.
const VALIDATIONS: &str = "
SELECT format('ALTER TABLE %s VALIDATE CONSTRAINT %I;', co.conrelid::regclass, co.conname)
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE co.contype = 'c' AND co.convalidated AND NOT co.conislocal AND NOT c.relispartition
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
 ORDER BY co.conrelid, co.conname";

/// Partitions attached to their parents, once both have their constraints (a partition must
/// have its parent's checks) and indexes (each partition's are attached to its parent's
/// matching ones); attaching checks the rows against the partition's bounds.
const ATTACH: &str = "
SELECT format('ALTER TABLE ONLY %s ATTACH PARTITION %s %s;', i.inhparent::regclass, c.oid::regclass,
              pg_catalog.pg_get_expr(c.relpartbound, c.oid))
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid
 WHERE c.relispartition AND c.relkind IN ('r', 'p') AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY c.oid";

/// Views and materialized views with the relations they read (for dependency order).
const VIEWS: &str = "
SELECT c.oid,
       CASE c.relkind
         WHEN 'v' THEN format('CREATE VIEW %I.%I AS %s;', n.nspname, c.relname, rtrim(pg_catalog.pg_get_viewdef(c.oid), ';'))
         ELSE format('CREATE MATERIALIZED VIEW %I.%I AS %s WITH NO DATA;', n.nspname, c.relname, rtrim(pg_catalog.pg_get_viewdef(c.oid), ';'))
       END,
       ARRAY(SELECT DISTINCT d.refobjid FROM pg_catalog.pg_rewrite r
               JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
              WHERE r.ev_class = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> c.oid)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm') AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY c.oid";

/// Storage and view options set after the object exists: views' and materialized views'
/// (`check_option`, `security_barrier`, `fillfactor`, `toast.`…) and those of the indexes behind
/// primary-key, unique and exclusion constraints (`pg_get_constraintdef` leaves them out).
/// Tables get theirs in `CREATE TABLE … WITH`, other indexes in `pg_get_indexdef`.
const OPTIONS: &str = "
SELECT format('ALTER %s %s SET (%s);',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'INDEX' END,
              c.oid::regclass, {RELOPTIONS})
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
 WHERE (c.reloptions IS NOT NULL OR tc.reloptions IS NOT NULL) AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND (c.relkind IN ('v', 'm')
        OR (c.relkind = 'i' AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = c.oid
                                          AND co.contype IN ('p', 'u', 'x'))))
 ORDER BY c.oid";

/// A table's replica identity (other than the default) and the index it is clustered on,
/// and a view's column defaults (an `INSERT` into the view takes them).
const RELATION_SETTINGS: &str = "
SELECT format('ALTER TABLE ONLY %s REPLICA IDENTITY %s;', c.oid::regclass,
              CASE c.relreplident WHEN 'f' THEN 'FULL' ELSE 'NOTHING' END)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relreplident IN ('f', 'n') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('ALTER TABLE ONLY %s %s %I;', c.oid::regclass, f.what, ic.relname)
  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (VALUES ('REPLICA IDENTITY USING INDEX', i.indisreplident),
                             ('CLUSTER ON', i.indisclustered)) AS f(what, set)
 WHERE f.set AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s;', c.oid::regclass, a.attname,
              pg_catalog.pg_get_expr(d.adbin, d.adrelid))
  FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_class c ON c.oid = d.adrelid
  JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'v' AND {USER_SCHEMA} AND {CLASS_NOT_EXT}";

const INDEXES: &str = "
SELECT pg_catalog.pg_get_indexdef(i.indexrelid) || ';'
  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm', 'p') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = i.indexrelid
                      AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
 ORDER BY i.indexrelid";

/// Foreign keys; one on a partitioned table is added to the whole table (a partition's copy
/// of it, and the rows of a key that references a partitioned table, come with it).
const FOREIGN_KEYS: &str = "
SELECT format('ALTER TABLE %s%s ADD CONSTRAINT %I %s;', CASE c.relkind WHEN 'p' THEN '' ELSE 'ONLY ' END,
              co.conrelid::regclass, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE co.contype = 'f' AND co.conparentid = 0 AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY co.conrelid, co.conname";

/// Triggers, each disabled (or set to fire on replicas) as it was; one on a partitioned table
/// brings its partitions' copies.
const TRIGGERS: &str = "
SELECT pg_catalog.pg_get_triggerdef(tg.oid) || ';'
       || CASE tg.tgenabled WHEN 'O' THEN ''
            ELSE format(E'\nALTER TABLE ONLY %s %s TRIGGER %I;', tg.tgrelid::regclass,
                        {enabled:tg.tgenabled}, tg.tgname) END
  FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY tg.oid";

/// Rules on tables and views (other than views' own `_RETURN`), after the rows (COPY fires
/// none), and disabled ones set so again.
const RULES: &str = "
SELECT pg_catalog.pg_get_ruledef(r.oid)
       || CASE r.ev_enabled WHEN 'O' THEN ''
            ELSE format(E'\nALTER TABLE %s %s RULE %I;', r.ev_class::regclass,
                        {enabled:r.ev_enabled}, r.rulename) END
  FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE r.rulename <> '_RETURN' AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY r.oid";

/// Planner settings: the statistics targets of table, materialized view and index columns,
/// columns' options (`n_distinct`…), and extended statistics objects with their targets.
const STATISTICS: &str = "
SELECT format('ALTER %s %s ALTER COLUMN %s SET STATISTICS %s;', {ALTER_KIND}, c.oid::regclass,
              CASE c.relkind WHEN 'i' THEN a.attnum::text ELSE quote_ident(a.attname) END, a.attstattarget)
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE coalesce(a.attstattarget::int, -1) >= 0 AND a.attnum > 0 AND NOT a.attisdropped
   AND c.relkind IN ('r', 'p', 'm', 'i') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('ALTER %s %s ALTER COLUMN %I SET (%s);', {ALTER_KIND}, c.oid::regclass, a.attname, {ATTOPTIONS})
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE a.attoptions IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
   AND c.relkind IN ('r', 'p', 'm') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT pg_catalog.pg_get_statisticsobjdef(st.oid) || ';'
       || CASE WHEN coalesce(st.stxstattarget::int, -1) >= 0
               THEN format(E'\nALTER STATISTICS %I.%I SET STATISTICS %s;', n.nspname, st.stxname, st.stxstattarget)
               ELSE '' END
  FROM pg_catalog.pg_statistic_ext st JOIN pg_catalog.pg_namespace n ON n.oid = st.stxnamespace
 WHERE {USER_SCHEMA}";

/// The `name=value` options that `options` selects (rows of a prefix and an option) as SQL
/// writes them in `WITH (…)` or `SET (…)`: `prefixname='value', …`, or NULL when none.
fn option_list(options: &str) -> String {
    format!(
        "(SELECT string_agg(format('%s%s=%L', o.prefix, split_part(o.o, '=', 1),
                                   substr(o.o, strpos(o.o, '=') + 1)), ', ')
            FROM ({options}) o)"
    )
}

/// The `ALTER` keyword for a relation `c`: a table, materialized view or index.
const ALTER_KIND: &str =
    "CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'i' THEN 'INDEX' ELSE 'TABLE ONLY' END";

/// How the columns of tables (`r`) or materialized views (`m`) store their values where
/// that differs from their type's: `SET STORAGE` and `SET COMPRESSION`, to be run before
/// any row is loaded.
fn column_storage(relkind: char) -> String {
    format!(
        "SELECT format('ALTER %s %s ALTER COLUMN %I SET STORAGE %s;', {{ALTER_KIND}}, c.oid::regclass, a.attname,
                      CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN'
                                        ELSE 'EXTENDED' END)
           FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
          WHERE a.attstorage <> ty.typstorage AND a.attnum > 0 AND NOT a.attisdropped
            AND c.relkind = '{relkind}' AND {{USER_SCHEMA}} AND {{CLASS_NOT_EXT}}
         UNION ALL
         SELECT format('ALTER %s %s ALTER COLUMN %I SET COMPRESSION %s;', {{ALTER_KIND}}, c.oid::regclass, a.attname,
                       CASE a.attcompression WHEN 'p' THEN 'pglz' ELSE 'lz4' END)
           FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE a.attcompression <> '' AND a.attnum > 0 AND NOT a.attisdropped
            AND c.relkind = '{relkind}' AND {{USER_SCHEMA}} AND {{CLASS_NOT_EXT}}"
    )
}

/// Row level security: each table's switch, then its policies. (The dump runs with
/// `row_security` off, so a login whose reads the policies would filter gets an error, never
/// a partial table; forced security, which filters even the owner, is refused.)
const ROW_SECURITY: &str = "
SELECT stmt FROM (
SELECT format('ALTER TABLE ONLY %s ENABLE ROW LEVEL SECURITY;', c.oid::regclass) AS stmt, c.oid, '' AS name
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s;', pol.polname, c.oid::regclass,
              CASE WHEN pol.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
              CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                              WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
              (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_catalog.pg_get_userbyid(r)) END,
                                 ', ' ORDER BY r)
                 FROM unnest(pol.polroles) r),
              ' USING (' || pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) || ')',
              ' WITH CHECK (' || pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) || ')'), c.oid, pol.polname
  FROM pg_catalog.pg_policy pol JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE {USER_SCHEMA} AND {CLASS_NOT_EXT}
) s ORDER BY oid, name";

const REFRESH: &str = "
SELECT format('REFRESH MATERIALIZED VIEW %I.%I;', n.nspname, c.relname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'm' AND c.relispopulated AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY c.oid";

/// Comments on the shop's tables, views, materialized views, sequences (not an identity's,
/// whose name the server picks), indexes (not a partition's copy), columns, types,
/// routines, constraints, triggers and schemas (other than `public`).
const COMMENTS: &str = "
SELECT format('COMMENT ON %s %s IS %L;',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                             WHEN 'i' THEN 'INDEX' WHEN 'I' THEN 'INDEX' ELSE 'TABLE' END,
              c.oid::regclass, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_class c ON c.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
   AND (c.relkind IN ('r', 'p', 'v', 'm') OR (c.relkind IN ('i', 'I') AND NOT c.relispartition)
        OR (c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = 'pg_catalog.pg_class'::regclass
                                                AND i.objid = c.oid AND i.deptype = 'i')))
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON COLUMN %s.%I IS %L;', c.oid::regclass, a.attname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_class c ON c.oid = d.objoid
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid > 0 AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON TYPE %I.%I IS %L;', n.nspname, t.typname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_type t ON t.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE d.classoid = 'pg_catalog.pg_type'::regclass AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON %s %s IS %L;', CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END,
              {ROUTINE_SIGNATURE}, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_proc p ON p.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE d.classoid = 'pg_catalog.pg_proc'::regclass AND p.prokind IN ('f', 'p', 'a') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON CONSTRAINT %I ON %s IS %L;', co.conname, c.oid::regclass, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_constraint co ON co.oid = d.objoid
  JOIN pg_catalog.pg_class c ON c.oid = co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_constraint'::regclass AND co.conparentid = 0 AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON CONSTRAINT %I ON DOMAIN %I.%I IS %L;', co.conname, n.nspname, t.typname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_constraint co ON co.oid = d.objoid
  JOIN pg_catalog.pg_type t ON t.oid = co.contypid JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE d.classoid = 'pg_catalog.pg_constraint'::regclass AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON TRIGGER %I ON %s IS %L;', tg.tgname, c.oid::regclass, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_trigger tg ON tg.oid = d.objoid
  JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_trigger'::regclass AND NOT tg.tgisinternal AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON SCHEMA %I IS %L;', n.nspname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_namespace n ON n.oid = d.objoid
 WHERE d.classoid = 'pg_catalog.pg_namespace'::regclass AND {USER_SCHEMA} AND n.nspname <> 'public'";

/// What the dump makes that has an owner of its own: the owner, the kind of object as
/// `ALTER` names it, its name, an order of kinds, its oid. A sequence a table owns, an index
/// and a table's row type go with their table.
const OWNED: &str = "
SELECT n.nspowner AS owner, 'SCHEMA' AS what, quote_ident(n.nspname) AS name, 0 AS kind, n.oid
  FROM pg_catalog.pg_namespace n WHERE {USER_SCHEMA} AND n.nspname <> 'public'
UNION ALL
SELECT co.collowner, 'COLLATION', format('%I.%I', n.nspname, co.collname), 1, co.oid
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_collation:co.oid}
UNION ALL
SELECT d.dictowner, 'TEXT SEARCH DICTIONARY', format('%I.%I', n.nspname, d.dictname), 2, d.oid
  FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_dict:d.oid}
UNION ALL
SELECT cf.cfgowner, 'TEXT SEARCH CONFIGURATION', format('%I.%I', n.nspname, cf.cfgname), 3, cf.oid
  FROM pg_catalog.pg_ts_config cf JOIN pg_catalog.pg_namespace n ON n.oid = cf.cfgnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_config:cf.oid}
UNION ALL
SELECT t.typowner, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text, 4, t.oid
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE {STANDALONE_TYPE} AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT p.proowner, CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, {ROUTINE_SIGNATURE}, 5, p.oid
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p', 'a') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT c.relowner, CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                                  ELSE 'TABLE' END, c.oid::regclass::text, 6, c.oid
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                      AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i'))
UNION ALL
SELECT st.stxowner, 'STATISTICS', format('%I.%I', n.nspname, st.stxname), 7, st.oid
  FROM pg_catalog.pg_statistic_ext st JOIN pg_catalog.pg_namespace n ON n.oid = st.stxnamespace
 WHERE {USER_SCHEMA}
";

/// Who owns what the dump makes, where that is not the backup's login: one `DO` block per
/// owning role that gives it its objects if a role of that name exists where the dump is
/// restored (another server may not have it; there the restoring login keeps them). Comes
/// before the grants, which a member of the owning role then gives in the owner's name.
const OWNERS: &str = "
SELECT format('DO %L;', format('BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = %L) THEN %s END IF; END',
                               pg_catalog.pg_get_userbyid(owner),
                               string_agg(format('ALTER %s %s OWNER TO %I;', what, name, pg_catalog.pg_get_userbyid(owner)),
                                          ' ' ORDER BY kind, oid)))
  FROM ({OWNED}) o
 WHERE owner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
 GROUP BY owner ORDER BY pg_catalog.pg_get_userbyid(owner)";

/// The objects the login may neither drop nor give back to their owner, not being a member
/// of the role that owns them (a superuser is a member of every role): a restore with it
/// would be refused.
const NOT_REPLACEABLE: &str = "
SELECT format('%s %s (owned by %s)', lower(what), name, pg_catalog.pg_get_userbyid(owner))
  FROM ({OWNED}) o WHERE NOT pg_catalog.pg_has_role(current_user, owner, 'MEMBER') ORDER BY kind, oid";

/// How `ALTER`, `COMMENT ON` and the like name a routine or aggregate `p` (of schema `n`):
/// its name and argument types, `*` for an aggregate of no argument (`count(*)`), and
/// `… ORDER BY …` for an ordered-set aggregate.
const ROUTINE_SIGNATURE: &str = "format('%I.%I(%s)', n.nspname, p.proname,
       CASE WHEN p.prokind = 'a' AND p.pronargs = 0 THEN '*' ELSE pg_catalog.pg_get_function_identity_arguments(p.oid) END)";

/// Access other roles have been granted on the shop's tables, views, sequences (and
/// columns), types, routines and schemas, and the access every role has by default to
/// types, routines and the schema `public` where it was taken away.
const GRANTS: &str = "
WITH objects AS (
SELECT 'TYPE' AS what, 'USAGE' AS privilege, t.oid, t.oid::regtype::text AS name, t.typacl AS acl,
       t.typowner AS owner, 2 AS kind
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typacl IS NOT NULL AND {STANDALONE_TYPE} AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT 'ROUTINE', 'EXECUTE', p.oid, p.oid::regprocedure::text, p.proacl, p.proowner, 3
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.proacl IS NOT NULL AND p.prokind IN ('f', 'p', 'a') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
)
SELECT stmt FROM (
SELECT format('GRANT %s ON %s %s TO %s%s;', a.privilege_type, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
              c.oid::regclass, {GRANTEE}) AS stmt, 1 AS kind, c.oid, a.grantee, a.privilege_type
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relacl IS NOT NULL AND a.grantee <> c.relowner
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('GRANT %s (%I) ON TABLE %s TO %s%s;', a.privilege_type, att.attname, c.oid::regclass, {GRANTEE}),
       1, c.oid, a.grantee, a.privilege_type
  FROM pg_catalog.pg_attribute att JOIN pg_catalog.pg_class c ON c.oid = att.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(att.attacl) a
 WHERE att.attacl IS NOT NULL AND att.attnum > 0 AND NOT att.attisdropped AND a.grantee <> c.relowner
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('GRANT %s ON SCHEMA %I TO %s%s;', a.privilege_type, n.nspname, {GRANTEE}), 0, n.oid, a.grantee, a.privilege_type
  FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
 WHERE n.nspacl IS NOT NULL AND a.grantee <> n.nspowner AND {USER_SCHEMA}
UNION ALL
SELECT 'REVOKE USAGE ON SCHEMA public FROM PUBLIC;', 0, n.oid, 0, ''
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname = 'public' AND n.nspacl IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(n.nspacl) a WHERE a.grantee = 0 AND a.privilege_type = 'USAGE')
UNION ALL
SELECT format('REVOKE %s ON %s %s FROM PUBLIC;', o.privilege, o.what, o.name), o.kind, o.oid, 0, ''
  FROM objects o WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(o.acl) a WHERE a.grantee = 0)
UNION ALL
SELECT format('GRANT %s ON %s %s TO %s%s;', o.privilege, o.what, o.name, {GRANTEE}), o.kind, o.oid, a.grantee, ''
  FROM objects o CROSS JOIN LATERAL pg_catalog.aclexplode(o.acl) a WHERE a.grantee NOT IN (0, o.owner)
) g ORDER BY kind, oid, grantee, privilege_type";

/// `GRANT`'s role and grant option for a row `a` of `aclexplode`.
const GRANTEE: &str = "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END";

/// A type `t` the shop created on its own: an enum, a range, a domain or a composite type (not a
/// table's row type, nor an array type).
const STANDALONE_TYPE: &str = "(t.typtype IN ('e', 'r', 'd')
    OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))";

/// The `CREATE VIEW` statements, each after the views it reads.
async fn views_in_order(
    client: &Client,
) -> std::result::Result<Vec<String>, tokio_postgres::Error> {
    let views = client.query(&expand(VIEWS), &[]).await?;
    Ok(in_dependency_order(
        views
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect(),
    ))
}

/// `items` (oid, item, the oids it needs) in an order where each comes after those it
/// needs among them (the others exist already), and otherwise in the order given. The
/// server allows no cycle; were there one, the first waiting item would go next.
fn in_dependency_order<T>(mut pending: Vec<(u32, T, Vec<u32>)>) -> Vec<T> {
    let all: std::collections::HashSet<u32> = pending.iter().map(|p| p.0).collect();
    let mut done = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(_, _, needs)| needs.iter().all(|d| !all.contains(d) || done.contains(d)))
            .unwrap_or(0);
        let (oid, item, _) = pending.remove(ready);
        done.insert(oid);
        out.push(item);
    }
    out
}

/// What a restore drops first: the shop's own views, tables, sequences, functions, types,
/// text search configurations and dictionaries, and collations.
const DROPS: &str = "
SELECT stmt FROM (
SELECT format('DROP %s IF EXISTS %I.%I CASCADE;',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
              n.nspname, c.relname) AS stmt,
       CASE c.relkind WHEN 'v' THEN 1 WHEN 'm' THEN 1 WHEN 'S' THEN 3 ELSE 2 END AS step
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm', 'r', 'p', 'S') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('i', 'a') AND d.refobjid <> c.oid)
UNION ALL
SELECT format('DROP ROUTINE IF EXISTS %s CASCADE;', p.oid::regprocedure), 4
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p', 'a') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT format('DROP %s IF EXISTS %I.%I CASCADE;', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
              n.nspname, t.typname), 5
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE {STANDALONE_TYPE}
   AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT format('DROP TEXT SEARCH CONFIGURATION IF EXISTS %I.%I CASCADE;', n.nspname, c.cfgname), 6
  FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_config:c.oid}
UNION ALL
SELECT format('DROP TEXT SEARCH DICTIONARY IF EXISTS %I.%I CASCADE;', n.nspname, d.dictname), 7
  FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_dict:d.oid}
UNION ALL
SELECT format('DROP COLLATION IF EXISTS %I.%I CASCADE;', n.nspname, co.collname), 6
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_collation:co.oid}
) drops ORDER BY step, stmt";

/// SHA-256 over the shape of the schema (tables, columns, types, nullability, constraint
/// and index names), stable across server versions: as written now, then as written before
/// the constraints a partition takes from its parent were left out (the server names them
/// itself, and PostgreSQL 18 otherwise than 15: `…_fkey1` became `…_fkey_1`).
async fn schema_fingerprints(
    client: &Client,
) -> std::result::Result<[String; 2], tokio_postgres::Error> {
    let rows = client
        .query(
            &expand(
                "SELECT x, derived FROM (
           SELECT format('column %I.%I.%I %s %s', n.nspname, c.relname, a.attname,
                         pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull) AS x, false AS derived
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
           UNION ALL
           SELECT format('constraint %I.%I.%I %s', n.nspname, c.relname, co.conname, co.contype), co.conparentid <> 0
             FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE co.contype <> 'n' AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
           UNION ALL
           SELECT format('index %I.%I', n.nspname, c.relname), false
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('i', 'I') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
         ) s ORDER BY x COLLATE \"C\"",
            ),
            &[],
        )
        .await?;
    let mut now = Sha256::new();
    let mut before = Sha256::new();
    for r in rows {
        let (line, derived): (&str, bool) = (r.get(0), r.get(1));
        let length = (line.len() as u64).to_le_bytes();
        before.update(length);
        before.update(line.as_bytes());
        if !derived {
            now.update(length);
            now.update(line.as_bytes());
        }
    }
    Ok([hex(&now.finalize()), hex(&before.finalize())])
}

/// Feed COPY text output to `sink` and return (rows, fingerprint): the sum mod 2^128 of the
/// first 16 bytes (little-endian) of each line's SHA-256, as for SQLite rows.
async fn copy_lines(
    stream: tokio_postgres::CopyOutStream,
    mut sink: impl FnMut(&[u8]) -> Result<()>,
) -> std::result::Result<RowSum, CopyError> {
    let mut stream = std::pin::pin!(stream);
    let mut line = Vec::new();
    let mut sum = RowSum::default();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(CopyError::Db)?;
        sink(&chunk).map_err(CopyError::Io)?;
        for part in chunk.split_inclusive(|&b| b == b'\n') {
            line.extend_from_slice(part);
            if line.last() == Some(&b'\n') {
                sum.add(&Sha256::digest(&line[..line.len() - 1]));
                line.clear();
            }
        }
    }
    Ok(sum)
}

/// Why streaming rows failed.
enum CopyError {
    Db(tokio_postgres::Error),
    Io(Error),
}

impl From<CopyError> for Replay {
    fn from(e: CopyError) -> Self {
        match e {
            CopyError::Db(e) => Replay::Db(e),
            CopyError::Io(e) => Replay::Io(e),
        }
    }
}

/// Why loading a dump failed.
enum Replay {
    Db(tokio_postgres::Error),
    Io(Error),
}

impl From<tokio_postgres::Error> for Replay {
    fn from(e: tokio_postgres::Error) -> Self {
        Replay::Db(e)
    }
}

/// A file another thread is still writing (the archive check staging the dump), read up to
/// its final size: at the end of what is there so far it waits for more, and it fails once
/// the writer has given up.
struct Arriving<'a> {
    path: &'a Path,
    file: Option<std::fs::File>,
    left: u64,
    failed: &'a AtomicBool,
}

impl Read for Arriving<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.left.min(buf.len() as u64) as usize;
        if want == 0 {
            return Ok(0);
        }
        loop {
            if self.failed.load(Ordering::Acquire) {
                return Err(std::io::Error::other("the archive check stopped"));
            }
            let file = match &mut self.file {
                Some(f) => f,
                None => match std::fs::File::open(self.path) {
                    Ok(f) => self.file.insert(f),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        std::thread::sleep(Duration::from_millis(1));
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            let n = file.read(&mut buf[..want])?;
            if n > 0 {
                self.left -= n as u64;
                return Ok(n);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// A table loaded by a COPY block of the dump: the fingerprint of the rows sent, and how
/// many rows the server says it stored.
struct Loaded {
    stat: crate::manifest::TableStat,
    stored: u64,
    /// The columns it was loaded with (` ("a", "b")`, or nothing in dumps written before
    /// column lists were), which the read-back reads in the same order.
    columns: String,
}

/// One piece of a dump, as [`read_dump`] hands it to [`run_dump`].
enum Piece {
    Stmt(String),
    /// A `COPY … FROM stdin` statement, the manifest name of its table and its column list.
    Copy(String, String, String),
    Rows(Bytes),
    /// The end of a COPY block, with the fingerprint of its rows.
    CopyEnd(RowSum),
}

/// Split a dump into statements and COPY blocks for [`run_dump`], on a thread of its own so
/// reading and fingerprinting the rows overlaps sending them. Each row is fingerprinted as
/// the backup fingerprinted it as it came out, a first check before the restored tables are
/// read back ([`check_loaded`]). Stops when the receiver is gone.
fn read_dump(source: impl Read, file: &Path, out: SyncSender<Result<Piece>>) {
    let mut send = |piece: Result<Piece>| out.send(piece).is_ok();
    if let Err(e) = split_dump(source, file, &mut send) {
        send(Err(e));
    }
}

/// The work of [`read_dump`]; `send` answers `false` once nobody listens.
fn split_dump(
    source: impl Read,
    file: &Path,
    send: &mut impl FnMut(Result<Piece>) -> bool,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(1 << 20, source);
    // One reused buffer: the next line, without its newline.
    let mut line = Vec::with_capacity(1 << 12);
    let mut next = |line: &mut Vec<u8>| -> Result<bool> {
        line.clear();
        let n = reader
            .read_until(b'\n', line)
            .map_err(|e| Error::io("read", file, e))?;
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        Ok(n > 0)
    };
    // The header's token gives the marker lines (as `dumpfile::marker` reads it).
    let mut token = None;
    for _ in 0..8 {
        if !next(&mut line)? {
            break;
        }
        if let Some(t) = line.strip_prefix(b"-- shopsafe-token: ") {
            token = Some(String::from_utf8_lossy(t).trim().to_string());
            break;
        }
    }
    let token = token.ok_or_else(|| {
        Error::corrupt("The database part of the archive is not a ShopSafe dump.")
    })?;
    let stmt_marker = format!("-- shopsafe:{token} stmt").into_bytes();
    let copy_marker = format!("-- shopsafe:{token} copy").into_bytes();
    let is_marker = |l: &[u8]| l == stmt_marker.as_slice() || l == copy_marker.as_slice();
    let truncated = || Error::corrupt("The dump ends inside a COPY block.");
    let mut more = next(&mut line)?;
    // Skip the rest of the header up to the first marker.
    while more && !is_marker(&line) {
        more = next(&mut line)?;
    }
    while more {
        if line == stmt_marker {
            let mut stmt = String::new();
            more = next(&mut line)?;
            while more && !is_marker(&line) {
                stmt.push_str(&String::from_utf8_lossy(&line));
                stmt.push('\n');
                more = next(&mut line)?;
            }
            if !stmt.is_empty() && !send(Ok(Piece::Stmt(stmt))) {
                return Ok(());
            }
        } else if line == copy_marker {
            if !next(&mut line)? {
                return Err(truncated());
            }
            let copy = String::from_utf8_lossy(&line)
                .trim_end_matches(';')
                .to_string();
            let (name, columns) = copy_target(&copy).ok_or_else(|| {
                Error::corrupt("The dump has a COPY line ShopSafe did not write.")
            })?;
            if !send(Ok(Piece::Copy(copy, name, columns))) {
                return Ok(());
            }
            let mut buf = Vec::with_capacity(1 << 20);
            let mut sum = RowSum::default();
            loop {
                if !next(&mut line)? {
                    return Err(truncated());
                }
                if line == b"\\." {
                    break;
                }
                sum.add(&Sha256::digest(&line));
                buf.extend_from_slice(&line);
                buf.push(b'\n');
                if buf.len() >= 1 << 20 {
                    let full = std::mem::replace(&mut buf, Vec::with_capacity(1 << 20));
                    if !send(Ok(Piece::Rows(Bytes::from(full)))) {
                        return Ok(());
                    }
                }
            }
            if !buf.is_empty() && !send(Ok(Piece::Rows(Bytes::from(buf)))) {
                return Ok(());
            }
            if !send(Ok(Piece::CopyEnd(sum))) {
                return Ok(());
            }
            more = next(&mut line)?;
        } else {
            more = next(&mut line)?;
        }
    }
    Ok(())
}

/// Run the statements and COPY blocks [`read_dump`] hands over, in order.
async fn run_dump(
    client: &Client,
    pieces: Receiver<Result<Piece>>,
) -> std::result::Result<Vec<Loaded>, Replay> {
    let mut loaded = Vec::new();
    let mut pieces = pieces.into_iter();
    while let Some(piece) = pieces.next() {
        match piece.map_err(Replay::Io)? {
            Piece::Stmt(stmt) => client.batch_execute(&stmt).await?,
            Piece::Copy(copy, name, columns) => {
                // The dump created the table in this transaction, so its rows may be written
                // frozen: the read-back and the shop's first reads after the commit need not
                // check or set each row's visibility, and no vacuum has to freeze them later.
                let sink = client
                    .copy_in::<_, Bytes>(&format!("{copy} WITH (FREEZE)"))
                    .await?;
                let mut sink = std::pin::pin!(sink);
                let sum = loop {
                    let piece = pieces.next().ok_or_else(|| {
                        Replay::Io(Error::internal(
                            "The dump reader stopped inside a COPY block.",
                        ))
                    })?;
                    match piece.map_err(Replay::Io)? {
                        Piece::Rows(rows) => sink.send(rows).await?,
                        Piece::CopyEnd(sum) => break sum,
                        _ => {
                            return Err(Replay::Io(Error::internal(
                                "The dump reader mixed up a COPY block.",
                            )))
                        }
                    }
                };
                let stored = sink.as_mut().finish().await?;
                loaded.push(Loaded {
                    stat: sum.stat(name),
                    stored,
                    columns,
                });
            }
            Piece::Rows(_) | Piece::CopyEnd(_) => {
                return Err(Replay::Io(Error::internal(
                    "The dump reader sent rows outside a COPY block.",
                )))
            }
        }
    }
    Ok(loaded)
}

/// The manifest name (`schema.table`) of the table in a dump's `COPY "schema"."table"
/// ("a", "b") FROM stdin` line, and its column list (` ("a", "b")`; dumps written before
/// column lists have none).
fn copy_target(copy: &str) -> Option<(String, String)> {
    let rest = copy.strip_prefix("COPY ")?.strip_suffix(" FROM stdin")?;
    let (schema, rest) = quoted_ident(rest)?;
    let (table, columns) = quoted_ident(rest.strip_prefix('.')?)?;
    if let Some(list) = columns.strip_prefix(" (") {
        let mut list = list.strip_suffix(')')?;
        loop {
            let (_, after) = quoted_ident(list)?;
            match after.strip_prefix(", ") {
                Some(next) => list = next,
                None if after.is_empty() => break,
                None => return None,
            }
        }
    } else if !columns.is_empty() {
        return None;
    }
    Some((format!("{schema}.{table}"), columns.to_string()))
}

/// A leading `"identifier"` (with `""` for a quote), and what follows it.
fn quoted_ident(s: &str) -> Option<(String, &str)> {
    let mut rest = s.strip_prefix('"')?;
    let mut ident = String::new();
    loop {
        let end = rest.find('"')?;
        ident.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        match rest.strip_prefix('"') {
            Some(after) => {
                ident.push('"');
                rest = after;
            }
            None => return Some((ident, rest)),
        }
    }
}

/// The check of a restore inside its transaction, before anything is visible: every table
/// of the manifest must have been loaded exactly once, with the manifest's row count and
/// fingerprint (of the rows as sent) and as many rows stored as sent (the server's count);
/// then [`compare`] reads the restored database back: the schema's shape, exactly the
/// manifest's tables, and every table's rows as the server now holds them.
async fn check_loaded(
    client: &Client,
    expected: &DatabasePart,
    loaded: &[Loaded],
) -> std::result::Result<(), Replay> {
    let fail = |m: String| Replay::Io(Error::new(ErrorKind::VerificationFailed, m));
    for want in &expected.tables {
        let mut copies = loaded.iter().filter(|l| l.stat.name == want.name);
        let (Some(got), None) = (copies.next(), copies.next()) else {
            return Err(fail(format!(
                "The backup's dump does not load the table {} exactly once.",
                want.name
            )));
        };
        if got.stat.rows != want.rows
            || got.stored != want.rows
            || got.stat.fingerprint != want.fingerprint
        {
            return Err(fail(format!(
                "The backup's rows of table {} do not match its manifest ({} rows sent, {} stored, {} expected).",
                want.name, got.stat.rows, got.stored, want.rows
            )));
        }
    }
    compare(client, expected, loaded).await
}

/// Every table the manifest lists must exist with its row count and fingerprint, no other
/// table may exist, and the schema's shape must match.
async fn compare(
    client: &Client,
    expected: &DatabasePart,
    loaded: &[Loaded],
) -> std::result::Result<(), Replay> {
    let what = "The restored database";
    let fail = |m: String| Replay::Io(Error::new(ErrorKind::VerificationFailed, m));
    // Type names and reg* values read back qualified, as when they were backed up.
    client
        .batch_execute("SELECT pg_catalog.set_config('search_path', '', false)")
        .await?;
    if !schema_fingerprints(client)
        .await?
        .contains(&expected.schema_fingerprint)
    {
        return Err(fail(format!(
            "{what} does not have the schema recorded in the manifest."
        )));
    }
    let live = tables(client).await?;
    if let Some(extra) = live
        .iter()
        .find(|t| !expected.tables.iter().any(|w| w.name == t.name()))
    {
        return Err(fail(format!(
            "{what} has a table {} that the backup does not have.",
            extra.name()
        )));
    }
    for want in &expected.tables {
        let Some(t) = live.iter().find(|t| t.name() == want.name) else {
            return Err(fail(format!("{what} lacks the table {}.", want.name)));
        };
        // In the order the rows were loaded in: a table that inherits from another may have
        // its columns in another order than when it was backed up.
        let columns = loaded
            .iter()
            .find(|l| l.stat.name == want.name)
            .map_or(&t.columns, |l| &l.columns);
        let copy = format!("COPY {}{columns} TO STDOUT", t.qualified());
        let stream = client.copy_out(&copy).await?;
        let got = copy_lines(stream, |_| Ok(()))
            .await?
            .stat(want.name.clone());
        if got.rows != want.rows {
            return Err(fail(format!(
                "{what} has {} rows in table {} where the backup has {}.",
                got.rows, want.name, want.rows
            )));
        }
        if got.fingerprint != want.fingerprint {
            return Err(fail(format!(
                "{what} has different content in table {} than the backup.",
                want.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_name_their_table_and_columns() {
        let target = |l: &str| copy_target(l).map(|(n, c)| format!("{n}|{c}"));
        assert_eq!(
            target(r#"COPY "public"."t" ("a", "b ""q""") FROM stdin"#).as_deref(),
            Some(r#"public.t| ("a", "b ""q""")"#)
        );
        // Dumps written before column lists.
        assert_eq!(
            target(r#"COPY "s"."t" FROM stdin"#).as_deref(),
            Some("s.t|")
        );
        for bad in [
            r#"COPY "s"."t" ("a", b) FROM stdin"#,
            r#"COPY "s"."t" ("a") ; DROP TABLE x FROM stdin"#,
            r#"COPY "s"."t" x FROM stdin"#,
            r#"COPY s.t FROM stdin"#,
        ] {
            assert_eq!(target(bad), None, "{bad}");
        }
    }

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
