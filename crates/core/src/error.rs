//! The one error type of ShopSafe.
//!
//! Rules, for every function in the core:
//! 1. Every failure a user can cause becomes an [`Error`] whose message is one plain sentence
//!    that says what happened and what to do about it. No stack of causes, no raw library text
//!    unless it is the only clue, and then after a colon at the end.
//! 2. The [`ErrorKind`] says what sort of failure it is, so the CLI can pick an exit code and the
//!    app an icon, without parsing the sentence.
//! 3. Secrets (passwords, tokens) never appear in a message.
//! 4. An operation that returns an error has left everything as it was, or says in the sentence
//!    what it could not put back.

use std::fmt;

/// What sort of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The user gave something that cannot work (a bad URL, a missing folder, a non-SQLite file).
    InvalidInput,
    /// The database server asks for a password and none was given (the CLI then prompts on a
    /// terminal; the app shows its password field).
    PasswordRequired,
    /// A shop, backup or file that was asked for does not exist.
    NotFound,
    /// An archive is damaged, truncated or not a ShopSafe archive.
    Corrupt,
    /// The operation would act on another shop than the archive came from, and needs an
    /// explicit `--force`.
    Conflict,
    /// The user did not confirm, or there was nobody to ask.
    Refused,
    /// The user cancelled a running job.
    Cancelled,
    /// Reading or writing files failed (full disk, no permission).
    Io,
    /// The database refused or failed.
    Database,
    /// A check after a restore failed; the shop was rolled back.
    VerificationFailed,
    /// A bug or an impossible state.
    Internal,
}

impl ErrorKind {
    /// A stable lower-case code, as sent to scripts and the app.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::PasswordRequired => "password_required",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Refused => "refused",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Io => "io",
            ErrorKind::Database => "database",
            ErrorKind::VerificationFailed => "verification_failed",
            ErrorKind::Internal => "internal",
        }
    }
}

/// A failure with a kind and one human sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Corrupt, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    pub fn cancelled() -> Self {
        Self::new(
            ErrorKind::Cancelled,
            "The job was cancelled; nothing was changed.",
        )
    }

    /// An I/O failure while doing `what` on `path`, in words a shop owner understands.
    pub fn io(what: &str, path: &std::path::Path, err: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let p = path.display();
        let message = match err.kind() {
            K::NotFound => format!("Could not {what} {p}: it does not exist. Check the path."),
            K::PermissionDenied if what.starts_with("read") => format!(
                "Could not {what} {p}: permission denied. Give the user ShopSafe runs as the right to read it, or fix its permissions."
            ),
            K::PermissionDenied => format!(
                "Could not {what} {p}: permission denied. Choose a place this user may write to, or fix its permissions."
            ),
            K::StorageFull => format!(
                "Could not {what} {p}: the disk is full. Free some space or choose another destination."
            ),
            K::ReadOnlyFilesystem => format!(
                "Could not {what} {p}: the disk is read-only. Choose a writable destination."
            ),
            _ => format!("Could not {what} {p}: {err}."),
        };
        Error::new(ErrorKind::Io, message)
    }

    /// The sentence in the desktop app's words ([`window_words`]).
    pub fn for_window(mut self) -> Self {
        self.message = window_words(&self.message);
        self
    }

    /// Prefix the sentence with what was being done, keeping the kind.
    pub fn context(mut self, what: &str) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

/// A sentence in the desktop app's words: its fields and buttons, not the command line's
/// options and commands.
pub fn window_words(message: &str) -> String {
    let mut message = message.to_string();
    for (cli, window) in [
        (
            crate::secrets::HOW_TO_GIVE,
            crate::secrets::HOW_TO_GIVE_IN_WINDOW,
        ),
        (
            "back up without media (--no-media)",
            "back up the database alone (Database only)",
        ),
        (
            "run `shopsafe import` on",
            "choose Import backups from a folder (in Backups) for",
        ),
        (
            "register your shops again with `shopsafe shop add`",
            "add your shops again",
        ),
    ] {
        message = message.replace(cli, window);
    }
    message
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Sent to scripts and the app as `{"code": "...", "message": "..."}`.
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Error", 2)?;
        st.serialize_field("code", self.kind.code())?;
        st.serialize_field("message", &self.message)?;
        st.end()
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        Error::new(
            ErrorKind::Database,
            format!("The database reported an error: {err}."),
        )
    }
}

#[cfg(test)]
mod tests {
    /// The window's sentences name its own buttons, never the command line's.
    #[test]
    fn window_sentences_name_the_windows_buttons() {
        let dir = tempfile::tempdir().unwrap();
        let no_media = crate::media::scan(&dir.path().join("media"))
            .unwrap_err()
            .for_window();
        assert!(
            no_media
                .message
                .ends_with("; check the path, or back up the database alone (Database only)."),
            "{}",
            no_media.message
        );
        let gone = crate::archive::Archive::open(&dir.path().join("gone.zip"))
            .err()
            .unwrap()
            .for_window();
        assert!(
            gone.message.ends_with(
                "If you moved it, choose Import backups from a folder (in Backups) for its new folder."
            ),
            "{}",
            gone.message
        );
    }
}
