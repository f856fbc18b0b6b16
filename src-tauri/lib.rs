//! ShopSafe's desktop app: a Tauri v2 shell over `shopsafe-core`. The window shows the plain
//! HTML/JS front end in ui/; every button calls one command in [`commands`], which builds the
//! options of one core operation, runs it off the UI thread, streams its progress through a
//! channel and returns its result, or the core's error as `{code, message}`.

pub mod commands;
pub mod jobs;
pub mod pick;

#[cfg(test)]
mod command_tests;

use std::path::PathBuf;

/// Build the app on any Tauri builder: the real one in [`run`], a mock one in tests.
pub fn app<R: tauri::Runtime>(builder: tauri::Builder<R>, home: PathBuf) -> tauri::Builder<R> {
    builder
        .manage(jobs::AppState::new(home))
        .invoke_handler(tauri::generate_handler![
            commands::shops,
            commands::shop_status,
            commands::test_connection,
            commands::add_shop,
            commands::edit_shop,
            commands::add_demo_shop,
            commands::remove_shop,
            commands::backup,
            commands::cancel,
            commands::backups,
            commands::backup_details,
            commands::verify,
            commands::prepare_restore,
            commands::restore,
            commands::delete_backup,
            commands::import_backups,
            commands::activity,
            commands::show_in_folder,
            commands::pick,
        ])
}

/// Start the desktop app. The catalog lives in `SHOPSAFE_HOME` if set, else in the OS data
/// folder, shared with the `shopsafe` command-line tool.
pub fn run() {
    let home = match std::env::var_os("SHOPSAFE_HOME") {
        Some(h) => PathBuf::from(h),
        None => match shopsafe_core::catalog::default_home() {
            Ok(h) => h,
            Err(e) => {
                eprintln!("ShopSafe cannot start: {e}");
                std::process::exit(1);
            }
        },
    };
    app(tauri::Builder::default(), home)
        .run(tauri::generate_context!())
        .expect("the ShopSafe window could not be opened");
}
