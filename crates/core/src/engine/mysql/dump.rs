//! The backup: the whole database dumped inside one consistent snapshot (tables without
//! one held still by a read lock on a second connection), once what a restore could not
//! make again has been refused; each table's `CREATE TABLE` and rows, then the views,
//! triggers, routines and events, measured and fingerprinted as they are written.

use super::objects::{add_objects, object_names, row_references};
use super::tables::{add_row, push_literal, quote, schema_line, text};
use super::{Mysql, LOCKED_ENGINES, LOCK_WAIT_SECONDS, PACKET_MARGIN, SESSION};
use crate::engine::dumpfile::{DumpTo, DumpWriter};
use crate::engine::rowsum::RowSum;
use crate::engine::{Inspection, Snapshot};
use crate::hashing::hex;
use crate::progress::CancelToken;
use crate::{Error, ErrorKind, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Value};
use sha2::{Digest, Sha256};

/// Rows are written in INSERT statements of about this many bytes.
const INSERT_BYTES: usize = 1 << 20;

impl Mysql {
    /// Dump the database (into the archive being written, or a rollback point's file),
    /// measuring every table as its rows stream past.
    pub(crate) async fn dump(
        &self,
        to: DumpTo<'_>,
        cancel: &CancelToken,
    ) -> Result<(Snapshot, Inspection)> {
        let mut conn = self.connect().await?;
        // Tables without a snapshot are held still by a read lock on a second connection,
        // from before the snapshot is taken until the last of them is read: they are read
        // as they were at the snapshot.
        let held = self.tables_without_snapshot(&mut conn).await?;
        let all = self.tables(&mut conn).await?;
        let mut lock = match held.is_empty() {
            true => None,
            false => Some(self.lock_for_reading(&held).await?),
        };
        let result = self
            .dump_in_snapshot(&mut conn, to, cancel, (&all, &held), &mut lock)
            .await;
        if let Some(lock) = lock {
            let _ = lock.disconnect().await;
        }
        let _ = conn.disconnect().await;
        result
    }

    /// A connection holding `LOCK TABLES … READ` on `tables`: while it lives, no one
    /// writes them; closing it lets go.
    async fn lock_for_reading(&self, tables: &[String]) -> Result<Conn> {
        let mut lock = self.connect().await.map_err(|e| {
            if !e.message.contains("max_user_connections") {
                return e;
            }
            Error::new(
                ErrorKind::Database,
                format!(
                    "User {} may not open a second connection to the database {} (its MAX_USER_CONNECTIONS is reached), which backing up its tables without a snapshot ({}: MyISAM, Aria or MEMORY) needs, to keep writers out while they are read; raise that limit, or convert them to InnoDB (ALTER TABLE … ENGINE=InnoDB). Nothing was written.",
                    self.user,
                    self.dbname,
                    tables.join(", ")
                ),
            )
        })?;
        let list: Vec<String> = tables
            .iter()
            .map(|t| format!("{} READ", quote(t)))
            .collect();
        match lock
            .query_drop(format!("LOCK TABLES {}", list.join(", ")))
            .await
        {
            Ok(()) => Ok(lock),
            Err(mysql_async::Error::Server(s)) if matches!(s.code, 1044 | 1142 | 1227) => {
                Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "User {} lacks the LOCK TABLES right on the database {}, which backing up its tables without a snapshot ({}: MyISAM, Aria or MEMORY) needs, to keep writers out while they are read; grant it (GRANT LOCK TABLES ON {}.* TO the shop's login), or convert them to InnoDB (ALTER TABLE … ENGINE=InnoDB). Nothing was written.",
                        self.user,
                        self.dbname,
                        tables.join(", "),
                        quote(&self.dbname)
                    ),
                ))
            }
            Err(e) => Err(self.snapshot_error(e)),
        }
    }

    /// A failed statement of the dump as a sentence: a table another connection keeps
    /// locked (a long ALTER TABLE, say) makes the backup fail after a while instead of
    /// waiting for a day.
    fn snapshot_error(&self, e: mysql_async::Error) -> Error {
        match e {
            mysql_async::Error::Server(s) if s.code == 1205 => Error::new(
                ErrorKind::Database,
                format!(
                    "Another connection kept a table of the database {} locked for over {LOCK_WAIT_SECONDS} seconds (a long ALTER TABLE or LOCK TABLES, say), so the backup could not read it; back up again once that is done. Nothing was written.",
                    self.dbname
                ),
            ),
            // A table whose definition changed after the snapshot began (ALTER, TRUNCATE,
            // OPTIMIZE on another connection) cannot be read in it; a table gone since the
            // list was read cannot be read at all.
            mysql_async::Error::Server(s) if [1412, 1146, 1054].contains(&s.code) => {
                self.changed_during_backup(&s.message)
            }
            other => self.db_error(other),
        }
    }

    pub(super) fn changed_during_backup(&self, detail: &str) -> Error {
        Error::new(
            ErrorKind::Database,
            format!(
                "The tables of the database {} changed while the backup read them ({}: another connection was altering, truncating or optimizing a table), so the backup would not hold them as they were; back up again. Nothing was written.",
                self.dbname,
                detail.trim_end_matches('.')
            ),
        )
    }

    /// After a query of information_schema in the snapshot: the server leaves out a table
    /// whose definition another connection is changing (TRUNCATE, OPTIMIZE, ALTER), with
    /// only a warning (1684), so what was read may lack a table, its columns or triggers.
    pub(super) async fn none_skipped(&self, conn: &mut Conn) -> Result<()> {
        if conn.get_warnings() == 0 {
            return Ok(());
        }
        let warnings: Vec<(String, u32, String)> = conn
            .query("SHOW WARNINGS")
            .await
            .map_err(|e| self.snapshot_error(e))?;
        match warnings.into_iter().find(|w| w.1 == 1684) {
            Some((_, _, message)) => Err(self.changed_during_backup(&message)),
            None => Ok(()),
        }
    }

    async fn dump_in_snapshot(
        &self,
        conn: &mut Conn,
        to: DumpTo<'_>,
        cancel: &CancelToken,
        (all, held): (&[String], &[String]),
        lock: &mut Option<Conn>,
    ) -> Result<(Snapshot, Inspection)> {
        let e = |e| self.snapshot_error(e);
        conn.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .await
            .map_err(e)?;
        conn.query_drop("START TRANSACTION READ ONLY")
            .await
            .map_err(e)?;
        // Open every table first (reading no row, which would take the snapshot): the
        // transaction keeps them open until it ends, so none is altered, renamed or dropped
        // under the dump; an ALTER TABLE waits for it, and cannot make it queue behind
        // (as a table an online schema change renames into place would otherwise be read
        // as the snapshot sees that new table: empty). Then the first row read takes the
        // snapshot, of the tables as they are now.
        for t in all {
            conn.query_drop(format!("SELECT 1 FROM {} LIMIT 0", quote(t)))
                .await
                .map_err(e)?;
        }
        if let Some(t) = all.iter().find(|t| !held.contains(t)) {
            conn.query_drop(format!("SELECT 1 FROM {} LIMIT 1", quote(t)))
                .await
                .map_err(e)?;
        }
        if self.tables_without_snapshot(conn).await? != held {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "The tables of the database {} changed while the backup started; back up again. Nothing was written.",
                    self.dbname
                ),
            ));
        }
        let mut unsupported: Vec<String> = conn
            .query(format!(
                "SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME) FROM information_schema.ROUTINES
                   WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE NOT IN ('PROCEDURE', 'FUNCTION')
                 UNION ALL SELECT CONCAT(LOWER(TABLE_TYPE), ' ', TABLE_NAME) FROM information_schema.TABLES
                   WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('SYSTEM VERSIONED', 'SEQUENCE')
                 UNION ALL SELECT CONCAT('table ', TABLE_NAME, ' (', ENGINE, ' engine; ShopSafe reads InnoDB, MyISAM, Aria and MEMORY tables)')
                   FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
                    AND ENGINE NOT IN ('InnoDB', {LOCKED_ENGINES})"
            ))
            .await
            .map_err(e)?;
        self.none_skipped(conn).await?;
        let blind = self.rights(conn).await?.blind_spots();
        if !blind.is_empty() {
            let kinds: Vec<&str> = blind.iter().map(|b| b.0).collect();
            let rights: Vec<&str> = blind.iter().map(|b| b.1).collect();
            let (right, it) = match rights.len() {
                1 => ("right", "it"),
                _ => ("rights", "them"),
            };
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "User {} cannot see the {} of the database {}, because it lacks the {} {right} there, so a backup could miss them; grant {it} (GRANT {} ON {}.* TO that login), or back up with a login that has it. Nothing was written.",
                    self.user,
                    kinds.join(" or "),
                    self.dbname,
                    rights.join(", "),
                    rights.join(", "),
                    quote(&self.dbname)
                ),
            ));
        }
        let (objects, hidden) = self.objects(conn).await?;
        unsupported.extend(hidden.into_iter().map(|n| {
            format!(
                "{n} (its definition is hidden from this login, because another user created it)"
            )
        }));
        if !unsupported.is_empty() {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "The database {} holds things ShopSafe cannot back up natively yet: {}; nothing was written. Until it can, remove or change them, or back this database up with mariadb-dump or mysqldump.",
                    self.dbname,
                    unsupported.join(", ")
                ),
            ));
        }
        // A view whose table, column or function is gone, or that reads what the login may
        // no longer read (1356, as when its rights on another database were taken away),
        // could not be created again: a restore of the backup would fail after the swap.
        // (One whose definer is gone cannot be read either, but is made again under the
        // restoring login.)
        for view in objects.iter().filter(|o| o.kind == "view") {
            let name = quote(&view.name);
            let mut failed = conn
                .query_drop(format!("SHOW COLUMNS FROM {name}"))
                .await
                .err();
            if failed.is_none() {
                failed = conn
                    .query_drop(format!("SELECT * FROM {name} LIMIT 0"))
                    .await
                    .err()
                    .filter(|err| matches!(err, mysql_async::Error::Server(s) if s.code == 1356));
            }
            if let Some(err) = failed {
                let why = match &err {
                    mysql_async::Error::Server(s) => s.message.trim_end_matches('.').to_string(),
                    _ => return Err(e(err)),
                };
                return Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "The view {} of the database {} no longer works ({why}), so a restore could not create it again; fix or drop the view, then back up again. Nothing was written.",
                        view.name, self.dbname
                    ),
                ));
            }
        }
        // Likewise a trigger using a column its table no longer has (dropped by a migration):
        // the server would not create it again.
        let columns: Vec<(String, String)> = conn
            .query(
                "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
            )
            .await
            .map_err(e)?;
        self.none_skipped(conn).await?;
        let triggers: Vec<(String, String, String)> = conn
            .query(
                "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_STATEMENT FROM information_schema.TRIGGERS
                  WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY BINARY TRIGGER_NAME",
            )
            .await
            .map_err(e)?;
        self.none_skipped(conn).await?;
        for (trigger, table, body) in &triggers {
            let has = |c: &str| {
                columns
                    .iter()
                    .any(|(t, col)| t == table && col.eq_ignore_ascii_case(c))
            };
            if let Some(gone) = row_references(body).into_iter().find(|c| !has(c)) {
                return Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "The trigger {trigger} of the database {} uses the column {gone}, which its table {table} no longer has, so a restore could not create it again; fix or drop the trigger, then back up again. Nothing was written.",
                        self.dbname
                    ),
                ));
            }
        }
        let version: Option<String> = conn.query_first("SELECT VERSION()").await.map_err(e)?;
        let version = version.unwrap_or_default();
        // Each INSERT must fit in one packet when it is loaded again.
        let packet: Option<u64> = conn
            .query_first("SELECT @@max_allowed_packet")
            .await
            .map_err(e)?;
        let packet = packet.unwrap_or(16 << 20) as usize;
        let batch_limit = INSERT_BYTES.min(packet / 2);
        let mut out = DumpWriter::create(
            to,
            &format!(
                "-- ShopSafe native MySQL/MariaDB dump (server {version}).\n\
                 -- Restore by hand into an empty database: mariadb --binary-mode DATABASE < dump.sql\n\
                 -- (as a login that may name the DEFINERs below, or without those clauses)"
            ),
            &SESSION.map(|s| format!("{s};")).join("\n"),
        )?;
        let mut stats = Vec::new();
        let mut schema = Sha256::new();
        let tables = self.tables(conn).await?;
        // A table made after the snapshot began was not held still.
        if let Some(new) = tables.iter().find(|t| !all.contains(t)) {
            return Err(self.changed_during_backup(&format!("the table {new} was made")));
        }
        // The server's own list of the tables must agree with information_schema's, which
        // may leave out a table that is being changed.
        let shown: Vec<(String, String)> = conn.query("SHOW FULL TABLES").await.map_err(e)?;
        if let Some((gone, _)) = shown
            .iter()
            .find(|(n, kind)| kind == "BASE TABLE" && !is_scratch(n) && !tables.contains(n))
        {
            return Err(self.changed_during_backup(&format!("the table {gone} could not be read")));
        }
        for t in tables {
            cancel.check()?;
            let create: Option<(String, String)> = conn
                .query_first(format!("SHOW CREATE TABLE {}", quote(&t)))
                .await
                .map_err(e)?;
            let create = create.map(|c| c.1).unwrap_or_default();
            schema_line(&mut schema, &create);
            out.marker("create")?;
            out.raw(format!("{create};\n").as_bytes())?;
            let columns = self.columns(conn, &t).await?;
            let prefix = format!("INSERT INTO {} ({}) VALUES\n", quote(&t), columns.names);
            let mut batch: Vec<u8> = Vec::with_capacity(batch_limit + (64 << 10));
            let mut measure = RowSum::default();
            let mut result = conn
                .query_iter(format!("SELECT {} FROM {}", columns.select, quote(&t)))
                .await
                .map_err(e)?;
            let mut failed = None;
            let mut row_text: Vec<u8> = Vec::new();
            let mut encoded: Vec<u8> = Vec::new();
            let flush = |out: &mut DumpWriter, batch: &mut Vec<u8>| -> Result<()> {
                out.marker("insert")?;
                out.raw(prefix.as_bytes())?;
                out.raw(batch)?;
                batch.clear();
                out.raw(b";\n")
            };
            result
                .for_each(|row| {
                    // After a failure or a cancel the rest of the table is only drained.
                    if failed.is_none() {
                        failed = cancel.check().err();
                    }
                    if failed.is_some() {
                        return;
                    }
                    let values = row.unwrap();
                    add_row(&mut measure, &mut encoded, &values);
                    row_text.clear();
                    row_text.push(b'(');
                    // The stored generated columns at the end are only fingerprinted.
                    for (i, (v, (kind, introducer))) in values.iter().zip(&columns.written).enumerate() {
                        if i > 0 {
                            row_text.push(b',');
                        }
                        match v {
                            Value::NULL => row_text.extend_from_slice(b"NULL"),
                            other => {
                                row_text.extend_from_slice(introducer.as_bytes());
                                push_literal(&mut row_text, *kind, &text(other));
                            }
                        }
                    }
                    row_text.push(b')');
                    if prefix.len() + row_text.len() + PACKET_MARGIN > packet {
                        failed = Some(Error::new(
                            ErrorKind::Database,
                            format!(
                                "Table {t} has a row that takes {} bytes as SQL text (binary values written in hexadecimal take twice their size), more than the server accepts in one statement (max_allowed_packet is {packet}, some of which the protocol uses); raise max_allowed_packet on the server, then back up again.",
                                prefix.len() + row_text.len()
                            ),
                        ));
                        return;
                    }
                    if !batch.is_empty() && batch.len() + row_text.len() >= batch_limit {
                        failed = flush(&mut out, &mut batch).err();
                    }
                    if !batch.is_empty() {
                        batch.extend_from_slice(b",\n");
                    }
                    batch.extend_from_slice(&row_text);
                    if batch.len() >= batch_limit && failed.is_none() {
                        failed = flush(&mut out, &mut batch).err();
                    }
                })
                .await
                .map_err(e)?;
            if let Some(err) = failed {
                return Err(err);
            }
            if !batch.is_empty() {
                flush(&mut out, &mut batch)?;
            }
            // The last table without a snapshot is read: writers may go on.
            if held.last() == Some(&t) {
                if let Some(lock) = lock.take() {
                    let _ = lock.disconnect().await;
                }
            }
            stats.push(measure.stat(t));
        }
        // Views, triggers, routines and events come after every row, so loading the rows
        // fires no trigger.
        for o in &objects {
            out.marker(o.kind)?;
            out.raw(o.block().as_bytes())?;
        }
        add_objects(&mut schema, &objects, false);
        out.finish()?;
        conn.query_drop("COMMIT").await.map_err(e)?;
        Ok((
            Snapshot {
                server_version: version,
                database_name: self.dbname.clone(),
                method: "native-mysql".to_string(),
            },
            Inspection {
                schema_fingerprint: hex(&schema.finalize()),
                tables: stats,
                foreign_key_violations: 0,
                objects: Some(object_names(&objects)),
            },
        ))
    }
}

/// A restore's scratch table (`_shopsafe_new_N`, `_shopsafe_old_N`), never the shop's.
fn is_scratch(name: &str) -> bool {
    name.starts_with("_shopsafe_new_") || name.starts_with("_shopsafe_old_")
}
