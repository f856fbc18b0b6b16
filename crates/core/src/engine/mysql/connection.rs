//! Connecting to the shop's MySQL or MariaDB server (TLS as the URL asks, `PREFERRED`
//! falling back to plain where the server offers none) and turning what the server answers
//! into one sentence for the shop owner.

use super::{Mysql, LOCK_WAIT_SECONDS, SESSION};
use crate::engine::tls::TlsMode;
use crate::secrets::HOW_TO_GIVE;
use crate::{Error, ErrorKind, Result};
use mysql_async::{Conn, OptsBuilder};

/// Why a connection attempt failed: the server offers no TLS (a `PREFERRED` connection
/// then tries again without), or anything else, as a sentence.
pub(super) enum Failure {
    NoTls,
    Error(Error),
}

impl Mysql {
    pub(super) fn place(&self) -> String {
        match &self.socket {
            Some(s) => format!("the database {} at {s}", self.dbname),
            None => format!(
                "the database {} at {}:{}",
                self.dbname, self.host, self.port
            ),
        }
    }

    pub(super) async fn connect(&self) -> Result<Conn> {
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

    pub(super) fn failure(&self, f: Failure) -> Error {
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

    pub(super) async fn connect_with(&self, tls: bool) -> std::result::Result<Conn, Failure> {
        if tls && (self.tls.verifies() || self.tls_client.is_some()) {
            // The certificate files, checked here for a clear sentence if one is unusable.
            crate::engine::tls::client_config(
                self.tls,
                self.tls_ca.as_deref(),
                self.tls_client.as_ref(),
            )
            .map_err(Failure::Error)?;
        }
        let ssl = tls.then(|| {
            crate::engine::tls::install_provider();
            let identity = self.tls_client.as_ref().map(|c| {
                mysql_async::ClientIdentity::new(
                    std::path::PathBuf::from(&c.cert).into(),
                    std::path::PathBuf::from(&c.key).into(),
                )
            });
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
            .with_client_identity(identity)
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

    /// What a refused login may lack besides its password: a client certificate (MySQL
    /// refuses a REQUIRE X509 login without one as a wrong password), where one can be shown.
    fn cert_hint(&self) -> &'static str {
        match self.tls_client.is_none() && self.socket.is_none() {
            true => " (or wants a client certificate from this login: then add ssl-cert= and ssl-key= to the database URL)",
            false => "",
        }
    }

    pub(super) fn connect_error(&self, e: mysql_async::Error) -> Error {
        let user = &self.user;
        if let Some(bad) =
            crate::engine::tls::certificate_problem(&e, &self.place(), "ssl-mode= and ssl-ca=")
        {
            return bad;
        }
        if let Some(bad) = crate::engine::tls::client_cert_alert(
            &e,
            &format!("The MySQL or MariaDB server for {}", self.place()),
            self.tls_client.as_ref(),
            super::CLIENT_CERT_OPTIONS,
        ) {
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
                format!("The MySQL or MariaDB server asks for a password for user {user}{}; {HOW_TO_GIVE}.", self.cert_hint()),
            ),
            // MariaDB refuses a plain connection to a server that demands TLS with the same
            // code as a wrong password.
            mysql_async::Error::Server(s) if s.code == 1045 && self.tls == TlsMode::Disable => Error::invalid(format!(
                "The MySQL or MariaDB server refused user {user}; check the password, and whether the server accepts only encrypted connections (then remove ssl-mode=DISABLED from the database URL)."
            )),
            // A login that must show a client certificate (REQUIRE X509 …) is refused as a
            // wrong password is.
            mysql_async::Error::Server(s) if s.code == 1045 && self.tls_client.is_none() => Error::invalid(format!(
                "The MySQL or MariaDB server refused the password for user {user}{}; check the password and {HOW_TO_GIVE}.",
                self.cert_hint()
            )),
            mysql_async::Error::Server(s) if s.code == 1045 => Error::invalid(format!(
                "The MySQL or MariaDB server refused user {user} (the password, or the client certificate in ssl-cert= and ssl-key=, which may not be the one it accepts for this login); check the password and {HOW_TO_GIVE}."
            )),
            mysql_async::Error::Server(s) if s.code == 1049 => Error::invalid(format!(
                "The database {} does not exist on the MySQL or MariaDB server; check the database name.",
                self.dbname
            )),
            mysql_async::Error::Server(s) if s.code == 1044 => Error::invalid(format!(
                "User {user} has no rights on the database {db}, or it does not exist (the server says the same for both); check the name, create it, or grant the rights (GRANT ALL ON {quoted}.* TO the login), or use the shop's own login.",
                db = self.dbname,
                quoted = super::tables::quote(&self.dbname)
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
                    crate::engine::innermost(&e)
                ),
            ),
        }
    }

    pub(super) fn db_error(&self, e: mysql_async::Error) -> Error {
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
                    crate::engine::innermost(&other)
                ),
            ),
        }
    }
}
