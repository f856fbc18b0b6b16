//! SHA-256 helpers: hex encoding, hashing a whole file, and `sha256sum` sidecar files.
//!
//! The archive's own checksum is kept beside it as `<archive>.sha256` in the format the
//! standard `sha256sum -c` tool reads: `<64 hex digits>  <file name>\n`.

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Lower-case hex digits of `bytes` (fast: dumps write whole tables through it).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// SHA-256 of a whole file, read in large blocks; `on_bytes` is called as it goes.
pub fn sha256_file(path: &Path, on_bytes: impl FnMut(u64)) -> Result<String> {
    let file = crate::paths::open_no_wait(path, true).map_err(|e| Error::io("read", path, e))?;
    sha256_read(file, path, on_bytes)
}

/// SHA-256 of the whole of an open file, read at offsets, so that another reader of the
/// same open file is not disturbed: the file that was opened, whatever has had its name
/// since. `path` names it in messages.
pub fn sha256_at(file: &std::fs::File, path: &Path) -> Result<String> {
    struct At<'a>(&'a std::fs::File, u64);
    impl Read for At<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            #[cfg(unix)]
            let n = std::os::unix::fs::FileExt::read_at(self.0, buf, self.1)?;
            #[cfg(windows)]
            let n = std::os::windows::fs::FileExt::seek_read(self.0, buf, self.1)?;
            self.1 += n as u64;
            Ok(n)
        }
    }
    sha256_read(At(file, 0), path, |_| {})
}

fn sha256_read(mut file: impl Read, path: &Path, mut on_bytes: impl FnMut(u64)) -> Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io("read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        on_bytes(n as u64);
    }
    Ok(hex(&hasher.finalize()))
}

/// Where the sidecar of `archive` lives.
pub fn sidecar_path(archive: &Path) -> PathBuf {
    let mut name = archive.file_name().unwrap_or_default().to_os_string();
    name.push(".sha256");
    archive.with_file_name(name)
}

/// The sidecar's text for `archive` with checksum `sha256`.
pub fn sidecar_text(archive: &Path, sha256: &str) -> String {
    let name = archive.file_name().unwrap_or_default().to_string_lossy();
    format!("{sha256}  {name}\n")
}

/// The checksum recorded in the sidecar of `archive`, if there is a readable one.
pub fn read_sidecar(archive: &Path) -> Option<String> {
    let text = std::fs::read_to_string(sidecar_path(archive)).ok()?;
    let hash = text.split_whitespace().next()?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hash.to_lowercase())
}
