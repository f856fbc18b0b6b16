//! Command-level tests: the app's commands called through Tauri's real IPC layer on a mock
//! runtime (no window), over a real catalog and a real demo shop on disk.

use crate::jobs::AppState;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, Channel, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

struct TestApp {
    app: tauri::App<tauri::test::MockRuntime>,
    window: WebviewWindow<tauri::test::MockRuntime>,
    _home: tempfile::TempDir,
}

fn app() -> TestApp {
    let home = tempfile::tempdir().unwrap();
    let app = crate::app(mock_builder(), home.path().to_path_buf())
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp {
        app,
        window,
        _home: home,
    }
}

impl TestApp {
    /// Invoke `cmd` as the window would; Ok(result) or Err(the error object the window gets).
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }
}

/// What the window passes for a `new Channel()`; the mock runtime drops the messages.
const CHANNEL: &str = "__CHANNEL__:7";

#[test]
fn demo_shop_backup_and_status_through_the_commands() {
    let t = app();
    assert_eq!(t.ok("shops", json!({})), json!([]));

    let shop = t.ok("add_demo_shop", json!({"name": "Demo shop"}));
    assert_eq!(shop["name"], "Demo shop");
    let status = t.ok("shop_status", json!({"shop": "Demo shop"}));
    assert_eq!(status["health"], "stale", "no backup yet");
    assert_eq!(status["last_good"], Value::Null);
    assert!(status["dest_free_bytes"].as_u64().unwrap() > 0);

    let b = t.ok(
        "backup",
        json!({"shop": "Demo shop", "name": "First", "includeMedia": true, "onProgress": CHANNEL}),
    );
    assert_eq!(b["kind"], "full");
    assert_eq!(b["name"], "First");
    assert!(b["media_files"].as_u64().unwrap() > 0);
    assert!(std::path::Path::new(b["path"].as_str().unwrap()).is_file());

    let status = t.ok("shop_status", json!({"shop": "Demo shop"}));
    assert_eq!(status["health"], "fresh");
    assert_eq!(status["last_good"]["id"], b["id"]);
    assert_eq!(status["last_attempt_failed"], Value::Null);
    let list = t.ok("backups", json!({"shop": "Demo shop"}));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["archive_found"], true);

    // A failed attempt shows beside the older good backup until a backup succeeds again.
    let media = std::path::PathBuf::from(status["shop"]["media"].as_str().unwrap());
    let away = media.with_file_name("media-away");
    std::fs::rename(&media, &away).unwrap();
    let backup = json!({"shop": "Demo shop", "includeMedia": true, "onProgress": CHANNEL});
    let e = t.call("backup", backup.clone()).unwrap_err();
    let status = t.ok("shop_status", json!({"shop": "Demo shop"}));
    assert_eq!(status["last_good"]["id"], b["id"]);
    assert_eq!(status["last_attempt_failed"]["outcome"], "failed");
    assert_eq!(status["last_attempt_failed"]["detail"], e["message"]);
    std::fs::rename(&away, &media).unwrap();
    let again = t.ok("backup", backup);
    let status = t.ok("shop_status", json!({"shop": "Demo shop"}));
    assert_eq!(status["last_good"]["id"], again["id"]);
    assert_eq!(status["last_attempt_failed"], Value::Null);
    // An archive moved away behind the app's back is listed as not found.
    let archive = std::path::PathBuf::from(again["path"].as_str().unwrap());
    std::fs::rename(&archive, archive.with_extension("moved")).unwrap();
    let list = t.ok("backups", json!({"shop": "Demo shop"}));
    let found = |id: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|b| &b["id"] == id)
            .unwrap()["archive_found"]
            .clone()
    };
    assert_eq!(
        (found(&again["id"]), found(&b["id"])),
        (json!(false), json!(true))
    );
    std::fs::rename(archive.with_extension("moved"), &archive).unwrap();

    let plan = t.ok("prepare_restore", json!({"id": b["id"]}));
    assert_eq!(plan["shop"]["name"], "Demo shop");
    assert!(plan["tables"].as_array().unwrap().len() >= 40);
    let report = t.ok("restore", json!({"id": b["id"], "onProgress": CHANNEL}));
    assert!(report["rows_checked"].as_u64().unwrap() > 0);
    assert!(report["safety_backup"].is_string());
}

#[test]
fn errors_reach_the_window_as_code_and_sentence() {
    let t = app();
    let e = t
        .call("backup_details", json!({"id": "20990101-000000-beef"}))
        .unwrap_err();
    assert_eq!(e["code"], "not_found");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.ends_with('.') && !message.contains('\n'),
        "{message}"
    );

    let e = t
        .call(
            "add_shop",
            json!({"name": "x", "db": "/nonexistent/shop.sqlite3", "media": null, "dest": "/tmp"}),
        )
        .unwrap_err();
    assert_eq!(e["code"], "invalid_input", "{e}");
}

#[test]
fn a_restore_runs_only_after_its_plan_was_shown() {
    let t = app();
    t.ok("add_demo_shop", json!({"name": "Demo shop"}));
    let b = t.ok(
        "backup",
        json!({"shop": "Demo shop", "name": null, "includeMedia": false, "onProgress": CHANNEL}),
    );
    let e = t
        .call("restore", json!({"id": b["id"], "onProgress": CHANNEL}))
        .unwrap_err();
    assert_eq!(e["code"], "refused", "{e}");
    assert_eq!(t.ok("cancel", json!({})), json!(false), "no job to cancel");
}

#[test]
fn a_backup_cancelled_midway_leaves_no_archive_and_no_catalog_row() {
    let t = app();
    let shop = t.ok("add_demo_shop", json!({"name": "Demo shop"}));
    let handle = t.app.handle().clone();
    let canceller = handle.clone();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let phases = seen.clone();
    // The window's channel, played by a closure that presses Cancel at the first media update.
    let channel = Channel::new(move |body| {
        let update: Value = body.deserialize()?;
        let phase = update["phase"].as_str().unwrap_or("").to_string();
        if phase == "media" {
            assert!(
                canceller.state::<AppState>().cancel(),
                "the backup is running"
            );
        }
        phases.lock().unwrap().push(phase);
        Ok(())
    });
    let result = tauri::async_runtime::block_on(crate::commands::backup(
        handle,
        "Demo shop".into(),
        None,
        true,
        channel,
    ));
    assert_eq!(
        result.unwrap_err().kind,
        shopsafe_core::ErrorKind::Cancelled
    );
    assert!(seen.lock().unwrap().contains(&"media".to_string()));
    let dest = std::path::Path::new(shop["dest"].as_str().unwrap());
    let left: Vec<_> = std::fs::read_dir(dest).unwrap().collect();
    assert!(
        left.is_empty(),
        "nothing left in {}: {left:?}",
        dest.display()
    );
    assert_eq!(t.ok("backups", json!({"shop": "Demo shop"})), json!([]));
    assert!(
        !t.ok("cancel", json!({})).as_bool().unwrap(),
        "the job slot is free"
    );
}

#[test]
fn one_job_at_a_time() {
    let state = AppState::new(std::env::temp_dir());
    let job = state.start_job().unwrap();
    let second = state.start_job().err().expect("a second job is refused");
    assert_eq!(second.kind, shopsafe_core::ErrorKind::Refused);
    assert!(state.cancel(), "the running job is asked to stop");
    assert!(job.token.is_cancelled());
    drop(job);
    assert!(state.start_job().is_ok(), "the slot is free again");
}
