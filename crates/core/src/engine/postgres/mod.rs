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
//! This file holds the URL, the settings every session uses, and the shop's description
//! and row counts; `connection` connecting and the server's errors as sentences, `dump` the
//! dump, `restore` the restore's transaction, `catalog` the queries that describe the
//! shop's objects (their SQL text in `catalog::queries`), and `replay` the reading and
//! replaying of a dump.

mod catalog;
mod connection;
mod dump;
mod replay;
mod restore;

pub use restore::Open;

use super::tls::{self, ClientCert, TlsMode};
use crate::{Error, Result};
use catalog::queries::{expand, NOT_REPLACEABLE, OBJECT_NAMES, UNREADABLE};
use catalog::{strings, tables};
use std::fmt;
use tokio_postgres::Client;

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
/// `money` values read and written as text follow `lc_monetary` (`1.234,56 €` under
/// `de_DE`, `$1,234.56` under `C`), and the same stored value under any: a dump writes them
/// under `C`, says so in its header with this very line, and a restore loads (and reads
/// back) under it only a dump whose header says so (older ones under the database's own).
const MONEY_FORM: &str = "SET lc_monetary = 'C';";
const SHOPS_OWN_FORMS: &str =
    "RESET DateStyle; RESET TimeZone; RESET extra_float_digits; RESET bytea_output;";

/// How long a restore waits for another connection's lock on a table before it gives up.
const RESTORE_LOCK_WAIT: u32 = 30;

/// The URL options naming a client certificate and its key (libpq's names).
const CLIENT_CERT_OPTIONS: (&str, &str) = ("sslcert", "sslkey");

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
    /// `sslcert=` and `sslkey=`: the client certificate for a server that asks for one.
    pub tls_client: Option<ClientCert>,
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
            tls_client: None,
        };
        let (mut cert, mut key) = (None, None);
        for (k, v) in u.options {
            match k.as_str() {
                "host" => p.host = v,
                "sslmode" => p.tls = TlsMode::parse_pg(&v)?,
                "sslrootcert" => p.tls_ca = Some(v),
                "sslcert" => cert = Some(v),
                "sslkey" => key = Some(v),
                "port" => p.port = super::url::port(&v)?,
                _ => {
                    return Err(Error::invalid(format!(
                    "The database URL option {k:?} is not supported; use host=, port=, sslmode=, sslrootcert=, sslcert= or sslkey=."
                )))
                }
            }
        }
        let socket = p.host.starts_with('/');
        p.tls_client = ClientCert::from_url(cert, key, CLIENT_CERT_OPTIONS, p.tls, socket)?;
        tls::check_ca(
            p.tls,
            p.tls_ca.as_deref(),
            "sslrootcert",
            "sslmode=verify-ca or sslmode=verify-full",
            socket,
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
        if let Some(c) = &self.tls_client {
            query.extend(c.url_options(CLIENT_CERT_OPTIONS));
        }
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        format!("postgres://{user}@{host}:{}/{db}{query}", self.port)
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

    /// The live database's objects other than its tables, as a backup lists them.
    pub fn object_names(&self) -> Result<Vec<String>> {
        super::block_on(async {
            let client = self.connect().await?;
            strings(&client, OBJECT_NAMES)
                .await
                .map_err(|e| self.db_error(e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let c = Postgres::parse("u@h/db?sslmode=require&sslcert=/k/c%20rt.pem&sslkey=/k/key.pem")
            .unwrap();
        let client = c.tls_client.as_ref().unwrap();
        assert_eq!(
            (client.cert.as_str(), client.key.as_str()),
            ("/k/c rt.pem", "/k/key.pem")
        );
        assert_eq!(
            c.url(),
            "postgres://u@h:5432/db?sslmode=require&sslcert=/k/c%20rt.pem&sslkey=/k/key.pem"
        );
        assert_eq!(Postgres::parse(&c.url()["postgres://".len()..]).unwrap(), c);
    }
}
