//! MySQL and MariaDB: a native dump and a restore that swaps every table at once.
//!
//! The dump runs inside `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`, with the
//! session in UTC and utf8mb4 (MyISAM, Aria and MEMORY tables, which have no snapshot, are
//! held still by a read lock on a second connection from before the snapshot until they
//! are read): `SHOW CREATE TABLE` for each table (with its AUTO_INCREMENT), then its rows
//! as multi-row `INSERT` statements: text as quoted strings (hex where it is not UTF-8),
//! numbers bare, bytes as hex literals, so no character set can change a byte. It is a
//! plain SQL file the `mariadb` or `mysql` client can also load by hand into an empty
//! database. After the rows come the
//! views, triggers, stored functions and procedures and events, as `SHOW CREATE` gives them
//! without their DEFINER (only a superuser may name another login), each with the session
//! settings it was created under.
//! Sequences, system-versioned tables and tables of other engines (CSV, FEDERATED…) are
//! detected and named, and the backup refuses.
//!
//! DDL commits by itself in MySQL, so a restore never touches the live tables until the
//! backup has been loaded and checked in scratch tables (`_shopsafe_new_N`, without foreign
//! keys, since their names must be unique in a database, and with their secondary keys
//! added after their rows, which go in over two more connections at once). One multi-table `RENAME TABLE` then swaps all tables at once
//! (their triggers go with them) and moves the live views aside; the old ones are dropped,
//! the foreign keys added, the routines and events replaced and the backup's objects
//! created, and the schema fingerprint checked. A failure before the swap leaves the
//! database as it was; after it, the restore pipeline rolls back from its rollback point.
//! Only rights on the shop's own database are needed.

use super::dumpfile::{self, DumpTo, DumpWriter};
use super::grants::Rights;
use super::rowsum::RowSum;
use super::tls::TlsMode;
use crate::hashing::hex;
use crate::manifest::DatabasePart;
use crate::progress::CancelToken;
use crate::secrets::HOW_TO_GIVE;
use crate::{Error, ErrorKind, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Value};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

pub const ENGINE: &str = "mysql";
/// Name of the database part inside the archive.
pub const ENTRY: &str = "database/dump.sql";

/// Session settings of every dump and restore.
const SESSION: [&str; 8] = [
    "SET NAMES utf8mb4",
    "SET time_zone = '+00:00'",
    // No time limits a hosting account may set: on a statement (MariaDB), on a connection
    // left idle (the one holding tables without a snapshot still while the others read),
    // on the network while a long statement runs.
    "SET SESSION wait_timeout = 86400, net_read_timeout = 3600, net_write_timeout = 3600 /*M!100108 , max_statement_time = 0 */",
    // Every row of a SELECT (a server's sql_select_limit would cut the dump short), and
    // every statement committed (a server's autocommit=0 would leave loaded rows unseen).
    "SET SESSION sql_select_limit = 18446744073709551615, autocommit = 1",
    "SET FOREIGN_KEY_CHECKS = 0",
    // MariaDB (the `/*M!` part, which MySQL skips): rows load without their checks, as
    // without their foreign keys; tables the server once took with innodb_strict_mode off
    // are made again; a TIMESTAMP column gets only the defaults its definition spells out.
    "SET UNIQUE_CHECKS = 0 /*M!100201 , check_constraint_checks = 0, innodb_strict_mode = OFF, explicit_defaults_for_timestamp = ON */",
    HEAP_LIMIT,
    "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
];
/// What an `INSERT` must leave of the server's max_allowed_packet for the protocol.
const PACKET_MARGIN: usize = 1024;
/// A MEMORY table loads all it held, whatever the server's own limit (see `finish_scratch`).
const HEAP_LIMIT: &str = "SET max_heap_table_size = 17179869184";
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
enum Kind {
    /// Bytes, not text in a character set: always `X'…'`.
    Binary,
    /// An integer or decimal: bare (`-12.50`).
    Number,
    /// Anything else: a quoted utf8mb4 string.
    Text,
}

/// How to read and write a table's data columns.
struct Columns {
    /// Quoted names, for `INSERT INTO t (…)`.
    names: String,
    /// What to select: the names, with FLOAT read as DOUBLE, and text in a character set
    /// other than UTF-8 or latin1 read as its bytes; then the stored generated columns,
    /// which are fingerprinted but not written (the server computes them again).
    select: String,
    /// Per written column: how its values are written, and the character set introducer
    /// (`_cp1250 `) put before them, or empty.
    written: Vec<(Kind, String)>,
    /// Whether the select ends with stored generated columns.
    has_stored_generated: bool,
}

/// Append the SQL literal of a non-NULL value (its text-protocol bytes) to `out`
/// (FORMAT.md 5.2). Text is a quoted string with `'` doubled and a backslash, NUL or Ctrl-Z
/// byte escaped (`\\`, `\0`, `\Z`: the dump's sql_mode keeps backslash escapes on); bytes
/// that are not UTF-8 are written `_utf8mb4 X'…'` instead. Numbers that look like numbers
/// are bare; binary values are always `X'…'`.
fn push_literal(out: &mut Vec<u8>, kind: Kind, v: &[u8]) {
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

/// The table engines read besides InnoDB. They have no snapshot, so a backup holds them
/// still with `LOCK TABLES … READ` on a second connection, taken before the snapshot and
/// let go once the last of them is read. Other engines (CSV, ARCHIVE, FEDERATED,
/// MRG_MyISAM…) are refused.
const LOCKED_ENGINES: &str = "'MyISAM', 'Aria', 'MEMORY'";

/// How long every connection waits for another connection's lock on a table (writers of the
/// tables a backup locks, a long ALTER TABLE) before its statement fails.
const LOCK_WAIT_SECONDS: u32 = 30;

/// Rows are written in INSERT statements of about this many bytes.
const INSERT_BYTES: usize = 1 << 20;

/// Why a connection attempt failed: the server offers no TLS (a `PREFERRED` connection
/// then tries again without), or anything else, as a sentence.
enum Failure {
    NoTls,
    Error(Error),
}

#[derive(Clone, PartialEq, Eq)]
pub struct Mysql {
    pub user: String,
    pub password: Option<String>,
    pub host: String,
    pub port: u16,
    pub dbname: String,
    /// Path of the server's unix socket, if it is used instead of TCP.
    pub socket: Option<String>,
    /// `ssl-mode=` in the URL.
    pub tls: TlsMode,
    /// `ssl-ca=`: the certificate file of the authority `VERIFY_IDENTITY` trusts.
    pub tls_ca: Option<String>,
}

impl fmt::Debug for Mysql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mysql({})", self.url())
    }
}

fn quote(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

/// The identifier at the start of `rest` (backquoted, or double-quoted as `SHOW CREATE`
/// writes it under `ANSI_QUOTES`), and what follows it.
fn leading_ident(rest: &str) -> Option<(String, &str)> {
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

/// The kinds of schema objects besides tables, in the order a dump creates them: routines
/// first (a view may call a function), then views, triggers (on the loaded tables) and events.
const OBJECT_KINDS: [&str; 5] = ["function", "procedure", "view", "trigger", "event"];

/// A view, trigger, stored routine or event as `SHOW CREATE` gives it, with the session
/// settings it was created under (empty where `SHOW CREATE` reports none).
#[derive(Debug, PartialEq)]
struct Object {
    kind: &'static str,
    name: String,
    sql_mode: String,
    charset: String,
    collation: String,
    time_zone: String,
    /// Its `CREATE` without DEFINER, as compared and fingerprinted (the restoring login may
    /// not be allowed to name another definer, and becomes it then).
    create: String,
    /// Its `CREATE` as shown, DEFINER and all, as the dump holds it.
    shown: String,
}

impl Object {
    /// Its block in the dump: the session settings, then the statement between `DELIMITER`
    /// lines, so the `mariadb` client does not split a body at its semicolons.
    fn block(&self) -> String {
        let or = |v: &str, default: &str| quote_str(if v.is_empty() { default } else { v });
        format!(
            "SET SESSION sql_mode = {}, character_set_client = {}, collation_connection = {}, time_zone = {};\nDELIMITER ;;\n{};;\nDELIMITER ;\n",
            quote_str(&self.sql_mode),
            or(&self.charset, "utf8mb4"),
            or(&self.collation, "utf8mb4_general_ci"),
            or(&self.time_zone, "+00:00"),
            self.shown
        )
    }
}

/// The session statement and the `CREATE` statement of an object block in a dump.
fn parse_block(block: &str) -> Option<(&str, &str)> {
    let (set, rest) = block.split_once("\nDELIMITER ;;\n")?;
    let create = rest.strip_suffix(";;\nDELIMITER ;\n")?;
    set.starts_with("SET SESSION ")
        .then(|| (set.trim_end_matches(';'), create))
}

/// The `character_set_client` an object block's session statement sets, if it is a plain
/// name.
fn client_charset(set: &str) -> Option<&str> {
    let rest = &set[set.find("character_set_client = '")? + "character_set_client = '".len()..];
    let name = &rest[..rest.find('\'')?];
    is_plain_name(name).then_some(name)
}

/// Whether `name` (a character set's) can be written into SQL as it is.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `body` (of a `CREATE TABLE name …`) with its CHECK constraints named `name_chk_…` named
/// `scratch_chk_…` instead. MySQL 8 wants CHECK constraint names unique in the database, so
/// the scratch table cannot reuse the live table's; `RENAME TABLE` renames names that start
/// with the table's name and `_chk_` along with the table, so they are the backup's again
/// after the swap. (MariaDB's names are the table's own: it needs none of this.)
fn scratch_check_names(body: &str, name: &str, scratch: &str) -> String {
    let prefix = |table: &str| format!("CONSTRAINT `{}_chk_", table.replace('`', "``"));
    body.replace(&prefix(name), &prefix(scratch))
}

/// A string literal that reads the same under any sql_mode.
fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `create` without its `DEFINER=user@host` clause (which only a superuser may set to
/// another login), or unchanged if it has none before the object's name.
fn strip_definer(create: &str) -> String {
    let Some(at) = create.find("DEFINER=") else {
        return create.to_string();
    };
    // Only in the head: `CREATE [ALGORITHM=…] DEFINER=`.
    if !create.starts_with("CREATE ")
        || !create[..at]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '=' || c == '_')
    {
        return create.to_string();
    }
    let rest = &create[at + "DEFINER=".len()..];
    let Some((_, mut rest)) = leading_ident(rest) else {
        return create.to_string();
    };
    if let Some(host) = rest.strip_prefix('@') {
        match leading_ident(host) {
            Some((_, r)) => rest = r,
            None => return create.to_string(),
        }
    }
    format!("{}{}", &create[..at], rest.trim_start())
}

/// The backquoted identifiers in `sql` (outside string literals).
fn idents(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find(['`', '\'']) {
        if rest[i..].starts_with('\'') {
            // Skip a string literal ('' and \' stay inside it).
            let mut chars = rest[i + 1..].char_indices();
            let mut end = rest.len();
            while let Some((j, c)) = chars.next() {
                if c == '\\' {
                    chars.next();
                } else if c == '\'' {
                    if rest[i + 1 + j + 1..].starts_with('\'') {
                        chars.next();
                    } else {
                        end = i + 1 + j + 1;
                        break;
                    }
                }
            }
            rest = &rest[end..];
        } else if let Some((name, r)) = leading_ident(&rest[i..]) {
            out.push(name);
            rest = r;
        } else {
            break;
        }
    }
    out
}

/// Views ordered so that each comes after the views its text names (a name may be a column
/// or alias too: that only adds an order, never breaks one); a cycle keeps name order.
fn order_views(mut views: Vec<Object>) -> Vec<Object> {
    let mut done: Vec<Object> = Vec::new();
    while !views.is_empty() {
        let names: Vec<String> = views.iter().map(|v| v.name.clone()).collect();
        let ready = views.iter().position(|v| {
            idents(&v.create)
                .iter()
                .all(|i| i == &v.name || !names.contains(i))
        });
        done.push(views.remove(ready.unwrap_or(0)));
    }
    done
}

/// Feed the objects, in kind then name order, to the schema hash: one line each with kind,
/// name, session settings and `CREATE` text. Events with an end are left out unless
/// `with_ending_events` (as some archives were fingerprinted): see [`ends`].
fn add_objects(h: &mut Sha256, objects: &[Object], with_ending_events: bool) {
    let mut sorted: Vec<&Object> = objects
        .iter()
        .filter(|o| with_ending_events || !ends(&o.create))
        .collect();
    sorted.sort_by(|a, b| (a.kind, a.name.as_bytes()).cmp(&(b.kind, b.name.as_bytes())));
    for o in sorted {
        schema_line(
            h,
            &format!(
                "{} {}\n{}\n{}\n{}\n{}\n{}",
                o.kind, o.name, o.sql_mode, o.charset, o.collation, o.time_zone, o.create
            ),
        );
    }
}

/// Make a view, trigger, routine or event from its `CREATE` text, under its session
/// statement `set` (already run). The dump holds the text as UTF-8; an object made over a
/// connection in another character set (latin1, say) is sent in that one, as it was made.
async fn make_object(conn: &mut Conn, set: &str, create: &str) -> mysql_async::Result<()> {
    let bytes: Vec<u8> = match client_charset(set) {
        Some(charset) if !charset.starts_with("utf8") => conn
            .query_first(format!(
                "SELECT CAST(CONVERT(_utf8mb4 X'{}' USING {charset}) AS BINARY)",
                hex(create.as_bytes())
            ))
            .await?
            .unwrap_or_default(),
        _ => create.as_bytes().to_vec(),
    };
    match std::str::from_utf8(&bytes).ok().and_then(made_in_two_steps) {
        Some((create, alter)) => {
            conn.query_drop(create).await?;
            conn.query_drop(alter).await
        }
        None => conn.query_drop(bytes.as_slice()).await,
    }
}

/// Whether an object's `CREATE` text (without DEFINER) is an event with an end (a one-time
/// event, or one with `ENDS`). Once that moment has passed, a server whose event scheduler
/// is off still holds it, but given it again drops it (or, `ON COMPLETION PRESERVE`,
/// disables it), so it is made in two steps ([`made_in_two_steps`]); one whose scheduler
/// is on runs it and drops or disables it itself, so such events are not compared.
fn ends(create: &str) -> bool {
    let schedule = create.split(" ON COMPLETION ").next().unwrap_or_default();
    create.starts_with("CREATE EVENT ")
        && (schedule.contains(" ON SCHEDULE AT ") || schedule.contains(" ENDS '"))
}

/// An event with an end, as two statements that make it as it was even once its end has
/// passed: the `CREATE` kept on completion and disabled (which the server accepts for a
/// time past), then an `ALTER EVENT` giving back its own completion and status. `None` for
/// anything else, which is made by its `CREATE` alone.
fn made_in_two_steps(shown: &str) -> Option<(String, String)> {
    let create = strip_definer(shown);
    if !ends(&create) {
        return None;
    }
    // `DEFINER=… ` as shown, kept where it was: right after `CREATE `.
    let definer = &shown["CREATE ".len()..shown.len() - create.len() + "CREATE ".len()];
    let (name, _) = leading_ident(create.strip_prefix("CREATE EVENT ")?)?;
    let (schedule, rest) = create.split_once(" ON COMPLETION ")?;
    let completion = if rest.starts_with("NOT PRESERVE ") {
        "NOT PRESERVE"
    } else {
        "PRESERVE"
    };
    let rest = &rest[completion.len() + 1..];
    let status = [
        "DISABLE ON SLAVE",
        "DISABLE ON REPLICA",
        "ENABLE",
        "DISABLE",
    ]
    .into_iter()
    .find(|s| rest.starts_with(s))?;
    Some((
        format!(
            "CREATE {definer}{} ON COMPLETION PRESERVE DISABLE{}",
            &schedule["CREATE ".len()..],
            &rest[status.len()..]
        ),
        format!(
            "ALTER EVENT {} ON COMPLETION {completion} {status}",
            quote(&name)
        ),
    ))
}

/// The columns a trigger's body names as `NEW.x` or `OLD.x` (outside its string literals).
fn row_references(body: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_string: Option<char> = None;
    let mut prev: Option<char> = None;
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match in_string {
            Some(_) if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => in_string = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => in_string = Some(c),
            None => {
                let starts_word = !prev.is_some_and(|p| p.is_alphanumeric() || "_$`".contains(p));
                let row = body.get(i..i + 4).map(str::to_ascii_uppercase);
                if starts_word && matches!(row.as_deref(), Some("NEW." | "OLD.")) {
                    let rest = &body[i + 4..];
                    let name = match leading_ident(rest) {
                        Some((name, _)) => Some(name),
                        None => {
                            let end = rest
                                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                                .unwrap_or(rest.len());
                            (end > 0).then(|| rest[..end].to_string())
                        }
                    };
                    found.extend(name);
                }
            }
        }
        prev = Some(c);
    }
    found
}

/// Whether a `CREATE` text names the database `db` as a qualifier (`` `db`.x `` or `db.x`),
/// outside its string literals.
fn names_database(create: &str, db: &str) -> bool {
    let (plain, quoted) = (format!("{db}."), format!("{}.", quote(db)));
    let mut in_string: Option<char> = None;
    let mut prev: Option<char> = None;
    let mut chars = create.char_indices();
    while let Some((i, c)) = chars.next() {
        match in_string {
            Some(_) if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => in_string = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => in_string = Some(c),
            None => {
                let starts_word = !prev.is_some_and(|p| p.is_alphanumeric() || "_$".contains(p));
                let rest = &create[i..];
                if starts_word && (rest.starts_with(&plain) || rest.starts_with(&quoted)) {
                    return true;
                }
            }
        }
        prev = Some(c);
    }
    false
}

/// ` (the backup has: …; the server made: …)` for the first line of a table's definition
/// in the backup (`wanted`) that the server made otherwise (`got`).
fn first_difference(wanted: &str, got: &str) -> String {
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

/// For a restore whose objects fail the schema check: the first object the dump makes that
/// is not there as it was made, or else the first one there the dump does not make (the
/// start of its `CREATE` text), or nothing when the objects agree (a table differs then).
fn object_difference(dumped: &[(String, String)], live: &[Object]) -> String {
    let made: Vec<&str> = live
        .iter()
        .map(|o| o.create.as_str())
        .filter(|create| !ends(create))
        .collect();
    let wanted: Vec<String> = dumped
        .iter()
        .filter_map(|(_, block)| parse_block(block).map(|(_, create)| strip_definer(create)))
        .filter(|create| !ends(create))
        .collect();
    let start = |c: &str| c.chars().take(80).collect::<String>();
    if let Some(w) = wanted.iter().find(|w| !made.contains(&w.as_str())) {
        format!(" (not as the backup made it: {}…)", start(w))
    } else if let Some(m) = made.iter().find(|m| !wanted.iter().any(|w| w == *m)) {
        format!(" (not in the backup: {}…)", start(m))
    } else {
        String::new()
    }
}

/// The rights needed to drop and create objects of `kind`.
fn rights_for(kind: &str) -> &'static [&'static str] {
    match kind {
        "view" => &["CREATE VIEW", "SHOW VIEW"],
        "trigger" => &["TRIGGER"],
        "function" | "procedure" => &["CREATE ROUTINE", "ALTER ROUTINE"],
        "event" => &["EVENT"],
        // Scratch tables made, filled, keyed, swapped in by RENAME, the old ones dropped.
        "table" => &["CREATE", "INSERT", "ALTER", "DROP"],
        _ => &[],
    }
}

impl Mysql {
    /// Parse `mysql://user[:password]@host[:port]/db[?socket=/path&port=N]`.
    pub fn parse(rest: &str) -> Result<Mysql> {
        let u = super::url::parse(
            rest,
            3306,
            "mysql://user@host:3306/database (add ?socket=/run/mysqld/mysqld.sock for a unix socket)",
        )?;
        let mut m = Mysql {
            user: u.user,
            password: u.password,
            host: u.host,
            port: u.port,
            dbname: u.dbname,
            socket: None,
            tls: TlsMode::default(),
            tls_ca: None,
        };
        for (k, v) in u.options {
            match k.as_str() {
                "socket" => m.socket = Some(v),
                "ssl-mode" | "ssl_mode" | "sslmode" => m.tls = TlsMode::parse_mysql(&v)?,
                "ssl-ca" | "ssl_ca" => m.tls_ca = Some(v),
                "port" => m.port = super::url::port(&v)?,
                _ => {
                    return Err(Error::invalid(format!(
                        "The database URL option {k:?} is not supported; use socket=, port=, ssl-mode= or ssl-ca=."
                    )))
                }
            }
        }
        super::tls::check_ca(
            m.tls,
            m.tls_ca.as_deref(),
            "ssl-ca",
            "ssl-mode=VERIFY_IDENTITY",
            m.socket.is_some(),
        )?;
        Ok(m)
    }

    /// The URL without the password.
    pub fn url(&self) -> String {
        let (user, db) = (
            super::url::encode(&self.user, ""),
            super::url::encode(&self.dbname, ""),
        );
        let base = format!(
            "mysql://{user}@{}:{}/{db}",
            super::url::host(&self.host),
            self.port
        );
        let mut query = Vec::new();
        if let Some(s) = &self.socket {
            query.push(format!("socket={}", super::url::encode(s, "/")));
        }
        if self.tls != TlsMode::Prefer {
            query.push(format!("ssl-mode={}", self.tls.mysql_name()));
        }
        if let Some(ca) = &self.tls_ca {
            query.push(format!("ssl-ca={}", super::url::encode(ca, "/")));
        }
        if query.is_empty() {
            base
        } else {
            format!("{base}?{}", query.join("&"))
        }
    }

    fn place(&self) -> String {
        match &self.socket {
            Some(s) => format!("{} on {s}", self.dbname),
            None => format!("{} on {}:{}", self.dbname, self.host, self.port),
        }
    }

    async fn connect(&self) -> Result<Conn> {
        // A unix socket is local and never carries TLS (mysql_async does not secure one).
        let tls = match self.socket {
            Some(_) => TlsMode::Disable,
            None => self.tls,
        };
        match self.connect_with(tls != TlsMode::Disable).await {
            Err(Failure::NoTls) if tls == TlsMode::Prefer => {
                self.connect_with(false).await.map_err(|f| self.failure(f))
            }
            other => other.map_err(|f| self.failure(f)),
        }
    }

    fn failure(&self, f: Failure) -> Error {
        match f {
            Failure::Error(e) => e,
            Failure::NoTls => Error::invalid(format!(
                "The MySQL server for {} does not offer TLS, but the database URL says ssl-mode={}; turn on TLS in the server{}.",
                self.place(),
                self.tls.mysql_name(),
                if self.tls.verifies() { "" } else { ", or use ssl-mode=PREFERRED" }
            )),
        }
    }

    async fn connect_with(&self, tls: bool) -> std::result::Result<Conn, Failure> {
        if tls && self.tls.verifies() {
            // The certificate file, checked here for a clear sentence if it is unusable.
            super::tls::client_config(self.tls, self.tls_ca.as_deref()).map_err(Failure::Error)?;
        }
        let ssl = tls.then(|| {
            super::tls::install_provider();
            let roots = self
                .tls_ca
                .iter()
                .map(|ca| std::path::PathBuf::from(ca).into());
            match self.tls {
                // VERIFY_IDENTITY: the certificate checked against the authority and the host
                // name; mysql_async adds Mozilla's list unless a file is given.
                TlsMode::VerifyCa | TlsMode::VerifyFull => mysql_async::SslOpts::default()
                    .with_root_certs(roots.collect())
                    .with_disable_built_in_roots(self.tls_ca.is_some()),
                // As the mysql client's REQUIRED: encrypted, the certificate not checked.
                _ => mysql_async::SslOpts::default()
                    .with_danger_accept_invalid_certs(true)
                    .with_danger_skip_domain_validation(true),
            }
        });
        let opts = OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(self.user.clone()))
            .pass(self.password.clone())
            .db_name(Some(self.dbname.clone()))
            .socket(self.socket.clone())
            .prefer_socket(false)
            // The protocol's own limit: a row as big as the server holds can be read (the
            // client's default, the server's max_allowed_packet, fails on it).
            .max_allowed_packet(Some(1 << 30))
            .ssl_opts(ssl)
            .setup(
                SESSION
                    .iter()
                    .map(|s| s.to_string())
                    .chain([format!(
                        "SET SESSION lock_wait_timeout = {LOCK_WAIT_SECONDS}"
                    )])
                    .collect::<Vec<_>>(),
            );
        let connect = Conn::new(opts);
        match tokio::time::timeout(std::time::Duration::from_secs(15), connect).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(mysql_async::Error::Driver(
                mysql_async::DriverError::NoClientSslFlagFromServer,
            ))) => Err(Failure::NoTls),
            Ok(Err(e)) => Err(Failure::Error(self.connect_error(e))),
            Err(_) => Err(Failure::Error(Error::new(
                ErrorKind::Database,
                format!(
                    "The MySQL server at {}:{} did not answer within 15 seconds; check the host and port.",
                    self.host, self.port
                ),
            ))),
        }
    }

    fn connect_error(&self, e: mysql_async::Error) -> Error {
        let user = &self.user;
        if let Some(bad) =
            super::tls::certificate_problem(&e, &self.place(), "ssl-mode= and ssl-ca=")
        {
            return bad;
        }
        match &e {
            // MySQL's and MariaDB's codes for require_secure_transport refusing plain text.
            mysql_async::Error::Server(s) if s.code == 3159 || s.code == 4036 => Error::invalid(format!(
                "The MySQL server for {} accepts only encrypted connections; remove ssl-mode=DISABLED from the database URL (or use ssl-mode=REQUIRED).",
                self.place()
            )),
            mysql_async::Error::Server(s) if s.code == 1045 && self.password.is_none() => Error::new(
                ErrorKind::PasswordRequired,
                format!("The MySQL server asks for a password for user {user}; {HOW_TO_GIVE}."),
            ),
            // MariaDB refuses a plain connection to a server that demands TLS with the same
            // code as a wrong password.
            mysql_async::Error::Server(s) if s.code == 1045 && self.tls == TlsMode::Disable => Error::invalid(format!(
                "The MySQL server refused user {user}; check the password, and whether the server accepts only encrypted connections (then remove ssl-mode=DISABLED from the database URL)."
            )),
            mysql_async::Error::Server(s) if s.code == 1045 => Error::invalid(format!(
                "The MySQL server refused the password for user {user}; check the password and {HOW_TO_GIVE}."
            )),
            mysql_async::Error::Server(s) if s.code == 1049 => Error::invalid(format!(
                "The database {} does not exist on the MySQL server; check the database name.",
                self.dbname
            )),
            mysql_async::Error::Server(s) if s.code == 1044 => Error::invalid(format!(
                "User {user} has no rights on the database {}; grant them, or use the shop's own login.",
                self.dbname
            )),
            mysql_async::Error::Server(_) => self.db_error(e),
            _ => Error::new(
                ErrorKind::Database,
                format!(
                    "Could not reach the MySQL server for {}; check the host and port and that the server is running ({e}).",
                    self.place()
                ),
            ),
        }
    }

    fn db_error(&self, e: mysql_async::Error) -> Error {
        match e {
            mysql_async::Error::Server(s) if matches!(s.code, 1142 | 1143 | 1044 | 1227) => Error::new(
                ErrorKind::Database,
                format!(
                    "User {} lacks a right ShopSafe needs on {}: {}; grant it, or use the shop's own login.",
                    self.user,
                    self.place(),
                    s.message.trim_end_matches('.')
                ),
            ),
            mysql_async::Error::Server(s) => Error::new(
                ErrorKind::Database,
                format!("MySQL reported an error on {}: {}.", self.place(), s.message.trim_end_matches('.')),
            ),
            other => Error::new(
                ErrorKind::Database,
                format!("The connection to MySQL ({}) failed: {other}.", self.place()),
            ),
        }
    }

    /// Connect and run a trivial query; one sentence if that fails.
    pub fn check(&self) -> Result<()> {
        super::block_on(async {
            let mut conn = self.connect().await?;
            conn.query_drop("SELECT 1")
                .await
                .map_err(|e| self.db_error(e))?;
            let _ = conn.disconnect().await;
            Ok(())
        })
    }

    /// Connect and describe the server and database in a few words: "MariaDB 10.11.14 — 12 tables".
    pub fn describe(&self) -> Result<String> {
        super::block_on(async {
            let mut conn = self.connect().await?;
            let version: Option<String> = conn
                .query_first("SELECT VERSION()")
                .await
                .map_err(|e| self.db_error(e))?;
            let n = self.tables(&mut conn).await?.len();
            // What a backup would refuse for: objects the server hides from this login.
            let blind = self.rights(&mut conn).await?.blind_spots();
            let _ = conn.disconnect().await;
            let version = version.unwrap_or_default();
            let number = version.split('-').next().unwrap_or("");
            let flavour = if version.contains("MariaDB") {
                "MariaDB"
            } else {
                "MySQL"
            };
            let warning = match blind.is_empty() {
                true => String::new(),
                false => format!(
                    "; user {} cannot see the {} there (it lacks the {} right), so a backup would be refused",
                    self.user,
                    blind.iter().map(|b| b.0).collect::<Vec<_>>().join(" or "),
                    blind.iter().map(|b| b.1).collect::<Vec<_>>().join(", ")
                ),
            };
            Ok(format!(
                "{flavour} {number} — {}{warning}",
                super::tables_phrase(n)
            ))
        })
    }

    async fn tables(&self, conn: &mut Conn) -> Result<Vec<String>> {
        self.tables_where(conn, "TRUE").await
    }

    /// The tables whose engine has no snapshot (LOCKED_ENGINES), in the same order.
    async fn tables_without_snapshot(&self, conn: &mut Conn) -> Result<Vec<String>> {
        self.tables_where(conn, &format!("ENGINE IN ({LOCKED_ENGINES})"))
            .await
    }

    async fn tables_where(&self, conn: &mut Conn, condition: &str) -> Result<Vec<String>> {
        conn.query(format!(
            "SELECT TABLE_NAME FROM information_schema.TABLES
              WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND {condition}
                AND TABLE_NAME NOT LIKE BINARY '\\_shopsafe\\_new\\_%' AND TABLE_NAME NOT LIKE BINARY '\\_shopsafe\\_old\\_%'
              ORDER BY BINARY TABLE_NAME"
        ))
        .await
        .map_err(|e| self.db_error(e))
    }

    /// How to read and write `table`'s rows: the columns that hold data, then (read only)
    /// its stored generated ones.
    async fn columns(&self, conn: &mut Conn, table: &str) -> Result<Columns> {
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

    /// The views, triggers, routines and events of the database in dump order, and the
    /// routines whose definition this login cannot read (`kind name`).
    async fn objects(&self, conn: &mut Conn) -> Result<(Vec<Object>, Vec<String>)> {
        let e = |e| self.db_error(e);
        let mut objects = Vec::new();
        let mut hidden = Vec::new();
        for kind in OBJECT_KINDS {
            // Triggers keep their table and firing order; the rest go by name.
            let list = match kind {
                "function" | "procedure" => format!(
                    "SELECT ROUTINE_NAME FROM information_schema.ROUTINES
                      WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = '{}'
                      ORDER BY BINARY ROUTINE_NAME",
                    kind.to_uppercase()
                ),
                "view" => "SELECT TABLE_NAME FROM information_schema.VIEWS
                            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE BINARY '\\_shopsafe\\_%'
                            ORDER BY BINARY TABLE_NAME"
                    .to_string(),
                "trigger" => "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS
                               WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE NOT LIKE BINARY '\\_shopsafe\\_%'
                               ORDER BY BINARY EVENT_OBJECT_TABLE, ACTION_ORDER, BINARY TRIGGER_NAME"
                    .to_string(),
                _ => "SELECT EVENT_NAME FROM information_schema.EVENTS
                       WHERE EVENT_SCHEMA = DATABASE() ORDER BY BINARY EVENT_NAME"
                    .to_string(),
            };
            let of_kind: Vec<String> = conn.query(list).await.map_err(e)?;
            let mut found = Vec::new();
            for name in &of_kind {
                let row: Option<mysql_async::Row> = conn
                    .query_first(format!(
                        "SHOW CREATE {} {}",
                        kind.to_uppercase(),
                        quote(name)
                    ))
                    .await
                    .map_err(e)?;
                let col = |i: usize| -> Option<String> {
                    row.as_ref()
                        .and_then(|r| r.get_opt::<Option<String>, _>(i))
                        .and_then(|v| v.ok())
                        .flatten()
                };
                // Column positions of SHOW CREATE VIEW / TRIGGER / FUNCTION / PROCEDURE / EVENT.
                let (mode, tz, create, charset) = match kind {
                    "view" => (None, None, 1, 2),
                    "event" => (Some(1), Some(2), 3, 4),
                    _ => (Some(1), None, 2, 3),
                };
                let Some(text) = col(create) else {
                    hidden.push(format!("{kind} {name}"));
                    continue;
                };
                let mut shown = text;
                if kind == "view" {
                    // A view whose definer no longer exists is shown with its columns
                    // qualified by the database's name, which would tie it to this database
                    // (and its text to the definer) when it is made again.
                    shown = shown.replace(&format!("{}.", quote(&self.dbname)), "");
                }
                found.push(Object {
                    kind,
                    name: name.clone(),
                    sql_mode: mode.and_then(col).unwrap_or_default(),
                    charset: col(charset).unwrap_or_default(),
                    collation: col(charset + 1).unwrap_or_default(),
                    time_zone: tz.and_then(col).unwrap_or_default(),
                    create: strip_definer(&shown),
                    shown,
                });
            }
            if kind == "view" {
                found = order_views(found);
            }
            objects.extend(found);
        }
        Ok((objects, hidden))
    }

    /// Row counts of the live tables (for a restore plan).
    pub fn row_counts(&self) -> Result<Vec<(String, u64)>> {
        super::block_on(async {
            let mut conn = self.connect().await?;
            let mut out = Vec::new();
            for t in self.tables(&mut conn).await? {
                let n: Option<u64> = conn
                    .query_first(format!("SELECT COUNT(*) FROM {}", quote(&t)))
                    .await
                    .map_err(|e| self.db_error(e))?;
                out.push((t, n.unwrap_or(0)));
            }
            Ok(out)
        })
    }

    /// Dump the database (into the archive being written, or a rollback point's file),
    /// measuring every table as its rows stream past.
    pub(super) async fn dump(
        &self,
        to: DumpTo<'_>,
        cancel: &CancelToken,
    ) -> Result<(super::Snapshot, super::Inspection)> {
        let mut conn = self.connect().await?;
        // Tables without a snapshot are held still by a read lock on a second connection,
        // from before the snapshot is taken until the last of them is read: they are read
        // as they were at the snapshot.
        let held = self.tables_without_snapshot(&mut conn).await?;
        let mut lock = match held.is_empty() {
            true => None,
            false => Some(self.lock_for_reading(&held).await?),
        };
        let result = self
            .dump_in_snapshot(&mut conn, to, cancel, &held, &mut lock)
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
            other => self.db_error(other),
        }
    }

    async fn dump_in_snapshot(
        &self,
        conn: &mut Conn,
        to: DumpTo<'_>,
        cancel: &CancelToken,
        held: &[String],
        lock: &mut Option<Conn>,
    ) -> Result<(super::Snapshot, super::Inspection)> {
        let e = |e| self.snapshot_error(e);
        conn.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .await
            .map_err(e)?;
        conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .await
            .map_err(e)?;
        // Touch the held tables now: the transaction keeps them open until it ends, so an
        // ALTER TABLE waiting for the read lock to go cannot make the dump queue behind it.
        for t in held {
            conn.query_drop(format!("SELECT 1 FROM {} LIMIT 0", quote(t)))
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
                    "User {} cannot see the {} of the database {}, because it lacks the {} {right} there, so a backup could miss them; grant {it} (GRANT {} ON {}.* TO the shop's login), or use the shop's own login. Nothing was written.",
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
            return Err(Error::invalid(format!(
                "The database {} holds things ShopSafe cannot back up natively yet: {}; nothing was written.",
                self.dbname,
                unsupported.join(", ")
            )));
        }
        // A view whose table, column or function is gone could not be created again: a
        // restore of the backup would fail after the swap.
        for view in objects.iter().filter(|o| o.kind == "view") {
            if let Err(err) = conn
                .query_drop(format!("SHOW COLUMNS FROM {}", quote(&view.name)))
                .await
            {
                let why = match &err {
                    mysql_async::Error::Server(s) => s.message.trim_end_matches('.').to_string(),
                    _ => return Err(e(err)),
                };
                return Err(Error::invalid(format!(
                    "The view {} of the database {} no longer works ({why}), so a restore could not create it again; fix or drop the view, then back up again. Nothing was written.",
                    view.name, self.dbname
                )));
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
        let triggers: Vec<(String, String, String)> = conn
            .query(
                "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_STATEMENT FROM information_schema.TRIGGERS
                  WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY BINARY TRIGGER_NAME",
            )
            .await
            .map_err(e)?;
        for (trigger, table, body) in &triggers {
            let has = |c: &str| {
                columns
                    .iter()
                    .any(|(t, col)| t == table && col.eq_ignore_ascii_case(c))
            };
            if let Some(gone) = row_references(body).into_iter().find(|c| !has(c)) {
                return Err(Error::invalid(format!(
                    "The trigger {trigger} of the database {} uses the column {gone}, which its table {table} no longer has, so a restore could not create it again; fix or drop the trigger, then back up again. Nothing was written.",
                    self.dbname
                )));
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
                 -- Restore by hand into an empty database: mariadb --binary-mode DATABASE < dump.sql"
            ),
            &SESSION.map(|s| format!("{s};")).join("\n"),
        )?;
        let mut stats = Vec::new();
        let mut schema = Sha256::new();
        for t in self.tables(conn).await? {
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
                        failed = Some(Error::invalid(format!(
                            "Table {t} has a row that takes {} bytes as SQL text (binary values written in hexadecimal take twice their size), more than the server accepts in one statement (max_allowed_packet is {packet}, some of which the protocol uses); raise max_allowed_packet on the server, then back up again.",
                            prefix.len() + row_text.len()
                        )));
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
            super::Snapshot {
                server_version: version,
                database_name: self.dbname.clone(),
                method: "native-mysql".to_string(),
            },
            super::Inspection {
                schema_fingerprint: hex(&schema.finalize()),
                tables: stats,
                foreign_key_violations: 0,
            },
        ))
    }

    /// Check that a staged file is a ShopSafe MySQL dump.
    pub fn check_staged(&self, staged: &Path) -> Result<()> {
        dumpfile::marker(staged, "create").map(drop)
    }

    /// Load `staged` into scratch tables, check them against `expected`, swap them in with
    /// one `RENAME TABLE`, drop the old tables and add the foreign keys.
    pub fn apply(
        &self,
        staged: &Path,
        expected: Option<&DatabasePart>,
    ) -> std::result::Result<(), super::Failed> {
        super::block_on(async {
            let mut conn = self.connect().await.map_err(|error| super::Failed {
                error,
                changed: false,
            })?;
            let result = self.load_and_swap(&mut conn, staged, expected).await;
            let _ = conn.disconnect().await;
            result
        })
    }

    async fn load_and_swap(
        &self,
        conn: &mut Conn,
        staged: &Path,
        expected: Option<&DatabasePart>,
    ) -> std::result::Result<(), super::Failed> {
        let e = |e| self.db_error(e);
        let before = |error| super::Failed {
            error,
            changed: false,
        };
        let after = |error| super::Failed {
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
        // The rights to make, fill and swap in tables, before any work is done (those for
        // the objects once the dump has said which it holds).
        self.check_rights(conn, &["table"]).await.map_err(before)?;
        // A login that may run only so many statements an hour must not run out halfway,
        // nor while putting the shop back: the dump's statements, a few more per table to
        // make, check and swap it, and as many again for a rollback.
        if let Some((limit, n)) = self.rights(conn).await.map_err(before)?.hourly_limit {
            let mut statements = 60;
            for block in dumpfile::blocks(staged).map_err(before)? {
                let (kind, _) = block.map_err(before)?;
                statements += if kind == "create" { 7 } else { 1 };
            }
            if n < 2 * statements {
                return Err(before(Error::invalid(format!(
                    "User {} may run only {n} statements an hour ({limit}), and restoring this backup takes about {statements}, with as many again to put the shop back should a step fail; ask for that limit to be raised above {} (or lifted), then restore again.",
                    self.user,
                    2 * statements
                ))));
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
            .map_err(|err| before(e(err)))?;
        if let Some((db, table, key, target)) = incoming {
            return Err(before(Error::invalid(format!(
                "The table {db}.{table} of another database has a foreign key ({key}) to the table {target} of {}, which a restore cannot keep pointing at the restored table; drop that foreign key, restore, then add it again.",
                self.dbname
            ))));
        }
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
                let (kind, sql) = stmt?;
                if kind != "insert" && open {
                    if let Some(lanes) = lanes.as_mut() {
                        lanes.wait(self).await?;
                    }
                    self.finish_scratch(
                        conn,
                        loaded.last().ok_or_else(bad_dump)?,
                        expected.is_some(),
                    )
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
                            return Err(Error::invalid(format!(
                                "it holds rows of table {} that make a statement of {} bytes, more than the MySQL server takes in one (its max_allowed_packet is {packet}, some of which the protocol uses); raise max_allowed_packet on the server (SET GLOBAL max_allowed_packet = 1073741824, or in its configuration), then restore again.",
                                s.name,
                                insert.len()
                            )));
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
                if let Some(lanes) = lanes.as_mut() {
                    lanes.wait(self).await?;
                }
                self.finish_scratch(
                    conn,
                    loaded.last().ok_or_else(bad_dump)?,
                    expected.is_some(),
                )
                .await?;
            }
            if let Some(expected) = expected {
                let pairs: Vec<(String, String)> = loaded
                    .iter()
                    .map(|s| (s.name.clone(), s.scratch.clone()))
                    .collect();
                self.compare_tables(conn, &pairs, expected).await?;
            }
            Ok(())
        }
        .await;
        if let Some(lanes) = lanes {
            lanes.close().await;
        }
        if let Err(mut err) = load {
            let _ = self.drop_scratch(conn).await;
            // The server names the scratch tables; say the shop's (the highest numbers first,
            // so `_shopsafe_new_1` does not eat into `_shopsafe_new_12`).
            for s in loaded.iter().rev() {
                err.message = err.message.replace(&s.scratch, &s.name);
            }
            let newer = expected
                .filter(|_| lacks_something(&err.message))
                .and_then(|x| {
                    // The server's own words, without "MySQL reported an error on …: ".
                    let said = err
                        .message
                        .split_once(": ")
                        .map_or(&*err.message, |(_, m)| m);
                    super::from_other_server("MySQL", &x.server_version, &live, 2, said)
                });
            return Err(before(Error::new(
                err.kind,
                newer.unwrap_or_else(|| format!("The backup could not be loaded: {}", err.message)),
            )));
        }
        // An object that names the backup's database would be made there, not here.
        if let Some(x) = expected.filter(|x| x.database_name != self.dbname) {
            let named = objects.iter().find_map(|(kind, block)| {
                let (_, create) = parse_block(block)?;
                names_database(create, &x.database_name).then_some(kind)
            });
            if let Some(kind) = named {
                let _ = self.drop_scratch(conn).await;
                return Err(before(Error::invalid(format!(
                    "A {kind} in the backup names its database {db} in its definition, so restoring it into {here} would change {db}; restore it into {db}, or leave the database's name out of that {kind} in the shop and back up again.",
                    db = x.database_name,
                    here = self.dbname
                ))));
            }
        }
        // The rights to remove the live objects and create the backup's (and to put the live
        // ones back if a later step fails), checked before anything changes.
        let mut kinds: Vec<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
        let rights = match self.live_kinds(conn).await {
            Ok(live) => {
                kinds.extend(live);
                self.check_rights(conn, &kinds).await
            }
            Err(err) => Err(err),
        };
        if let Err(err) = rights {
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
        if !renames.is_empty() {
            if let Err(err) = conn
                .query_drop(format!("RENAME TABLE {}", renames.join(", ")))
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
                let adds: Vec<String> = s.fks.iter().map(|f| format!("ADD {f}")).collect();
                conn.query_drop(format!(
                    "ALTER TABLE {} {}",
                    quote(&s.name),
                    adds.join(", ")
                ))
                .await
                .map_err(|err| after(e(err)))?;
            }
        }
        self.replace_objects(conn, &objects).await.map_err(after)?;
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
        Ok(())
    }

    /// After a scratch table's rows: add its secondary keys (built by sorting,
    /// faster than keeping them up to date row by row) in one statement, and, when `check`,
    /// make sure the table came out as the dump's `CREATE TABLE` says. A MEMORY table, made
    /// under [`HEAP_LIMIT`], is made again with the server's own limit on its size (which it
    /// gets from the session that makes it), as a table the shop made has it, unless its rows
    /// do not fit in that.
    async fn finish_scratch(&self, conn: &mut Conn, s: &Scratch, check: bool) -> Result<()> {
        let e = |e| self.db_error(e);
        let memory = s.create.contains("\n) ENGINE=MEMORY");
        let mut changes: Vec<String> = s.keys.iter().map(|k| format!("ADD {k}")).collect();
        if memory {
            changes.push("ENGINE=MEMORY".into());
        }
        if !changes.is_empty() {
            let alter = |changes: &[String]| {
                format!("ALTER TABLE {} {}", quote(&s.scratch), changes.join(", "))
            };
            if memory {
                conn.query_drop("SET SESSION max_heap_table_size = @@GLOBAL.max_heap_table_size")
                    .await
                    .map_err(e)?;
            }
            let done = conn.query_drop(alter(&changes)).await;
            if memory {
                conn.query_drop(HEAP_LIMIT).await.map_err(e)?;
            }
            match done {
                // Too big for the server's limit: it keeps the one it was loaded with.
                Err(mysql_async::Error::Server(x)) if memory && x.code == 1114 => {
                    if !s.keys.is_empty() {
                        conn.query_drop(alter(&changes[..s.keys.len()]))
                            .await
                            .map_err(e)?;
                    }
                }
                done => done.map_err(e)?,
            }
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

    /// The kinds of objects (views, triggers, routines, events) the live database holds.
    async fn live_kinds(&self, conn: &mut Conn) -> Result<Vec<&'static str>> {
        let (objects, hidden) = self.objects(conn).await?;
        let mut kinds: Vec<&'static str> = objects.iter().map(|o| o.kind).collect();
        for h in &hidden {
            if let Some(k) = OBJECT_KINDS
                .iter()
                .find(|k| h.starts_with(&format!("{k} ")))
            {
                kinds.push(k);
            }
        }
        Ok(kinds)
    }

    /// The rights this login holds on its database.
    async fn rights(&self, conn: &mut Conn) -> Result<Rights> {
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

    /// Fail with one sentence unless this login holds, on the database or globally, every
    /// right that dropping and creating objects of `kinds` needs.
    async fn check_rights(&self, conn: &mut Conn, kinds: &[&str]) -> Result<()> {
        let needed = kinds.iter().flat_map(|k| rights_for(k).iter().copied());
        let missing = self.rights(conn).await?.missing(needed);
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Database,
            format!(
                "User {} lacks the {} right on the database {}, which restoring its tables, views, triggers and routines needs; grant it (GRANT {} ON {}.* TO the shop's login), or use the shop's own login.",
                self.user,
                missing.join(", "),
                self.dbname,
                missing.join(", "),
                quote(&self.dbname)
            ),
        ))
    }

    /// Drop the live routines and events and create the backup's objects (`(kind, block)`,
    /// in dump order), each under its own session settings. Live views and triggers are gone
    /// already: they went with the old tables.
    async fn replace_objects(&self, conn: &mut Conn, objects: &[(String, String)]) -> Result<()> {
        let e = |e| self.db_error(e);
        let live: Vec<(String, String)> = conn
            .query(
                "SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES
                  WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION')
                 UNION ALL SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
            )
            .await
            .map_err(e)?;
        for (kind, name) in &live {
            conn.query_drop(format!("DROP {kind} {}", quote(name)))
                .await
                .map_err(e)?;
        }
        for (kind, block) in objects {
            let (set, create) = parse_block(block).ok_or_else(bad_dump)?;
            // The server's sentence, saying which object it was making.
            let making = |err| {
                let mut err = self.db_error(err);
                // Backquoted as the server writes it, or as the shop wrote a trigger.
                let name = create
                    .split_once(&format!("{} ", kind.to_uppercase()))
                    .and_then(|(_, rest)| {
                        leading_ident(rest)
                            .map(|(name, _)| name)
                            .or_else(|| rest.split_whitespace().next().map(str::to_string))
                    })
                    .map_or_else(String::new, |name| format!(" {name}"));
                err.message = format!(
                    "{} (making the {kind}{name} of the backup).",
                    err.message.trim_end_matches('.')
                );
                err
            };
            conn.query_drop(set).await.map_err(e)?;
            // With the definer it was shown with, where the login may name another (an
            // administrator's); else the login becomes its definer.
            let bare = strip_definer(create);
            let texts = if bare == create {
                vec![create]
            } else {
                vec![create, bare.as_str()]
            };
            for (i, text) in texts.iter().enumerate() {
                match make_object(conn, set, text).await {
                    Err(mysql_async::Error::Server(s)) if s.code == 1227 && i + 1 < texts.len() => {
                    }
                    made => {
                        made.map_err(making)?;
                        break;
                    }
                }
            }
        }
        if !objects.is_empty() {
            for s in SESSION {
                conn.query_drop(s).await.map_err(e)?;
            }
        }
        Ok(())
    }

    /// Whether `tables` and the database's objects have the schema fingerprint (FORMAT.md
    /// 7.4) `expected`, as written now or, with the events that end, before.
    async fn schema_matches(
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

    async fn drop_scratch(&self, conn: &mut Conn) -> Result<()> {
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

    /// Compare tables (`(name in the manifest, table to read)`) with the manifest.
    async fn compare_tables(
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

    /// Check the live database equals what the manifest records.
    pub fn verify_live(&self, expected: &DatabasePart) -> Result<()> {
        super::block_on(async {
            let mut conn = self.connect().await?;
            let tables = self.tables(&mut conn).await?;
            if !self
                .schema_matches(&mut conn, &tables, &expected.schema_fingerprint)
                .await?
            {
                return Err(Error::new(
                    ErrorKind::VerificationFailed,
                    "The restored database does not have the schema recorded in the manifest.",
                ));
            }
            let pairs: Vec<(String, String)> =
                tables.iter().map(|t| (t.clone(), t.clone())).collect();
            let result = self.compare_tables(&mut conn, &pairs, expected).await;
            let _ = conn.disconnect().await;
            result
        })
    }
}

fn bad_dump() -> Error {
    Error::corrupt("The database part of the archive is not a well-formed ShopSafe MySQL dump.")
}

/// Feed one table's `SHOW CREATE TABLE` (without its counter) to the schema hash.
fn schema_line(h: &mut Sha256, create: &str) {
    let s = shape(create);
    h.update((s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// The bytes of a value as the text protocol sends it.
fn text(v: &Value) -> std::borrow::Cow<'_, [u8]> {
    match v {
        Value::Bytes(b) => std::borrow::Cow::Borrowed(b),
        other => std::borrow::Cow::Owned(other.as_sql(true).trim_matches('\'').as_bytes().to_vec()),
    }
}

/// Count one row: SHA-256 over each value (`n` for NULL, or `b`, u64le length, bytes),
/// encoded into `buf` first so the hash is taken in one call.
fn add_row(sum: &mut RowSum, buf: &mut Vec<u8>, values: &[Value]) {
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

/// Whether a failed statement's message names something the server does not know: syntax,
/// collations, character sets, engines, functions, columns (of a newer server or the other
/// flavour, say); a missing definer login is the server's setup, not its version.
fn lacks_something(message: &str) -> bool {
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

/// Connections a restore loads rows over.
const LOAD_CONNECTIONS: usize = 2;

/// A connection that loads rows: free, or running one statement in a task of its own.
enum Lane {
    Idle(Conn),
    Busy(tokio::task::JoinHandle<(mysql_async::Result<()>, Conn)>),
    Gone,
}

/// Connections that run `INSERT` statements in turn, each while the others run theirs.
struct Lanes(Vec<Lane>, usize);

impl Lanes {
    /// Up to `n` more connections, or None if not even one could be opened.
    async fn open(m: &Mysql, n: usize) -> Option<Lanes> {
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
    async fn send(&mut self, m: &Mysql, sql: String) -> Result<()> {
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
    async fn wait(&mut self, m: &Mysql) -> Result<()> {
        for i in 0..self.0.len() {
            let c = self.settle(m, i).await?;
            self.0[i] = Lane::Idle(c);
        }
        Ok(())
    }

    /// Wait for the statements still running (their errors are already reported or moot)
    /// and disconnect.
    async fn close(self) {
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

/// A table of the dump being loaded into a scratch table.
struct Scratch {
    /// Its name in the dump (and after the swap).
    name: String,
    /// The scratch table's name.
    scratch: String,
    /// The dump's `CREATE TABLE` for the scratch table, without foreign keys.
    create: String,
    /// Its foreign keys, added after the swap.
    fks: Vec<String>,
    /// Its secondary keys, added after its rows.
    keys: Vec<String>,
}

/// Take the secondary keys (`KEY`, `UNIQUE KEY` lines) out of a `CREATE TABLE` body, so they
/// can be added after the rows; returns the body without them and the keys. Only a table
/// with a primary key (else InnoDB clusters on a unique key) whose other keys are all plain
/// B-tree keys not on its AUTO_INCREMENT column (which must stay a key) gives its keys up:
/// adding them all back in their order keeps `SHOW CREATE TABLE` as it was.
fn split_keys(body: &str) -> (String, Vec<String>) {
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

/// Take the `CONSTRAINT … FOREIGN KEY …` lines out of a `CREATE TABLE` body; returns the
/// body without them and the constraints.
fn split_foreign_keys(body: &str) -> (String, Vec<String>) {
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
    fn urls_identifiers_and_foreign_keys() {
        let m = Mysql::parse("shop:p%40ss@db:3307/shop?socket=/run/mysqld/mysqld.sock").unwrap();
        assert_eq!(m.password.as_deref(), Some("p@ss"));
        assert_eq!(
            m.url(),
            "mysql://shop@db:3307/shop?socket=/run/mysqld/mysqld.sock"
        );
        assert!(!format!("{m:?}").contains("p@ss"));
        let v = Mysql::parse("u@h/db?ssl-mode=verify_identity&ssl-ca=/etc/ca.pem").unwrap();
        assert_eq!(
            v.url(),
            "mysql://u@h:3306/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem"
        );
        assert_eq!(Mysql::parse(&v.url()["mysql://".len()..]).unwrap(), v);
        assert!(Mysql::parse("u@h/db?ssl-ca=/etc/ca.pem").is_err());
        assert_eq!(
            leading_ident("`a``b` (x)"),
            Some(("a`b".to_string(), " (x)"))
        );
        let body = " (\n  `id` int NOT NULL,\n  `p` int,\n  PRIMARY KEY (`id`),\n  CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `t` (`id`)\n) ENGINE=InnoDB";
        let (kept, fks) = split_foreign_keys(body);
        assert_eq!(
            fks,
            vec!["CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `t` (`id`)"]
        );
        assert!(kept.contains("PRIMARY KEY (`id`)\n)"), "{kept}");
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

    #[test]
    fn definers_view_order_and_object_blocks() {
        assert_eq!(
            strip_definer("CREATE ALGORITHM=UNDEFINED DEFINER=`ro``ot`@`%` SQL SECURITY DEFINER VIEW `v` AS select 1"),
            "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1"
        );
        assert_eq!(
            strip_definer("CREATE DEFINER=`admin` FUNCTION `f`() RETURNS int RETURN 1"),
            "CREATE FUNCTION `f`() RETURNS int RETURN 1"
        );
        // A DEFINER= inside the body is left alone.
        let body = "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 'DEFINER=`x`'";
        assert_eq!(strip_definer(body), body);
        let view = |name: &str, create: &str| Object {
            kind: "view",
            name: name.into(),
            sql_mode: String::new(),
            charset: "utf8mb4".into(),
            collation: "utf8mb4_general_ci".into(),
            time_zone: String::new(),
            create: create.into(),
            shown: create.into(),
        };
        let ordered = order_views(vec![
            view(
                "a",
                "CREATE VIEW `a` AS select `b`.`x` AS `x` from `b` where 'it''s `c`'",
            ),
            view("b", "CREATE VIEW `b` AS select `t`.`x` AS `x` from `t`"),
            view("c", "CREATE VIEW `c` AS select `a`.`x` AS `x` from `a`"),
        ]);
        let names: Vec<&str> = ordered.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["b", "a", "c"]);
        let block = ordered[0].block();
        assert_eq!(
            parse_block(&block),
            Some((
                "SET SESSION sql_mode = '', character_set_client = 'utf8mb4', collation_connection = 'utf8mb4_general_ci', time_zone = '+00:00'",
                "CREATE VIEW `b` AS select `t`.`x` AS `x` from `t`"
            ))
        );

        // The columns a trigger uses of its row.
        assert_eq!(
            row_references(
                "BEGIN SET NEW.total = OLD.`net total` * 1.2, new.note = 'NEW.x'; SET @renew.y = 1; END"
            ),
            ["total", "net total", "note"]
        );

        // A definition that names the database, outside its strings.
        assert!(names_database(
            "CREATE TRIGGER shop.t BEFORE INSERT ON t",
            "shop"
        ));
        assert!(names_database(
            "CREATE TRIGGER t BEFORE INSERT ON `shop`.`t`",
            "shop"
        ));
        assert!(!names_database(
            "CREATE TRIGGER t BEFORE INSERT ON t FOR EACH ROW SET NEW.u = 'https://shop.example', NEW.v = myshop.f()",
            "shop"
        ));

        // Events with an end are made in two steps; a restore's schema check names the first
        // object that differs.
        let event = |create: &str| Object {
            kind: "event",
            ..view("e", create)
        };
        let once = event("CREATE EVENT `e``s` ON SCHEDULE AT '2020-01-01 00:00:00' ON COMPLETION NOT PRESERVE ENABLE COMMENT 'x' DO DELETE FROM t");
        let until = event("CREATE EVENT `u` ON SCHEDULE EVERY 1 HOUR STARTS '2020-01-01 00:00:00' ENDS '2021-01-01 00:00:00' ON COMPLETION PRESERVE DISABLE ON SLAVE DO SELECT 1");
        let forever = event("CREATE EVENT `f` ON SCHEDULE EVERY 1 HOUR STARTS '2020-01-01 00:00:00' ON COMPLETION NOT PRESERVE ENABLE DO SELECT ' ENDS ''x'' '");
        assert!(
            ends(&once.create)
                && ends(&until.create)
                && !ends(&forever.create)
                && !ends(&ordered[0].create)
        );
        assert_eq!(
            made_in_two_steps(&once.create),
            Some((
                "CREATE EVENT `e``s` ON SCHEDULE AT '2020-01-01 00:00:00' ON COMPLETION PRESERVE DISABLE COMMENT 'x' DO DELETE FROM t".into(),
                "ALTER EVENT `e``s` ON COMPLETION NOT PRESERVE ENABLE".into()
            ))
        );
        assert_eq!(
            made_in_two_steps(&until.create).map(|(_, alter)| alter),
            Some("ALTER EVENT `u` ON COMPLETION PRESERVE DISABLE ON SLAVE".into())
        );
        assert_eq!(made_in_two_steps(&forever.create), None);
        assert_eq!(
            made_in_two_steps("CREATE DEFINER=`a`@`%` EVENT `e` ON SCHEDULE AT '2020-01-01 00:00:00' ON COMPLETION NOT PRESERVE ENABLE DO SELECT 1"),
            Some((
                "CREATE DEFINER=`a`@`%` EVENT `e` ON SCHEDULE AT '2020-01-01 00:00:00' ON COMPLETION PRESERVE DISABLE DO SELECT 1".into(),
                "ALTER EVENT `e` ON COMPLETION NOT PRESERVE ENABLE".into()
            ))
        );
        let dumped: Vec<(String, String)> = [&once, &forever, &ordered[0]]
            .iter()
            .map(|o| (o.kind.to_string(), o.block()))
            .collect();
        assert_eq!(
            object_difference(&dumped, &[forever, view("b", ordered[0].create.as_str())]),
            ""
        );
        assert_eq!(
            first_difference(
                "CREATE TABLE `t` (\n  `a` timestamp NOT NULL,\n  `b` int\n)",
                "CREATE TABLE `t` (\n  `a` timestamp NOT NULL DEFAULT current_timestamp(),\n  `b` int\n)"
            ),
            " (the backup has: `a` timestamp NOT NULL; the server made: `a` timestamp NOT NULL DEFAULT current_timestamp())"
        );
        let missing = object_difference(&dumped, &[view("b", ordered[0].create.as_str())]);
        assert!(
            missing.starts_with(" (not as the backup made it: CREATE EVENT `f` ON SCHEDULE")
                && missing.ends_with("…)"),
            "{missing}"
        );
        assert_eq!(
            object_difference(
                &dumped[2..],
                &[
                    view("b", ordered[0].create.as_str()),
                    view("z", "CREATE VIEW `z` AS select 1")
                ]
            ),
            " (not in the backup: CREATE VIEW `z` AS select 1…)"
        );
    }
}
