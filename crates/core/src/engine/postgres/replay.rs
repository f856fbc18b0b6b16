//! Reading and replaying a dump in a restore: a thread of its own splits the dump (a file,
//! or one still being written) into statements and COPY blocks, fingerprinting every row;
//! the restore's connection runs them in order; then the loaded tables are checked against
//! the manifest and read back. [`copy_lines`] measures rows streaming out of `COPY`, for the
//! dump as for that read-back.

use super::catalog::{schema_fingerprints, tables, Table};
use super::MONEY_FORM;
use crate::engine::rowsum::RowSum;
use crate::manifest::DatabasePart;
use crate::progress::CancelToken;
use crate::{Error, ErrorKind, Result};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Duration;
use tokio_postgres::Client;

/// Feed COPY text output to `sink` and return (rows, fingerprint): the sum mod 2^128 of the
/// first 16 bytes (little-endian) of each line's SHA-256, as for SQLite rows.
pub(super) async fn copy_lines(
    stream: tokio_postgres::CopyOutStream,
    mut sink: impl FnMut(&[u8]) -> Result<()>,
) -> std::result::Result<RowSum, CopyError> {
    let mut stream = std::pin::pin!(stream);
    // Each line is hashed as its pieces arrive: a huge value is never copied to be hashed.
    let mut line = Sha256::new();
    let mut sum = RowSum::default();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(CopyError::Db)?;
        sink(&chunk).map_err(CopyError::Io)?;
        for part in chunk.split_inclusive(|&b| b == b'\n') {
            match part.strip_suffix(b"\n") {
                Some(end) => {
                    line.update(end);
                    sum.add(&line.finalize_reset());
                }
                None => line.update(part),
            }
        }
    }
    Ok(sum)
}

/// The fingerprint of a table's stored generated columns (as [`copy_lines`] measures
/// rows), if it has any. They are read with a query, and the server plans it with the
/// table's index expressions, whose functions may find what they call only through the
/// search_path the shop's sessions get: the query runs under that one.
pub(super) async fn generated_fingerprint(
    client: &Client,
    table: &Table,
) -> std::result::Result<Option<String>, CopyError> {
    let Some(copy) = table.copy_generated() else {
        return Ok(None);
    };
    client
        .batch_execute("RESET search_path")
        .await
        .map_err(CopyError::Db)?;
    let stream = client.copy_out(&copy).await.map_err(CopyError::Db)?;
    let sum = copy_lines(stream, |_| Ok(())).await?;
    client
        .batch_execute("SELECT pg_catalog.set_config('search_path', '', false)")
        .await
        .map_err(CopyError::Db)?;
    Ok(Some(sum.fingerprint()))
}

/// Why streaming rows failed.
pub(super) enum CopyError {
    Db(tokio_postgres::Error),
    Io(Error),
}

impl From<CopyError> for Replay {
    fn from(e: CopyError) -> Self {
        match e {
            CopyError::Db(e) => Replay::Db(e),
            CopyError::Io(e) => Replay::Io(e),
        }
    }
}

/// Why loading a dump failed.
pub(super) enum Replay {
    Db(tokio_postgres::Error),
    Io(Error),
}

impl From<tokio_postgres::Error> for Replay {
    fn from(e: tokio_postgres::Error) -> Self {
        Replay::Db(e)
    }
}

/// A file another thread is still writing (the archive check staging the dump), read up to
/// its final size: at the end of what is there so far it waits for more, and it fails once
/// the writer has given up.
pub(super) struct Arriving<'a> {
    pub(super) path: &'a Path,
    pub(super) file: Option<std::fs::File>,
    pub(super) left: u64,
    pub(super) failed: &'a AtomicBool,
}

impl Read for Arriving<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.left.min(buf.len() as u64) as usize;
        if want == 0 {
            return Ok(0);
        }
        loop {
            if self.failed.load(Ordering::Acquire) {
                return Err(std::io::Error::other("the archive check stopped"));
            }
            let file = match &mut self.file {
                Some(f) => f,
                None => match crate::paths::open_own(self.path) {
                    Ok(f) => self.file.insert(f),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        std::thread::sleep(Duration::from_millis(1));
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            let n = file.read(&mut buf[..want])?;
            if n > 0 {
                self.left -= n as u64;
                return Ok(n);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// A table loaded by a COPY block of the dump: the fingerprint of the rows sent, and how
/// many rows the server says it stored.
pub(super) struct Loaded {
    stat: crate::manifest::TableStat,
    stored: u64,
    /// The columns it was loaded with (` ("a", "b")`, or nothing in dumps written before
    /// column lists were), which the read-back reads in the same order.
    columns: String,
}

/// One piece of a dump, as [`read_dump`] hands it to [`run_dump`].
pub(super) enum Piece {
    Stmt(String),
    /// A `COPY … FROM stdin` statement, the manifest name of its table and its column list.
    Copy(String, String, String),
    Rows(Bytes),
    /// The end of a COPY block, with the fingerprint of its rows.
    CopyEnd(RowSum),
}

/// Split a dump into statements and COPY blocks for [`run_dump`], on a thread of its own so
/// reading and fingerprinting the rows overlaps sending them. Each row is fingerprinted as
/// the backup fingerprinted it as it came out, a first check before the restored tables are
/// read back ([`check_loaded`]). Stops when the receiver is gone.
pub(super) fn read_dump(source: impl Read, file: &Path, out: SyncSender<Result<Piece>>) {
    let mut send = |piece: Result<Piece>| out.send(piece).is_ok();
    if let Err(e) = split_dump(source, file, &mut send) {
        send(Err(e));
    }
}

/// The work of [`read_dump`]; `send` answers `false` once nobody listens.
fn split_dump(
    source: impl Read,
    file: &Path,
    send: &mut impl FnMut(Result<Piece>) -> bool,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(1 << 20, source);
    // One reused buffer: the next line, without its newline.
    let mut line = Vec::with_capacity(1 << 12);
    let mut next = |line: &mut Vec<u8>| -> Result<bool> {
        line.clear();
        let n = reader
            .read_until(b'\n', line)
            .map_err(|e| Error::io("read", file, e))?;
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        Ok(n > 0)
    };
    // The header's token gives the marker lines (as `dumpfile::marker` reads it).
    let mut token = None;
    for _ in 0..8 {
        if !next(&mut line)? {
            break;
        }
        if let Some(t) = line.strip_prefix(b"-- shopsafe-token: ") {
            token = Some(String::from_utf8_lossy(t).trim().to_string());
            break;
        }
    }
    let token = token.ok_or_else(|| {
        Error::corrupt("The database part of the archive is not a ShopSafe dump.")
    })?;
    let stmt_marker = format!("-- shopsafe:{token} stmt").into_bytes();
    let copy_marker = format!("-- shopsafe:{token} copy").into_bytes();
    let is_marker = |l: &[u8]| l == stmt_marker.as_slice() || l == copy_marker.as_slice();
    let truncated = || Error::corrupt("The dump ends inside a COPY block.");
    let mut more = next(&mut line)?;
    // Skip the rest of the header up to the first marker, but for the form money values
    // are written in, which the restore's session takes too.
    while more && !is_marker(&line) {
        if line == MONEY_FORM.as_bytes() && !send(Ok(Piece::Stmt(MONEY_FORM.to_string()))) {
            return Ok(());
        }
        more = next(&mut line)?;
    }
    while more {
        if line == stmt_marker {
            let mut stmt = String::new();
            more = next(&mut line)?;
            while more && !is_marker(&line) {
                stmt.push_str(&String::from_utf8_lossy(&line));
                stmt.push('\n');
                more = next(&mut line)?;
            }
            if !stmt.is_empty() && !send(Ok(Piece::Stmt(stmt))) {
                return Ok(());
            }
        } else if line == copy_marker {
            if !next(&mut line)? {
                return Err(truncated());
            }
            let copy = String::from_utf8_lossy(&line)
                .trim_end_matches(';')
                .to_string();
            let (name, columns) = copy_target(&copy).ok_or_else(|| {
                Error::corrupt("The dump has a COPY line ShopSafe did not write.")
            })?;
            if !send(Ok(Piece::Copy(copy, name, columns))) {
                return Ok(());
            }
            let mut buf = Vec::with_capacity(1 << 20);
            let mut sum = RowSum::default();
            loop {
                if !next(&mut line)? {
                    return Err(truncated());
                }
                if line == b"\\." {
                    break;
                }
                sum.add(&Sha256::digest(&line));
                buf.extend_from_slice(&line);
                buf.push(b'\n');
                if buf.len() >= 1 << 20 {
                    let full = std::mem::replace(&mut buf, Vec::with_capacity(1 << 20));
                    if !send(Ok(Piece::Rows(Bytes::from(full)))) {
                        return Ok(());
                    }
                }
            }
            if !buf.is_empty() && !send(Ok(Piece::Rows(Bytes::from(buf)))) {
                return Ok(());
            }
            if !send(Ok(Piece::CopyEnd(sum))) {
                return Ok(());
            }
            more = next(&mut line)?;
        } else {
            more = next(&mut line)?;
        }
    }
    Ok(())
}

/// Run the statements and COPY blocks [`read_dump`] hands over, in order.
pub(super) async fn run_dump(
    client: &Client,
    pieces: Receiver<Result<Piece>>,
    cancel: &CancelToken,
) -> std::result::Result<Vec<Loaded>, Replay> {
    let mut loaded = Vec::new();
    let mut pieces = pieces.into_iter();
    while let Some(piece) = pieces.next() {
        cancel.check().map_err(Replay::Io)?;
        match piece.map_err(Replay::Io)? {
            Piece::Stmt(stmt) => client.batch_execute(&stmt).await?,
            Piece::Copy(copy, name, columns) => {
                // The dump created the table in this transaction, so its rows may be written
                // frozen: the read-back and the shop's first reads after the commit need not
                // check or set each row's visibility, and no vacuum has to freeze them later.
                let sink = client
                    .copy_in::<_, Bytes>(&format!("{copy} WITH (FREEZE)"))
                    .await?;
                let mut sink = std::pin::pin!(sink);
                let sum = loop {
                    let piece = pieces.next().ok_or_else(|| {
                        Replay::Io(Error::internal(
                            "The dump reader stopped inside a COPY block.",
                        ))
                    })?;
                    cancel.check().map_err(Replay::Io)?;
                    match piece.map_err(Replay::Io)? {
                        Piece::Rows(rows) => sink.send(rows).await?,
                        Piece::CopyEnd(sum) => break sum,
                        _ => {
                            return Err(Replay::Io(Error::internal(
                                "The dump reader mixed up a COPY block.",
                            )))
                        }
                    }
                };
                let stored = sink.as_mut().finish().await?;
                loaded.push(Loaded {
                    stat: sum.stat(name),
                    stored,
                    columns,
                });
            }
            Piece::Rows(_) | Piece::CopyEnd(_) => {
                return Err(Replay::Io(Error::internal(
                    "The dump reader sent rows outside a COPY block.",
                )))
            }
        }
    }
    Ok(loaded)
}

/// The manifest name (`schema.table`) of the table in a dump's `COPY "schema"."table"
/// ("a", "b") FROM stdin` line, and its column list (` ("a", "b")`; dumps written before
/// column lists have none).
fn copy_target(copy: &str) -> Option<(String, String)> {
    let rest = copy.strip_prefix("COPY ")?.strip_suffix(" FROM stdin")?;
    let (schema, rest) = quoted_ident(rest)?;
    let (table, columns) = quoted_ident(rest.strip_prefix('.')?)?;
    if let Some(list) = columns.strip_prefix(" (") {
        let mut list = list.strip_suffix(')')?;
        loop {
            let (_, after) = quoted_ident(list)?;
            match after.strip_prefix(", ") {
                Some(next) => list = next,
                None if after.is_empty() => break,
                None => return None,
            }
        }
    } else if !columns.is_empty() {
        return None;
    }
    Some((format!("{schema}.{table}"), columns.to_string()))
}

/// A leading `"identifier"` (with `""` for a quote), and what follows it.
fn quoted_ident(s: &str) -> Option<(String, &str)> {
    let mut rest = s.strip_prefix('"')?;
    let mut ident = String::new();
    loop {
        let end = rest.find('"')?;
        ident.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        match rest.strip_prefix('"') {
            Some(after) => {
                ident.push('"');
                rest = after;
            }
            None => return Some((ident, rest)),
        }
    }
}

/// The check of a restore inside its transaction, before anything is visible: every table
/// of the manifest must have been loaded exactly once, with the manifest's row count and
/// fingerprint (of the rows as sent) and as many rows stored as sent (the server's count);
/// then [`compare`] reads the restored database back: the schema's shape, exactly the
/// manifest's tables, and every table's rows as the server now holds them.
pub(super) async fn check_loaded(
    client: &Client,
    expected: &DatabasePart,
    loaded: &[Loaded],
    cancel: &CancelToken,
) -> std::result::Result<(), Replay> {
    cancel.check().map_err(Replay::Io)?;
    let fail = |m: String| Replay::Io(Error::new(ErrorKind::VerificationFailed, m));
    for want in &expected.tables {
        let mut copies = loaded.iter().filter(|l| l.stat.name == want.name);
        let (Some(got), None) = (copies.next(), copies.next()) else {
            return Err(fail(format!(
                "The backup's dump does not load the table {} exactly once; restore another backup.",
                want.name
            )));
        };
        if got.stat.rows != want.rows || got.stat.fingerprint != want.fingerprint {
            let how = match got.stat.rows == want.rows {
                true => format!("its {} rows hold other values", want.rows),
                false => format!(
                    "{} rows where the manifest counts {}",
                    got.stat.rows, want.rows
                ),
            };
            return Err(fail(format!(
                "The backup's rows of table {} do not match its manifest ({how}), so the archive does not hold the shop as it was backed up; restore another backup.",
                want.name
            )));
        }
        if got.stored != want.rows {
            return Err(fail(format!(
                "The server stored {} of the {} rows of table {} the backup sent.",
                got.stored, want.rows, want.name
            )));
        }
    }
    compare(client, expected, loaded).await
}

/// Every table the manifest lists must exist with its row count and fingerprint, no other
/// table may exist, and the schema's shape must match.
async fn compare(
    client: &Client,
    expected: &DatabasePart,
    loaded: &[Loaded],
) -> std::result::Result<(), Replay> {
    let what = "The restored database";
    let fail = |m: String| Replay::Io(Error::new(ErrorKind::VerificationFailed, m));
    // Type names and reg* values read back qualified, as when they were backed up.
    client
        .batch_execute("SELECT pg_catalog.set_config('search_path', '', false)")
        .await?;
    if !schema_fingerprints(client)
        .await?
        .contains(&expected.schema_fingerprint)
    {
        return Err(fail(format!(
            "{what} does not have the schema recorded in the manifest."
        )));
    }
    let live = tables(client).await?;
    if let Some(extra) = live
        .iter()
        .find(|t| !expected.tables.iter().any(|w| w.name == t.name()))
    {
        return Err(fail(format!(
            "{what} has a table {} that the backup does not have.",
            extra.name()
        )));
    }
    for want in &expected.tables {
        let Some(t) = live.iter().find(|t| t.name() == want.name) else {
            return Err(fail(format!("{what} lacks the table {}.", want.name)));
        };
        // In the order the rows were loaded in: a table that inherits from another may have
        // its columns in another order than when it was backed up.
        let columns = loaded
            .iter()
            .find(|l| l.stat.name == want.name)
            .map_or(&t.columns, |l| &l.columns);
        let copy = format!("COPY {}{columns} TO STDOUT", t.qualified());
        let stream = client.copy_out(&copy).await?;
        let got = copy_lines(stream, |_| Ok(()))
            .await?
            .stat(want.name.clone());
        if got.rows != want.rows {
            return Err(fail(format!(
                "{what} has {} rows in table {} where the backup has {}.",
                got.rows, want.name, want.rows
            )));
        }
        if got.fingerprint != want.fingerprint {
            return Err(fail(format!(
                "{what} has different content in table {} than the backup.",
                want.name
            )));
        }
        // Archives written before generated columns were fingerprinted have none to check.
        if let Some(want_generated) = &want.generated_fingerprint {
            if generated_fingerprint(client, t).await?.as_ref() != Some(want_generated) {
                return Err(fail(format!(
                    "{what} computes other values in the generated columns of table {} than the backup holds: the server computes them again as the rows load, under the restoring login's settings (TimeZone, DateStyle…) and this server's functions and collations. Restore with the login the shop itself uses, or give this database or login the settings the shop computed them under (ALTER DATABASE … SET, ALTER ROLE … SET), then restore again.",
                    want.name
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_name_their_table_and_columns() {
        let target = |l: &str| copy_target(l).map(|(n, c)| format!("{n}|{c}"));
        assert_eq!(
            target(r#"COPY "public"."t" ("a", "b ""q""") FROM stdin"#).as_deref(),
            Some(r#"public.t| ("a", "b ""q""")"#)
        );
        // Dumps written before column lists.
        assert_eq!(
            target(r#"COPY "s"."t" FROM stdin"#).as_deref(),
            Some("s.t|")
        );
        for bad in [
            r#"COPY "s"."t" ("a", b) FROM stdin"#,
            r#"COPY "s"."t" ("a") ; DROP TABLE x FROM stdin"#,
            r#"COPY "s"."t" x FROM stdin"#,
            r#"COPY s.t FROM stdin"#,
        ] {
            assert_eq!(target(bad), None, "{bad}");
        }
    }
}
