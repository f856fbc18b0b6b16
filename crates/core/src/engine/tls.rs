//! TLS to database servers: the mode a URL asks for (`sslmode=` for PostgreSQL, `ssl-mode=`
//! for MySQL; `prefer` by default) and the rustls client settings both engines use.
//!
//! As libpq's `require`, TLS here encrypts the connection without checking who signed the
//! server's certificate: shop servers often use a self-signed one. The handshake
//! signatures are still checked, so the session key is the server's; what is not checked
//! is that the certificate belongs to the host named. Connections over a unix socket are
//! local and never use TLS.

use crate::{Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

/// Whether a connection uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Never.
    Disable,
    /// When the server offers it (the default).
    #[default]
    Prefer,
    /// Always; a server without TLS is refused.
    Require,
}

impl TlsMode {
    /// `sslmode=` of a PostgreSQL URL.
    pub fn parse_pg(value: &str) -> Result<TlsMode> {
        match value {
            "disable" => Ok(TlsMode::Disable),
            "prefer" => Ok(TlsMode::Prefer),
            "require" => Ok(TlsMode::Require),
            _ => Err(Error::invalid(format!(
                "sslmode={value} is not supported; use sslmode=disable, prefer or require (require encrypts without checking the server's certificate, as psql does)."
            ))),
        }
    }

    pub fn pg_name(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Prefer => "prefer",
            TlsMode::Require => "require",
        }
    }

    /// `ssl-mode=` of a MySQL URL (any case).
    pub fn parse_mysql(value: &str) -> Result<TlsMode> {
        match value.to_ascii_uppercase().as_str() {
            "DISABLED" => Ok(TlsMode::Disable),
            "PREFERRED" => Ok(TlsMode::Prefer),
            "REQUIRED" => Ok(TlsMode::Require),
            _ => Err(Error::invalid(format!(
                "ssl-mode={value} is not supported; use ssl-mode=DISABLED, PREFERRED or REQUIRED (REQUIRED encrypts without checking the server's certificate, as the mysql client does)."
            ))),
        }
    }

    pub fn mysql_name(self) -> &'static str {
        match self {
            TlsMode::Disable => "DISABLED",
            TlsMode::Prefer => "PREFERRED",
            TlsMode::Require => "REQUIRED",
        }
    }
}

/// Make ring rustls' process-wide provider, for libraries that build their own rustls
/// settings (mysql_async); a provider someone installed earlier stays.
pub fn install_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// rustls settings that encrypt without checking the certificate's signer (libpq `require`).
pub fn client_config() -> ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
        .with_no_client_auth()
}

/// Accepts any server certificate, but checks the handshake is signed by its key.
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_print_back() {
        for m in [TlsMode::Disable, TlsMode::Prefer, TlsMode::Require] {
            assert_eq!(TlsMode::parse_pg(m.pg_name()).unwrap(), m);
            assert_eq!(TlsMode::parse_mysql(m.mysql_name()).unwrap(), m);
        }
        assert_eq!(TlsMode::parse_mysql("required").unwrap(), TlsMode::Require);
        let e = TlsMode::parse_pg("verify-full").unwrap_err();
        assert!(
            e.message.contains("disable, prefer or require"),
            "{}",
            e.message
        );
        // Building the settings must not panic.
        client_config();
    }
}
