//! The system's own dialogs and file manager: picking the shop's SQLite file, its media
//! folder, the backup destination, a folder of archives to import, the certificate of the
//! authority a database server's certificate is checked against or the client certificate
//! and key shown to a server that asks for one, and showing an archive in its folder.
//!
//! Tests cannot click in native dialogs, so in debug builds, when
//! `SHOPSAFE_TEST_PICK_<PURPOSE>` is set (`SHOPSAFE_TEST_PICK_DATABASE`, `_MEDIA`,
//! `_DESTINATION`, `_IMPORT`, `_CERTIFICATE`, `_CLIENT_CERTIFICATE`, `_CLIENT_KEY`), its value is taken as the picked path and no dialog opens.
//! An empty value stands for "the user cancelled". Release builds always open the dialog.

use serde::Deserialize;
use shopsafe_core::{Error, ErrorKind, Result};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager, Runtime};

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// An SQLite database file.
    Database,
    /// The shop's media folder.
    Media,
    /// The folder backups go to.
    Destination,
    /// A folder of archives to import.
    Import,
    /// The certificate of the authority that signed the database server's.
    Certificate,
    /// The client certificate shown to a database server that asks for one.
    ClientCertificate,
    /// That certificate's private key.
    ClientKey,
}

impl Purpose {
    fn test_variable(self) -> &'static str {
        match self {
            Purpose::Database => "SHOPSAFE_TEST_PICK_DATABASE",
            Purpose::Media => "SHOPSAFE_TEST_PICK_MEDIA",
            Purpose::Destination => "SHOPSAFE_TEST_PICK_DESTINATION",
            Purpose::Import => "SHOPSAFE_TEST_PICK_IMPORT",
            Purpose::Certificate => "SHOPSAFE_TEST_PICK_CERTIFICATE",
            Purpose::ClientCertificate => "SHOPSAFE_TEST_PICK_CLIENT_CERTIFICATE",
            Purpose::ClientKey => "SHOPSAFE_TEST_PICK_CLIENT_KEY",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Purpose::Database => "Choose the shop's SQLite database file",
            Purpose::Media => "Choose the shop's media folder",
            Purpose::Destination => "Choose where backups go",
            Purpose::Import => "Choose a folder holding ShopSafe backups",
            Purpose::Certificate => {
                "Choose the certificate of the authority that signed the database server's"
            }
            Purpose::ClientCertificate => {
                "Choose the client certificate the database server asks for"
            }
            Purpose::ClientKey => "Choose the private key of the client certificate",
        }
    }
}

pub async fn pick<R: Runtime>(app: &AppHandle<R>, purpose: Purpose) -> Result<Option<PathBuf>> {
    if cfg!(debug_assertions) {
        if let Some(v) = std::env::var_os(purpose.test_variable()) {
            return Ok((!v.is_empty()).then(|| PathBuf::from(v)));
        }
    }
    let window = app.get_webview_window("main");
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Not on the app's main thread, which must keep running its event loop: the dialog
    // library hands the dialog to the thread that owns GTK (that one) and waits for the
    // answer, so called from there it would wait for itself and the window would freeze.
    std::thread::spawn(move || {
        let mut dialog = rfd::FileDialog::new().set_title(purpose.title());
        if let Some(w) = &window {
            dialog = dialog.set_parent(w);
        }
        let picked = match purpose {
            Purpose::Database => dialog
                .add_filter("SQLite database", &["sqlite3", "sqlite", "db"])
                .add_filter("All files", &["*"])
                .pick_file(),
            Purpose::Certificate | Purpose::ClientCertificate => dialog
                .add_filter("Certificate", &["pem", "crt", "cer"])
                .add_filter("All files", &["*"])
                .pick_file(),
            Purpose::ClientKey => dialog
                .add_filter("Private key", &["pem", "key"])
                .add_filter("All files", &["*"])
                .pick_file(),
            _ => dialog.pick_folder(),
        };
        let _ = tx.send(picked);
    });
    rx.await
        .map_err(|_| Error::internal("The file dialog closed without an answer."))
}

/// Show `path` selected in the system's file manager (on Linux: its folder, opened with
/// `xdg-open`).
pub fn reveal(path: &Path) -> Result<()> {
    let folder = path.parent().unwrap_or(path);
    let child = opener(path, folder).spawn().map_err(|_| {
        Error::new(
            ErrorKind::NotFound,
            format!(
                "No file manager could be started; the backup is in {}.",
                folder.display()
            ),
        )
    })?;
    // Reap the opener when it exits, so it does not linger as a zombie.
    std::thread::spawn(move || child.wait_with_output());
    Ok(())
}

#[cfg(target_os = "macos")]
fn opener(path: &Path, _folder: &Path) -> std::process::Command {
    let mut c = std::process::Command::new("open");
    c.arg("-R").arg(path);
    c
}

#[cfg(windows)]
fn opener(path: &Path, _folder: &Path) -> std::process::Command {
    use std::os::windows::process::CommandExt;
    let mut c = std::process::Command::new("explorer");
    // explorer wants `/select,"<path>"` as written, not quoted as one argument.
    c.raw_arg(format!("/select,\"{}\"", path.display()));
    c
}

#[cfg(not(any(target_os = "macos", windows)))]
fn opener(_path: &Path, folder: &Path) -> std::process::Command {
    let mut c = std::process::Command::new("xdg-open");
    c.arg(folder);
    c
}
