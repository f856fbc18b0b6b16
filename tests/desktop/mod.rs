//! The end-to-end harness: a private X server (Xvfb), tauri-driver with WebKitWebDriver, and
//! the real `shopsafe-app` binary in a real WebKit window, driven through WebDriver
//! (fantoccini). Each [`Desktop`] has its own display, ports and environment, and stops
//! everything it started when dropped, also when a test fails.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a screen may take to show what a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(90);

fn need(program: &str, how: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("{program} is missing, so the desktop app cannot be tested end to end; {how}")
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

fn terminate(child: &mut Child) {
    // SIGTERM, not SIGKILL: tauri-driver must stop its WebKitWebDriver child itself, or the
    // native port stays taken.
    // SAFETY: kill only sends a signal to the process we started and have not reaped yet.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A display of its own, so tests can run side by side.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let xvfb = need("Xvfb", "run `make deps` (Debian package xvfb).");
        for n in (100..400).map(|i| i + (std::process::id() % 300)) {
            if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let child = Command::new(&xvfb)
                .args([
                    &format!(":{n}"),
                    "-screen",
                    "0",
                    "1280x900x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb starts");
            let mut x = Xvfb {
                child,
                display: format!(":{n}"),
            };
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if socket.exists() {
                    return x;
                }
                if let Ok(Some(_)) = x.child.try_wait() {
                    break; // lost the race for this display number; try the next
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            terminate(&mut x.child);
        }
        panic!("Xvfb could not start on any display between :100 and :700");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// tauri-driver (which starts WebKitWebDriver and the app) on its display.
struct Driver {
    child: Child,
    _xvfb: Xvfb,
}

impl Drop for Driver {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// The app in its window, under WebDriver control.
pub struct Desktop {
    pub client: Client,
    /// The X display the app runs on, for its native dialogs.
    display: String,
    _driver: Driver,
}

impl Desktop {
    /// Start the app with `env` added to its environment (SHOPSAFE_HOME, test picks, …).
    pub async fn start(env: &[(&str, &Path)]) -> Desktop {
        let driver_bin = need(
            "tauri-driver",
            "run `make deps` (it runs `cargo install tauri-driver --locked`).",
        );
        need(
            "WebKitWebDriver",
            "run `make deps` (Debian package webkit2gtk-driver).",
        );
        let xvfb = Xvfb::start();
        let display = xvfb.display.clone();
        let (port, native) = (free_port(), free_port());
        let mut cmd = Command::new(driver_bin);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("DISPLAY", &xvfb.display)
        .env("GSETTINGS_BACKEND", "memory")
        .env("NO_AT_BRIDGE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let driver = Driver {
            child: cmd.spawn().expect("tauri-driver starts"),
            _xvfb: xvfb,
        };
        let app = PathBuf::from(env!("CARGO_BIN_EXE_shopsafe-app"));
        let caps = json!({
            "browserName": "wry",
            "tauri:options": { "application": app },
        });
        let caps = caps.as_object().unwrap().clone();
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => {
                    panic!("the app did not start under tauri-driver within 30 s: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Desktop {
            client,
            display,
            _driver: driver,
        }
    }

    /// Run xdotool on the app's display (for the system's own dialogs, which WebDriver
    /// cannot reach); its output.
    pub fn xdotool(&self, args: &[&str]) -> String {
        let bin = need("xdotool", "run `make deps` (Debian package xdotool).");
        let out = Command::new(bin)
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .expect("xdotool runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The X window id of a window (a native dialog) titled exactly `title`, once it is shown.
    pub async fn native_window(&self, title: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self.xdotool(&["search", "--onlyvisible", "--name", &format!("^{title}$")]);
            if let Some(id) = found.lines().next() {
                return id.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no window titled {title:?} appeared within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Close the window and stop everything.
    pub async fn finish(self) {
        let _ = self.client.clone().close().await;
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {script}: {e}"))
    }

    /// The screen the app shows (`add`, `home`, `progress`, …).
    pub async fn screen(&self) -> String {
        self.js("return document.body.dataset.screen || ''")
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub async fn wait_screen(&self, screen: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let now = self.screen().await;
            if now == screen {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited for screen {screen}, still on {now:?}; page says: {}",
                self.text("main").await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until `check` holds for the text of `css`, and return that text.
    pub async fn wait_text(&self, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = self.text(css).await;
            if check(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {css} to show {what}; it shows {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The visible text of the first element matching `css` ("" if there is none).
    pub async fn text(&self, css: &str) -> String {
        let script = format!(
            "const e = document.querySelector({}); return e ? e.innerText : ''",
            json!(css)
        );
        self.js(&script).await.as_str().unwrap_or("").to_string()
    }

    pub async fn click(&self, css: &str) {
        let el = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        el.click()
            .await
            .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
    }

    /// The value of the form field with the id `id`.
    pub async fn value(&self, id: &str) -> String {
        self.js(&format!("return document.getElementById('{id}').value"))
            .await
            .as_str()
            .unwrap_or_else(|| panic!("no field #{id}"))
            .to_string()
    }

    /// Choose the option whose value is `value` in the `<select>` at `css`, as a user would.
    pub async fn select(&self, css: &str, value: &str) {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        el.select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("could not choose {value} in {css}: {e}"));
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        el.clear().await.expect("clear the field");
        el.send_keys(text).await.expect("type into the field");
    }

    /// Save what the window shows as docs/screenshots/<name>.png. The DOM can be ahead of
    /// the painted window by a moment, so wait a little first.
    pub async fn screenshot(&self, name: &str) {
        self.screenshot_after(name, Duration::from_millis(900))
            .await;
    }

    /// [`Self::screenshot`] with a shorter wait, for screens that do not stay long.
    pub async fn screenshot_after(&self, name: &str, wait: Duration) {
        tokio::time::sleep(wait).await;
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}
