//! TLS to database servers: the mode a URL asks for (`sslmode=` for PostgreSQL, `ssl-mode=`
//! for MySQL; `prefer` by default), the certificate authority it trusts (`sslrootcert=` /
//! `ssl-ca=`), the client certificate it shows a server that asks for one (`sslcert=` and
//! `sslkey=` / `ssl-cert=` and `ssl-key=`), and the rustls client settings both engines use.
//!
//! As libpq's `require`, `prefer` and `require` encrypt without checking who signed the
//! server's certificate: shop servers often use a self-signed one. The handshake signatures
//! are still checked, so the session key is the server's. `verify-ca` also checks that the
//! certificate was signed by the trusted authority, and `verify-full` that it names the
//! host connected to; the trusted authority is the URL's certificate file, or else the
//! public web authorities (Mozilla's list, built in) that hosted database services use.
//! Connections over a unix socket are local and never use TLS.

use crate::{Error, ErrorKind, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::sync::Arc;

/// Whether a connection uses TLS, and what it checks of the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum TlsMode {
    /// Never.
    Disable,
    /// When the server offers it (the default).
    #[default]
    Prefer,
    /// Always; a server without TLS is refused.
    Require,
    /// Always, with a certificate signed by the trusted authority.
    VerifyCa,
    /// Always, with a certificate signed by the trusted authority for the host named.
    VerifyFull,
}

/// The names of the modes in PostgreSQL and MySQL URLs. MySQL has no `verify-ca`: the
/// driver (mysql_async 0.37 with this rustls) cannot skip the host-name check it needs.
const NAMES: [(TlsMode, &str, Option<&str>); 5] = [
    (TlsMode::Disable, "disable", Some("DISABLED")),
    (TlsMode::Prefer, "prefer", Some("PREFERRED")),
    (TlsMode::Require, "require", Some("REQUIRED")),
    (TlsMode::VerifyCa, "verify-ca", None),
    (TlsMode::VerifyFull, "verify-full", Some("VERIFY_IDENTITY")),
];

impl TlsMode {
    /// `sslmode=` of a PostgreSQL URL.
    pub fn parse_pg(value: &str) -> Result<TlsMode> {
        NAMES.iter().find(|n| n.1 == value).map(|n| n.0).ok_or_else(|| {
            Error::invalid(format!(
                "sslmode={value} is not supported; use sslmode=disable, prefer, require, verify-ca or verify-full."
            ))
        })
    }

    pub fn pg_name(self) -> &'static str {
        NAMES.iter().find(|n| n.0 == self).map_or("prefer", |n| n.1)
    }

    /// `ssl-mode=` of a MySQL URL (any case).
    pub fn parse_mysql(value: &str) -> Result<TlsMode> {
        let upper = value.to_ascii_uppercase();
        NAMES
            .iter()
            .find(|n| n.2 == Some(upper.as_str()))
            .map(|n| n.0)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "ssl-mode={value} is not supported; use ssl-mode=DISABLED, PREFERRED, REQUIRED or VERIFY_IDENTITY (which checks the certificate's authority and host name)."
                ))
            })
    }

    pub fn mysql_name(self) -> &'static str {
        NAMES
            .iter()
            .find(|n| n.0 == self)
            .and_then(|n| n.2)
            .unwrap_or("VERIFY_IDENTITY")
    }

    /// Whether the server's certificate is checked against a trusted authority.
    pub fn verifies(self) -> bool {
        self >= TlsMode::VerifyCa
    }
}

/// The URL's TLS options must make sense together: a certificate file only with a mode that
/// checks certificates (`modes` names them), `verify-ca` only with a file (the public
/// authorities sign certificates for anyone's host names, so without the name check they
/// prove nothing), and no checking mode over a unix socket, which carries no TLS.
pub fn check_ca(
    mode: TlsMode,
    ca: Option<&str>,
    option: &str,
    modes: &str,
    socket: bool,
) -> Result<()> {
    match ca {
        Some(path) if !std::path::Path::new(path).is_absolute() => Err(Error::invalid(format!(
            "{option}={path} must be the absolute path of the certificate file."
        ))),
        Some(_) if !mode.verifies() => Err(Error::invalid(format!(
            "{option}= is used only to check the server's certificate; add {modes} to the database URL."
        ))),
        None if mode == TlsMode::VerifyCa => Err(Error::invalid(format!(
            "sslmode=verify-ca needs {option}= with the absolute path of the certificate of the authority that signed the server's; or use sslmode=verify-full, which also checks the host name."
        ))),
        _ if socket && mode.verifies() => Err(Error::invalid(
            "A unix socket carries no TLS, so there is no certificate to check; connect over TCP (host and port) or leave the checking ssl mode out.",
        )),
        _ => Ok(()),
    }
}

/// A client certificate and its private key (absolute paths of PEM files), shown to a server
/// that asks for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    pub cert: String,
    pub key: String,
}

impl ClientCert {
    /// The URL's client certificate options (named `names`, as `("sslcert", "sslkey")`): both
    /// or neither, absolute paths, and only where TLS can be used.
    pub fn from_url(
        cert: Option<String>,
        key: Option<String>,
        names: (&str, &str),
        mode: TlsMode,
        socket: bool,
    ) -> Result<Option<ClientCert>> {
        let (c, k) = names;
        let (cert, key) = match (cert, key) {
            (None, None) => return Ok(None),
            (Some(cert), Some(key)) => (cert, key),
            _ => {
                return Err(Error::invalid(format!(
                    "{c}= and {k}= go together: give the absolute paths of the client certificate and of its private key."
                )))
            }
        };
        if let Some((name, path)) = [(c, &cert), (k, &key)]
            .into_iter()
            .find(|(_, path)| !std::path::Path::new(path).is_absolute())
        {
            return Err(Error::invalid(format!(
                "{name}={path} must be the absolute path of the file."
            )));
        }
        if mode == TlsMode::Disable || socket {
            return Err(Error::invalid(format!(
                "A client certificate is shown only over TLS, which {} does not use; connect over TCP (host and port) with TLS, or leave {c}= and {k}= out.",
                if socket { "a unix socket" } else { "this URL's ssl mode" }
            )));
        }
        Ok(Some(ClientCert { cert, key }))
    }

    /// The URL options that give this certificate back to [`ClientCert::from_url`].
    pub fn url_options(&self, (c, k): (&str, &str)) -> [String; 2] {
        let path = |p: &str| super::url::encode(p, "/");
        [
            format!("{c}={}", path(&self.cert)),
            format!("{k}={}", path(&self.key)),
        ]
    }

    /// The certificate chain and key, for rustls.
    fn load(&self) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
        let bad = |path: &str, what: String| {
            Error::invalid(format!(
                "Could not use the client certificate file {path}: {what}; give the PEM files of the certificate the server accepts and of its private key."
            ))
        };
        let certs = CertificateDer::pem_file_iter(&self.cert)
            .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(|e| bad(&self.cert, e.to_string()))?;
        if certs.is_empty() {
            return Err(bad(&self.cert, "it holds no certificate".into()));
        }
        #[cfg(unix)]
        {
            // As libpq: a key others may read is refused, not used (one of root's may be
            // readable by its group, as system-wide key folders have it).
            use std::os::unix::fs::MetadataExt;
            let meta = std::fs::metadata(&self.key).map_err(|e| bad(&self.key, e.to_string()))?;
            let others = if meta.uid() == 0 { 0o037 } else { 0o077 };
            if meta.mode() & others != 0 {
                return Err(Error::invalid(format!(
                    "The private key file {} may be read by other users of this computer (mode {:o}); make it yours alone (chmod 600 {}), then try again.",
                    self.key,
                    meta.mode() & 0o777,
                    self.key
                )));
            }
        }
        let key =
            PrivateKeyDer::from_pem_file(&self.key).map_err(|e| bad(&self.key, e.to_string()))?;
        Ok((certs, key))
    }
}

/// One sentence for a server (`server`, as "The PostgreSQL server at h:p") that asked for a
/// client certificate and got none (`shown` false), or refused the one shown (in its own
/// words, `said`); `names` are the URL's options for it.
pub fn client_cert_refused(server: &str, shown: bool, said: &str, names: (&str, &str)) -> Error {
    let (c, k) = names;
    let message = match shown {
        false => format!(
            "{server} asks for a client certificate; add {c}= and {k}= with the absolute paths of the certificate it accepts and of its private key to the database URL (`shopsafe shop edit NAME --db URL`)."
        ),
        true => format!(
            "{server} refused the client certificate ({}); check {c}= and {k}= in the database URL, or ask the server's administrator which certificate it accepts.",
            said.trim_end_matches('.')
        ),
    };
    Error::new(ErrorKind::InvalidInput, message)
}

/// Make ring rustls' process-wide provider, for libraries that build their own rustls
/// settings (mysql_async); a provider someone installed earlier stays.
pub fn install_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// rustls settings for `mode`: encrypt only (`prefer`, `require`), or check the server's
/// certificate against the authorities in the PEM file `ca` (or, for `verify-full` without
/// one, Mozilla's list); showing the client certificate `client` to a server that asks.
pub fn client_config(
    mode: TlsMode,
    ca: Option<&str>,
    client: Option<&ClientCert>,
) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .dangerous();
    let chain = match mode {
        TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => None,
        TlsMode::VerifyCa | TlsMode::VerifyFull => Some(
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots(ca)?), provider.clone())
                .build()
                .map_err(|e| Error::internal(format!("Could not set up TLS: {e}.")))?,
        ),
    };
    let verifier = Arc::new(Checks {
        provider,
        chain,
        any_name: mode == TlsMode::VerifyCa,
    });
    let builder = builder.with_custom_certificate_verifier(verifier);
    match client {
        None => Ok(builder.with_no_client_auth()),
        Some(client) => {
            let (certs, key) = client.load()?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| match e {
                    rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                        Error::invalid(format!(
                            "The key {} does not belong to the client certificate {}; give the certificate's own private key.",
                            client.key, client.cert
                        ))
                    }
                    other => Error::invalid(format!(
                        "Could not use the client certificate {} with the key {}: {other}; give the PEM files of a certificate and key of a kind TLS libraries take (RSA, ECDSA P-256/P-384 or Ed25519).",
                        client.cert, client.key
                    )),
                })
        }
    }
}

/// The authorities in the PEM file `ca`, or Mozilla's list.
fn roots(ca: Option<&str>) -> Result<RootCertStore> {
    let Some(path) = ca else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let bad = |what: String| {
        Error::invalid(format!(
            "Could not use the certificate file {path}: {what}; give the PEM file of the authority that signed the server's certificate."
        ))
    };
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| bad(e.to_string()))?;
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(bad("it holds no certificate".into()));
    }
    Ok(store)
}

/// If `error` (or what caused it) is the server's certificate failing the check, one
/// sentence on it for the server at `place` (`what` names the URL options to look at).
pub fn certificate_problem(
    error: &(dyn std::error::Error + 'static),
    place: &str,
    what: &str,
) -> Option<Error> {
    let Some(rustls::Error::InvalidCertificate(c)) = rustls_error(error) else {
        return None;
    };
    let url = format!("`shopsafe shop edit NAME --db URL` changes {what} in the database URL");
    let why = match c {
        CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
            "is not signed by the authority trusted; give the file of the authority that signed it ({url}), or ask the server's administrator which one it is"
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
            "does not name the host connected to; connect to the server by a name its certificate holds ({url}), or ask its administrator for a certificate naming this one"
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "has expired; the server's administrator must renew it (the database URL cannot fix that)".to_string()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "is not valid yet; check this computer's date and time, or ask the server's administrator".to_string()
        }
        other => format!("was refused ({other:?}); check {what} in the database URL, or ask the server's administrator"),
    };
    Some(Error::new(
        ErrorKind::InvalidInput,
        format!("The certificate of the server for {place} {why}."),
    ))
}

/// If `error` (or what caused it) is the server ending the handshake over the client
/// certificate (none shown where one is required, or one it does not accept), one sentence
/// on it from [`client_cert_refused`].
pub fn client_cert_alert(
    error: &(dyn std::error::Error + 'static),
    server: &str,
    client: Option<&ClientCert>,
    names: (&str, &str),
) -> Option<Error> {
    use rustls::AlertDescription as A;
    let Some(rustls::Error::AlertReceived(alert)) = rustls_error(error) else {
        return None;
    };
    // Without a certificate shown only the one alert that surely means "show one" counts:
    // the others end handshakes for reasons of the server's own too.
    let said = match alert {
        A::CertificateRequired => format!("TLS alert {alert:?}"),
        _ if client.is_none() => return None,
        A::UnknownCA => "it is not signed by an authority the server trusts".to_string(),
        A::CertificateExpired => "it has expired".to_string(),
        A::CertificateRevoked => "it was revoked".to_string(),
        A::BadCertificate
        | A::UnsupportedCertificate
        | A::CertificateUnknown
        | A::AccessDenied
        | A::DecryptError => format!("TLS alert {alert:?}"),
        _ => return None,
    };
    Some(client_cert_refused(server, client.is_some(), &said, names))
}

/// The rustls error in `error` or what caused it, if any.
fn rustls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(error);
    while let Some(e) = next {
        let found = e.downcast_ref::<rustls::Error>().or_else(|| {
            e.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if found.is_some() {
            return found;
        }
        next = e.source();
    }
    None
}

/// What a server's certificate must pass: with no `chain` checker only the handshake
/// signatures (made with the certificate's key: encrypt-only, as libpq's `require`); else
/// also the chain up to a trusted authority, and the host name unless `any_name`.
#[derive(Debug)]
struct Checks {
    provider: Arc<CryptoProvider>,
    chain: Option<Arc<WebPkiServerVerifier>>,
    any_name: bool,
}

impl ServerCertVerifier for Checks {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.any_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only alerts about the client certificate are blamed on it.
    #[test]
    fn client_certificate_alerts_are_told_apart() {
        use rustls::AlertDescription as A;
        let client = ClientCert {
            cert: "/c.pem".into(),
            key: "/k.pem".into(),
        };
        let said = |alert, client| {
            let e = rustls::Error::AlertReceived(alert);
            client_cert_alert(&e, "The server", client, ("sslcert", "sslkey")).map(|e| e.message)
        };
        assert!(said(A::CertificateRequired, None)
            .unwrap()
            .starts_with("The server asks for a client certificate; add sslcert= and sslkey="));
        assert_eq!(said(A::DecryptError, None), None);
        assert!(said(A::UnknownCA, Some(&client)).unwrap().contains(
            "refused the client certificate (it is not signed by an authority the server trusts)"
        ));
        assert_eq!(said(A::ProtocolVersion, Some(&client)), None);
    }

    /// A client certificate needs its key, absolute paths, and a connection that can carry TLS.
    #[test]
    fn client_certificate_options_make_sense_together() {
        let names = ("sslcert", "sslkey");
        let parse = |cert: Option<&str>, key: Option<&str>, mode, socket| {
            ClientCert::from_url(
                cert.map(Into::into),
                key.map(Into::into),
                names,
                mode,
                socket,
            )
        };
        assert_eq!(parse(None, None, TlsMode::Disable, true).unwrap(), None);
        let e = parse(Some("/c.pem"), None, TlsMode::Prefer, false).unwrap_err();
        assert!(
            e.message.starts_with("sslcert= and sslkey= go together"),
            "{}",
            e.message
        );
        let e = parse(Some("/c.pem"), Some("k.pem"), TlsMode::Prefer, false).unwrap_err();
        assert!(
            e.message
                .starts_with("sslkey=k.pem must be the absolute path"),
            "{}",
            e.message
        );
        for (mode, socket) in [(TlsMode::Disable, false), (TlsMode::Require, true)] {
            let e = parse(Some("/c.pem"), Some("/k.pem"), mode, socket).unwrap_err();
            assert!(e.message.contains("shown only over TLS"), "{}", e.message);
        }
        let ok = parse(Some("/c.pem"), Some("/k.pem"), TlsMode::Prefer, false).unwrap();
        assert_eq!(ok.unwrap().key, "/k.pem");
        // Files that are not there, or hold no certificate, get a sentence naming them.
        let missing = ClientCert {
            cert: "/nonexistent/c.pem".into(),
            key: "/nonexistent/k.pem".into(),
        };
        let e = client_config(TlsMode::Require, None, Some(&missing)).unwrap_err();
        assert!(
            e.message
                .starts_with("Could not use the client certificate file /nonexistent/c.pem"),
            "{}",
            e.message
        );
    }

    /// A certificate the server must renew is not blamed on the database URL.
    #[test]
    fn certificate_problems_say_who_can_fix_them() {
        let said = |c: CertificateError| {
            let e = rustls::Error::InvalidCertificate(c);
            certificate_problem(
                &e,
                "the database shop at db:5432",
                "sslmode= and sslrootcert=",
            )
            .unwrap()
            .message
        };
        let expired = said(CertificateError::Expired);
        assert_eq!(expired, "The certificate of the server for the database shop at db:5432 has expired; the server's administrator must renew it (the database URL cannot fix that).");
        assert!(said(CertificateError::NotValidForName).contains("connect to the server by a name its certificate holds (`shopsafe shop edit NAME --db URL` changes sslmode= and sslrootcert= in the database URL)"));
        assert!(said(CertificateError::NotValidYet).contains("check this computer's date and time"));
        let io = std::io::Error::other(rustls::Error::General("x".into()));
        assert!(certificate_problem(&io, "x", "y").is_none());
    }

    #[test]
    fn modes_parse_and_print_back() {
        for (m, _, mysql) in NAMES {
            assert_eq!(TlsMode::parse_pg(m.pg_name()).unwrap(), m);
            if mysql.is_some() {
                assert_eq!(TlsMode::parse_mysql(m.mysql_name()).unwrap(), m);
            }
        }
        let e = TlsMode::parse_mysql("VERIFY_CA").unwrap_err();
        assert!(e.message.contains("or VERIFY_IDENTITY"), "{}", e.message);
        assert_eq!(TlsMode::parse_mysql("required").unwrap(), TlsMode::Require);
        let e = TlsMode::parse_pg("allow").unwrap_err();
        assert!(
            e.message.contains("verify-ca or verify-full"),
            "{}",
            e.message
        );
        assert!(TlsMode::VerifyCa.verifies() && !TlsMode::Require.verifies());
        let e = check_ca(
            TlsMode::Require,
            Some("/ca.pem"),
            "sslrootcert",
            "sslmode=verify-full",
            false,
        )
        .unwrap_err();
        assert!(
            e.message.contains("add sslmode=verify-full"),
            "{}",
            e.message
        );
        let e = check_ca(TlsMode::VerifyCa, Some("ca.pem"), "ssl-ca", "x", false).unwrap_err();
        assert!(e.message.contains("absolute path"), "{}", e.message);
        let e = check_ca(TlsMode::VerifyCa, None, "sslrootcert", "x", false).unwrap_err();
        assert!(
            e.message.contains("verify-ca needs sslrootcert="),
            "{}",
            e.message
        );
        let e = check_ca(TlsMode::VerifyFull, None, "sslrootcert", "x", true).unwrap_err();
        assert!(
            e.message.contains("A unix socket carries no TLS"),
            "{}",
            e.message
        );
        check_ca(TlsMode::Require, None, "sslrootcert", "x", true).unwrap();
        check_ca(TlsMode::VerifyFull, None, "sslrootcert", "x", false).unwrap();
        // Building the settings must not panic; the built-in authorities are there.
        for (m, _, _) in NAMES {
            client_config(m, None, None).unwrap();
        }
        let e = client_config(TlsMode::VerifyFull, Some("/nonexistent/ca.pem"), None).unwrap_err();
        assert!(
            e.message.contains("Could not use the certificate file"),
            "{}",
            e.message
        );
    }
}
