//! The restore's transaction: drop the shop's own objects, replay the dump (`replay`),
//! check the result against the manifest, and hand it back still open ([`Open`]) so the
//! caller commits only once the rest of the restore has succeeded; and the sentences for
//! what a dump from another server cannot do here.

use super::catalog::queries::{DROPS, NOT_GIVEN, NOT_GRANTED, NOT_SET, RESET_DEFAULT_PRIVILEGES};
use super::catalog::strings;
use super::connection::missing_extension;
use super::replay::{check_loaded, read_dump, run_dump, Arriving, Replay};
use super::{Postgres, RESTORE_LOCK_WAIT, SHOPS_OWN_FORMS, TEXT_FORMS};
use crate::engine::dumpfile;
use crate::manifest::DatabasePart;
use crate::progress::CancelToken;
use crate::{Error, ErrorKind, Result};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::Client;

impl Postgres {
    /// Check that a staged file is a ShopSafe PostgreSQL dump.
    pub fn check_staged(&self, staged: &Path) -> Result<()> {
        dumpfile::marker(staged, "stmt").map(drop)
    }

    /// Replace the shop's objects with the dump in `staged` inside one transaction, check
    /// the result against `expected` (every table's rows as loaded, the schema), and leave
    /// the transaction open: nothing is visible to others, and the shop's tables stay locked,
    /// until [`Open::commit`]. Any failure rolls the transaction back.
    ///
    /// With `arriving` (its final size and a flag raised if the writer gives up), `staged`
    /// is still being written by another thread, and is loaded as it arrives. A `cancel`
    /// stops the load at its next statement or batch of rows, and rolls it back.
    pub fn apply(
        &self,
        staged: &Path,
        arriving: Option<(u64, &AtomicBool)>,
        expected: Option<&DatabasePart>,
        cancel: &CancelToken,
    ) -> Result<Open> {
        let source: Box<dyn Read + Send> = match arriving {
            Some((size, failed)) => Box::new(Arriving {
                path: staged,
                file: None,
                left: size,
                failed,
            }),
            None => {
                Box::new(crate::paths::open_own(staged).map_err(|e| Error::io("read", staged, e))?)
            }
        };
        let runtime = crate::engine::runtime();
        let (pieces_in, pieces) = std::sync::mpsc::sync_channel(4);
        let client = std::thread::scope(|s| {
            s.spawn(move || read_dump(source, staged, pieces_in));
            runtime.block_on(async {
            let client = self.connect().await?;
            let e = |e| self.db_error(e);
            // The transaction may wait idle while the media folder is swapped and checked; a
            // server-wide idle timeout must not end it then.
            client
                .batch_execute(
                    &format!("BEGIN; SET LOCAL lock_timeout = '{RESTORE_LOCK_WAIT}s'; SET LOCAL idle_in_transaction_session_timeout = 0; {SHOPS_OWN_FORMS}"),
                )
                .await
                .map_err(e)?;
            let live: String = client
                .query_one("SHOW server_version", &[])
                .await
                .map_err(e)?
                .get(0);
            let result: Result<Vec<String>> = async {
                // A table or sequence the login may not read is in no backup: dropping it
                // would lose it.
                let backed_up = |t: &str| expected.is_some_and(|x| x.tables.iter().any(|b| b.name == t));
                if let Some((kind, name, owner)) = self
                    .unreadable(&client)
                    .await?
                    .into_iter()
                    .find(|(_, t, _)| !backed_up(t))
                {
                    return Err(Error::new(
                        ErrorKind::Database,
                        format!(
                            "The {kind} {name} belongs to role {owner}, and user {user} may not read it, so no backup holds it and this restore, which replaces the shop's tables and sequences, would drop it; grant {user} the right to read it (GRANT SELECT ON {name} TO {user}), move it out of the shop's schemas, or restore with a login that may read it.",
                            user = self.user
                        ),
                    ));
                }
                for stmt in strings(&client, DROPS)
                    .await
                    .map_err(e)?
                    .into_iter()
                    .chain(strings(&client, RESET_DEFAULT_PRIVILEGES).await.map_err(e)?)
                {
                    client.batch_execute(&stmt).await.map_err(|err| {
                        // `DROP TABLE IF EXISTS public.x CASCADE;`: which one waited.
                        let dropping = stmt.strip_prefix("DROP ").and_then(|s| {
                            let (kind, rest) = s.split_once(" IF EXISTS ")?;
                            Some(format!("the {} {}", kind.to_lowercase(), rest.strip_suffix(" CASCADE;")?))
                        });
                        match dropping {
                            Some(what) if err.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
                                self.lock_wait(Some(&what))
                            }
                            _ => self.db_error(err),
                        }
                    })?;
                }
                let loaded = run_dump(&client, pieces, cancel).await.map_err(|err| match err {
                    Replay::Io(err) => err,
                    Replay::Db(err) => {
                        let lacking = err
                            .as_db_error()
                            // A missing role is the server's setup, not its version.
                            .filter(|d| {
                                lacks_something(d.code())
                                    && !d.message().starts_with("role ")
                                    // An extension missing here: its package, not the version.
                                    && missing_extension(d.message()).is_none()
                            })
                            .map(|d| d.message().to_string());
                        let newer = expected.zip(lacking).and_then(|(x, lacking)| {
                            crate::engine::from_other_server(
                                "PostgreSQL",
                                &x.server_version,
                                &live,
                                1,
                                &lacking,
                            )
                        });
                        let no_longer = expected.zip(err.as_db_error()).and_then(|(x, d)| {
                            inherited_not_null_dropped(&x.server_version, &live, d)
                                .or_else(|| restricted_search_path(&x.server_version, &live, d))
                        });
                        let inner = self.db_error(err);
                        Error::new(
                            inner.kind,
                            newer.or(no_longer).unwrap_or_else(|| {
                                format!("The backup could not be loaded: {}", inner.message)
                            }),
                        )
                    }
                })?;
                client.batch_execute(TEXT_FORMS).await.map_err(e)?;
                if let Some(expected) = expected {
                    check_loaded(&client, expected, &loaded, cancel)
                        .await
                        .map_err(|err| match err {
                            Replay::Io(err) => err,
                            Replay::Db(err) => self.db_error(err),
                        })?;
                }
                self.left_out(&client).await
            }
            .await;
            match result {
                Ok(notes) => Ok((client, notes)),
                Err(err) => {
                    let _ = client.batch_execute("ROLLBACK").await;
                    Err(err)
                }
            }
        })
        })?;
        let (client, notes) = client;
        Ok(Open {
            runtime,
            client,
            pg: self.clone(),
            notes,
        })
    }

    /// What a loaded dump left out, as notes for the restore's report: the objects the
    /// login could not give back to their owners, and the grants to roles missing here
    /// (the session settings the dump's `DO` blocks filled).
    async fn left_out(&self, client: &Client) -> Result<Vec<String>> {
        let row = client
            .query_one(
                "SELECT pg_catalog.current_setting($1, true), pg_catalog.current_setting($2, true),
                        pg_catalog.current_setting($3, true)",
                &[&NOT_GIVEN, &NOT_GRANTED, &NOT_SET],
            )
            .await
            .map_err(|e| self.db_error(e))?;
        let entries = |i| -> Vec<String> {
            let list: Option<String> = row.get(i);
            let list = list.unwrap_or_default();
            list.split("; ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut notes = Vec::new();
        match entries(0).as_slice() {
            [] => {}
            [one] => notes.push(format!(
                "1 object of the backup stays owned by user {}, which may not give it back to its owner here (or that role does not exist here): {one}.",
                self.user
            )),
            list => notes.push(format!(
                "{} objects of the backup stay owned by user {}, which may not give them back to their owners here (or those roles do not exist here): {}.",
                list.len(),
                self.user,
                list.join(", ")
            )),
        }
        match entries(1).as_slice() {
            [] => {}
            [one] => notes.push(format!(
                "1 grant or policy of the backup names a role that does not exist here, and was left out for it: {one}"
            )),
            list => notes.push(format!(
                "{} grants or policies of the backup name roles that do not exist here, and were left out for them: {}",
                list.len(),
                list.join(" ")
            )),
        }
        let settings = entries(2);
        if !settings.is_empty() {
            notes.push(format!(
                "{} of the database's own settings in the backup could not be made here (user {} may not set {}), and were left out: {}.",
                settings.len(),
                self.user,
                if settings.len() == 1 { "it" } else { "them" },
                settings.join(", ")
            ));
        }
        Ok(notes)
    }
}

/// A restore loaded and checked inside its still-open transaction (see [`Postgres::apply`]).
/// Dropping it without [`Open::commit`] closes the connection, and the server rolls the
/// transaction back.
pub struct Open {
    runtime: tokio::runtime::Runtime,
    client: Client,
    pg: Postgres,
    /// What the restore report should say about the load (objects not given back).
    pub notes: Vec<String>,
}

impl Open {
    /// Make the restore visible. If the server answers with an error it has rolled back
    /// (`changed` false); if the connection fails, whether it committed is not known
    /// (`changed` true).
    pub fn commit(self) -> std::result::Result<(), crate::engine::Failed> {
        let Open {
            runtime,
            client,
            pg,
            ..
        } = self;
        runtime
            .block_on(client.batch_execute("COMMIT"))
            .map_err(|e| crate::engine::Failed {
                changed: e.as_db_error().is_none(),
                error: if e.as_db_error().is_none() {
                    Error::new(
                        ErrorKind::Database,
                        format!(
                            "The connection to PostgreSQL ({}) failed while the restore was committed, so it is not known whether the database was replaced: {}.",
                            pg.place(),
                            crate::engine::innermost(&e)
                        ),
                    )
                } else {
                    pg.db_error(e)
                },
            })
    }

    /// Roll the restore back. If the connection is gone the server has rolled it back already.
    pub fn roll_back(self) {
        let _ = self.runtime.block_on(self.client.batch_execute("ROLLBACK"));
    }
}

/// For a backup from PostgreSQL 16 or older failing to load into 17 or newer because a
/// function of the shop's, called by an index, a materialized view or a check, no longer
/// finds a name: from 17 on, the server runs such functions with only `pg_catalog` on
/// the search path while it builds or refreshes them. The sentence says how to mend it.
fn restricted_search_path(backup: &str, live: &str, d: &DbError) -> Option<String> {
    let (backup, live) = (
        crate::engine::short_version(backup),
        crate::engine::short_version(live),
    );
    let major = |v: &str| -> u32 { v.split('.').next().unwrap_or("").parse().unwrap_or(0) };
    let function = d.where_()?.lines().find_map(|l| {
        let (_, rest) = l.split_once(" function \"")?;
        Some(rest.split('"').next()?.to_string())
    })?;
    ([
        SqlState::UNDEFINED_FUNCTION,
        SqlState::UNDEFINED_TABLE,
        SqlState::UNDEFINED_OBJECT,
    ]
    .contains(d.code())
        && major(backup) < 17
        && major(live) >= 17)
        .then(|| {
            format!(
                "The backup comes from PostgreSQL {backup}, and PostgreSQL {live} runs the function {function} (for an index, a materialized view or a check) with only pg_catalog on its search path, so it no longer finds what it uses ({}); give that function its own search path in the shop (ALTER FUNCTION {function} SET search_path = public, or the schemas it uses), back up again and restore that backup, or restore into PostgreSQL 16 or older.",
                d.message()
            )
        })
}

/// The sentence for a backup from PostgreSQL 17 or older whose inheriting table lets a
/// column be NULL that its parent keeps NOT NULL, loaded into PostgreSQL 18 or newer, where
/// every inheritor keeps its parents' NOT NULL constraints.
fn inherited_not_null_dropped(backup: &str, live: &str, d: &DbError) -> Option<String> {
    let (backup, live) = (
        crate::engine::short_version(backup),
        crate::engine::short_version(live),
    );
    let major = |v: &str| -> u32 { v.split('.').next().unwrap_or("").parse().unwrap_or(0) };
    (d.code() == &SqlState::INVALID_TABLE_DEFINITION
        && d.message().starts_with("cannot drop inherited constraint")
        && major(backup) < 18
        && major(live) >= 18)
        .then(|| {
            format!(
                "The backup comes from PostgreSQL {backup} and has a table that lets a column be empty where the table it inherits from does not, which PostgreSQL {live} no longer allows ({}); restore it into PostgreSQL 17 or older, or make that column NOT NULL in the shop and back up again.",
                d.message()
            )
        })
}

/// Whether a failed statement names something the server does not know: syntax, objects,
/// functions, types, columns, features or settings (of a newer server, say).
fn lacks_something(code: &SqlState) -> bool {
    [
        SqlState::SYNTAX_ERROR,
        SqlState::UNDEFINED_OBJECT,
        SqlState::UNDEFINED_FUNCTION,
        SqlState::UNDEFINED_COLUMN,
        SqlState::FEATURE_NOT_SUPPORTED,
        SqlState::INVALID_PARAMETER_VALUE,
    ]
    .contains(code)
}
