//! A throwaway MariaDB server for tests: installed into a temporary folder, started on a free
//! port with its own socket, shut down when dropped, also when the test fails. Needs
//! Debian's mariadb-server and mariadb-client (`make deps` installs them).

// pg.rs and maria.rs each include it: the CLI tests load either file on its own.
#[allow(clippy::duplicate_mod)]
#[path = "cert.rs"]
mod cert;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct MariaServer {
    pub dir: tempfile::TempDir,
    pub port: u16,
    server: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl MariaServer {
    pub fn start() -> MariaServer {
        Self::start_with(false)
    }

    /// A server with TLS on (a certificate for `localhost` signed by the test authority
    /// [`MariaServer::authority`]) that refuses plain TCP connections
    /// (`require_secure_transport`); the unix socket stays usable.
    pub fn start_with_tls() -> MariaServer {
        Self::start_with(true)
    }

    /// A client certificate for the login `user` that a TLS server accepts (certificate, key).
    pub fn client_cert(&self, user: &str) -> (PathBuf, PathBuf) {
        cert::client_cert(self.dir.path(), user)
    }

    /// The certificate of the authority that signed a TLS server's certificate.
    pub fn authority(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    fn start_with(tls: bool) -> MariaServer {
        let found = Command::new("mariadbd").arg("--version").output().is_ok()
            || Path::new("/usr/sbin/mariadbd").is_file();
        assert!(
            found,
            "MariaDB is missing: run `make deps` (installs mariadb-server and mariadb-client)"
        );
        let dir = tempfile::Builder::new()
            .prefix("shopsafe-maria")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        let user = if Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false)
        {
            "root".to_string()
        } else {
            std::env::var("USER").unwrap_or_else(|_| "nobody".into())
        };
        // Bootstraps running side by side collide on temporary tables: one at a time.
        static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let one = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
        let out = Command::new("mariadb-install-db")
            .args([
                "--no-defaults",
                &format!("--datadir={}", data.display()),
                &format!("--user={user}"),
            ])
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .output()
            .expect("running mariadb-install-db");
        drop(one);
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let mut tls_args = Vec::new();
        if tls {
            let cert = cert::server_cert(dir.path());
            tls_args = vec![
                format!("--ssl-cert={}", cert.crt.display()),
                format!("--ssl-key={}", cert.key.display()),
                // Client certificates it signed are accepted (a login may require one).
                format!("--ssl-ca={}", cert.ca.display()),
                "--require-secure-transport=ON".to_string(),
            ];
        }
        let server = Command::new(if Path::new("/usr/sbin/mariadbd").is_file() {
            "/usr/sbin/mariadbd"
        } else {
            "mariadbd"
        })
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", dir.path().join("sock").display()))
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg(format!("--pid-file={}", dir.path().join("pid").display()))
        .arg(format!("--user={user}"))
        .args([
            "--skip-log-bin",
            "--innodb-buffer-pool-size=64M",
            "--character-set-server=utf8mb4",
        ])
        .arg("--collation-server=utf8mb4_unicode_ci")
        .args(&tls_args)
        .arg(format!("--log-error={}", dir.path().join("err").display()))
        .arg(format!("--tmpdir={}", dir.path().display()))
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting mariadbd");
        let m = MariaServer { dir, port, server };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !m.client("mysql", "SELECT 1").status.success() {
            assert!(
                Instant::now() < deadline,
                "MariaDB did not start: {}",
                std::fs::read_to_string(m.dir.path().join("err")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        m
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    fn client(&self, db: &str, sql: &str) -> std::process::Output {
        self.client_as("root", "", db, sql)
    }

    /// The `mariadb` client as `user` (the password in MYSQL_PWD, never on the command line).
    pub fn client_as(
        &self,
        user: &str,
        password: &str,
        db: &str,
        sql: &str,
    ) -> std::process::Output {
        let mut client = Command::new("mariadb");
        client
            .args([
                "--no-defaults",
                "--default-character-set=utf8mb4",
                "-N",
                "-B",
            ])
            .arg(format!("-u{user}"))
            .arg("-S")
            .arg(self.socket())
            .args(["-e", sql, db]);
        if !password.is_empty() {
            client.env("MYSQL_PWD", password);
        }
        client.output().expect("running the mariadb client")
    }

    /// Run SQL as root on `db`; panics on error.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        self.sql_as("root", "", db, sql)
    }

    /// Run SQL as `user` on `db`; panics on error.
    pub fn sql_as(&self, user: &str, password: &str, db: &str, sql: &str) -> String {
        let out = self.client_as(user, password, db, sql);
        assert!(
            out.status.success(),
            "mariadb failed on {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Blobs come back as raw bytes.
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A root session on `db` that runs `statements` over and over (up to a million times,
    /// going on after a statement fails) until it is killed.
    pub fn keep_running(&self, db: &str, statements: &str) -> std::process::Child {
        let mut child = Command::new("mariadb")
            .args(["--no-defaults", "--force", "-uroot", "-S"])
            .arg(self.socket())
            .arg(db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Fed from here, so killing the client stops the statements at once.
        let mut stdin = child.stdin.take().unwrap();
        let line = format!("{statements}\n");
        std::thread::spawn(move || {
            for _ in 0..1_000_000 {
                if std::io::Write::write_all(&mut stdin, line.as_bytes()).is_err() {
                    break;
                }
            }
        });
        child
    }

    /// `SHOW CREATE TABLE` and every row (sorted) of each listed table.
    pub fn state(&self, db: &str, tables: &[&str]) -> Vec<String> {
        tables
            .iter()
            .map(|t| {
                format!(
                    "{}\n{}",
                    self.sql(db, &format!("SHOW CREATE TABLE `{t}`")),
                    self.sql(db, &format!("SELECT * FROM `{t}` ORDER BY 1"))
                )
            })
            .collect()
    }
}

impl Drop for MariaServer {
    fn drop(&mut self) {
        let _ = Command::new("mariadb-admin")
            .args(["--no-defaults", "-uroot", "-S"])
            .arg(self.socket())
            .arg("shutdown")
            .output();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.server.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
