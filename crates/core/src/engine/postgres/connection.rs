//! Connecting to the shop's PostgreSQL server (TLS as the URL asks) and turning what the
//! server answers into one sentence for the shop owner: a wrong password, a missing
//! database, a lock another connection holds, text that is not UTF-8.

use super::{Postgres, RESTORE_LOCK_WAIT, SESSION, TEXT_FORMS};
use crate::engine::tls::{self, TlsMode};
use crate::secrets::HOW_TO_GIVE;
use crate::{Error, ErrorKind, Result};
use std::time::Duration;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

impl Postgres {
    pub(super) fn place(&self) -> String {
        format!(
            "the database {} at {}:{}",
            self.dbname, self.host, self.port
        )
    }

    pub(super) async fn connect(&self) -> Result<Client> {
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
                self.tls_client.as_ref(),
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

    pub(super) fn connect_error(&self, e: tokio_postgres::Error) -> Error {
        let user = &self.user;
        let place = self.place();
        if let Some(bad) = tls::certificate_problem(&e, &place, "sslmode= and sslrootcert=") {
            return bad;
        }
        let server = format!("The PostgreSQL server at {}:{}", self.host, self.port);
        let names = super::CLIENT_CERT_OPTIONS;
        if let Some(bad) = tls::client_cert_alert(&e, &server, self.tls_client.as_ref(), names) {
            return bad;
        }
        let message = match e.code() {
            Some(c) if *c == SqlState::INVALID_PASSWORD => format!(
                "The PostgreSQL server refused the password for user {user}; check the password and {HOW_TO_GIVE}."
            ),
            Some(c)
                if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
                    && crate::engine::innermost(&e).contains("no encryption") =>
            {
                format!(
                    "The PostgreSQL server at {}:{} accepts only encrypted connections; remove sslmode=disable from the database URL (or use sslmode=require).",
                    self.host, self.port
                )
            }
            Some(c)
                if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
                    && crate::engine::innermost(&e).contains("certificate") =>
            {
                return tls::client_cert_refused(
                    &server,
                    self.tls_client.is_some(),
                    &crate::engine::innermost(&e),
                    names,
                );
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
                if crate::engine::innermost(&e).contains("server does not support TLS") {
                    return Error::invalid(format!(
                        "The PostgreSQL server at {}:{} does not offer TLS, but the database URL says sslmode={}; turn on ssl in the server{}.",
                        self.host,
                        self.port,
                        self.tls.pg_name(),
                        if self.tls.verifies() { "" } else { ", or use sslmode=prefer" }
                    ));
                }
                if crate::engine::innermost(&e).contains("password missing") {
                    return Error::new(
                        ErrorKind::PasswordRequired,
                        format!("The PostgreSQL server asks for a password for user {user}; {HOW_TO_GIVE}."),
                    );
                } else {
                    format!(
                        "Could not reach the PostgreSQL server at {}:{}; check the host and port and that the server is running ({}).",
                        self.host,
                        self.port,
                        crate::engine::innermost(&e)
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

    pub(super) fn db_error(&self, e: tokio_postgres::Error) -> Error {
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
                    crate::engine::innermost(&e)
                ),
            ),
        }
    }

    /// The sentence for a restore that waited too long for another connection's lock, while
    /// dropping `what` when known ("the table public.x").
    pub(super) fn lock_wait(&self, what: Option<&str>) -> Error {
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
    pub(super) fn not_utf8_error(&self, d: &DbError, table: Option<&str>) -> Error {
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
}

/// Why an extension cannot be created.
pub(super) enum MissingExtension {
    /// The server has no such extension to install.
    NotInstalled(String),
    /// Only a superuser may create it.
    NotAllowed(String),
}

/// Whether a server message says an extension cannot be created, and why.
pub(super) fn missing_extension(message: &str) -> Option<MissingExtension> {
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

/// Whether the server could not send text as UTF-8: bytes that are no text in the
/// database's encoding (SQL_ASCII holds any), or a character UTF-8 lacks.
pub(super) fn not_utf8(d: &DbError) -> bool {
    [
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        SqlState::UNTRANSLATABLE_CHARACTER,
    ]
    .contains(d.code())
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
}
