//! The restore: load the dump into scratch tables and check them, swap them in with one
//! `RENAME TABLE`, then add the foreign keys and the backup's other objects and check the
//! schema; the rights and server features it needs, checked before anything changes.

use super::objects::{
    add_objects, names_database, object_difference, parse_block, rights_for, OBJECT_KINDS,
};
use super::tables::{
    add_row, alter_adding, leading_ident, quote, schema_line, scratch_check_names,
    split_foreign_keys, split_keys, Lanes, Scratch, LOAD_CONNECTIONS,
};
use super::{Mysql, LOCK_WAIT_SECONDS, PACKET_MARGIN};
use crate::engine::dumpfile;
use crate::engine::grants::Rights;
use crate::engine::rowsum::RowSum;
use crate::hashing::hex;
use crate::manifest::DatabasePart;
use crate::progress::CancelToken;
use crate::{Error, ErrorKind, Result};
use mysql_async::prelude::Queryable;
use mysql_async::Conn;
use sha2::{Digest, Sha256};
use std::path::Path;

impl Mysql {
    /// Check that a staged file is a ShopSafe MySQL dump.
    pub fn check_staged(&self, staged: &Path) -> Result<()> {
        dumpfile::marker(staged, "create").map(drop)
    }

    /// Load `staged` into scratch tables, check them against `expected`, swap them in with
    /// one `RENAME TABLE`, drop the old tables and add the foreign keys. A `cancel` before
    /// the swap drops the scratch tables and ends with nothing changed; from the swap on,
    /// the restore finishes.
    pub fn apply(
        &self,
        staged: &Path,
        expected: Option<&DatabasePart>,
        cancel: &CancelToken,
    ) -> std::result::Result<Vec<String>, crate::engine::Failed> {
        crate::engine::block_on(async {
            let mut conn = self
                .connect()
                .await
                .map_err(|error| crate::engine::Failed {
                    error,
                    changed: false,
                })?;
            let result = self
                .load_and_swap(&mut conn, staged, expected, cancel)
                .await;
            let _ = conn.disconnect().await;
            match result {
                // A load cut short (its connection lost) may leave its scratch tables: they
                // go now, over a new connection, or the sentence says they are there.
                Err(mut failed) if !failed.changed => {
                    let cleaned = match self.connect().await {
                        Ok(mut conn) => {
                            let dropped = self.drop_scratch(&mut conn).await;
                            let _ = conn.disconnect().await;
                            dropped
                        }
                        Err(e) => Err(e),
                    };
                    if cleaned.is_err() {
                        failed.error.message = format!(
                            "{} The copies it was loading (tables named _shopsafe_new_…) may be left in the database beside the shop's own; backups leave them out, and the next restore removes them.",
                            failed.error.message
                        );
                    }
                    Err(failed)
                }
                other => other,
            }
        })
    }

    pub(super) async fn load_and_swap(
        &self,
        conn: &mut Conn,
        staged: &Path,
        expected: Option<&DatabasePart>,
        cancel: &CancelToken,
    ) -> std::result::Result<Vec<String>, crate::engine::Failed> {
        let e = |e| self.db_error(e);
        let before = |error| crate::engine::Failed {
            error,
            changed: false,
        };
        let after = |error| crate::engine::Failed {
            error,
            changed: true,
        };
        let (live, packet): (String, usize) = conn
            .query_first("SELECT VERSION(), @@max_allowed_packet")
            .await
            .map_err(|err| before(e(err)))?
            .unwrap_or_default();
        let is_mysql = !live.contains("MariaDB");
        self.drop_scratch(conn).await.map_err(before)?;
        // The login's rights, read once: those to make and swap tables checked now, those for
        // the objects once the dump has said which it holds.
        let rights = self.rights(conn).await.map_err(before)?;
        self.preflight(conn, &rights, staged)
            .await
            .map_err(before)?;
        // Load into scratch tables; the live tables are untouched.
        let mut loaded: Vec<Scratch> = Vec::new();
        // (kind, block)
        let mut objects: Vec<(String, String)> = Vec::new();
        // Rows go in over extra connections, two statements at a time (the server works on
        // both); without them (a login limited to one connection), over this one.
        let mut lanes = Lanes::open(self, LOAD_CONNECTIONS).await;
        let load = async {
            // Whether the last table still waits for its secondary keys (and its check), and
            // has no rows yet.
            let mut open = false;
            let mut fresh = false;
            for stmt in dumpfile::blocks(staged)? {
                cancel.check()?;
                let (kind, sql) = stmt?;
                if kind != "insert" && open {
                    let s = loaded.last().ok_or_else(bad_dump)?;
                    self.finish_scratch(conn, lanes.as_mut(), s, expected.is_some())
                        .await?;
                    open = false;
                }
                match kind.as_str() {
                    "create" => {
                        let rest = sql
                            .trim_start()
                            .strip_prefix("CREATE TABLE ")
                            .ok_or_else(bad_dump)?;
                        let (name, body) = leading_ident(rest).ok_or_else(bad_dump)?;
                        let scratch = format!("_shopsafe_new_{}", loaded.len());
                        let body = if is_mysql {
                            scratch_check_names(body, &name, &scratch)
                        } else {
                            body.to_string()
                        };
                        let (body, fks) = split_foreign_keys(body.trim_end().trim_end_matches(';'));
                        let (bare, keys) = split_keys(&body);
                        // Listed before it is made, so an error making it names the shop's table.
                        loaded.push(Scratch {
                            create: format!("CREATE TABLE {}{body}", quote(&scratch)),
                            name,
                            scratch: scratch.clone(),
                            fks,
                            keys,
                        });
                        conn.query_drop(format!("CREATE TABLE {}{bare}", quote(&scratch)))
                            .await
                            .map_err(|err| {
                                let mut err = e(err);
                                err.message = format!(
                                    "{} (making the table {}).",
                                    err.message.trim_end_matches('.'),
                                    loaded.last().map_or("", |s| s.name.as_str())
                                );
                                err
                            })?;
                        open = true;
                        fresh = true;
                    }
                    "insert" => {
                        let s = loaded.last().ok_or_else(bad_dump)?;
                        let rest = sql
                            .trim_start()
                            .strip_prefix("INSERT INTO ")
                            .ok_or_else(bad_dump)?;
                        let (target, body) = leading_ident(rest).ok_or_else(bad_dump)?;
                        if target != s.name {
                            return Err(bad_dump());
                        }
                        let body = body.trim_end().trim_end_matches(';');
                        let insert = format!("INSERT INTO {}{body}", quote(&s.scratch));
                        // A server that takes less in one statement than the one backed up
                        // would close the connection on it.
                        if insert.len() + PACKET_MARGIN > packet {
                            return Err(Error::new(
                                ErrorKind::Database,
                                format!(
                                    "it holds rows of table {} that make a statement of {} bytes, more than the MySQL server takes in one (its max_allowed_packet is {packet}, some of which the protocol uses); raise max_allowed_packet on the server (SET GLOBAL max_allowed_packet = 1073741824, or in its configuration), then restore again.",
                                    s.name,
                                    insert.len()
                                ),
                            ));
                        }
                        match lanes.as_mut() {
                            Some(lanes) => {
                                lanes.send(self, insert).await?;
                                // Into an empty table InnoDB inserts in bulk under a table
                                // lock, which two connections at once would deadlock on: the
                                // first statement of a table runs alone.
                                if fresh {
                                    lanes.wait(self).await?;
                                }
                            }
                            None => conn.query_drop(insert).await.map_err(e)?,
                        }
                        fresh = false;
                    }
                    kind if OBJECT_KINDS.contains(&kind) => {
                        parse_block(&sql).ok_or_else(bad_dump)?;
                        objects.push((kind.to_string(), sql));
                    }
                    _ => return Err(bad_dump()),
                }
            }
            if open {
                let s = loaded.last().ok_or_else(bad_dump)?;
                self.finish_scratch(conn, lanes.as_mut(), s, expected.is_some())
                    .await?;
            }
            Ok(())
        }
        .await;
        if let Some(lanes) = lanes {
            lanes.close().await;
        }
        if let Err(mut err) = load {
            let _ = self.drop_scratch(conn).await;
            if err.kind == ErrorKind::Cancelled {
                return Err(before(err));
            }
            // The server names the scratch tables; say the shop's (the highest numbers first,
            // so `_shopsafe_new_1` does not eat into `_shopsafe_new_12`).
            for s in loaded.iter().rev() {
                err.message = err.message.replace(&s.scratch, &s.name);
            }
            let newer = expected
                .filter(|_| lacks_something(&err.message))
                .and_then(|x| {
                    // The server's own words, without "The MySQL or MariaDB server reported an error on …: ".
                    let said = err
                        .message
                        .split_once(": ")
                        .map_or(&*err.message, |(_, m)| m);
                    crate::engine::from_other_server("MySQL", &x.server_version, &live, 2, said)
                });
            return Err(before(Error::new(
                err.kind,
                newer.unwrap_or_else(|| format!("The backup could not be loaded: {}", err.message)),
            )));
        }
        // The scratch tables must hold the backup's rows before anything of the shop changes.
        if let Some(expected) = expected {
            let pairs: Vec<(String, String)> = loaded
                .iter()
                .map(|s| (s.name.clone(), s.scratch.clone()))
                .collect();
            if let Err(err) = self.compare_tables(conn, &pairs, expected).await {
                let _ = self.drop_scratch(conn).await;
                return Err(before(err));
            }
        }
        // An object that names the backup's database would be made there, not here.
        if let Some(x) = expected.filter(|x| x.database_name != self.dbname) {
            let named = objects.iter().find_map(|(kind, block)| {
                let (_, create) = parse_block(block)?;
                names_database(create, &x.database_name).then_some(kind)
            });
            if let Some(kind) = named {
                let _ = self.drop_scratch(conn).await;
                return Err(before(Error::new(
                    ErrorKind::Database,
                    format!(
                        "A {kind} in the backup names its database {db} in its definition, so restoring it into {here} would change {db}; restore it into {db}, or leave the database's name out of that {kind} in the shop and back up again.",
                        db = x.database_name,
                        here = self.dbname
                    ),
                )));
            }
        }
        // The rights to remove the live objects and create the backup's (and to put the live
        // ones back if a later step fails), checked before anything changes.
        let mut kinds: Vec<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
        let allowed = self.live_kinds(conn).await.and_then(|live| {
            kinds.extend(live);
            self.check_rights(&rights, &kinds)
        });
        if let Err(err) = allowed {
            let _ = self.drop_scratch(conn).await;
            return Err(before(err));
        }
        // Swap every table and view at once (a table's triggers move with it), then drop the
        // old ones and add the foreign keys.
        let live = self.tables(conn).await.map_err(before)?;
        let live_views: Vec<String> = conn
            .query(
                "SELECT TABLE_NAME FROM information_schema.VIEWS
                  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE BINARY '\\_shopsafe\\_%'",
            )
            .await
            .map_err(|err| before(e(err)))?;
        let mut renames: Vec<String> = Vec::new();
        let mut old = Vec::new();
        for (i, t) in live.iter().enumerate() {
            let o = format!("_shopsafe_old_{i}");
            renames.push(format!("{} TO {}", quote(t), quote(&o)));
            old.push(o);
        }
        let mut old_views = Vec::new();
        for (i, v) in live_views.iter().enumerate() {
            let o = format!("_shopsafe_oldview_{i}");
            renames.push(format!("{} TO {}", quote(v), quote(&o)));
            old_views.push(o);
        }
        for s in &loaded {
            renames.push(format!("{} TO {}", quote(&s.scratch), quote(&s.name)));
        }
        if let Err(err) = cancel.check() {
            let _ = self.drop_scratch(conn).await;
            return Err(before(err));
        }
        if !renames.is_empty() {
            if let Err(err) = self
                .rename_in_steps(conn, &format!("RENAME TABLE {}", renames.join(", ")))
                .await
            {
                let _ = self.drop_scratch(conn).await;
                return Err(before(match err {
                    mysql_async::Error::Server(s) if s.code == 1205 => Error::new(
                        ErrorKind::Database,
                        format!(
                            "Another connection to {} (the running site, say) kept using a table ShopSafe had to replace for over {LOCK_WAIT_SECONDS} seconds; stop the site or wait until that work is done, then try again.",
                            self.place()
                        ),
                    ),
                    other => e(other),
                }));
            }
        }
        for o in &old {
            conn.query_drop(format!("DROP TABLE {}", quote(o)))
                .await
                .map_err(|err| after(e(err)))?;
        }
        for o in &old_views {
            conn.query_drop(format!("DROP VIEW {}", quote(o)))
                .await
                .map_err(|err| after(e(err)))?;
        }
        for s in &loaded {
            if !s.fks.is_empty() {
                conn.query_drop(alter_adding(&s.name, &s.fks))
                    .await
                    .map_err(|err| after(e(err)))?;
            }
        }
        let home = expected.is_none_or(|x| x.database_name == self.dbname);
        let notes: Vec<String> = self
            .replace_objects(conn, &objects, home)
            .await
            .map_err(after)?
            .into_iter()
            .collect();
        if let Some(expected) = expected {
            let tables = self.tables(conn).await.map_err(after)?;
            if !self
                .schema_matches(conn, &tables, &expected.schema_fingerprint)
                .await
                .map_err(after)?
            {
                let live = self.objects(conn).await.map(|o| o.0).unwrap_or_default();
                return Err(after(Error::new(
                    ErrorKind::VerificationFailed,
                    format!(
                        "The restored database's tables, views, triggers or routines differ from those recorded in the manifest{}.",
                        object_difference(&objects, &live)
                    ),
                )));
            }
        }
        Ok(notes)
    }

    /// The rights this login holds on its database.
    pub(super) async fn rights(&self, conn: &mut Conn) -> Result<Rights> {
        let e = |e| self.db_error(e);
        // MariaDB lists the enabled role's grants itself; MySQL 8 only with USING them
        // (CURRENT_ROLE() gives them quoted and comma-separated, or NONE).
        let (version, roles): (Option<String>, Option<String>) = conn
            .query_first("SELECT VERSION(), CURRENT_ROLE()")
            .await
            .map_err(e)?
            .unwrap_or_default();
        let show = match (version.unwrap_or_default().contains("MariaDB"), roles) {
            (false, Some(roles)) if roles != "NONE" => {
                format!("SHOW GRANTS FOR CURRENT_USER() USING {roles}")
            }
            _ => "SHOW GRANTS".to_string(),
        };
        let grants: Vec<String> = conn.query(show).await.map_err(e)?;
        Ok(Rights::from_grants(&grants, &self.dbname))
    }

    /// Run the swap's `rename`. It waits for a lock on every table it names, and while it
    /// waits the site's own statements on them queue behind it: so it waits a second at a
    /// time, letting the site go on in between, for up to LOCK_WAIT_SECONDS in all.
    pub(super) async fn rename_in_steps(
        &self,
        conn: &mut Conn,
        rename: &str,
    ) -> std::result::Result<(), mysql_async::Error> {
        conn.query_drop("SET SESSION lock_wait_timeout = 1").await?;
        let started = std::time::Instant::now();
        let limit = std::time::Duration::from_secs(LOCK_WAIT_SECONDS.into());
        let renamed = loop {
            match conn.query_drop(rename).await {
                Err(mysql_async::Error::Server(s))
                    if s.code == 1205 && started.elapsed() < limit =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                done => break done,
            }
        };
        conn.query_drop(format!(
            "SET SESSION lock_wait_timeout = {LOCK_WAIT_SECONDS}"
        ))
        .await?;
        renamed
    }

    /// What a restore checks before it loads anything: the rights to make, fill and swap in
    /// tables; an hourly statement limit that leaves room for it; no foreign key of another
    /// database pointing at the shop's tables.
    pub(super) async fn preflight(
        &self,
        conn: &mut Conn,
        rights: &Rights,
        staged: &Path,
    ) -> Result<()> {
        self.check_rights(rights, &["table"])?;
        // A login that may run only so many statements an hour must not run out halfway,
        // nor while putting the shop back: the dump's statements, a few more per table to
        // make, check and swap it.
        if let Some((limit, n)) = rights.hourly_limit {
            let mut statements = 60;
            for block in dumpfile::blocks(staged)? {
                let (kind, _) = block?;
                statements += if kind == "create" { 7 } else { 1 };
            }
            // As many again each for the safety backup, the rollback point and a rollback.
            if n < 4 * statements {
                return Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "User {} may run only {n} statements an hour ({limit}), and restoring this backup takes about {statements}, with as many again each for the safety backup, the point to roll back to and a rollback should a step fail; ask for that limit to be raised above {} (or lifted), then restore again.",
                        self.user,
                        4 * statements
                    ),
                ));
            }
        }
        // A foreign key of another database's table to one of the shop's would follow that
        // table when it is swapped out, and point at nothing once it is dropped. (The server
        // shows it only to a login with some right on that other database.)
        let incoming: Option<(String, String, String, String)> = conn
            .query_first(
                "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME
                   FROM information_schema.KEY_COLUMN_USAGE
                  WHERE REFERENCED_TABLE_SCHEMA = DATABASE() AND TABLE_SCHEMA <> DATABASE()
                  ORDER BY 1, 2, 3",
            )
            .await
            .map_err(|e| self.db_error(e))?;
        if let Some((db, table, key, target)) = incoming {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "The table {db}.{table} of another database has a foreign key ({key}) to the table {target} of {}, which a restore cannot keep pointing at the restored table; drop that foreign key, restore, then add it again.",
                    self.dbname
                ),
            ));
        }
        Ok(())
    }

    /// Whether `rights` hold what restoring objects of `kinds` (`"table"`, `"view"`…)
    /// needs; one sentence naming what to grant if not.
    pub(super) fn check_rights(&self, rights: &Rights, kinds: &[&str]) -> Result<()> {
        let needed = kinds.iter().flat_map(|k| rights_for(k).iter().copied());
        let missing = rights.missing(needed);
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Database,
            format!(
                "User {} lacks the {} right on the database {}, which restoring its tables, views, triggers and routines needs; grant it (GRANT {} ON {}.* TO that login), or restore with a login that has it.",
                self.user,
                missing.join(", "),
                self.dbname,
                missing.join(", "),
                quote(&self.dbname)
            ),
        ))
    }

    /// Whether `tables` and the database's objects have the schema fingerprint (FORMAT.md
    /// 7.4) `expected`, as written now or, with the events that end, before.
    pub(super) async fn schema_matches(
        &self,
        conn: &mut Conn,
        tables: &[String],
        expected: &str,
    ) -> Result<bool> {
        let mut schema = Sha256::new();
        for t in tables {
            let create: Option<(String, String)> = conn
                .query_first(format!("SHOW CREATE TABLE {}", quote(t)))
                .await
                .map_err(|e| self.db_error(e))?;
            schema_line(&mut schema, &create.map(|c| c.1).unwrap_or_default());
        }
        let (objects, hidden) = self.objects(conn).await?;
        if let Some(h) = hidden.first() {
            return Err(Error::new(
                ErrorKind::VerificationFailed,
                format!(
                    "The definition of the {h} in the restored database is hidden from this login."
                ),
            ));
        }
        let mut before = schema.clone();
        add_objects(&mut schema, &objects, false);
        add_objects(&mut before, &objects, true);
        Ok([schema, before]
            .into_iter()
            .any(|h| hex(&h.finalize()) == expected))
    }

    /// Compare tables (`(name in the manifest, table to read)`) with the manifest.
    pub(super) async fn compare_tables(
        &self,
        conn: &mut Conn,
        pairs: &[(String, String)],
        expected: &DatabasePart,
    ) -> Result<()> {
        let what = "The restored database";
        let fail = |m: String| Error::new(ErrorKind::VerificationFailed, m);
        for want in &expected.tables {
            let Some((_, table)) = pairs.iter().find(|(n, _)| n == &want.name) else {
                return Err(fail(format!("{what} lacks the table {}.", want.name)));
            };
            let columns = self.columns(conn, table).await?;
            let mut measure = RowSum::default();
            let mut encoded = Vec::new();
            conn.query_iter(format!("SELECT {} FROM {}", columns.select, quote(table)))
                .await
                .map_err(|e| self.db_error(e))?
                .for_each(|row| add_row(&mut measure, &mut encoded, &row.unwrap()))
                .await
                .map_err(|e| self.db_error(e))?;
            let got = measure.stat(want.name.clone());
            if got.rows != want.rows {
                return Err(fail(format!(
                    "{what} has {} rows in table {} where the backup has {}.",
                    got.rows, want.name, want.rows
                )));
            }
            if got.fingerprint != want.fingerprint {
                let why = if columns.has_stored_generated {
                    " (it has stored generated columns, which the server computes again: one whose expression depends on the session, such as its time zone, comes out different)"
                } else {
                    ""
                };
                return Err(fail(format!(
                    "{what} has different content in table {} than the backup{why}.",
                    want.name
                )));
            }
        }
        if let Some((extra, _)) = pairs
            .iter()
            .find(|(n, _)| !expected.tables.iter().any(|w| &w.name == n))
        {
            return Err(fail(format!(
                "{what} has a table {extra} that the backup does not have."
            )));
        }
        Ok(())
    }
}

pub(super) fn bad_dump() -> Error {
    Error::corrupt("The database part of the archive is not a well-formed ShopSafe MySQL dump.")
}

/// Whether a failed statement's message names something the server does not know: syntax,
/// collations, character sets, engines, functions, columns (of a newer server or the other
/// flavour, say); a missing definer login is the server's setup, not its version.
pub(super) fn lacks_something(message: &str) -> bool {
    !message.contains("definer")
        && [
            "error in your SQL syntax",
            "Unknown collation",
            "Unknown character set",
            "Unknown storage engine",
            "Unknown table engine",
            "does not exist",
            "Unknown column",
        ]
        .iter()
        .any(|m| message.contains(m))
}
