//! Database passwords, kept out of the catalog. A shop's password lives in the OS keyring
//! where there is one (the macOS Keychain, the Windows Credential Manager, the Secret Service
//! of a Linux desktop session), under the service `ShopSafe` and the shop's uid. Where there
//! is none (a headless server has no Secret Service), it lives in `secrets/<uid>` in the
//! ShopSafe home: a file of mode 0600 in a folder of mode 0700, readable only by this user —
//! the same protection as `~/.pgpass` or `~/.my.cnf`, and said so in plain words. The
//! catalog records only *which* store holds a shop's password. `SHOPSAFE_DB_PASSWORD`
//! overrides the stored password for one run and is never stored.

use crate::{Error, ErrorKind, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Environment variable that gives a database password for one run.
pub const PASSWORD_ENV: &str = "SHOPSAFE_DB_PASSWORD";
/// Set to `off` to keep passwords in the file store even where an OS keyring exists (for a
/// server whose keyring would wait for a desktop unlock dialog).
pub const KEYRING_ENV: &str = "SHOPSAFE_KEYRING";
/// How a user can give a password, for error sentences.
pub const HOW_TO_GIVE: &str = "give it in the database URL or with --password (`shopsafe shop add` or `shop edit`), or set SHOPSAFE_DB_PASSWORD for one run";
/// [`HOW_TO_GIVE`] in the desktop app's words ([`crate::Error::for_window`]).
pub(crate) const HOW_TO_GIVE_IN_WINDOW: &str =
    "type it in the Password field (Shops, then Edit, for a shop already added)";

/// The keyring service name entries are filed under.
const SERVICE: &str = "ShopSafe";

/// Where a shop's password is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordStore {
    /// The OS keyring.
    Keyring,
    /// `secrets/<uid>` in the ShopSafe home, mode 0600.
    File,
    /// The shop has no stored password (SQLite, or a server that needs none).
    None,
}

impl PasswordStore {
    pub fn as_str(self) -> &'static str {
        match self {
            PasswordStore::Keyring => "keyring",
            PasswordStore::File => "file",
            PasswordStore::None => "none",
        }
    }

    pub fn parse(s: &str) -> PasswordStore {
        match s {
            "keyring" => PasswordStore::Keyring,
            "file" => PasswordStore::File,
            _ => PasswordStore::None,
        }
    }
}

/// The file that holds the password of shop `uid` when there is no keyring.
pub fn file_path(home: &Path, uid: &str) -> PathBuf {
    home.join("secrets").join(uid)
}

/// One sentence saying where the password of shop `uid` is kept, or `None` if it has none.
pub fn where_kept(home: &Path, uid: &str, store: PasswordStore) -> Option<String> {
    match store {
        PasswordStore::Keyring => Some(format!(
            "The password is kept in the OS keyring (service {SERVICE}, account {uid})."
        )),
        PasswordStore::File => Some(format!(
            "The password is kept in {}, readable only by you ({}).",
            file_path(home, uid).display(),
            match keyring_turned_off() {
                true => "SHOPSAFE_KEYRING=off",
                false => "no OS keyring was found",
            }
        )),
        PasswordStore::None => None,
    }
}

fn keyring_turned_off() -> bool {
    std::env::var(KEYRING_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("off"))
}

/// Whether an OS keyring answers here. Probed once per process by reading an entry that is
/// never written; "no such entry" means the keyring works.
pub fn keyring_available() -> bool {
    if keyring_turned_off() {
        return false;
    }
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        if !cfg!(any(
            target_os = "linux",
            target_os = "macos",
            target_os = "windows"
        )) {
            // Elsewhere the keyring crate falls back to an in-memory mock: no storage at all.
            return false;
        }
        match keyring::Entry::new(SERVICE, "availability-probe") {
            Ok(entry) => matches!(entry.get_password(), Ok(_) | Err(keyring::Error::NoEntry)),
            Err(_) => false,
        }
    })
}

/// Store `password` for shop `uid`: in the keyring if there is one, else in the file. Any
/// copy in the other store is removed. Returns where it went.
pub fn save(home: &Path, uid: &str, password: &str) -> Result<PasswordStore> {
    if keyring_available() {
        let saved = keyring::Entry::new(SERVICE, uid).and_then(|e| e.set_password(password));
        if saved.is_ok() {
            remove_file(home, uid)?;
            return Ok(PasswordStore::Keyring);
        }
    }
    write_file(home, uid, password)?;
    Ok(PasswordStore::File)
}

/// The stored password of shop `uid`.
pub fn load(home: &Path, uid: &str, store: PasswordStore) -> Result<Option<String>> {
    match store {
        PasswordStore::None => Ok(None),
        PasswordStore::Keyring => {
            match keyring::Entry::new(SERVICE, uid).and_then(|e| e.get_password()) {
                Ok(p) => Ok(Some(p)),
                Err(keyring::Error::NoEntry) => Err(Error::not_found(format!(
                    "The OS keyring no longer holds this shop's database password; {HOW_TO_GIVE}."
                ))),
                Err(e) => Err(Error::new(
                    ErrorKind::Io,
                    format!(
                        "The OS keyring that holds this shop's database password could not be read; unlock it, or {HOW_TO_GIVE}: {e}."
                    ),
                )),
            }
        }
        PasswordStore::File => {
            let path = file_path(home, uid);
            match std::fs::read_to_string(&path) {
                Ok(p) => Ok(Some(p)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Err(Error::not_found(format!(
                        "The file {} that held this shop's database password is gone; {HOW_TO_GIVE}.",
                        path.display()
                    )))
                }
                Err(e) => Err(Error::io("read the password file", &path, e)),
            }
        }
    }
}

/// Remove the stored password of shop `uid` (what is not there is fine).
pub fn delete(home: &Path, uid: &str, store: PasswordStore) -> Result<()> {
    match store {
        PasswordStore::None => Ok(()),
        PasswordStore::File => remove_file(home, uid),
        PasswordStore::Keyring => {
            match keyring::Entry::new(SERVICE, uid).and_then(|e| e.delete_credential()) {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(Error::new(
                    ErrorKind::Io,
                    format!("Could not remove the shop's password from the OS keyring: {e}."),
                )),
            }
        }
    }
}

/// The password to connect with this run: `SHOPSAFE_DB_PASSWORD` if set, else the stored one.
pub fn password_for(home: &Path, uid: &str, store: PasswordStore) -> Result<Option<String>> {
    match std::env::var(PASSWORD_ENV) {
        Ok(p) => Ok(Some(p)),
        Err(_) => load(home, uid, store),
    }
}

fn write_file(home: &Path, uid: &str, password: &str) -> Result<()> {
    let path = file_path(home, uid);
    let dir = path.parent().expect("a secret file has a folder");
    crate::paths::create_private_dir(dir)?;
    crate::paths::write_atomic_private(&path, password.as_bytes())?;
    crate::paths::fsync_dir(dir)
}

fn remove_file(home: &Path, uid: &str) -> Result<()> {
    let path = file_path(home, uid);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove the password file", &path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_store_is_private_and_round_trips() {
        let home = tempfile::tempdir().unwrap();
        write_file(home.path(), "u1", "pä:ss").unwrap();
        assert_eq!(
            load(home.path(), "u1", PasswordStore::File).unwrap(),
            Some("pä:ss".to_string())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&file_path(home.path(), "u1")), 0o600);
            assert_eq!(mode(&home.path().join("secrets")), 0o700);
        }
        delete(home.path(), "u1", PasswordStore::File).unwrap();
        let e = load(home.path(), "u1", PasswordStore::File).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(!e.message.contains("pä:ss"));
    }
}
