//! A self-signed certificate for the throwaway TLS servers of pg.rs and maria.rs (which the
//! CLI's tests also include on their own, hence a file of its own).

use std::path::{Path, PathBuf};

/// A self-signed certificate for a throwaway TLS server, made by `openssl` in `dir`:
/// returns (key, certificate).
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (key, crt) = (dir.join("server.key"), dir.join("server.crt"));
    let out = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=shopsafe-test", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .expect("running openssl: install it (make deps)");
    assert!(
        out.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (key, crt)
}
