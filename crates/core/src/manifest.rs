//! The archive manifest: what an archive holds, written as `manifest.json` inside it.
//!
//! The manifest is the archive's table of contents and its proof: every entry's size and
//! SHA-256, every table's row count and content fingerprint, and which shop and engine it came
//! from. It never holds a password. docs/FORMAT.md documents every field; bump
//! [`FORMAT_VERSION`] for any change a reader of an older version could misread.

use serde::{Deserialize, Serialize};

/// The `format` field of every ShopSafe manifest.
pub const FORMAT_NAME: &str = "shopsafe-archive";
/// The newest archive format this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;
/// Path of the manifest inside the archive.
pub const MANIFEST_ENTRY: &str = "manifest.json";
/// Path of the plain-words guide inside the archive.
pub const README_ENTRY: &str = "README.txt";
/// Folder of media files inside the archive.
pub const MEDIA_PREFIX: &str = "media/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    /// Database and media.
    Full,
    /// Database only (`--no-media`).
    Database,
    /// Taken automatically before a restore.
    Safety,
}

impl BackupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupKind::Full => "full",
            BackupKind::Database => "database",
            BackupKind::Safety => "safety",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "full" => Some(BackupKind::Full),
            "database" => Some(BackupKind::Database),
            "safety" => Some(BackupKind::Safety),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub app_version: String,
    pub backup_id: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub kind: BackupKind,
    /// The name the user gave, if any.
    pub name: Option<String>,
    pub shop: ShopRef,
    pub database: DatabasePart,
    pub media: MediaPart,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopRef {
    pub name: String,
    /// Random id given when the shop was registered; tells shops with the same name apart.
    pub uid: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabasePart {
    /// `sqlite` (later also `postgresql`, `mysql`).
    pub engine: String,
    /// The engine's version at backup time, e.g. `3.50.4`.
    pub server_version: String,
    /// The database's name: the file name for SQLite.
    pub database_name: String,
    /// How the database part was produced, e.g. `sqlite-backup-api`.
    pub method: String,
    /// The archive entry holding the database part.
    pub entry: FileEntry,
    /// SHA-256 over the schema definition, to compare schemas after a restore.
    pub schema_fingerprint: String,
    /// Rows whose foreign keys point at missing rows (SQLite enforces foreign keys only when
    /// asked, so a shop may have some); a restore must give back exactly as many.
    #[serde(default)]
    pub foreign_key_violations: u64,
    pub tables: Vec<TableStat>,
    /// A server database's objects other than its tables (`view public.sales`, `function
    /// public.tax(numeric)`, `trigger orders_bi`…), sorted: a restore's plan names those
    /// made since, which the restore removes. Absent for SQLite, and in archives written
    /// before they were listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableStat {
    pub name: String,
    pub rows: u64,
    /// Order-independent hash of every row's values (see docs/FORMAT.md).
    pub fingerprint: String,
    /// PostgreSQL: the same over the stored generated columns, which are not in the rows
    /// as copied; absent for tables without them (and in archives written before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_fingerprint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaPart {
    /// False for a database-only backup: a restore then leaves media alone.
    pub included: bool,
    pub file_count: u64,
    pub total_bytes: u64,
    /// Paths relative to the media root, with `/` separators, without the `media/` prefix.
    pub files: Vec<FileEntry>,
    /// Things in the media folder that were not saved (symbolic links, sockets…), with why.
    pub skipped: Vec<String>,
    /// Folders with nothing in them, which a restore makes again (no file recalls them).
    /// Empty in archives written before they were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub empty_folders: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// A media file's modification time as it was read ([`crate::clock::file_time`]),
    /// given back by a restore; none for the database part and in older archives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
}

impl Manifest {
    /// Parse and check that this is a ShopSafe manifest this build can read.
    pub fn from_json(bytes: &[u8]) -> crate::Result<Manifest> {
        // The two fields that say what the document is, read first (and alone: a manifest
        // of many media files is large).
        #[derive(Deserialize)]
        struct Head {
            format: Option<serde_json::Value>,
            format_version: Option<serde_json::Value>,
        }
        let head: Head = serde_json::from_slice(bytes).map_err(|_| {
            crate::Error::corrupt(
                "The archive's manifest is not valid JSON, so this is not a ShopSafe archive or it is damaged.",
            )
        })?;
        if head.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
            return Err(crate::Error::corrupt(
                "This zip file is not a ShopSafe archive (its manifest does not say so).",
            ));
        }
        let version = head.format_version.and_then(|v| v.as_u64()).unwrap_or(0);
        if version == 0 {
            return Err(crate::Error::corrupt(
                "The archive's manifest has no valid format version, so it is damaged.",
            ));
        }
        if version > FORMAT_VERSION as u64 {
            return Err(crate::Error::invalid(format!(
                "This archive uses format version {version}, newer than this ShopSafe understands ({FORMAT_VERSION}); update ShopSafe to read it."
            )));
        }
        let m: Manifest = serde_json::from_slice(bytes).map_err(|e| {
            crate::Error::corrupt(format!(
                "The archive's manifest is incomplete or damaged: {e}."
            ))
        })?;
        // The id names working files and folders; the time orders the backups.
        if !crate::clock::is_backup_id(&m.backup_id)
            || crate::clock::parse_rfc3339(&m.created).is_none()
        {
            return Err(crate::Error::corrupt(
                "The archive's manifest has a backup id or creation time ShopSafe never writes, so the archive is damaged or was not made by ShopSafe.",
            ));
        }
        Ok(m)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a manifest always serialises")
    }

    pub fn total_rows(&self) -> u64 {
        self.database.tables.iter().map(|t| t.rows).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn only_known_format_versions_are_read() {
        let doc = |v: u32| format!(r#"{{"format": "{FORMAT_NAME}", "format_version": {v}}}"#);
        assert_eq!(
            Manifest::from_json(doc(0).as_bytes()).unwrap_err().kind,
            ErrorKind::Corrupt
        );
        let newer = Manifest::from_json(doc(FORMAT_VERSION + 1).as_bytes()).unwrap_err();
        assert_eq!(newer.kind, ErrorKind::InvalidInput);
        assert!(
            newer.message.contains("update ShopSafe"),
            "{}",
            newer.message
        );
        let foreign = Manifest::from_json(br#"{"format": "something-else", "format_version": 1}"#);
        assert_eq!(foreign.unwrap_err().kind, ErrorKind::Corrupt);
    }
}
