//! The SQL dump files of server engines (PostgreSQL, MySQL): plain SQL the engine's own
//! client can run by hand, with a marker comment before every statement so ShopSafe can
//! split the file again without parsing SQL.
//!
//! The header holds a line `-- shopsafe-token: <32 hex digits>`, random per dump; a marker
//! is a line `-- shopsafe:<token> <kind>`. Data can never be mistaken for a marker, because
//! the token appears nowhere else.

use crate::{Error, Result};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where a dump goes: a file (a restore's rollback point), or a stream into the archive that
/// is being written (a backup).
pub enum DumpTo<'a> {
    File(&'a Path),
    Stream(Box<dyn Write + Send>),
}

pub struct DumpWriter {
    w: BufWriter<Box<dyn Write + Send>>,
    /// The file written, flushed to disk at the end; none for a stream.
    file: Option<std::fs::File>,
    token: String,
    /// What is written, for messages.
    path: PathBuf,
}

impl DumpWriter {
    /// Start the dump: `comment` (lines already starting with `--`), the token line, and the
    /// `session` statements.
    pub fn create(to: DumpTo, comment: &str, session: &str) -> Result<DumpWriter> {
        let (out, file, path): (Box<dyn Write + Send>, _, _) = match to {
            DumpTo::File(path) => {
                let f = crate::paths::create_private(path)?;
                let sync = f.try_clone().map_err(|e| Error::io("write", path, e))?;
                (Box::new(f), Some(sync), path.to_path_buf())
            }
            DumpTo::Stream(out) => (out, None, PathBuf::from("the database dump")),
        };
        let mut w = DumpWriter {
            w: BufWriter::with_capacity(1 << 20, out),
            file,
            token: crate::clock::new_uid(),
            path,
        };
        let text = format!(
            "{}\n-- shopsafe-token: {}\n{session}\n",
            comment.trim_end(),
            w.token
        );
        w.raw(text.as_bytes())?;
        Ok(w)
    }

    pub fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.w
            .write_all(bytes)
            .map_err(|e| Error::io("write", &self.path, e))
    }

    /// Start a block of `kind` (`stmt`, `copy`…).
    pub fn marker(&mut self, kind: &str) -> Result<()> {
        let text = format!("-- shopsafe:{} {kind}\n", self.token);
        self.raw(text.as_bytes())
    }

    /// One statement block.
    pub fn stmt(&mut self, sql: &str) -> Result<()> {
        self.marker("stmt")?;
        self.raw(sql.trim_end().as_bytes())?;
        self.raw(b"\n")
    }

    /// Write out what is buffered and, for a file, flush it to disk.
    pub fn finish(mut self) -> Result<()> {
        self.w
            .flush()
            .map_err(|e| Error::io("write", &self.path, e))?;
        match &self.file {
            Some(f) => f.sync_all().map_err(|e| Error::io("flush", &self.path, e)),
            None => Ok(()),
        }
    }
}

/// The marker line for `kind` in the dump `file`, from its header's token.
pub fn marker(file: &Path, kind: &str) -> Result<Vec<u8>> {
    let f = crate::paths::open_own(file).map_err(|e| Error::io("read", file, e))?;
    for line in BufReader::new(f).lines().take(8) {
        let line = line.map_err(|e| Error::io("read", file, e))?;
        if let Some(t) = line.strip_prefix("-- shopsafe-token: ") {
            return Ok(format!("-- shopsafe:{} {kind}", t.trim()).into_bytes());
        }
    }
    Err(Error::corrupt(
        "The database part of the archive is not a ShopSafe dump.",
    ))
}

/// The blocks of a dump, one at a time: each marker's kind and the text after it.
pub fn blocks(file: &Path) -> Result<impl Iterator<Item = Result<(String, String)>>> {
    let prefix = marker(file, "")?;
    let f = crate::paths::open_own(file).map_err(|e| Error::io("read", file, e))?;
    let mut lines = BufReader::with_capacity(1 << 20, f).split(b'\n').peekable();
    let path = file.to_path_buf();
    let is_marker =
        move |l: &std::io::Result<Vec<u8>>| l.as_ref().is_ok_and(|l| l.starts_with(&prefix));
    // Skip the header.
    while lines.next_if(|l| !is_marker(l)).is_some() {}
    Ok(std::iter::from_fn(move || {
        let head = match lines.next()? {
            Ok(h) => h,
            Err(e) => return Some(Err(Error::io("read", &path, e))),
        };
        let kind = String::from_utf8_lossy(head.rsplit(|&b| b == b' ').next().unwrap_or_default())
            .into_owned();
        let mut body = Vec::new();
        while let Some(line) = lines.next_if(|l| !is_marker(l)) {
            match line {
                Ok(l) => {
                    body.extend_from_slice(&l);
                    body.push(b'\n');
                }
                Err(e) => return Some(Err(Error::io("read", &path, e))),
            }
        }
        Some(
            String::from_utf8(body)
                .map(|b| (kind, b))
                .map_err(|_| Error::corrupt("The dump holds a statement that is not UTF-8.")),
        )
    }))
}
