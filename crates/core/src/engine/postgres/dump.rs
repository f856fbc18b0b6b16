//! The native dump: one `REPEATABLE READ, READ ONLY` transaction with every table locked
//! against rewrites, written in pg_dump's order (FORMAT.md 5.1) as a plain SQL file with a
//! marker before every statement and COPY block, each table measured as its rows pass.

use super::catalog::queries::{
    aggregates, column_storage, expand, ATTACH, COLLATIONS, COMMENTS, CONSTRAINTS,
    DATABASE_SETTINGS, DEFAULT_PRIVILEGES, DOMAIN_CHECKS, DOMAIN_DEFAULTS, ENUMS, EXTENSIONS,
    EXTENSIONS_MADE_SINCE, EXTENSION_TABLES, FOREIGN_KEYS, FUNCTIONS, FUNCTIONS_ON_TABLES, GRANTS,
    INDEXES, INHERITS_FROM, LATE_NOT_NULLS, OBJECT_NAMES, OPTIONS, OWNERS, RANGES, REFRESH,
    RELATION_SETTINGS, ROW_SECURITY, RULES, SCHEMAS, SCHEMA_GRANTS, SEQUENCES, STATISTICS,
    TEXT_SEARCH, TRIGGERS, UNSUPPORTED, VALIDATIONS,
};
use super::catalog::{
    create_table, domains_and_composites, in_dependency_order, relations, routines_in_order,
    schema_fingerprints, strings, tables, views_in_order, Table,
};
use super::connection::not_utf8;
use super::replay::{copy_lines, generated_fingerprint, CopyError};
use super::{Postgres, MONEY_FORM, SESSION};
use crate::engine::dumpfile::{DumpTo, DumpWriter};
use crate::progress::CancelToken;
use crate::{Error, ErrorKind, Result};
use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

impl Postgres {
    /// Begin the dump's transaction with every table locked against rewrites (ALTER,
    /// TRUNCATE) before its snapshot is taken, as pg_dump does: a table rewritten under an
    /// older snapshot would read as empty.
    async fn begin_locked(&self, client: &Client) -> Result<()> {
        let e = |e| self.db_error(e);
        for _ in 0..3 {
            let wanted = tables(client).await.map_err(e)?;
            client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL lock_timeout = '60s'")
                .await
                .map_err(e)?;
            if !wanted.is_empty() {
                let names: Vec<String> = wanted.iter().map(Table::qualified).collect();
                let lock = format!("LOCK TABLE {} IN ACCESS SHARE MODE", names.join(", "));
                if let Err(err) = client.batch_execute(&lock).await {
                    let _ = client.batch_execute("ROLLBACK").await;
                    if err.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
                        return Err(Error::new(
                            ErrorKind::Database,
                            "A table stayed locked by another session for a minute (a migration or a long job); try the backup again when it has finished.",
                        ));
                    }
                    return Err(e(err));
                }
            }
            // A table created in between would be in the snapshot but not locked: start over.
            let now = tables(client).await.map_err(e)?;
            if now
                .iter()
                .map(Table::name)
                .eq(wanted.iter().map(Table::name))
            {
                return Ok(());
            }
            client.batch_execute("ROLLBACK").await.map_err(e)?;
        }
        Err(Error::new(
            ErrorKind::Database,
            "Tables kept being created while the backup started; try again when the shop's schema is not changing.",
        ))
    }

    /// Dump the database (into the archive being written, or a rollback point's file),
    /// measuring every table as its rows stream past.
    pub(in crate::engine) async fn dump(
        &self,
        to: DumpTo<'_>,
        cancel: &CancelToken,
    ) -> Result<(crate::engine::Snapshot, crate::engine::Inspection)> {
        let client = self.connect().await?;
        let e = |e| self.db_error(e);
        client.batch_execute(MONEY_FORM).await.map_err(e)?;
        self.begin_locked(&client).await?;
        let mut unsupported = strings(&client, UNSUPPORTED).await.map_err(e)?;
        for row in client.query(EXTENSION_TABLES, &[]).await.map_err(e)? {
            let added: i64 = client
                .query_one(row.get::<_, &str>(0), &[])
                .await
                .map_err(e)?
                .get(0);
            if added > 0 {
                unsupported.push(format!(
                    "{added} row{} added to {} (a table of extension {})",
                    if added == 1 { "" } else { "s" },
                    row.get::<_, &str>(1),
                    row.get::<_, &str>(2)
                ));
            }
        }
        if !unsupported.is_empty() {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "The database {} holds things ShopSafe cannot back up natively yet: {}; nothing was written. Until it can, remove or change them, or back this database up with pg_dump.",
                    self.dbname,
                    unsupported.join(", ")
                ),
            ));
        }
        let version: String = client
            .query_one("SHOW server_version", &[])
            .await
            .map_err(e)?
            .get(0);
        let mut out = DumpWriter::create(
            to,
            &format!(
                "-- ShopSafe native PostgreSQL dump (server {version}).\n\
                 -- Restore by hand into an empty database: psql -v ON_ERROR_STOP=1 --single-transaction -f dump.sql"
            ),
            &format!("{SESSION}\n{MONEY_FORM}"),
        )?;
        // Every name in the dump is qualified, but the restore runs the shop's functions
        // (a generated column's, a check's, a materialized view's), whose bodies find
        // unqualified names through the search_path: the one the shop's own sessions get.
        let path: String = client
            .query_one(
                "SELECT reset_val FROM pg_catalog.pg_settings WHERE name = 'search_path'",
                &[],
            )
            .await
            .map_err(e)?
            .get(0);
        out.stmt(&format!(
            "SELECT pg_catalog.set_config('search_path', '{}', false);",
            path.replace('\'', "''")
        ))?;
        for stmt in strings(&client, SCHEMAS).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        for q in [EXTENSIONS, COLLATIONS, TEXT_SEARCH, ENUMS, RANGES] {
            for stmt in strings(&client, q).await.map_err(e)? {
                out.stmt(&stmt)?;
            }
        }
        for stmt in domains_and_composites(&client).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        // Sequences (not identities, made with their tables) before the functions, whose
        // `BEGIN ATOMIC` bodies may use them.
        let sequences = client.query(&expand(SEQUENCES), &[]).await.map_err(e)?;
        for s in &sequences {
            let identity: bool = s.get("identity");
            if !identity {
                out.stmt(&s.get::<_, String>("create"))?;
            }
        }
        // Each after the ones its `BEGIN ATOMIC` body calls.
        for stmt in routines_in_order(&client, &[FUNCTIONS.into()])
            .await
            .map_err(e)?
        {
            out.stmt(&stmt)?;
        }
        // Partitioned tables too: each partition is created as a table of its own, and
        // attached to its parent once its constraints and indexes exist (`ATTACH`). A table
        // that inherits from others comes after them.
        let parents: Vec<(u32, u32)> = client
            .query(INHERITS_FROM, &[])
            .await
            .map_err(e)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let tables_to_create = relations(&client, "'r', 'p'").await.map_err(e)?;
        let tables_to_create = tables_to_create.into_iter().map(|t| {
            let needs = parents
                .iter()
                .filter(|p| p.0 == t.oid)
                .map(|p| p.1)
                .collect();
            (t.oid, t, needs)
        });
        for t in in_dependency_order(tables_to_create.collect()) {
            out.stmt(&create_table(&client, &t).await.map_err(e)?)?;
        }
        for stmt in strings(&client, &column_storage('r')).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        // Aggregates made of functions that need no tables come before the functions that
        // need tables (whose `BEGIN ATOMIC` bodies may call them); the others among them,
        // each after the routines it is made of or calls.
        for queries in [
            &[aggregates(false)][..],
            &[FUNCTIONS_ON_TABLES.into(), aggregates(true)],
        ] {
            for stmt in routines_in_order(&client, queries).await.map_err(e)? {
                out.stmt(&stmt)?;
            }
        }
        for s in &sequences {
            if let Some(owned) = s.get::<_, Option<String>>("owned_by") {
                out.stmt(&format!(
                    "ALTER SEQUENCE {} OWNED BY {owned};",
                    s.get::<_, String>("name")
                ))?;
            }
        }
        for stmt in strings(&client, DOMAIN_DEFAULTS).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        let tables = tables(&client).await.map_err(e)?;
        // The manifest names a table `schema.table`: `public."a.b"` and `"public.a".b` would
        // be one name there.
        let mut named = std::collections::HashMap::new();
        for t in &tables {
            if let Some(other) = named.insert(t.name(), t.qualified()) {
                return Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "The tables {other} and {} of the database {} would both be named {} in the backup, so a restore could not tell them apart; rename one of them, then back up again. Nothing was written.",
                        t.qualified(),
                        self.dbname,
                        t.name()
                    ),
                ));
            }
        }
        let mut stats = Vec::new();
        for t in &tables {
            cancel.check()?;
            let copy = format!("COPY {}{} TO STDOUT", t.qualified(), t.columns);
            let stream = client.copy_out(&copy).await.map_err(e)?;
            out.marker("copy")?;
            out.raw(format!("COPY {}{} FROM stdin;\n", t.qualified(), t.columns).as_bytes())?;
            let copy_error = |err| match err {
                CopyError::Db(err) => match err.as_db_error().filter(|d| not_utf8(d)) {
                    Some(d) => self.not_utf8_error(d, Some(&t.name())),
                    None => self.db_error(err),
                },
                CopyError::Io(err) => err,
            };
            let mut stat = copy_lines(stream, |chunk| out.raw(chunk))
                .await
                .map_err(copy_error)?
                .stat(t.name());
            out.raw(b"\\.\n")?;
            stat.generated_fingerprint = generated_fingerprint(&client, t)
                .await
                .map_err(copy_error)?;
            stats.push(stat);
        }
        for s in &sequences {
            let name: String = s.get("name");
            let row = client
                .query_one(
                    &format!("SELECT last_value::text, is_called FROM {name}"),
                    &[],
                )
                .await
                .map_err(e)?;
            let (last, called): (String, bool) = (row.get(0), row.get(1));
            out.stmt(&format!(
                "SELECT pg_catalog.setval('{}', {last}, {called});",
                name.replace('\'', "''")
            ))?;
        }
        for q in [CONSTRAINTS, VALIDATIONS, DOMAIN_CHECKS, LATE_NOT_NULLS] {
            for stmt in strings(&client, q).await.map_err(e)? {
                out.stmt(&stmt)?;
            }
        }
        for stmt in views_in_order(&client).await.map_err(e)? {
            out.stmt(&stmt)?;
        }
        for q in [
            OPTIONS,
            &column_storage('m'),
            INDEXES,
            RELATION_SETTINGS,
            ATTACH,
            STATISTICS,
            FOREIGN_KEYS,
            TRIGGERS,
            RULES,
            ROW_SECURITY,
            REFRESH,
            COMMENTS,
            SCHEMA_GRANTS,
            OWNERS,
            GRANTS,
            DEFAULT_PRIVILEGES,
            DATABASE_SETTINGS,
            EXTENSIONS_MADE_SINCE,
        ] {
            for stmt in strings(&client, q).await.map_err(e)? {
                out.stmt(&stmt)?;
            }
        }
        out.finish()?;
        let [schema, _] = schema_fingerprints(&client).await.map_err(e)?;
        let objects = strings(&client, OBJECT_NAMES).await.map_err(e)?;
        client.batch_execute("COMMIT").await.map_err(e)?;
        let snapshot = crate::engine::Snapshot {
            server_version: version,
            database_name: self.dbname.clone(),
            method: "native-postgresql".to_string(),
        };
        let inspection = crate::engine::Inspection {
            schema_fingerprint: schema,
            tables: stats,
            foreign_key_violations: 0,
            objects: Some(objects),
        };
        Ok((snapshot, inspection))
    }
}
