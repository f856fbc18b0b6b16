//! The commands the window calls. Each one is a thin adapter: it builds the options of one
//! core operation, runs it on a blocking thread (so the window stays responsive), and
//! returns the core's result or its error as `{code, message}`. No decisions live here.

use crate::jobs::{AppState, ChannelProgress, ProgressEvent};
use shopsafe_core::catalog::{BackupSummary, LogEntry};
use shopsafe_core::engine::Described;
use shopsafe_core::ops::{
    self, AddShopOptions, BackupOptions, EditShopOptions, ImportReport, RestoreOptions,
    RestorePlan, RestoreReport, ShopStatus, VerifyReport,
};
use shopsafe_core::{BackupRecord, Error, Result, Shop, Throttled};
use std::path::PathBuf;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

/// Run `f` with the app's state on a thread that may block; its error in the window's words.
async fn blocking<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    f: impl FnOnce(&AppState) -> Result<T> + Send + 'static,
) -> Result<T> {
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>()))
        .await
        .map_err(|e| Error::internal(format!("A ShopSafe job stopped unexpectedly: {e}.")))?
        .map_err(Error::for_window)
}

#[tauri::command]
pub async fn shops<R: Runtime>(app: AppHandle<R>) -> Result<Vec<Shop>> {
    blocking(app, |s| s.catalog()?.shops()).await
}

#[tauri::command]
pub async fn shop_status<R: Runtime>(app: AppHandle<R>, shop: String) -> Result<ShopStatus> {
    blocking(app, move |s| {
        let mut status = ops::shop_status(&s.catalog()?, Some(&shop))?;
        // The log keeps the sentence as the command line words it.
        if let Some(failed) = status.last_attempt_failed.as_mut() {
            failed.detail = shopsafe_core::error::window_words(&failed.detail);
        }
        Ok(status)
    })
    .await
}

/// "Test connection": what was found (and what would make a backup or restore fail), or
/// the reason it failed; on a shop's edit form (`shop`), with its stored password when
/// none is typed.
#[tauri::command]
pub async fn test_connection<R: Runtime>(
    app: AppHandle<R>,
    db: String,
    password: Option<String>,
    shop: Option<String>,
) -> Result<Described> {
    blocking(app, move |s| {
        let catalog = s.catalog()?;
        let editing = shop.as_deref().map(|name| (&catalog, name));
        ops::describe_connection(&db, password.as_deref(), editing)
    })
    .await
}

#[tauri::command]
pub async fn add_shop<R: Runtime>(
    app: AppHandle<R>,
    name: String,
    db: String,
    password: Option<String>,
    media: Option<PathBuf>,
    dest: PathBuf,
) -> Result<Shop> {
    blocking(app, move |s| {
        ops::add_shop(
            &s.catalog()?,
            &AddShopOptions {
                name,
                db,
                media,
                dest,
                password,
            },
        )
    })
    .await
}

/// Save the edit form: name, media folder (`None`: no media folder) and destination as
/// shown; the database only when its fields were changed (`None` keeps it, with its URL
/// options), the password only when one was typed.
#[tauri::command]
pub async fn edit_shop<R: Runtime>(
    app: AppHandle<R>,
    shop: String,
    new_name: String,
    db: Option<String>,
    password: Option<String>,
    media: Option<PathBuf>,
    dest: PathBuf,
) -> Result<Shop> {
    blocking(app, move |s| {
        let _job = s.start_job()?;
        ops::edit_shop(
            &s.catalog()?,
            &shop,
            &EditShopOptions {
                new_name: Some(new_name),
                db,
                password,
                media: Some(media),
                dest: Some(dest),
            },
        )
    })
    .await
}

#[tauri::command]
pub async fn add_demo_shop<R: Runtime>(app: AppHandle<R>, name: String) -> Result<Shop> {
    blocking(app, move |s| ops::create_demo_shop(&s.catalog()?, &name)).await
}

#[tauri::command]
pub async fn remove_shop<R: Runtime>(app: AppHandle<R>, shop: String) -> Result<()> {
    blocking(app, move |s| {
        let _job = s.start_job()?;
        ops::remove_shop(&s.catalog()?, &shop)
    })
    .await
}

#[tauri::command]
pub async fn backup<R: Runtime>(
    app: AppHandle<R>,
    shop: String,
    name: Option<String>,
    include_media: bool,
    on_progress: Channel<ProgressEvent>,
) -> Result<BackupSummary> {
    blocking(app, move |s| {
        let job = s.start_job()?;
        let catalog = s.catalog()?;
        let opts = BackupOptions {
            shop: catalog.resolve_shop(Some(&shop))?,
            name,
            include_media,
            safety: false,
        };
        let progress = Throttled::new(ChannelProgress(on_progress));
        ops::backup(&catalog, &opts, &progress, &job.token).map(|r| r.summary())
    })
    .await
}

/// Ask the running job to stop; it cleans up after itself and reports `cancelled`.
#[tauri::command]
pub async fn cancel<R: Runtime>(app: AppHandle<R>) -> Result<bool> {
    Ok(app.state::<AppState>().cancel())
}

#[tauri::command]
pub async fn backups<R: Runtime>(
    app: AppHandle<R>,
    shop: Option<String>,
) -> Result<Vec<BackupSummary>> {
    blocking(app, move |s| s.catalog()?.backups(shop.as_deref())).await
}

#[tauri::command]
pub async fn backup_details<R: Runtime>(app: AppHandle<R>, id: String) -> Result<BackupRecord> {
    blocking(app, move |s| s.catalog()?.backup(&id)).await
}

#[tauri::command]
pub async fn verify<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    on_progress: Channel<ProgressEvent>,
) -> Result<VerifyReport> {
    blocking(app, move |s| {
        let job = s.start_job()?;
        let progress = Throttled::new(ChannelProgress(on_progress));
        ops::verify(&s.catalog()?, &id, &progress, &job.token)
    })
    .await
}

/// What restoring `id` would replace, for the user to confirm (also into a shop other than
/// the one it was made from: the confirmation says so). The plan is kept so that
/// [`restore`] runs exactly what was shown.
#[tauri::command]
pub async fn prepare_restore<R: Runtime>(app: AppHandle<R>, id: String) -> Result<RestorePlan> {
    blocking(app, move |s| {
        let plan = ops::prepare_restore(
            &s.catalog()?,
            &RestoreOptions {
                backup: id,
                shop: None,
                force: true,
                pre_backup: true,
            },
        )?;
        s.set_plan(plan.clone());
        Ok(plan)
    })
    .await
}

#[tauri::command]
pub async fn restore<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    on_progress: Channel<ProgressEvent>,
) -> Result<RestoreReport> {
    blocking(app, move |s| {
        let job = s.start_job()?;
        let plan = s.take_plan(&id)?;
        let progress = Throttled::new(ChannelProgress(on_progress));
        ops::restore(&s.catalog()?, &plan, &progress, &job.token)
    })
    .await
}

#[tauri::command]
pub async fn delete_backup<R: Runtime>(app: AppHandle<R>, id: String) -> Result<ops::Deleted> {
    blocking(app, move |s| {
        let _job = s.start_job()?;
        ops::delete(&s.catalog()?, &id)
    })
    .await
}

#[tauri::command]
pub async fn import_backups<R: Runtime>(
    app: AppHandle<R>,
    folder: PathBuf,
) -> Result<ImportReport> {
    blocking(app, move |s| {
        let _job = s.start_job()?;
        ops::import(&s.catalog()?, &folder)
    })
    .await
}

#[tauri::command]
pub async fn activity<R: Runtime>(app: AppHandle<R>, limit: u32) -> Result<Vec<LogEntry>> {
    blocking(app, move |s| s.catalog()?.log_entries(limit)).await
}

/// Open the folder holding a backup's archive in the system's file manager.
#[tauri::command]
pub async fn show_in_folder<R: Runtime>(app: AppHandle<R>, id: String) -> Result<PathBuf> {
    blocking(app, move |s| {
        let record = s.catalog()?.backup(&id)?;
        crate::pick::reveal(&record.path)?;
        Ok(record.path)
    })
    .await
}

/// Ask the user for a file or folder with the system's dialog; `None` if they cancelled.
#[tauri::command]
pub async fn pick<R: Runtime>(
    app: AppHandle<R>,
    purpose: crate::pick::Purpose,
) -> Result<Option<PathBuf>> {
    crate::pick::pick(&app, purpose).await
}
