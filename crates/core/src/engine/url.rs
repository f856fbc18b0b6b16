//! Connection URLs of server engines: `scheme://user[:password]@host[:port]/database[?k=v&…]`,
//! with %-escapes in the user, password, database and option values.

use crate::{Error, Result};

/// The parts of a server URL. The password never leaves this struct into a stored URL.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerUrl {
    pub user: String,
    pub password: Option<String>,
    pub host: String,
    pub port: u16,
    pub dbname: String,
    /// Options after `?`, decoded, in order.
    pub options: Vec<(String, String)>,
}

/// Parse what follows `scheme://`; `example` is shown when the URL is malformed.
pub fn parse(rest: &str, default_port: u16, example: &str) -> Result<ServerUrl> {
    let bad = || {
        Error::invalid(format!(
            "A database URL looks like {example}, with a port from 1 to 65535, and any / ? @ : # or % in the user name or password written as %2F %3F %40 %3A %23 %25."
        ))
    };
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, dbname) = main.split_once('/').ok_or_else(bad)?;
    let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (decode(u)?, Some(decode(p)?)),
        None => (decode(userinfo)?, None),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        // An IPv6 address: [::1] or [::1]:5432.
        let (addr, rest) = v6.split_once(']').ok_or_else(bad)?;
        match rest.strip_prefix(':') {
            Some(p) => (addr.to_string(), p.parse::<u16>().map_err(|_| bad())?),
            None if rest.is_empty() => (addr.to_string(), default_port),
            None => return Err(bad()),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| bad())?),
            None => (hostport.to_string(), default_port),
        }
    };
    let mut options = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(bad)?;
        options.push((k.to_string(), decode(v)?));
    }
    let dbname = decode(dbname)?;
    if user.is_empty() || dbname.is_empty() {
        return Err(Error::invalid(format!(
            "The database URL needs a user and a database: {example}."
        )));
    }
    Ok(ServerUrl {
        user,
        password,
        host: if host.is_empty() {
            "localhost".into()
        } else {
            host
        },
        port,
        dbname,
        options,
    })
}

/// Percent-decoding.
fn decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let h = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match h.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                None => return Err(Error::invalid("The database URL has a bad %-escape.")),
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| Error::invalid("The database URL is not valid UTF-8."))
}

/// A host as written in a URL: IPv6 addresses in brackets.
/// The value of a `port=` option.
pub fn port(v: &str) -> Result<u16> {
    v.parse()
        .map_err(|_| Error::invalid(format!("The port {v} in the database URL is not a number.")))
}

/// A host as written in a URL: IPv6 literals in brackets.
pub fn host(h: &str) -> String {
    if h.contains(':') {
        format!("[{h}]")
    } else {
        h.to_string()
    }
}

/// Percent-encoding for a URL part: everything but letters, digits, `-._~` and the
/// characters in `keep` (such as `/` in a socket path).
pub fn encode(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.as_bytes().contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_parts_read_back_unchanged() {
        for (user, db) in [("a:b", "my%shop"), ("ü@x", "d?b/1"), ("plain", "shop")] {
            let url = format!("{}@host:1/{}", encode(user, ""), encode(db, ""));
            let u = parse(&url, 5, "example").unwrap();
            assert_eq!(
                (u.user.as_str(), u.password, u.dbname.as_str()),
                (user, None, db)
            );
        }
    }

    #[test]
    fn ipv6_hosts_with_and_without_port() {
        let u = parse("u@[::1]:3307/db", 5, "example").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, host(&u.host)),
            ("::1", 3307, "[::1]".to_string())
        );
        let u = parse("u@[fe80::2]/db", 5, "example").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("fe80::2", 5));
        assert!(parse("u@[::1/db", 5, "example").is_err());
    }
}
