//! Views, triggers, stored routines and events: read with `SHOW CREATE` with the session
//! settings each was made under, written into the dump as blocks (DEFINER as shown),
//! fingerprinted without DEFINER, and made again by a restore in place of the live ones
//! (each in the character set it was made in, an event with an end in two steps); with
//! the checks on their text and the rights a restore needs for each kind.

use super::restore::bad_dump;
use super::tables::{is_plain_name, leading_ident, quote, quote_str, schema_line};
use super::{Mysql, SESSION};
use crate::hashing::hex;
use crate::manifest::DatabasePart;
use crate::Result;
use mysql_async::prelude::Queryable;
use mysql_async::Conn;
use sha2::Sha256;

/// The kinds of schema objects besides tables, in the order a dump creates them: routines
/// first (a view may call a function), then views, triggers (on the loaded tables) and events.
pub(super) const OBJECT_KINDS: [&str; 5] = ["function", "procedure", "view", "trigger", "event"];

/// A view, trigger, stored routine or event as `SHOW CREATE` gives it, with the session
/// settings it was created under (empty where `SHOW CREATE` reports none).
#[derive(Debug, PartialEq)]
pub(super) struct Object {
    pub(super) kind: &'static str,
    pub(super) name: String,
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
    pub(super) fn block(&self) -> String {
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
pub(super) fn parse_block(block: &str) -> Option<(&str, &str)> {
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

/// `create` without its `DEFINER=user@host` clause (which only a superuser may set to
/// another login), or unchanged if it has none before the object's name.
fn strip_definer(create: &str) -> String {
    split_definer(create).map_or_else(|| create.to_string(), |(_, bare)| bare)
}

/// The definer (`user@host`, unquoted) of a `create` that names one before the object's
/// name, and `create` without it.
fn split_definer(create: &str) -> Option<(String, String)> {
    let at = create.find("DEFINER=")?;
    // Only in the head: `CREATE [ALGORITHM=…] DEFINER=`.
    if !create.starts_with("CREATE ")
        || !create[..at]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '=' || c == '_')
    {
        return None;
    }
    let (user, mut rest) = leading_ident(&create[at + "DEFINER=".len()..])?;
    let mut definer = user;
    if let Some(host) = rest.strip_prefix('@') {
        let (host, r) = leading_ident(host)?;
        definer = format!("{definer}@{host}");
        rest = r;
    }
    Some((definer, format!("{}{}", &create[..at], rest.trim_start())))
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
pub(super) fn add_objects(h: &mut Sha256, objects: &[Object], with_ending_events: bool) {
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

impl Mysql {
    /// Whether the login can read the definition of the routine `name` (views, triggers and
    /// events it may read by the rights a restore needs anyway).
    async fn can_read(&self, conn: &mut Conn, kind: &str, name: &str) -> Result<bool> {
        if kind != "function" && kind != "procedure" {
            return Ok(true);
        }
        let readable: Option<u8> = conn
            .query_first(format!(
                "SELECT ROUTINE_DEFINITION IS NOT NULL FROM information_schema.ROUTINES
                  WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = '{}' AND ROUTINE_NAME = {}",
                kind.to_uppercase(),
                quote_str(name)
            ))
            .await
            .map_err(|e| self.db_error(e))?;
        Ok(readable == Some(1))
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
        // ALTER EVENT would make its runner the definer, unless it names one.
        format!(
            "ALTER {definer}EVENT {} ON COMPLETION {completion} {status}",
            quote(&name)
        ),
    ))
}

/// Where words start in `sql` outside its string literals: each position whose character
/// follows none of a name's (letter, digit, `_`, `$`, a backquote).
fn word_starts(sql: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut in_string: Option<char> = None;
    let mut prev: Option<char> = None;
    let mut chars = sql.char_indices();
    while let Some((i, c)) = chars.next() {
        match in_string {
            Some(_) if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => in_string = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => in_string = Some(c),
            None if !prev.is_some_and(|p| p.is_alphanumeric() || "_$`".contains(p)) => {
                starts.push(i)
            }
            None => {}
        }
        prev = Some(c);
    }
    starts
}

/// The columns a trigger's body names as `NEW.x` or `OLD.x` (outside its string literals).
pub(super) fn row_references(body: &str) -> Vec<String> {
    word_starts(body)
        .into_iter()
        .filter(|&i| {
            let row = body.get(i..i + 4).map(str::to_ascii_uppercase);
            matches!(row.as_deref(), Some("NEW." | "OLD."))
        })
        .filter_map(|i| {
            let rest = &body[i + 4..];
            match leading_ident(rest) {
                Some((name, _)) => Some(name),
                None => {
                    let end = rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                        .unwrap_or(rest.len());
                    (end > 0).then(|| rest[..end].to_string())
                }
            }
        })
        .collect()
}

/// Whether a `CREATE` text names the database `db` as a qualifier (`` `db`.x `` or `db.x`),
/// outside its string literals.
pub(super) fn names_database(create: &str, db: &str) -> bool {
    let (plain, quoted) = (format!("{db}."), format!("{}.", quote(db)));
    word_starts(create)
        .into_iter()
        .any(|i| create[i..].starts_with(&plain) || create[i..].starts_with(&quoted))
}

/// For a restore whose objects fail the schema check: the first object the dump makes that
/// is not there as it was made, or else the first one there the dump does not make (the
/// start of its `CREATE` text), or nothing when the objects agree (a table differs then).
pub(super) fn object_difference(dumped: &[(String, String)], live: &[Object]) -> String {
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
pub(super) fn rights_for(kind: &str) -> &'static [&'static str] {
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
    /// The views, triggers, routines and events of the database in dump order, and the
    /// routines whose definition this login cannot read (`kind name`).
    pub(super) async fn objects(&self, conn: &mut Conn) -> Result<(Vec<Object>, Vec<String>)> {
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
            self.none_skipped(conn).await?;
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

    /// The live database's views, triggers, routines and events, as a backup lists them.
    pub fn object_names(&self) -> Result<Vec<String>> {
        super::super::block_on(async {
            let mut conn = self.connect().await?;
            let found = self.objects(&mut conn).await;
            let _ = conn.disconnect().await;
            Ok(object_names(&found?.0))
        })
    }

    /// Whether this login may restore `part`: make and swap tables, remove the live objects
    /// and create the backup's. Asked when a restore is planned, before its safety backup
    /// (the load checks again, as the rights may change meanwhile).
    pub fn check_restore_rights(&self, part: &DatabasePart) -> Result<()> {
        super::super::block_on(async {
            let mut conn = self.connect().await?;
            let result = async {
                let rights = self.rights(&mut conn).await?;
                let mut kinds = vec!["table"];
                kinds.extend(self.live_kinds(&mut conn).await?);
                kinds.extend(
                    part.objects
                        .iter()
                        .flatten()
                        .filter_map(|o| o.split_once(' ').map(|(kind, _)| kind)),
                );
                self.check_rights(&rights, &kinds)
            }
            .await;
            let _ = conn.disconnect().await;
            result
        })
    }

    /// The kinds of objects (views, triggers, routines, events) the live database holds.
    pub(super) async fn live_kinds(&self, conn: &mut Conn) -> Result<Vec<&'static str>> {
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

    /// Drop the live routines and events and create the backup's objects (`(kind, block)`,
    /// in dump order), each under its own session settings, with their definers when
    /// `keep_definers` (restoring into the database they came from: elsewhere their definer
    /// may have no rights). Live views and triggers are gone already: they went with the
    /// old tables. Returns a note naming the objects that now have this login as their
    /// definer instead of another, if any.
    pub(super) async fn replace_objects(
        &self,
        conn: &mut Conn,
        objects: &[(String, String)],
        keep_definers: bool,
    ) -> Result<Option<String>> {
        let e = |e| self.db_error(e);
        let me: String = conn
            .query_first("SELECT CURRENT_USER()")
            .await
            .map_err(e)?
            .unwrap_or_default();
        let mut redefined: Vec<String> = Vec::new();
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
            // Backquoted as the server writes it, or as the shop wrote a trigger.
            let name = create
                .split_once(&format!("{} ", kind.to_uppercase()))
                .and_then(|(_, rest)| {
                    leading_ident(rest)
                        .map(|(name, _)| name)
                        .or_else(|| rest.split_whitespace().next().map(str::to_string))
                })
                .unwrap_or_default();
            // The server's sentence, saying which object it was making.
            let making = |err| {
                let mut err = self.db_error(err);
                let named = match name.is_empty() {
                    true => String::new(),
                    false => format!(" {name}"),
                };
                err.message = format!(
                    "{} (making the {kind}{named} of the backup).",
                    err.message.trim_end_matches('.')
                );
                err
            };
            conn.query_drop(set).await.map_err(e)?;
            // With the definer it was shown with, where the login may name another (an
            // administrator's) and still read the object so made (a routine of another
            // definer may be hidden from it); else the login becomes its definer.
            let (definer, bare) = split_definer(create)
                .map_or_else(|| (None, create.to_string()), |(d, b)| (Some(d), b));
            if keep_definers && definer.is_some() {
                match make_object(conn, set, create).await {
                    Ok(()) if self.can_read(conn, kind, &name).await? => continue,
                    Ok(()) => conn
                        .query_drop(format!("DROP {kind} {}", quote(&name)))
                        .await
                        .map_err(e)?,
                    Err(mysql_async::Error::Server(s)) if s.code == 1227 => {}
                    Err(err) => return Err(making(err)),
                }
            }
            make_object(conn, set, &bare).await.map_err(making)?;
            // (An SQL SECURITY INVOKER view or routine runs with its caller's rights anyway.)
            let invoker = create.contains("SQL SECURITY INVOKER");
            if let Some(definer) = definer.filter(|d| *d != me && !invoker) {
                redefined.push(format!("{kind} {name} (made by {definer})"));
            }
        }
        if !objects.is_empty() {
            for s in SESSION {
                conn.query_drop(s).await.map_err(e)?;
            }
        }
        Ok((!redefined.is_empty()).then(|| {
            format!(
                "These now run with the rights of user {me}, who restored them, instead of their definer's, which {me} may not name: {}. A login with the SET USER or SUPER right (an administrator's) restores them with their definers.",
                redefined.join(", ")
            )
        }))
    }
}

/// `kind name` of each object, sorted, as the manifest lists them.
pub(super) fn object_names(objects: &[Object]) -> Vec<String> {
    let mut names: Vec<String> = objects
        .iter()
        .map(|o| format!("{} {}", o.kind, o.name))
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::mysql::tables::first_difference;

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
        assert_eq!(
            split_definer("CREATE DEFINER=`root`@`localhost` TRIGGER `t` BEFORE INSERT ON x FOR EACH ROW SET @a = 1").map(|d| d.0),
            Some("root@localhost".to_string())
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
                "ALTER DEFINER=`a`@`%` EVENT `e` ON COMPLETION NOT PRESERVE ENABLE".into()
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
