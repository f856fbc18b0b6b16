//! Time stamps and identifiers: UTC calendar times without a time-zone database, backup ids
//! that sort by time, and random shop ids.

use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Convert Unix seconds to a UTC calendar time (Howard Hinnant's days-to-civil algorithm).
pub fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: (rem % 3600 / 60) as u32,
        second: (rem % 60) as u32,
    }
}

/// RFC 3339 in UTC, e.g. `2026-11-26T10:30:00Z`.
pub fn rfc3339(secs: i64) -> String {
    let c = civil(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// 64 random bits from the standard library's randomly keyed hasher.
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// A new backup id: `YYYYMMDD-HHMMSS-xxxx`, sorting by creation time.
pub fn new_backup_id(secs: i64) -> String {
    let c = civil(secs);
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{:04x}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        random_u64() & 0xffff
    )
}

/// An RFC 3339 UTC time as people read it, to the minute: `2026-11-27 21:51 UTC` (anything
/// else as it is).
pub fn readable(rfc3339: &str) -> String {
    match parse_rfc3339(rfc3339) {
        Some(_) => format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16]),
        None => rfc3339.to_string(),
    }
}

/// Whether `s` has the shape of a backup id (`YYYYMMDD-HHMMSS-xxxx`, lowercase hex): ids
/// name working files and folders, so one read from an archive must be nothing else.
pub fn is_backup_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b[8] == b'-'
        && b[15] == b'-'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
        && b[16..]
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        // A time that was: not 2026-02-30, nor 25 o'clock.
        && parse_rfc3339(&format!(
            "{}-{}-{}T{}:{}:{}Z",
            &s[..4],
            &s[4..6],
            &s[6..8],
            &s[9..11],
            &s[11..13],
            &s[13..15]
        ))
        .is_some()
}

/// A new random 128-bit id in hex.
pub fn new_uid() -> String {
    format!("{:016x}{:016x}", random_u64(), random_u64())
}

/// Unix seconds of an RFC 3339 UTC time as [`rfc3339`] writes it (`2026-11-26T10:30:00Z`);
/// `None` for anything else.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Howard Hinnant's days-from-civil, the inverse of [`civil`].
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    // Only a time that is one: 2026-02-30 would be taken as March 2nd.
    (rfc3339(secs) == s).then_some(secs)
}

/// A file's modification time in RFC 3339 UTC with nanoseconds, e.g.
/// `2026-11-26T10:30:00.123456789Z` (times before 1970 too).
pub fn file_time(t: SystemTime) -> String {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            match d.subsec_nanos() {
                0 => (-(d.as_secs() as i64), 0),
                n => (-(d.as_secs() as i64) - 1, 1_000_000_000 - n),
            }
        }
    };
    let whole = rfc3339(secs);
    format!("{}.{nanos:09}Z", &whole[..whole.len() - 1])
}

/// The time [`file_time`] wrote; `None` for anything else.
pub fn parse_file_time(s: &str) -> Option<SystemTime> {
    let (whole, fraction) = s.strip_suffix('Z')?.split_once('.')?;
    if fraction.len() != 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs = parse_rfc3339(&format!("{whole}Z"))?;
    let nanos: u32 = fraction.parse().ok()?;
    let since = std::time::Duration::new(secs.unsigned_abs(), 0);
    let base = match secs >= 0 {
        true => UNIX_EPOCH.checked_add(since)?,
        false => UNIX_EPOCH.checked_sub(since)?,
    };
    base.checked_add(std::time::Duration::from_nanos(u64::from(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_matches_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 12:34:56 UTC, a leap day, checked with `date -u -d @951827696`.
        assert_eq!(rfc3339(951_827_696), "2000-02-29T12:34:56Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn parsing_inverts_formatting() {
        for secs in [0, 951_827_696, 1_795_000_000, 4_102_444_799] {
            assert_eq!(parse_rfc3339(&rfc3339(secs)), Some(secs));
        }
        // `date -u -d 2024-02-29T23:59:59Z +%s`
        assert_eq!(parse_rfc3339("2024-02-29T23:59:59Z"), Some(1_709_251_199));
    }

    #[test]
    fn file_times_keep_their_nanoseconds() {
        // `date -u -d @1709251199` is 2024-02-29T23:59:59Z; -1 s is 1969-12-31T23:59:59Z.
        let t = UNIX_EPOCH + std::time::Duration::new(1_709_251_199, 5);
        assert_eq!(file_time(t), "2024-02-29T23:59:59.000000005Z");
        let early = UNIX_EPOCH - std::time::Duration::new(0, 250_000_000);
        assert_eq!(file_time(early), "1969-12-31T23:59:59.750000000Z");
        for t in [t, early, UNIX_EPOCH] {
            assert_eq!(parse_file_time(&file_time(t)), Some(t));
        }
        for bad in [
            "2024-02-29T23:59:59Z",
            "2024-02-29T23:59:59.5Z",
            "2024-02-29T23:59:59.00000000xZ",
        ] {
            assert_eq!(parse_file_time(bad), None, "{bad}");
        }
        for bad in [
            "",
            "2024-02-29 23:59:59Z",
            "2024-13-01T00:00:00Z",
            "2026-02-30T22:50:59Z",
            "2025-02-29T00:00:00Z",
            "2024-02-29T23:59:59+01:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids_differ() {
        assert_ne!(new_uid(), new_uid());
        assert_ne!(new_backup_id(0), new_backup_id(0));
    }

    #[test]
    fn backup_ids_have_one_shape() {
        assert!(is_backup_id(&new_backup_id(1_795_000_000)));
        assert!(is_backup_id("20261127-214046-0ad4"));
        for bad in [
            "",
            "hello",
            "../../../../tmp/x",
            "20261127-214046-0AD4",
            "20261127-214046-0ad",
            "20261127-214046-0ad45",
            "20261127_214046-0ad4",
            "2026112a-214046-0ad4",
            "20261127-214046/0ad4",
            "99999999-999999-ffff",
            "20260230-120000-0ad4",
            "20261127-246046-0ad4",
        ] {
            assert!(!is_backup_id(bad), "{bad}");
        }
    }
}
