//! The app's running state: where the catalog is, the one long job that may run at a time
//! (with its cancel token), the restore plan the user is looking at, and the progress sink
//! that streams a job's updates to the window through a Tauri channel.

use shopsafe_core::ops::RestorePlan;
use shopsafe_core::{CancelToken, Catalog, Error, ErrorKind, Progress, Result, Update};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use tauri::ipc::Channel;

pub struct AppState {
    home: PathBuf,
    job: Mutex<Option<CancelToken>>,
    plan: Mutex<Option<RestorePlan>>,
}

impl AppState {
    pub fn new(home: PathBuf) -> Self {
        AppState {
            home,
            job: Mutex::new(None),
            plan: Mutex::new(None),
        }
    }

    /// The catalog, opened for one command (SQLite in WAL mode, so the CLI may use it too).
    pub fn catalog(&self) -> Result<Catalog> {
        Catalog::open(&self.home)
    }

    /// Claim the single job slot; the slot is freed when the returned job is dropped.
    pub fn start_job(&self) -> Result<Job<'_>> {
        let mut slot = lock(&self.job);
        if slot.is_some() {
            return Err(Error::new(
                ErrorKind::Refused,
                "Another job is still running; wait for it to finish or cancel it first.",
            ));
        }
        let token = CancelToken::new();
        *slot = Some(token.clone());
        Ok(Job { state: self, token })
    }

    /// Ask the running job, if any, to stop. Returns whether there was one.
    pub fn cancel(&self) -> bool {
        match &*lock(&self.job) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    pub fn set_plan(&self, plan: RestorePlan) {
        *lock(&self.plan) = Some(plan);
    }

    /// The plan last shown for `backup_id`; a restore only runs what the user confirmed.
    pub fn take_plan(&self, backup_id: &str) -> Result<RestorePlan> {
        let mut slot = lock(&self.plan);
        match slot.take() {
            Some(plan) if plan.backup_id == backup_id => Ok(plan),
            other => {
                *slot = other;
                Err(Error::new(
                    ErrorKind::Refused,
                    "This restore was not confirmed; open the backup and choose Restore again.",
                ))
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The running job's claim on the slot.
pub struct Job<'a> {
    state: &'a AppState,
    pub token: CancelToken,
}

impl Drop for Job<'_> {
    fn drop(&mut self) {
        *lock(&self.state.job) = None;
    }
}

/// One progress message to the window: the core's update and the phase in words.
#[derive(Clone, serde::Serialize)]
pub struct ProgressEvent {
    #[serde(flatten)]
    pub update: Update,
    pub label: &'static str,
}

/// Progress sent to the window. Wrap it in [`shopsafe_core::Throttled`] (four a second).
pub struct ChannelProgress(pub Channel<ProgressEvent>);

impl Progress for ChannelProgress {
    fn update(&self, update: &Update) {
        // A closed window just stops listening; the job goes on and its result is logged.
        let _ = self.0.send(ProgressEvent {
            update: update.clone(),
            label: update.phase.label(),
        });
    }
}
