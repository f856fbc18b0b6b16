//! What the shop's objects are, read from the PostgreSQL catalog, and the statements that
//! make them again: the tables to dump, routines and views in dependency order, `CREATE
//! TABLE` built column by column, and the schema's fingerprint. The SQL text these run is
//! in [`queries`].

pub(super) mod queries;

use crate::hashing::hex;
use queries::{expand, COMPOSITES, DOMAINS, VIEWS};
use sha2::{Digest, Sha256};
use tokio_postgres::Client;

/// A table to dump.
pub(super) struct Table {
    pub(super) oid: u32,
    schema: String,
    name: String,
    /// The columns its rows are copied in and out with (` ("a", "b")`, in the table's
    /// order, without generated columns), or nothing for a table without columns.
    pub(super) columns: String,
    /// Its stored generated columns (`"a", "b"`), or nothing: the server computes them again
    /// as rows are loaded, so they are fingerprinted apart from the rows as copied.
    pub(super) generated: String,
}

impl Table {
    pub(super) fn qualified(&self) -> String {
        format!("{}.{}", quote(&self.schema), quote(&self.name))
    }

    /// The statement that reads its stored generated columns, or none if it has none.
    pub(super) fn copy_generated(&self) -> Option<String> {
        (!self.generated.is_empty()).then(|| {
            format!(
                "COPY (SELECT {} FROM ONLY {}) TO STDOUT",
                self.generated,
                self.qualified()
            )
        })
    }

    /// The name in the manifest: `schema.table`.
    pub(super) fn name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The shop's tables that hold rows (partitions among them).
pub(super) async fn tables(
    client: &Client,
) -> std::result::Result<Vec<Table>, tokio_postgres::Error> {
    relations(client, "'r'").await
}

/// The shop's relations whose `relkind` is among `kinds` (`'r', 'p'`…), by name.
pub(super) async fn relations(
    client: &Client,
    kinds: &str,
) -> std::result::Result<Vec<Table>, tokio_postgres::Error> {
    let q = format!(
        "SELECT c.oid, n.nspname, c.relname,
                ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                       ORDER BY a.attnum),
                ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = 's'
                       ORDER BY a.attnum)
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ({kinds}) AND {{USER_SCHEMA}} AND {{CLASS_NOT_EXT}}
          ORDER BY n.nspname, c.relname"
    );
    Ok(client
        .query(&expand(&q), &[])
        .await?
        .into_iter()
        .map(|r| {
            let columns: Vec<String> = r.get(3);
            let generated: Vec<String> = r.get(4);
            Table {
                oid: r.get(0),
                schema: r.get(1),
                name: r.get(2),
                columns: match columns.is_empty() {
                    true => String::new(),
                    false => format!(
                        " ({})",
                        columns
                            .iter()
                            .map(|c| quote(c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
                generated: generated
                    .iter()
                    .map(|c| quote(c))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect())
}

/// Run a query whose rows are one text column each.
pub(super) async fn strings(
    client: &Client,
    query: &str,
) -> std::result::Result<Vec<String>, tokio_postgres::Error> {
    Ok(client
        .query(&expand(query), &[])
        .await?
        .into_iter()
        .map(|r| r.get(0))
        .collect())
}

/// The `CREATE` statements of the shop's domains and composite types, each after the ones
/// it is made of (a composite of composites, a domain over one, a composite with a domain
/// attribute, a domain whose check names a type…); otherwise domains first, each group in
/// creation order.
pub(super) async fn domains_and_composites(
    client: &Client,
) -> std::result::Result<Vec<String>, tokio_postgres::Error> {
    let mut types = Vec::new();
    for q in [DOMAINS, COMPOSITES] {
        for r in client.query(&expand(q), &[]).await? {
            types.push((r.get(0), r.get(2), r.get(1)));
        }
    }
    Ok(in_dependency_order(types))
}

/// The `CREATE` statements of the routines `queries` select (oid, routines used, statement),
/// each after the ones among them it uses.
pub(super) async fn routines_in_order(
    client: &Client,
    queries: &[String],
) -> std::result::Result<Vec<String>, tokio_postgres::Error> {
    let mut routines = Vec::new();
    for q in queries {
        for r in client.query(&expand(q), &[]).await? {
            routines.push((r.get(0), r.get(2), r.get(1)));
        }
    }
    Ok(in_dependency_order(routines))
}

/// A column as [`create_table`] reads it.
struct Column {
    name: String,
    /// `format_type` of its type.
    type_name: String,
    /// `NOT NULL`, validated.
    not_null: bool,
    /// Its default or generation expression.
    default: Option<String>,
    /// `a`, `d` or empty.
    identity: String,
    /// `s`, `v` or empty.
    generated: String,
    /// `COLLATE` where not the type's.
    collation: Option<String>,
    /// ` (SEQUENCE NAME … )` of an identity column.
    identity_sequence: Option<String>,
    /// Declared by the table itself (not only inherited).
    local: bool,
    /// The first parent's default for a column of that name, among the parents that have one.
    parent_default: Option<String>,
    /// Whether a parent passes NOT NULL on to it.
    parent_not_null: bool,
    /// Whether the parents' defaults differ.
    parents_differ: bool,
    /// PostgreSQL 18: its NOT NULL constraint's name, whether it is `NO INHERIT`, and whether
    /// it is `NOT VALID` (then made after the rows, in `LATE_NOT_NULLS`).
    not_null_name: Option<String>,
    not_null_no_inherit: bool,
    not_null_not_valid: bool,
}

impl Column {
    fn from_row(r: &tokio_postgres::Row) -> Column {
        Column {
            name: r.get(0),
            type_name: r.get(1),
            not_null: r.get(2),
            default: r.get(3),
            identity: r.get(4),
            generated: r.get(5),
            collation: r.get(6),
            identity_sequence: r.get(7),
            local: r.get(8),
            parent_default: r.get(9),
            parent_not_null: r.get(10),
            parents_differ: r.get(11),
            not_null_name: r.get(12),
            not_null_no_inherit: r.get(13),
            not_null_not_valid: r.get(14),
        }
    }

    /// Its NOT NULL as a column constraint (`CONSTRAINT n NOT NULL NO INHERIT`), or as a
    /// table constraint with the column's name (`… NOT NULL col …`).
    fn not_null_clause(&self, with_column: bool) -> String {
        let column = if with_column {
            format!(" {}", quote(&self.name))
        } else {
            String::new()
        };
        let no_inherit = if self.not_null_no_inherit {
            " NO INHERIT"
        } else {
            ""
        };
        match &self.not_null_name {
            Some(name) => format!("CONSTRAINT {} NOT NULL{column}{no_inherit}", quote(name)),
            None => format!("NOT NULL{column}"),
        }
    }
}

/// `CREATE TABLE` with columns, types, collations, defaults, NOT NULL, identity and
/// generated columns.
pub(super) async fn create_table(
    client: &Client,
    t: &Table,
) -> std::result::Result<String, tokio_postgres::Error> {
    let mut columns: Vec<Column> = client
        .query(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                    a.attnotnull AND nn.convalidated IS NOT FALSE,
                    pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                    CASE WHEN a.attcollation <> ty.typcollation AND a.attcollation <> 0
                         THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_catalog.pg_collation co
                                 JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                    (SELECT format(' (SEQUENCE NAME %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s)',
                                   pg_catalog.pg_get_serial_sequence(format('%I.%I', $2::text, $3::text), a.attname),
                                   s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache,
                                   CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END)
                       FROM pg_catalog.pg_sequence s
                      WHERE s.seqrelid = pg_catalog.pg_get_serial_sequence(format('%I.%I', $2::text, $3::text), a.attname)::regclass),
                    a.attislocal, par.default_expr, coalesce(par.not_null, false), coalesce(par.defaults > 1, false),
                    nn.conname::text, coalesce(nn.connoinherit, false), nn.convalidated IS FALSE
               FROM pg_catalog.pg_attribute a
               JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
               LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               LEFT JOIN pg_catalog.pg_constraint nn
                      ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey[1] = a.attnum
               LEFT JOIN LATERAL (
                   SELECT (array_agg(pg_catalog.pg_get_expr(pd.adbin, pd.adrelid) ORDER BY i.inhseqno)
                             FILTER (WHERE pd.adbin IS NOT NULL))[1] AS default_expr,
                          count(DISTINCT pg_catalog.pg_get_expr(pd.adbin, pd.adrelid)) AS defaults,
                          bool_or(pa.attnotnull AND pn.connoinherit IS NOT TRUE) AS not_null
                     FROM pg_catalog.pg_inherits i
                     JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
                     LEFT JOIN pg_catalog.pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
                     LEFT JOIN pg_catalog.pg_constraint pn
                            ON pn.conrelid = pa.attrelid AND pn.contype = 'n' AND pn.conkey[1] = pa.attnum
                    WHERE i.inhrelid = a.attrelid) par ON true
              WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY a.attnum",
            &[&t.oid, &t.schema, &t.name],
        )
        .await?
        .iter()
        .map(Column::from_row)
        .collect();
    // Unlogged storage, and the table's and its TOAST table's storage options.
    let storage = client
        .query_one(
            &expand(
                "SELECT c.relpersistence = 'u', {RELOPTIONS}, pg_catalog.pg_get_partkeydef(c.oid), c.relispartition
                   FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
                  WHERE c.oid = $1",
            ),
            &[&t.oid],
        )
        .await?;
    // A partition gets its parent's identity columns when it is attached (PostgreSQL 17 and
    // newer, which show them on the partition too, refuse to attach one with its own).
    if storage.get::<_, bool>(3) {
        for c in &mut columns {
            c.identity.clear();
            c.identity_sequence = None;
        }
    }
    // The parents of a table that inherits from others (not a partition: those are created
    // as tables of their own and attached later).
    let parents: Vec<String> = client
        .query(
            "SELECT i.inhparent::regclass::text FROM pg_catalog.pg_inherits i
               JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
              WHERE i.inhrelid = $1 AND NOT c.relispartition ORDER BY i.inhseqno",
            &[&t.oid],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let inheriting = !parents.is_empty();
    let inherits = match inheriting {
        true => format!(" INHERITS ({})", parents.join(", ")),
        false => String::new(),
    };
    let unlogged = if storage.get(0) { "UNLOGGED " } else { "" };
    let with = storage
        .get::<_, Option<String>>(1)
        .map(|o| format!(" WITH ({o})"))
        .unwrap_or_default();
    let partition_by = storage
        .get::<_, Option<String>>(2)
        .map(|key| format!(" PARTITION BY {key}"))
        .unwrap_or_default();
    // A column that only comes from a parent is not declared again (unless its parents'
    // defaults differ, which only a declared one settles); where its default, identity or
    // NOT NULL is the table's own, that is set afterwards. (A partition's columns all come
    // from its parent, but it is created on its own.)
    let inherited = |c: &Column| inheriting && !c.local && !c.parents_differ;
    let mut own_settings = String::new();
    for c in columns.iter().filter(|_| inheriting) {
        let column = format!(
            "ALTER TABLE ONLY {} ALTER COLUMN {}",
            t.qualified(),
            quote(&c.name)
        );
        let set_not_null = match c.not_null_name {
            Some(_) => format!(
                "\nALTER TABLE ONLY {} ADD {};",
                t.qualified(),
                c.not_null_clause(true)
            ),
            None => format!("\n{column} SET NOT NULL;"),
        };
        if inherited(c) {
            let identity = match c.identity.as_str() {
                "a" => Some("ALWAYS"),
                "d" => Some("BY DEFAULT"),
                _ => None,
            };
            if let Some(kind) = identity {
                // An identity needs the column NOT NULL and without a default first.
                if c.parent_default.is_some() {
                    own_settings.push_str(&format!("\n{column} DROP DEFAULT;"));
                }
                if !c.parent_not_null {
                    own_settings.push_str(&set_not_null);
                }
                own_settings.push_str(&format!(
                    "\n{column} ADD GENERATED {kind} AS IDENTITY{};",
                    c.identity_sequence.as_deref().unwrap_or_default()
                ));
            } else if c.default != c.parent_default {
                own_settings.push_str(&match (c.generated.is_empty(), &c.default) {
                    (false, Some(expr)) => format!("\n{column} SET EXPRESSION AS ({expr});"),
                    (true, Some(expr)) => format!("\n{column} SET DEFAULT {expr};"),
                    (_, None) => format!("\n{column} DROP DEFAULT;"),
                });
            }
            if c.not_null && !c.parent_not_null && identity.is_none() {
                own_settings.push_str(&set_not_null);
            }
        }
        if !c.not_null && !c.not_null_not_valid && c.parent_not_null {
            own_settings.push_str(&format!("\n{column} DROP NOT NULL;"));
        }
    }
    let declared: Vec<String> = columns
        .iter()
        .filter(|c| !inherited(c))
        .map(|c| {
            let mut col = format!("    {} {}", quote(&c.name), c.type_name);
            if let Some(coll) = &c.collation {
                col.push_str(&format!(" COLLATE {coll}"));
            }
            // A generated column also declared by a parent takes the parent's expression
            // (PostgreSQL 15 refuses it written again); a different one is its own.
            let generated_as_parent =
                inheriting && c.default.is_some() && c.default == c.parent_default;
            match (c.generated.as_str(), &c.default) {
                ("s" | "v", Some(_)) if generated_as_parent => {}
                ("s", Some(expr)) => col.push_str(&format!(" GENERATED ALWAYS AS ({expr}) STORED")),
                ("v", Some(expr)) => {
                    col.push_str(&format!(" GENERATED ALWAYS AS ({expr}) VIRTUAL"))
                }
                (_, Some(expr)) => col.push_str(&format!(" DEFAULT {expr}")),
                // Without a default of its own it would take a parent's (as pg_dump does).
                ("", None) if inheriting && c.identity.is_empty() && c.parent_default.is_some() => {
                    col.push_str(" DEFAULT NULL")
                }
                _ => {}
            }
            match c.identity.as_str() {
                "a" => col.push_str(" GENERATED ALWAYS AS IDENTITY"),
                "d" => col.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
                _ => {}
            }
            if !c.identity.is_empty() {
                col.push_str(c.identity_sequence.as_deref().unwrap_or_default());
            }
            if c.not_null {
                col.push(' ');
                col.push_str(&c.not_null_clause(false));
            }
            col
        })
        .collect();
    Ok(format!(
        "CREATE {unlogged}TABLE {} (\n{}\n){inherits}{partition_by}{with};{own_settings}",
        t.qualified(),
        declared.join(",\n")
    ))
}

/// The `CREATE VIEW` statements, each after the views it reads.
pub(super) async fn views_in_order(
    client: &Client,
) -> std::result::Result<Vec<String>, tokio_postgres::Error> {
    let views = client.query(&expand(VIEWS), &[]).await?;
    Ok(in_dependency_order(
        views
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect(),
    ))
}

/// `items` (oid, item, the oids it needs) in an order where each comes after those it
/// needs among them (the others exist already), and otherwise in the order given. The
/// server allows no cycle; were there one, the first waiting item would go next.
pub(super) fn in_dependency_order<T>(mut pending: Vec<(u32, T, Vec<u32>)>) -> Vec<T> {
    let all: std::collections::HashSet<u32> = pending.iter().map(|p| p.0).collect();
    let mut done = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(_, _, needs)| needs.iter().all(|d| !all.contains(d) || done.contains(d)))
            .unwrap_or(0);
        let (oid, item, _) = pending.remove(ready);
        done.insert(oid);
        out.push(item);
    }
    out
}

/// SHA-256 over the shape of the schema (tables, columns, types, nullability, constraint
/// and index names), stable across server versions: as written now, then as written before
/// the constraints a partition takes from its parent were left out (the server names them
/// itself, and PostgreSQL 18 otherwise than 15: `…_fkey1` became `…_fkey_1`).
pub(super) async fn schema_fingerprints(
    client: &Client,
) -> std::result::Result<[String; 2], tokio_postgres::Error> {
    let rows = client
        .query(
            &expand(
                "SELECT x, derived FROM (
           SELECT format('column %I.%I.%I %s %s', n.nspname, c.relname, a.attname,
                         pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull) AS x, false AS derived
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
           UNION ALL
           SELECT format('constraint %I.%I.%I %s', n.nspname, c.relname, co.conname, co.contype), co.conparentid <> 0
             FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE co.contype <> 'n' AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
           UNION ALL
           SELECT format('index %I.%I', n.nspname, c.relname), false
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('i', 'I') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
         ) s ORDER BY x COLLATE \"C\"",
            ),
            &[],
        )
        .await?;
    let mut now = Sha256::new();
    let mut before = Sha256::new();
    for r in rows {
        let (line, derived): (&str, bool) = (r.get(0), r.get(1));
        let length = (line.len() as u64).to_le_bytes();
        before.update(length);
        before.update(line.as_bytes());
        if !derived {
            now.update(length);
            now.update(line.as_bytes());
        }
    }
    Ok([hex(&now.finalize()), hex(&before.finalize())])
}
