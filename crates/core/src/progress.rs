//! Progress reporting and cancellation for long jobs.
//!
//! The core owns a small [`Progress`] trait; each shell renders it (the CLI as a terminal bar,
//! the app through a channel). [`Throttled`] wraps any sink so it receives about four updates a
//! second and always the last one. A [`CancelToken`] is checked between units of work; a
//! cancelled job cleans up after itself and returns [`crate::ErrorKind::Cancelled`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Which step of a job is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Snapshot,
    Database,
    Media,
    Finishing,
    Verifying,
    SafetyBackup,
    Staging,
    Swapping,
    Checking,
    RollingBack,
    Done,
}

impl Phase {
    /// A few words for people.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Snapshot => "Taking a database snapshot",
            Phase::Database => "Saving the database",
            Phase::Media => "Saving media files",
            Phase::Finishing => "Finishing the archive",
            Phase::Verifying => "Verifying the archive",
            Phase::SafetyBackup => "Taking a safety backup",
            Phase::Staging => "Unpacking the backup",
            Phase::Swapping => "Putting the backup in place",
            Phase::Checking => "Checking the restored shop",
            Phase::RollingBack => "Rolling back",
            Phase::Done => "Done",
        }
    }
}

/// One progress report. Totals are known before work starts, except the size of a server
/// database's dump, which is 0 while it streams; `*_done` only grow within a phase.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Update {
    pub phase: Phase,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub files_done: u64,
    pub files_total: u64,
}

/// A sink for progress updates. Implementations must be cheap; they may be called often.
pub trait Progress: Send + Sync {
    fn update(&self, update: &Update);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: &Update) {}
}

/// Passes on at most one update per interval, plus every phase change and every final update
/// (where the done counters reach the totals).
pub struct Throttled<P> {
    inner: P,
    interval: Duration,
    last: Mutex<Option<(Instant, Phase)>>,
}

impl<P: Progress> Throttled<P> {
    /// About four updates a second: each one redraws the window, which without a graphics
    /// card (software rendering) costs CPU the job itself wants.
    pub fn new(inner: P) -> Self {
        Self::with_interval(inner, Duration::from_millis(250))
    }

    /// The wrapped sink.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    pub fn with_interval(inner: P, interval: Duration) -> Self {
        Throttled {
            inner,
            interval,
            last: Mutex::new(None),
        }
    }
}

impl<P: Progress> Progress for Throttled<P> {
    fn update(&self, u: &Update) {
        let now = Instant::now();
        let is_last = u.bytes_done >= u.bytes_total && u.files_done >= u.files_total;
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let due = match *last {
            None => true,
            Some((at, phase)) => phase != u.phase || is_last || now - at >= self.interval,
        };
        if due {
            *last = Some((now, u.phase));
            drop(last);
            self.inner.update(u);
        }
    }
}

/// A shared flag that asks a running job to stop.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Cancelled)` once cancelled.
    pub fn check(&self) -> crate::Result<()> {
        if self.is_cancelled() {
            Err(crate::Error::cancelled())
        } else {
            Ok(())
        }
    }
}

/// Counts work done in one phase and reports it.
pub struct Meter<'a> {
    sink: &'a dyn Progress,
    state: Update,
}

impl<'a> Meter<'a> {
    pub fn new(sink: &'a dyn Progress, phase: Phase, bytes_total: u64, files_total: u64) -> Self {
        let m = Meter {
            sink,
            state: Update {
                phase,
                bytes_done: 0,
                bytes_total,
                files_done: 0,
                files_total,
            },
        };
        m.sink.update(&m.state);
        m
    }

    pub fn add(&mut self, bytes: u64, files: u64) {
        self.state.bytes_done += bytes;
        self.state.files_done += files;
        self.sink.update(&self.state);
    }

    /// Report the phase as complete (the last update is always sent).
    pub fn finish(mut self) {
        self.state.bytes_done = self.state.bytes_total.max(self.state.bytes_done);
        self.state.files_done = self.state.files_total.max(self.state.files_done);
        self.sink.update(&self.state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Count(Mutex<Vec<Update>>);
    impl Progress for &Count {
        fn update(&self, u: &Update) {
            self.0.lock().unwrap().push(u.clone());
        }
    }

    #[test]
    fn throttle_drops_bursts_but_keeps_phase_changes_and_the_last_update() {
        let seen = Count(Mutex::new(Vec::new()));
        let t = Throttled::with_interval(&seen, Duration::from_secs(3600));
        for i in 0..1000 {
            t.update(&Update {
                phase: Phase::Media,
                bytes_done: i,
                bytes_total: 1000,
                files_done: 0,
                files_total: 1,
            });
        }
        t.update(&Update {
            phase: Phase::Media,
            bytes_done: 1000,
            bytes_total: 1000,
            files_done: 1,
            files_total: 1,
        });
        t.update(&Update {
            phase: Phase::Done,
            bytes_done: 0,
            bytes_total: 0,
            files_done: 0,
            files_total: 0,
        });
        let seen = seen.0.lock().unwrap();
        let phases: Vec<_> = seen.iter().map(|u| (u.phase, u.bytes_done)).collect();
        assert_eq!(
            phases,
            vec![(Phase::Media, 0), (Phase::Media, 1000), (Phase::Done, 0)]
        );
    }
}
