//! What a MySQL/MariaDB login may do on its database, read from `SHOW GRANTS`: its own
//! grants, its global ones and those of its enabled roles (MariaDB lists a role's grants
//! there, MySQL 8 with `USING` the roles; `information_schema`'s privilege tables leave
//! them out), less MySQL's partial revokes (`REVOKE … ON db.*` under `partial_revokes`).
//!
//! The server hides what a login lacks the right for: triggers without `TRIGGER`, events
//! without `EVENT`, routines without any routine right. A backup must not mistake hidden
//! for absent, and a restore must not start what it cannot finish, so both ask here first.

/// The rights a login holds on one database: those granted, less those revoked there.
#[derive(Debug, Default)]
pub struct Rights {
    granted: Vec<String>,
    revoked: Vec<String>,
    /// The login's tightest hourly limit (`WITH MAX_QUERIES_PER_HOUR n` or
    /// `MAX_UPDATES_PER_HOUR n`, which hosting accounts may have): its name and `n`.
    pub hourly_limit: Option<(&'static str, u64)>,
}

/// What a backup needs to see every object: the kinds, and the right that shows them (any
/// one of the listed rights does).
pub const TO_SEE: [(&str, &[&str]); 3] = [
    ("triggers", &["TRIGGER"]),
    ("events", &["EVENT"]),
    (
        "functions and procedures",
        &["EXECUTE", "ALTER ROUTINE", "CREATE ROUTINE"],
    ),
];

impl Rights {
    /// The rights the `SHOW GRANTS` lines give on the database `db`.
    pub fn from_grants(lines: &[String], db: &str) -> Rights {
        let mut rights = Rights::default();
        for line in lines {
            for limit in ["MAX_QUERIES_PER_HOUR", "MAX_UPDATES_PER_HOUR"] {
                let n = line
                    .split_once(&format!(" {limit} "))
                    .and_then(|(_, rest)| rest.split_whitespace().next()?.parse::<u64>().ok());
                if let Some(n) = n.filter(|&n| n > 0) {
                    if rights.hourly_limit.is_none_or(|(_, m)| n < m) {
                        rights.hourly_limit = Some((limit, n));
                    }
                }
            }
            if let Some(rest) = line.strip_prefix("GRANT ") {
                rights.granted.extend(on_database(rest, " TO ", db));
            } else if let Some(rest) = line.strip_prefix("REVOKE ") {
                rights.revoked.extend(on_database(rest, " FROM ", db));
            }
        }
        rights
    }

    pub fn has(&self, right: &str) -> bool {
        let among = |list: &[String]| list.iter().any(|r| r == right || r == "ALL PRIVILEGES");
        among(&self.granted) && !among(&self.revoked)
    }

    /// Of `needed`, the rights not held, in order.
    pub fn missing<'a>(&self, needed: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let mut missing: Vec<&str> = Vec::new();
        for right in needed {
            if !self.has(right) && !missing.contains(&right) {
                missing.push(right);
            }
        }
        missing
    }

    /// The kinds of objects ([`TO_SEE`]) this login cannot see, each with the right to grant.
    pub fn blind_spots(&self) -> Vec<(&'static str, &'static str)> {
        TO_SEE
            .iter()
            .filter(|(_, any)| !any.iter().any(|r| self.has(r)))
            .map(|(kind, any)| (*kind, any[0]))
            .collect()
    }
}

/// The rights one `GRANT … ON … TO …` (or `REVOKE … ON … FROM …`) line, after its first
/// word, names on the database `db`: those on `*.*` or on a database pattern matching `db`;
/// none for role grants and for grants on single tables, columns or routines.
fn on_database(rest: &str, to: &str, db: &str) -> Vec<String> {
    // A role grant (GRANT `role` TO …) names no rights.
    if rest.starts_with('`') {
        return Vec::new();
    }
    let Some((rights, rest)) = rest.split_once(" ON ") else {
        return Vec::new();
    };
    let target = rest.split(to).next().unwrap_or_default();
    let applies = target == "*.*"
        || target
            .strip_suffix(".*")
            .and_then(unquote)
            .is_some_and(|pattern| like(db, &pattern));
    if !applies || rights.contains('(') {
        return Vec::new();
    }
    rights.split(',').map(|r| r.trim().to_string()).collect()
}

/// A backquoted identifier without its quotes.
fn unquote(s: &str) -> Option<String> {
    let body = s.strip_prefix('`')?.strip_suffix('`')?;
    Some(body.replace("``", "`"))
}

/// SQL `LIKE` as grants use it for database names: `%` any run, `_` any one character,
/// `\` before either makes it plain.
fn like(s: &str, pattern: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    fn at(s: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('%', rest)) => (0..=s.len()).any(|i| at(&s[i..], rest)),
            Some(('_', rest)) => !s.is_empty() && at(&s[1..], rest),
            Some(('\\', rest)) if !rest.is_empty() => {
                s.first() == Some(&rest[0]) && at(&s[1..], &rest[1..])
            }
            Some((c, rest)) => s.first() == Some(c) && at(&s[1..], rest),
        }
    }
    at(&s, &p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rights(lines: &[&str], db: &str) -> Rights {
        let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        Rights::from_grants(&lines, db)
    }

    #[test]
    fn grants_on_the_database_its_patterns_and_globally_count() {
        let r = rights(
            &[
                "GRANT USAGE ON *.* TO `lo`@`localhost` IDENTIFIED BY PASSWORD '*D8'",
                "GRANT SELECT, LOCK TABLES, SHOW VIEW ON `shop`.* TO `lo`@`localhost`",
                "GRANT `reporting` TO `lo`@`localhost`",
                "GRANT EVENT ON `sh\\_%`.* TO `reporting`",
                "GRANT TRIGGER ON `other`.* TO `lo`@`localhost`",
                "GRANT EXECUTE ON `shop`.`orders` TO `lo`@`localhost`",
                "GRANT SELECT (id, name) ON `shop`.`t` TO `lo`@`localhost`",
            ],
            "sh_shop",
        );
        assert!(r.has("EVENT") && !r.has("SELECT") && !r.has("TRIGGER"));
        assert_eq!(r.hourly_limit, None);
        let limited = rights(
            &["GRANT USAGE ON *.* TO `lo`@`localhost` WITH MAX_QUERIES_PER_HOUR 500 MAX_UPDATES_PER_HOUR 90 MAX_CONNECTIONS_PER_HOUR 0"],
            "shop",
        );
        assert_eq!(limited.hourly_limit, Some(("MAX_UPDATES_PER_HOUR", 90)));
        let r = rights(
            &[
                "GRANT SELECT, LOCK TABLES, SHOW VIEW ON `shop`.* TO `lo`@`localhost`",
                "GRANT EVENT ON `sh\\_%`.* TO `reporting`",
            ],
            "shop",
        );
        assert!(r.has("SELECT") && r.has("SHOW VIEW") && !r.has("EVENT"));
        assert_eq!(
            r.blind_spots(),
            vec![
                ("triggers", "TRIGGER"),
                ("events", "EVENT"),
                ("functions and procedures", "EXECUTE")
            ]
        );
        assert_eq!(
            r.missing(["CREATE VIEW", "SHOW VIEW", "CREATE VIEW"]),
            vec!["CREATE VIEW"]
        );
        let all = rights(&["GRANT ALL PRIVILEGES ON `shop`.* TO `shop`@`%`"], "shop");
        assert!(all.blind_spots().is_empty() && all.missing(["TRIGGER"]).is_empty());
        let global = rights(&["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost`"], "x");
        assert!(global.has("EVENT"));
        // MySQL's partial revokes take rights back from one database.
        let revoked = rights(
            &[
                "GRANT SELECT, TRIGGER, EVENT ON *.* TO `u`@`%`",
                "REVOKE TRIGGER ON `shop`.* FROM `u`@`%`",
                "REVOKE EVENT ON `other`.* FROM `u`@`%`",
            ],
            "shop",
        );
        assert!(revoked.has("SELECT") && revoked.has("EVENT") && !revoked.has("TRIGGER"));
    }

    #[test]
    fn database_patterns_match_like_like() {
        assert!(like("shop", "shop") && like("shop", "sh%") && like("shop", "s_op"));
        assert!(like("s_op", "s\\_op") && !like("stop", "s\\_op"));
        assert!(!like("shop2", "shop") && like("shop2", "shop%") && !like("sho", "shop_"));
        assert_eq!(unquote("`we``ird`").as_deref(), Some("we`ird"));
    }
}
