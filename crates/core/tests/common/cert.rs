//! Certificates for the throwaway TLS servers of pg.rs and maria.rs (which the CLI's tests
//! also include on their own, hence a file of its own), made by `openssl`: a test
//! authority, and a server certificate it signed for the name `localhost` only (not for
//! 127.0.0.1), so tests can check both the authority and the host name; and client
//! certificates it signed, for servers that ask for one.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A server's key and certificate, and the certificate of the authority that signed it.
pub struct ServerCert {
    pub key: PathBuf,
    pub crt: PathBuf,
    pub ca: PathBuf,
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running openssl: install it (make deps)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A certificate authority `NAME.key` / `NAME.crt` in `dir`; returns the certificate.
pub fn authority(dir: &Path, name: &str) -> PathBuf {
    let (key, crt) = (format!("{name}.key"), format!("{name}.crt"));
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN=ShopSafe test authority {name}"),
            "-keyout",
            &key,
            "-out",
            &crt,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
    dir.join(crt)
}

/// A server certificate for `localhost`, signed by a new authority, in `dir`.
pub fn server_cert(dir: &Path) -> ServerCert {
    let ca = authority(dir, "ca");
    let (key, crt) = signed(
        dir,
        "server",
        "localhost",
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    );
    ServerCert { key, crt, ca }
}

/// A client certificate for the login `user` (its common name), signed by the authority
/// `ca.key` / `ca.crt` in `dir`; returns the certificate and its key.
pub fn client_cert(dir: &Path, user: &str) -> (PathBuf, PathBuf) {
    let (key, crt) = signed(
        dir,
        &format!("client-{user}"),
        user,
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    );
    (crt, key)
}

/// `NAME.key` and `NAME.crt` in `dir`: a new key and a certificate for `cn` with the
/// extensions `ext`, signed by the authority `ca.key` / `ca.crt` there.
fn signed(dir: &Path, name: &str, cn: &str, ext: &str) -> (PathBuf, PathBuf) {
    let (key, csr, crt, ext_file) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.crt"),
        format!("{name}.ext"),
    );
    std::fs::write(dir.join(&ext_file), ext).unwrap();
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            &format!("/CN={cn}"),
            "-keyout",
            &key,
            "-out",
            &csr,
        ],
        dir,
    );
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &ext_file,
            "-out",
            &crt,
        ],
        dir,
    );
    (dir.join(key), dir.join(crt))
}
