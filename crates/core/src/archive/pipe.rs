//! A bounded pipe between two threads: bytes written on one side arrive as chunks on the
//! other. A server database's dump streams through it into the archive while it is taken, so
//! dumping, compressing and hashing run at once and no temporary dump file is written.

use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Chunks in flight before the writing side waits for the reading side.
const DEPTH: usize = 4;

/// The writing side. Each write becomes one chunk, so wrap it in a `BufWriter`.
pub struct PipeWriter(SyncSender<Vec<u8>>);

impl Write for PipeWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !buf.is_empty() {
            self.0.send(buf.to_vec()).map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "the archive stopped taking the dump",
                )
            })?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A pipe: the chunks end when the writer is dropped, so the reader cannot tell a finished
/// stream from an abandoned one; whoever joins the writing thread learns which it was.
pub fn pipe() -> (PipeWriter, Receiver<Vec<u8>>) {
    let (tx, rx) = sync_channel(DEPTH);
    (PipeWriter(tx), rx)
}
