//! Writing an archive: a zip file whose entries are hashed and compressed as the bytes stream
//! past, using both cores, with memory bounded whatever the media size.
//!
//! Small files (up to [`SMALL_FILE`]) are read, hashed and compressed whole by worker threads
//! and appended by the writer in the order they finish. Larger files are streamed by the writer
//! in 1 MiB chunks while a second thread computes their SHA-256. Already-compressed formats, and
//! entries deflate would not shrink (judged by a large one's start), are stored; everything
//! else is deflated. A media file that changed while it was read (its
//! size, modification or change time moved, or changed too shortly before the read for its
//! times to tell) is read again, a streamed one's entry taken out and the file cut first;
//! after three tries it is left out and named, never saved torn. The caller writes to
//! a `.partial` file and renames it only after [`ArchiveWriter::finish`] has flushed it to
//! disk.

use crate::hashing::hex;
use crate::manifest::FileEntry;
use crate::media::MediaFile;
use crate::progress::{CancelToken, Meter};
use crate::{Error, ErrorKind, Result};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zip::write::{PreparedZipFile, SimpleFileOptions};
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Files up to this size are compressed whole on worker threads.
const SMALL_FILE: u64 = 4 << 20;
/// Chunk size for streamed files.
const CHUNK: usize = 1 << 20;

pub struct ArchiveWriter {
    // Declared first so it is dropped first: an unfinished archive is abandoned before the
    // zip library's own clean-up on drop runs, which then writes nowhere and prints nothing.
    _abandon: Abandon,
    zip: ZipWriter<Sink>,
    path: PathBuf,
    time: DateTime,
}

/// Marks the archive abandoned when dropped.
struct Abandon(Arc<AtomicBool>);

impl Drop for Abandon {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The archive file, until the archive is abandoned or a write fails; then nothing. Once
/// abandoned it only keeps counting positions, so the zip library's own bookkeeping (which
/// checks that positions never go backwards) stays consistent while it writes nowhere.
struct Sink {
    file: BufWriter<File>,
    abandoned: Arc<AtomicBool>,
    /// The current position and the end, as the zip library sees them.
    pos: u64,
    end: u64,
    /// Where an entry taken out again began ([`NO_CUT`] if none): the file is cut there
    /// before the next write, so nothing of it stays behind what follows (the zip library
    /// cannot cut a file; it would keep the entry's bytes and write its directory after).
    cut_at: AtomicU64,
}

const NO_CUT: u64 = u64::MAX;

impl Sink {
    fn live(&self) -> bool {
        !self.abandoned.load(Ordering::Relaxed)
    }

    /// `result` of an operation on the file: a failure abandons the archive.
    fn check<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        if result.is_err() {
            self.abandoned.store(true, Ordering::Relaxed);
        }
        result
    }

    fn moved_to(&mut self, pos: u64) -> u64 {
        self.pos = pos;
        self.end = self.end.max(pos);
        pos
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let cut = self.cut_at.swap(NO_CUT, Ordering::Relaxed);
        if cut == self.pos && self.live() {
            let flushed = self.file.flush();
            self.check(flushed)?;
            let cut_off = self.file.get_ref().set_len(cut);
            self.check(cut_off)?;
            self.end = cut;
        }
        let n = match self.live() {
            true => {
                let written = self.file.write(buf);
                self.check(written)?
            }
            false => buf.len(),
        };
        self.moved_to(self.pos + n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.live() {
            true => {
                let flushed = self.file.flush();
                self.check(flushed)
            }
            false => Ok(()),
        }
    }
}

impl Seek for Sink {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let to = match self.live() {
            true => {
                let sought = self.file.seek(pos);
                self.check(sought)?
            }
            false => match pos {
                SeekFrom::Start(n) => n,
                SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
                SeekFrom::End(d) => self.end.saturating_add_signed(d),
            },
        };
        Ok(self.moved_to(to))
    }
}

impl ArchiveWriter {
    /// Create `path`, which must not exist yet.
    pub fn create(path: &Path, created_secs: i64) -> Result<Self> {
        let file = crate::paths::private_file()
            .read(true)
            .create_new(true)
            .open(path)
            .map_err(|e| Error::io("create the archive", path, e))?;
        let c = crate::clock::civil(created_secs);
        let time = DateTime::from_date_and_time(
            c.year.clamp(1980, 2107) as u16,
            c.month as u8,
            c.day as u8,
            c.hour as u8,
            c.minute as u8,
            c.second as u8,
        )
        .unwrap_or_default();
        let abandoned = Arc::new(AtomicBool::new(false));
        let sink = Sink {
            file: BufWriter::with_capacity(1 << 20, file),
            abandoned: abandoned.clone(),
            pos: 0,
            end: 0,
            cut_at: AtomicU64::new(NO_CUT),
        };
        Ok(ArchiveWriter {
            _abandon: Abandon(abandoned),
            zip: ZipWriter::new(sink),
            path: path.to_path_buf(),
            time,
        })
    }

    fn options(&self, name: &str, size: u64, mode: u32, store: bool) -> SimpleFileOptions {
        entry_options(name, size, self.time, mode, store)
    }

    fn zip_err(&self, e: zip::result::ZipError) -> Error {
        match e {
            zip::result::ZipError::Io(io) => Error::io("write the archive", &self.path, io),
            other => Error::new(
                ErrorKind::Internal,
                format!(
                    "Could not write the archive {}: {other}.",
                    self.path.display()
                ),
            ),
        }
    }

    /// Add an entry from bytes in memory.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let opts = self.options(name, bytes.len() as u64, PLAIN, false);
        self.zip
            .start_file(name, opts)
            .map_err(|e| self.zip_err(e))?;
        self.zip
            .write_all(bytes)
            .map_err(|e| Error::io("write the archive", &self.path, e))
    }

    /// Stream the file at `src` into entry `name` (with permission bits `mode`), hashing it
    /// on a second thread.
    pub fn add_file(
        &mut self,
        name: &str,
        src: &Path,
        mode: u32,
        meter: &mut Meter,
        cancel: &CancelToken,
    ) -> Result<FileEntry> {
        let mut file = File::open(src).map_err(|e| Error::io("read", src, e))?;
        let size = file
            .metadata()
            .map_err(|e| Error::io("read", src, e))?
            .len();
        let chunks = std::iter::from_fn(move || {
            let mut chunk = vec![0u8; CHUNK];
            match read_full(&mut file, &mut chunk) {
                Ok(0) => None,
                Ok(n) => {
                    chunk.truncate(n);
                    Some(Ok(chunk))
                }
                Err(e) => Some(Err(Error::io("read", src, e))),
            }
        });
        self.add_chunks(name, Some(size), mode, chunks, meter, cancel)
    }

    /// Stream `chunks` into entry `name` (with permission bits `mode`), hashing them on a
    /// second thread; stored if the first chunk does not shrink when deflated. `size` is
    /// the entry's size when it is known ahead; an entry of unknown size may pass 4 GiB,
    /// so it gets zip64 fields from the start.
    pub fn add_chunks(
        &mut self,
        name: &str,
        size: Option<u64>,
        mode: u32,
        chunks: impl Iterator<Item = Result<Vec<u8>>>,
        meter: &mut Meter,
        cancel: &CancelToken,
    ) -> Result<FileEntry> {
        let mut chunks = chunks.peekable();
        let store = matches!(chunks.peek(), Some(Ok(first)) if !shrinks(first));
        let opts = self.options(name, size.unwrap_or(u64::MAX), mode, store);
        self.zip
            .start_file(name, opts)
            .map_err(|e| self.zip_err(e))?;
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(4);
        let written = std::thread::scope(|s| {
            let hasher = s.spawn(move || {
                let mut h = Sha256::new();
                for chunk in rx {
                    h.update(&chunk);
                }
                hex(&h.finalize())
            });
            let mut total = 0u64;
            let mut result = Ok(());
            for chunk in chunks {
                let chunk = match cancel.check().and(chunk) {
                    Ok(chunk) => chunk,
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                };
                if let Err(e) = self.zip.write_all(&chunk) {
                    result = Err(Error::io("write the archive", &self.path, e));
                    break;
                }
                total += chunk.len() as u64;
                meter.add(chunk.len() as u64, 0);
                if tx.send(chunk).is_err() {
                    result = Err(Error::internal("The hashing thread stopped unexpectedly."));
                    break;
                }
            }
            drop(tx);
            let sha = hasher.join().expect("hashing thread never panics");
            result.map(|()| (total, sha))
        })?;
        meter.add(0, 1);
        Ok(FileEntry {
            path: name.to_string(),
            size: written.0,
            sha256: written.1,
            modified: None,
        })
    }

    /// Add every media file under `prefix`, using all cores. Returns the entries in the
    /// order of `files` (paths without the prefix), and what was not saved, each with why:
    /// files deleted after the scan (a live shop may remove files while it is backed up), or
    /// changing each time they were read (a torn copy would pass every later check).
    pub fn add_media(
        &mut self,
        prefix: &str,
        files: &[MediaFile],
        meter: &mut Meter,
        cancel: &CancelToken,
    ) -> Result<(Vec<FileEntry>, Vec<String>)> {
        let mut entries: Vec<Option<FileEntry>> = vec![None; files.len()];
        let small: Vec<usize> = (0..files.len())
            .filter(|&i| files[i].size <= SMALL_FILE)
            .collect();
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 8);
        let next = AtomicUsize::new(0);
        let mut unsaved: Vec<(usize, &str)> = Vec::new();
        let (tx, rx) = mpsc::sync_channel::<Result<(usize, Reading)>>(8);
        let time = self.time;
        std::thread::scope(|s| -> Result<()> {
            // Owned here, so an early return drops it and unblocks the workers.
            let rx = rx;
            for _ in 0..workers {
                let tx = tx.clone();
                let (next, small) = (&next, &small);
                s.spawn(move || loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = small.get(k) else { break };
                    if cancel.is_cancelled() {
                        break;
                    }
                    let f = &files[i];
                    let name = format!("{prefix}{}", f.rel);
                    let opts = entry_options(&name, f.size, time, f.mode, false);
                    let prepared = prepare(&name, &f.abs, opts);
                    if tx.send(prepared.map(|p| (i, p))).is_err() {
                        break;
                    }
                });
            }
            drop(tx);
            for item in rx.iter() {
                let (i, read) = item?;
                cancel.check()?;
                let p = match read {
                    Reading::Ready(p) => p,
                    Reading::Unsaved(why) => {
                        unsaved.push((i, why));
                        meter.add(files[i].size, 1);
                        continue;
                    }
                };
                self.zip
                    .add_prepared_file(p.file)
                    .map_err(|e| self.zip_err(e))?;
                meter.add(p.size, 1);
                entries[i] = Some(FileEntry {
                    path: files[i].rel.clone(),
                    size: p.size,
                    sha256: p.sha256,
                    modified: p.modified.map(crate::clock::file_time),
                });
            }
            Ok(())
        })?;
        cancel.check()?;
        for (i, f) in files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.size > SMALL_FILE)
        {
            let name = format!("{prefix}{}", f.rel);
            let mut why = UNSTEADY;
            for attempt in 0..READS {
                if attempt > 0 {
                    std::thread::sleep(SETTLE);
                }
                let began = SystemTime::now();
                let Some(before) = stamp(&f.abs)? else {
                    why = GONE;
                    break;
                };
                let mut entry = self.add_file(&name, &f.abs, f.mode, meter, cancel)?;
                if before.steady(stamp(&f.abs)?, entry.size, began) {
                    entry.path = f.rel.clone();
                    entry.modified = before.modified.map(crate::clock::file_time);
                    entries[i] = Some(entry);
                    break;
                }
                // Torn: the entry is taken out again, and the file cut where it began.
                self.zip.abort_file().map_err(|e| self.zip_err(e))?;
                if let Some(sink) = self.zip.get_ref() {
                    sink.cut_at.store(sink.pos, Ordering::Relaxed);
                }
            }
            if entries[i].is_none() {
                unsaved.push((i, why));
            }
        }
        unsaved.sort_unstable();
        let unsaved = unsaved
            .into_iter()
            .map(|(i, why)| format!("{}: {why}", files[i].rel))
            .collect();
        Ok((entries.into_iter().flatten().collect(), unsaved))
    }

    /// Write the central directory, flush everything to disk and return the archive's
    /// SHA-256 (read back while the disk flush runs, from the page cache, through the file
    /// this writer made: never whatever another user may have put at its name).
    pub fn finish(self) -> Result<String> {
        let path = self.path.clone();
        let sink = self.zip.finish().map_err(|e| match e {
            zip::result::ZipError::Io(io) => Error::io("write the archive", &path, io),
            other => Error::internal(format!("Could not finish the archive: {other}.")),
        })?;
        let file = sink
            .file
            .into_inner()
            .map_err(|e| Error::io("write the archive", &path, e.into_error()))?;
        std::thread::scope(|s| {
            let synced = s.spawn(|| file.sync_all());
            let sha256 = crate::hashing::sha256_at(&file, &path);
            synced
                .join()
                .expect("the flushing thread never panics")
                .map_err(|e| Error::io("flush the archive", &path, e))?;
            sha256
        })
    }
}

/// Why a media file was not saved.
const GONE: &str = "deleted during the backup";
const UNSTEADY: &str = "changed each time it was read (3 times), so it was not saved; back up again once the site has finished writing it";

/// The permission bits of an entry that is not a media file (the archive itself is kept
/// from other users).
pub const PLAIN: u32 = 0o644;

/// Stored for already-compressed formats, or when `store` (the data was found not to
/// shrink), quickly deflated for everything else; with the file's permission bits `mode`.
fn entry_options(
    name: &str,
    size: u64,
    time: DateTime,
    mode: u32,
    store: bool,
) -> SimpleFileOptions {
    let method = if store || crate::media::is_compressed(name) {
        CompressionMethod::Stored
    } else {
        CompressionMethod::Deflated
    };
    SimpleFileOptions::default()
        .compression_method(method)
        .compression_level((method == CompressionMethod::Deflated).then_some(1))
        .last_modified_time(time)
        .unix_permissions(mode)
        .large_file(size >= 0xFFFF_FFFF)
}

/// Data deflated to this size of `len` or more is stored instead: deflate does not pay for
/// itself (already-compressed data under another name, or random bytes, grows by ~5%).
fn shrunk(len: u64) -> u64 {
    len - len / 50
}

/// Whether deflating `sample` (a streamed entry's first chunk, judged by its start)
/// shrinks it below [`shrunk`].
fn shrinks(sample: &[u8]) -> bool {
    let sample = &sample[..sample.len().min(SAMPLE)];
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let out = deflate.write_all(sample).and_then(|()| deflate.finish());
    out.is_ok_and(|out| (out.len() as u64) < shrunk(sample.len() as u64))
}

/// How much of a streamed entry's start [`shrinks`] judges it by.
const SAMPLE: usize = 64 << 10;

/// A small file, compressed and hashed, ready to append.
struct Prepared {
    file: zip::PreparedZipFile,
    size: u64,
    sha256: String,
    /// The file's modification time when it was read.
    modified: Option<SystemTime>,
}

/// What reading a media file gave.
enum Reading {
    /// Not saved, and why: [`GONE`] (the site deleted it after the scan) or [`UNSTEADY`]
    /// (it changed while it was read, each of [`READS`] times).
    Unsaved(&'static str),
    Ready(Prepared),
}

/// How many times a media file that changes while it is read is read.
const READS: usize = 3;

/// What tells a file's content changed: its inode, size, and modification and change
/// times (a write always moves the change time).
#[derive(Clone, Copy, PartialEq)]
struct Stamp {
    ino: u64,
    len: u64,
    modified: Option<SystemTime>,
    changed: Option<SystemTime>,
}

/// File times move in clock ticks (a few milliseconds), so a write while a file is read may
/// leave it looking unchanged: a read is trusted only if the file last changed at least this
/// long before the read began, and a file that changed later is read again after this long.
const SETTLE: Duration = Duration::from_millis(50);

impl Stamp {
    /// Whether a read that began at `began`, gave `read` bytes and left the file with
    /// stamp `after` holds the file as it was: nothing moved, and nothing could have
    /// moved unseen.
    fn steady(&self, after: Option<Stamp>, read: u64, began: SystemTime) -> bool {
        let settled = self
            .changed
            .or(self.modified)
            .is_some_and(|t| t + SETTLE <= began);
        after == Some(*self) && read == self.len && settled
    }
}

/// A file's [`Stamp`]; `None` if the file is gone.
fn stamp(src: &Path) -> Result<Option<Stamp>> {
    match std::fs::metadata(src) {
        Ok(m) => {
            #[cfg(unix)]
            let (ino, changed) = {
                use std::os::unix::fs::MetadataExt;
                let changed = u64::try_from(m.ctime()).ok().map(|secs| {
                    UNIX_EPOCH + Duration::new(secs, m.ctime_nsec().clamp(0, 999_999_999) as u32)
                });
                (m.ino(), changed)
            };
            #[cfg(not(unix))]
            let (ino, changed) = (0, None);
            Ok(Some(Stamp {
                ino,
                len: m.len(),
                modified: m.modified().ok(),
                changed,
            }))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", src, e)),
    }
}

/// Read, hash and compress one small file into a ready zip entry, reading it again if it
/// changed meanwhile (a half-rewritten file would be saved torn).
fn prepare(name: &str, src: &Path, opts: SimpleFileOptions) -> Result<Reading> {
    for attempt in 0..READS {
        if attempt > 0 {
            std::thread::sleep(SETTLE);
        }
        let began = SystemTime::now();
        let Some(before) = stamp(src)? else {
            return Ok(Reading::Unsaved(GONE));
        };
        let bytes = match std::fs::read(src) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Reading::Unsaved(GONE))
            }
            Err(e) => return Err(Error::io("read", src, e)),
        };
        if !before.steady(stamp(src)?, bytes.len() as u64, began) {
            continue;
        }
        let sha256 = hex(&Sha256::digest(&bytes));
        let compress = |e| Error::internal(format!("Could not compress {name}: {e}."));
        let mut file = PreparedZipFile::from_data(name, opts, &bytes).map_err(compress)?;
        if file.compressed_size() >= shrunk(file.uncompressed_size()) {
            let stored = opts
                .compression_method(CompressionMethod::Stored)
                .compression_level(None);
            file = PreparedZipFile::from_data(name, stored, &bytes).map_err(compress)?;
        }
        return Ok(Reading::Ready(Prepared {
            file,
            size: bytes.len() as u64,
            sha256,
            modified: before.modified,
        }));
    }
    Ok(Reading::Unsaved(UNSTEADY))
}

/// Fill `buf` as far as the reader allows; returns the bytes read (0 at the end).
pub(crate) fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
