//! The archive: a standard zip file with a manifest, the database part and the media files.
//! See docs/FORMAT.md for the full specification.

pub mod pipe;
pub mod reader;
pub mod writer;

pub use reader::{Archive, CheckReport, Staging};
pub use writer::ArchiveWriter;
