//! Tables as text: identifiers and literals quoted, a table's columns read and its rows
//! written as SQL literals and fingerprinted, `SHOW CREATE TABLE` shaped for the schema
//! fingerprint and taken apart for a restore's scratch table (foreign keys and secondary
//! keys added later, CHECK names following the scratch table); and the scratch tables
//! themselves: loaded over extra connections ([`Lanes`]), finished, checked and dropped.

use super::{Mysql, HEAP_LIMIT};
use crate::engine::rowsum::RowSum;
use crate::{Error, ErrorKind, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Value};
use sha2::{Digest, Sha256};

pub(super) fn quote(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

/// A string literal that reads the same under any sql_mode.
pub(super) fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Whether `name` (a character set's) can be written into SQL as it is.
pub(super) fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The identifier at the start of `rest` (backquoted, or double-quoted as `SHOW CREATE`
/// writes it under `ANSI_QUOTES`), and what follows it.
pub(super) fn leading_ident(rest: &str) -> Option<(String, &str)> {
    let q = rest.chars().next().filter(|c| matches!(c, '`' | '"'))?;
    let body = &rest[1..];
    let mut name = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == q {
            if chars.peek().map(|(_, c)| *c) == Some(q) {
                chars.next();
                name.push(q);
            } else {
                return Some((name, &body[i + 1..]));
            }
        } else {
            name.push(c);
        }
    }
    None
}

/// Column types whose values are bytes, not text in a character set.
const BINARY_TYPES: &[&str] = &[
    "binary",
    "varbinary",
    "tinyblob",
    "blob",
    "mediumblob",
    "longblob",
    "bit",
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
];

/// Integer and fixed-point column types, whose values can be written as bare numbers.
const NUMBER_TYPES: &[&str] = &[
    "tinyint",
    "smallint",
    "mediumint",
    "int",
    "bigint",
    "decimal",
];

/// How a column's values are written in the dump.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind {
    /// Bytes, not text in a character set: always `X'…'`.
    Binary,
    /// An integer or decimal: bare (`-12.50`).
    Number,
    /// Anything else: a quoted utf8mb4 string.
    Text,
}

/// How to read and write a table's data columns.
pub(super) struct Columns {
    /// Quoted names, for `INSERT INTO t (…)`.
    pub(super) names: String,
    /// What to select: the names, with FLOAT read as DOUBLE, and text in a character set
    /// other than UTF-8 or latin1 read as its bytes; then the stored generated columns,
    /// which are fingerprinted but not written (the server computes them again).
    pub(super) select: String,
    /// Per written column: how its values are written, and the character set introducer
    /// (`_cp1250 `) put before them, or empty.
    pub(super) written: Vec<(Kind, String)>,
    /// Whether the select ends with stored generated columns.
    pub(super) has_stored_generated: bool,
}

/// Append the SQL literal of a non-NULL value (its text-protocol bytes) to `out`
/// (FORMAT.md 5.2). Text is a quoted string with `'` doubled and a backslash, NUL or Ctrl-Z
/// byte escaped (`\\`, `\0`, `\Z`: the dump's sql_mode keeps backslash escapes on); bytes
/// that are not UTF-8 are written `_utf8mb4 X'…'` instead. Numbers that look like numbers
/// are bare; binary values are always `X'…'`.
pub(super) fn push_literal(out: &mut Vec<u8>, kind: Kind, v: &[u8]) {
    let is_number = |v: &[u8]| {
        let digits = v.strip_prefix(b"-").unwrap_or(v);
        let (int, frac) = match digits.iter().position(|&b| b == b'.') {
            Some(i) => (&digits[..i], Some(&digits[i + 1..])),
            None => (digits, None),
        };
        !int.is_empty()
            && int.iter().all(u8::is_ascii_digit)
            && frac.is_none_or(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit))
    };
    match kind {
        Kind::Number if is_number(v) => out.extend_from_slice(v),
        Kind::Binary => push_hex(out, v),
        _ if std::str::from_utf8(v).is_ok() => {
            out.reserve(v.len() + 2);
            out.push(b'\'');
            // Most text needs no escape; this test runs without branches.
            let special = |b: u8| matches!(b, b'\'' | b'\\' | 0 | 0x1a);
            if !v.iter().fold(false, |any, &b| any | special(b)) {
                out.extend_from_slice(v);
                out.push(b'\'');
                return;
            }
            let mut start = 0;
            for (i, &b) in v.iter().enumerate() {
                let escaped: &[u8] = match b {
                    b'\'' => b"''",
                    b'\\' => b"\\\\",
                    0 => b"\\0",
                    0x1a => b"\\Z",
                    _ => continue,
                };
                out.extend_from_slice(&v[start..i]);
                out.extend_from_slice(escaped);
                start = i + 1;
            }
            out.extend_from_slice(&v[start..]);
            out.push(b'\'');
        }
        _ => {
            out.extend_from_slice(b"_utf8mb4 ");
            push_hex(out, v);
        }
    }
}

/// `ALTER TABLE table ADD a, ADD b…`: the keys or foreign keys `adds` added in one go.
pub(super) fn alter_adding(table: &str, adds: &[String]) -> String {
    let adds: Vec<String> = adds.iter().map(|a| format!("ADD {a}")).collect();
    format!("ALTER TABLE {} {}", quote(table), adds.join(", "))
}

/// Append `X'…'` with the bytes as hex digits.
fn push_hex(out: &mut Vec<u8>, v: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(v.len() * 2 + 3);
    out.extend_from_slice(b"X'");
    for &b in v {
        out.push(DIGITS[(b >> 4) as usize]);
        out.push(DIGITS[(b & 15) as usize]);
    }
    out.push(b'\'');
}

/// The bytes of a value as the text protocol sends it.
pub(super) fn text(v: &Value) -> std::borrow::Cow<'_, [u8]> {
    match v {
        Value::Bytes(b) => std::borrow::Cow::Borrowed(b),
        other => std::borrow::Cow::Owned(other.as_sql(true).trim_matches('\'').as_bytes().to_vec()),
    }
}

/// Count one row: SHA-256 over each value (`n` for NULL, or `b`, u64le length, bytes),
/// encoded into `buf` first so the hash is taken in one call.
pub(super) fn add_row(sum: &mut RowSum, buf: &mut Vec<u8>, values: &[Value]) {
    buf.clear();
    for v in values {
        match v {
            Value::NULL => buf.push(b'n'),
            other => {
                let t = text(other);
                buf.push(b'b');
                buf.extend_from_slice(&(t.len() as u64).to_le_bytes());
                buf.extend_from_slice(&t);
            }
        }
    }
    sum.add(&Sha256::digest(buf.as_slice()));
}

/// `SHOW CREATE TABLE` text without the AUTO_INCREMENT counter, and without the notes on
/// columns still stored in an old server's date and time format (a table created from the
/// text gets the current format), for the schema fingerprint.
fn shape(create: &str) -> String {
    create
        .replace(" /* mariadb-5.3 */", "")
        .replace(" /* 5.5 binary format */", "")
        .split(' ')
        .filter(|w| !w.starts_with("AUTO_INCREMENT="))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Feed one table's `SHOW CREATE TABLE` (without its counter) to the schema hash.
pub(super) fn schema_line(h: &mut Sha256, create: &str) {
    let s = shape(create);
    h.update((s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// ` (the backup has: …; the server made: …)` for the first line of a table's definition
/// in the backup (`wanted`) that the server made otherwise (`got`).
pub(super) fn first_difference(wanted: &str, got: &str) -> String {
    wanted
        .lines()
        .zip(got.lines().chain(std::iter::repeat("")))
        .find(|(w, g)| w != g)
        .map(|(w, g)| {
            format!(
                " (the backup has: {}; the server made: {})",
                w.trim().trim_end_matches(','),
                g.trim().trim_end_matches(',')
            )
        })
        .unwrap_or_default()
}

/// `body` (of a `CREATE TABLE name …`) with its CHECK constraints named `name_chk_…` named
/// `scratch_chk_…` instead. MySQL 8 wants CHECK constraint names unique in the database, so
/// the scratch table cannot reuse the live table's; `RENAME TABLE` renames names that start
/// with the table's name and `_chk_` along with the table, so they are the backup's again
/// after the swap. (MariaDB's names are the table's own: it needs none of this.)
pub(super) fn scratch_check_names(body: &str, name: &str, scratch: &str) -> String {
    let prefix = |table: &str| format!("CONSTRAINT `{}_chk_", table.replace('`', "``"));
    body.replace(&prefix(name), &prefix(scratch))
}

/// Take the `CONSTRAINT … FOREIGN KEY …` lines out of a `CREATE TABLE` body; returns the
/// body without them and the constraints.
pub(super) fn split_foreign_keys(body: &str) -> (String, Vec<String>) {
    let mut kept: Vec<String> = Vec::new();
    let mut fks = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with("CONSTRAINT ") && t.contains(" FOREIGN KEY ") {
            fks.push(t.trim_end_matches(',').to_string());
        } else {
            kept.push(line.to_string());
        }
    }
    drop_trailing_comma(&mut kept);
    (kept.join("\n"), fks)
}

/// Take the secondary keys (`KEY`, `UNIQUE KEY` lines) out of a `CREATE TABLE` body, so they
/// can be added after the rows; returns the body without them and the keys. Only a table
/// with a primary key (else InnoDB clusters on a unique key) whose other keys are all plain
/// B-tree keys not on its AUTO_INCREMENT column (which must stay a key) gives its keys up:
/// adding them all back in their order keeps `SHOW CREATE TABLE` as it was.
pub(super) fn split_keys(body: &str) -> (String, Vec<String>) {
    let none = || (body.to_string(), Vec::new());
    let lines: Vec<&str> = body.lines().collect();
    if !lines.iter().any(|l| l.trim().starts_with("PRIMARY KEY ")) {
        return none();
    }
    let auto = lines.iter().find_map(|l| {
        let t = l.trim();
        leading_ident(t)
            .filter(|(_, rest)| unquoted(rest).contains(" AUTO_INCREMENT"))
            .map(|(n, _)| quote(&n))
    });
    let is_key = |t: &str| {
        [
            "KEY ",
            "UNIQUE KEY ",
            "FULLTEXT KEY ",
            "SPATIAL KEY ",
            "VECTOR KEY ",
        ]
        .iter()
        .any(|p| t.starts_with(p))
    };
    let movable = |t: &str| {
        (t.starts_with("KEY ") || t.starts_with("UNIQUE KEY "))
            && !t.contains(" USING HASH")
            && auto.as_ref().is_none_or(|a| !t.contains(a.as_str()))
    };
    let keys: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|t| is_key(t))
        .collect();
    if keys.is_empty() || !keys.iter().all(|t| movable(t)) {
        return none();
    }
    let mut kept: Vec<String> = lines
        .iter()
        .filter(|l| !is_key(l.trim()))
        .map(|l| l.to_string())
        .collect();
    drop_trailing_comma(&mut kept);
    let keys = keys
        .iter()
        .map(|k| k.trim_end_matches(',').to_string())
        .collect();
    (kept.join("\n"), keys)
}

/// A column definition without what its quoted strings hold (a `DEFAULT` or `COMMENT` may
/// say anything); a quote is written `''` or `\'` inside them.
fn unquoted(definition: &str) -> String {
    let mut out = String::with_capacity(definition.len());
    let mut chars = definition.chars();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '\\') => {
                chars.next();
            }
            // `''` inside a string closes and reopens it: nothing is kept either way.
            (_, '\'') => quoted = !quoted,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    out
}

/// The definition before the closing parenthesis of a `CREATE TABLE` must not end with a comma.
fn drop_trailing_comma(lines: &mut [String]) {
    if let Some(close) = lines.iter().position(|l| l.starts_with(')')) {
        if close > 0 {
            let prev = &mut lines[close - 1];
            if prev.ends_with(',') {
                prev.pop();
            }
        }
    }
}

/// A table of the dump being loaded into a scratch table.
pub(super) struct Scratch {
    /// Its name in the dump (and after the swap).
    pub(super) name: String,
    /// The scratch table's name.
    pub(super) scratch: String,
    /// The dump's `CREATE TABLE` for the scratch table, without foreign keys.
    pub(super) create: String,
    /// Its foreign keys, added after the swap.
    pub(super) fks: Vec<String>,
    /// Its secondary keys, added after its rows.
    pub(super) keys: Vec<String>,
}

/// Connections a restore loads rows over.
pub(super) const LOAD_CONNECTIONS: usize = 2;

/// A connection that loads rows: free, or running one statement in a task of its own.
enum Lane {
    Idle(Conn),
    Busy(tokio::task::JoinHandle<(mysql_async::Result<()>, Conn)>),
    Gone,
}

/// Connections that run `INSERT` statements in turn, each while the others run theirs.
pub(super) struct Lanes(Vec<Lane>, usize);

impl Lanes {
    /// Up to `n` more connections, or None if not even one could be opened.
    pub(super) async fn open(m: &Mysql, n: usize) -> Option<Lanes> {
        let mut lanes = Vec::new();
        for _ in 0..n {
            let Ok(c) = m.connect().await else { break };
            lanes.push(Lane::Idle(c));
        }
        (!lanes.is_empty()).then_some(Lanes(lanes, 0))
    }

    /// The connection of lane `i` once its statement is done.
    async fn settle(&mut self, m: &Mysql, i: usize) -> Result<Conn> {
        match std::mem::replace(&mut self.0[i], Lane::Gone) {
            Lane::Idle(c) => Ok(c),
            Lane::Busy(task) => match task.await {
                Ok((Ok(()), c)) => Ok(c),
                Ok((Err(e), _)) => Err(m.db_error(e)),
                Err(_) => Err(Error::new(
                    ErrorKind::Database,
                    "A connection loading rows into MySQL stopped unexpectedly.",
                )),
            },
            Lane::Gone => Err(Error::new(
                ErrorKind::Database,
                "A connection loading rows into MySQL was lost after an earlier error.",
            )),
        }
    }

    /// Run `sql` on the next lane, after its previous statement.
    pub(super) async fn send(&mut self, m: &Mysql, sql: String) -> Result<()> {
        let i = self.1;
        self.1 = (i + 1) % self.0.len();
        let mut c = self.settle(m, i).await?;
        self.0[i] = Lane::Busy(tokio::spawn(async move {
            let r = c.query_drop(sql).await;
            (r, c)
        }));
        Ok(())
    }

    /// Wait until every statement sent is done.
    pub(super) async fn wait(&mut self, m: &Mysql) -> Result<()> {
        for i in 0..self.0.len() {
            let c = self.settle(m, i).await?;
            self.0[i] = Lane::Idle(c);
        }
        Ok(())
    }

    /// Wait for the statements still running (their errors are already reported or moot)
    /// and disconnect.
    pub(super) async fn close(self) {
        for lane in self.0 {
            let c = match lane {
                Lane::Idle(c) => c,
                Lane::Busy(task) => match task.await {
                    Ok((_, c)) => c,
                    Err(_) => continue,
                },
                Lane::Gone => continue,
            };
            let _ = c.disconnect().await;
        }
    }
}

impl Mysql {
    /// How to read and write `table`'s rows: the columns that hold data, then (read only)
    /// its stored generated ones.
    pub(super) async fn columns(&self, conn: &mut Conn, table: &str) -> Result<Columns> {
        // Name, type, character set, and whether it is a stored generated column.
        let rows: Vec<(String, String, Option<String>, bool)> = conn
            .exec(
                "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_SET_NAME, COALESCE(GENERATION_EXPRESSION, '') <> '' AS g
                  FROM information_schema.COLUMNS
                  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
                    AND (COALESCE(GENERATION_EXPRESSION, '') = ''
                         OR EXTRA LIKE '%STORED%' OR EXTRA LIKE '%PERSISTENT%')
                  ORDER BY g, ORDINAL_POSITION",
                (table,),
            )
            .await
            .map_err(|e| self.db_error(e))?;
        self.none_skipped(conn).await?;
        if rows.is_empty() {
            return Err(self.changed_during_backup(&format!(
                "the columns of the table {table} could not be read"
            )));
        }
        let mut columns = Columns {
            names: String::new(),
            select: String::new(),
            written: Vec::new(),
            has_stored_generated: false,
        };
        for (i, (name, data_type, charset, generated)) in rows.iter().enumerate() {
            let t = data_type.to_ascii_lowercase();
            // Text the server would change on its way to UTF-8 (bytes without a Unicode
            // counterpart become `?`) is read as its bytes, and written with its character
            // set. UTF-8 and latin1 (every byte has a counterpart) are read as text.
            let recode = charset
                .as_deref()
                .filter(|cs| !cs.starts_with("utf8") && *cs != "latin1" && is_plain_name(cs));
            // FLOAT's text form is rounded to about six digits; DOUBLE's is exact.
            let select = match (t.as_str(), recode) {
                ("float", _) => format!("CAST({} AS DOUBLE)", quote(name)),
                (_, Some(_)) => format!("CAST({} AS BINARY)", quote(name)),
                _ => quote(name),
            };
            if i > 0 {
                columns.select.push_str(", ");
            }
            columns.select.push_str(&select);
            if *generated {
                columns.has_stored_generated = true;
                continue;
            }
            if i > 0 {
                columns.names.push_str(", ");
            }
            columns.names.push_str(&quote(name));
            let kind = if recode.is_some() || BINARY_TYPES.contains(&t.as_str()) {
                Kind::Binary
            } else if NUMBER_TYPES.contains(&t.as_str()) {
                Kind::Number
            } else {
                Kind::Text
            };
            let introducer = recode.map(|cs| format!("_{cs} ")).unwrap_or_default();
            columns.written.push((kind, introducer));
        }
        Ok(columns)
    }

    /// A MEMORY scratch table, made under [`HEAP_LIMIT`], made again with the server's own
    /// limit on its size (which it gets from the session that makes it), as a table the shop
    /// made has it, or, where its rows do not fit in that, with a limit twice what they take
    /// (else it keeps the one it was loaded with).
    async fn memory_limit(&self, conn: &mut Conn, s: &Scratch) -> Result<()> {
        let e = |e| self.db_error(e);
        let twice: Option<u64> = conn
            .query_first(format!(
                "SELECT GREATEST(TABLE_ROWS * AVG_ROW_LENGTH * 2, 16384) FROM information_schema.TABLES
                  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {}",
                quote_str(&s.scratch)
            ))
            .await
            .map_err(e)?;
        let table_full = |made: &mysql_async::Result<()>| matches!(made, Err(mysql_async::Error::Server(x)) if x.code == 1114);
        let mut made = Ok(());
        for limit in [
            "@@GLOBAL.max_heap_table_size".to_string(),
            twice.unwrap_or_default().to_string(),
        ] {
            conn.query_drop(format!("SET SESSION max_heap_table_size = {limit}"))
                .await
                .map_err(e)?;
            made = conn
                .query_drop(format!("ALTER TABLE {} ENGINE=MEMORY", quote(&s.scratch)))
                .await;
            if !table_full(&made) {
                break;
            }
        }
        conn.query_drop(HEAP_LIMIT).await.map_err(e)?;
        match made {
            Err(_) if table_full(&made) => Ok(()),
            made => made.map_err(e),
        }
    }

    /// After a scratch table's rows: add its secondary keys (built by sorting,
    /// faster than keeping them up to date row by row) in one statement, give a MEMORY table
    /// its limit ([`Self::memory_limit`]), and, when `check`, make sure the table came out as
    /// the dump's `CREATE TABLE` says.
    pub(super) async fn finish_scratch(
        &self,
        conn: &mut Conn,
        lanes: Option<&mut Lanes>,
        s: &Scratch,
        check: bool,
    ) -> Result<()> {
        let e = |e| self.db_error(e);
        // Its rows first: every statement sent over the other connections done.
        if let Some(lanes) = lanes {
            lanes.wait(self).await?;
        }
        if !s.keys.is_empty() {
            conn.query_drop(alter_adding(&s.scratch, &s.keys))
                .await
                .map_err(e)?;
        }
        if s.create.contains("\n) ENGINE=MEMORY") {
            self.memory_limit(conn, s).await?;
        }
        if check {
            let got: Option<(String, String)> = conn
                .query_first(format!("SHOW CREATE TABLE {}", quote(&s.scratch)))
                .await
                .map_err(e)?;
            let (got, wanted) = (
                shape(&got.map(|g| g.1).unwrap_or_default()),
                shape(&s.create),
            );
            if got != wanted {
                let line = first_difference(&wanted, &got);
                return Err(Error::new(
                    ErrorKind::VerificationFailed,
                    format!(
                        "the table {} came out different from its definition in the backup{line}.",
                        s.name
                    ),
                ));
            }
        }
        Ok(())
    }

    pub(super) async fn drop_scratch(&self, conn: &mut Conn) -> Result<()> {
        let scratch: Vec<(String, u8)> = conn
            .query(
                "SELECT TABLE_NAME, TABLE_TYPE = 'VIEW' FROM information_schema.TABLES
                  WHERE TABLE_SCHEMA = DATABASE() AND (TABLE_NAME LIKE BINARY '\\_shopsafe\\_new\\_%' OR TABLE_NAME LIKE BINARY '\\_shopsafe\\_old\\_%' OR TABLE_NAME LIKE BINARY '\\_shopsafe\\_oldview\\_%')",
            )
            .await
            .map_err(|e| self.db_error(e))?;
        for (t, view) in scratch {
            let what = if view == 1 { "VIEW" } else { "TABLE" };
            conn.query_drop(format!("DROP {what} IF EXISTS {}", quote(&t)))
                .await
                .map_err(|e| self.db_error(e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_check_names_follow_the_scratch_table() {
        let body = " (\n  `qty` int NOT NULL,\n  CONSTRAINT `line_chk_1` CHECK ((`qty` >= 0)),\n  CONSTRAINT `own_name` CHECK ((`qty` < 9)),\n  CONSTRAINT `line_chk_2` CHECK ((`qty` <> 5))\n)";
        assert_eq!(
            scratch_check_names(body, "line", "_shopsafe_new_3"),
            " (\n  `qty` int NOT NULL,\n  CONSTRAINT `_shopsafe_new_3_chk_1` CHECK ((`qty` >= 0)),\n  CONSTRAINT `own_name` CHECK ((`qty` < 9)),\n  CONSTRAINT `_shopsafe_new_3_chk_2` CHECK ((`qty` <> 5))\n)"
        );
    }

    #[test]
    fn literals_and_deferred_keys() {
        let lit = |kind, v: &[u8]| {
            let mut out = Vec::new();
            push_literal(&mut out, kind, v);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(lit(Kind::Text, "it's 🍵\n".as_bytes()), "'it''s 🍵\n'");
        assert_eq!(lit(Kind::Text, b"a\\b\0c\x1a"), "'a\\\\b\\0c\\Z'");
        assert_eq!(lit(Kind::Text, b"\xff"), "_utf8mb4 X'FF'");
        assert_eq!(lit(Kind::Number, b"-12.50"), "-12.50");
        assert_eq!(lit(Kind::Number, b"1e5"), "'1e5'");
        assert_eq!(lit(Kind::Number, b"12."), "'12.'");
        assert_eq!(lit(Kind::Binary, b"ab"), "X'6162'");

        let body = " (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `a` int,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `a` (`a`),\n  KEY `b` (`a`,`id2`)\n) ENGINE=InnoDB";
        let (bare, keys) = split_keys(body);
        assert_eq!(keys, ["UNIQUE KEY `a` (`a`)", "KEY `b` (`a`,`id2`)"]);
        assert!(
            bare.ends_with("PRIMARY KEY (`id`)\n) ENGINE=InnoDB"),
            "{bare}"
        );
        // A key on the AUTO_INCREMENT column, or no primary key: all keys stay.
        let auto = body.replace("`id2`", "`id`");
        assert!(split_keys(&auto).1.is_empty());
        assert!(split_keys(&body.replace("PRIMARY KEY", "UNIQUE KEY"))
            .1
            .is_empty());
    }
}
