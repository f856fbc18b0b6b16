//! Lines for standard output and standard error that never end the program. A reader that
//! stops early (`shopsafe list | head -3`) closes the pipe: the rest of the output is
//! dropped and the command still runs to its own end, so a backup or restore is never cut
//! short by its own printing. Any other failure to write (a full disk under `> file`) is
//! kept and reported once when the command is done.

use std::fmt;
use std::io::Write;
use std::sync::Mutex;

static FAILURE: Mutex<Option<String>> = Mutex::new(None);

/// Write one line to standard error (`to_stderr`) or standard output.
pub fn line(to_stderr: bool, args: fmt::Arguments) {
    let written = if to_stderr {
        writeln!(std::io::stderr().lock(), "{args}")
    } else {
        writeln!(std::io::stdout().lock(), "{args}")
    };
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let mut failure = FAILURE.lock().unwrap_or_else(|p| p.into_inner());
            failure.get_or_insert_with(|| e.to_string());
        }
    }
}

/// The first failure to write, other than a reader that went away.
pub fn failure() -> Option<String> {
    FAILURE.lock().unwrap_or_else(|p| p.into_inner()).take()
}
