//! Turning results into text for a terminal: the progress bar, tables and reports.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use shopsafe_core::catalog::{BackupSummary, LogEntry};
use shopsafe_core::engine::Database;
use shopsafe_core::ops::{RestorePlan, RestoreReport};
use shopsafe_core::secrets::{self, PasswordStore};
use shopsafe_core::{BackupRecord, Progress, Shop, Throttled, Update};
use std::sync::atomic::{AtomicU8, Ordering};

/// Sizes for people: 1.5 MB, 320 kB.
/// `1 table`, `2 tables`.
fn count(n: u64, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A terminal progress bar showing phase, bytes, files and time left; invisible when
/// standard error is not a terminal. Where the total is not known ahead (a server database's
/// dump), it counts the bytes so far instead; a step without amounts shows only its name.
pub struct Bar {
    bar: ProgressBar,
    /// The template in use, as [`template`] numbers them.
    shown: AtomicU8,
}

/// 0: a bar towards a known total; 1: bytes so far; 2: the step's name alone.
fn template(u: &Update) -> u8 {
    match (u.bytes_total, u.bytes_done) {
        (0, 0) => 2,
        (0, _) => 1,
        _ => 0,
    }
}

fn bar_style(template: u8) -> ProgressStyle {
    let text = match template {
        0 => "{msg:32} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {prefix} {decimal_bytes_per_sec} ETA {eta}",
        1 => "{msg:32} {decimal_bytes} so far {prefix} {decimal_bytes_per_sec}",
        _ => "{msg:32} {prefix}",
    };
    ProgressStyle::with_template(text)
        .expect("valid template")
        .progress_chars("=> ")
}

pub fn progress_bar() -> Throttled<Bar> {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10));
    bar.set_style(bar_style(2));
    Throttled::new(Bar {
        bar,
        shown: AtomicU8::new(2),
    })
}

impl Progress for Bar {
    fn update(&self, u: &Update) {
        let bar = &self.bar;
        if bar.message() != u.phase.label() {
            bar.reset();
            bar.set_message(u.phase.label());
        }
        bar.set_length(u.bytes_total);
        bar.set_position(u.bytes_done);
        let wanted = template(u);
        if self.shown.swap(wanted, Ordering::Relaxed) != wanted {
            bar.set_style(bar_style(wanted));
        }
        if u.files_total > 1 {
            bar.set_prefix(format!("{}/{} files", u.files_done, u.files_total));
        } else {
            bar.set_prefix("");
        }
    }
}

/// Remove the bar from the terminal.
pub fn clear(bar: &Throttled<Bar>) {
    bar.inner().bar.finish_and_clear();
}

pub fn shops(shops: &[Shop], home: &std::path::Path) {
    if shops.is_empty() {
        out!(
            "No shops registered yet. Add one with `shopsafe shop add NAME --db PATH --dest DIR`."
        );
        return;
    }
    for s in shops {
        out!("{}", s.name);
        out!("  database     {}", s.db_url);
        out!(
            "  media        {}",
            s.media
                .as_ref()
                .map(|m| m.display().to_string())
                .unwrap_or_else(|| "(none)".into())
        );
        out!("  backups to   {}", s.dest.display());
        let password = match s.password_store {
            PasswordStore::Keyring => "in the OS keyring".to_string(),
            PasswordStore::File => format!(
                "in {} (readable only by you)",
                secrets::file_path(home, &s.uid).display()
            ),
            PasswordStore::None => "(none stored)".to_string(),
        };
        out!("  password     {password}");
    }
}

/// A shop in one line: database, media, destination.
pub fn shop_line(s: &Shop) -> String {
    format!(
        "database {}, media {}, backups to {}",
        s.db_url,
        s.media
            .as_ref()
            .map(|m| m.display().to_string())
            .unwrap_or_else(|| "(none)".into()),
        s.dest.display()
    )
}

pub fn backup_done(r: &BackupRecord) {
    let summary = r.summary();
    let s = &summary.facts;
    let media = match s.media_included {
        true => format!("{} media files ({})", s.media_files, bytes(s.media_bytes)),
        false => "media not included".into(),
    };
    out!(
        "Backed up shop {}: {}, {}, {media}.",
        summary.shop,
        count(s.tables, "table"),
        count(s.rows, "row")
    );
    if !s.media_skipped.is_empty() {
        out!(
            "Not saved from the media folder: {}.",
            s.media_skipped.join("; ")
        );
    }
    out!(
        "Archive: {} ({})",
        summary.path.display(),
        bytes(summary.size)
    );
    out!("Backup id: {}", summary.id);
}

fn verified(s: &BackupSummary) -> String {
    match (s.verified_ok, &s.verified_at) {
        (Some(true), Some(at)) => format!("ok {at}"),
        (Some(false), Some(at)) => format!("FAILED {at}"),
        _ => "never".into(),
    }
}

pub fn backups(list: &[BackupSummary]) {
    if list.is_empty() {
        out!("No backups yet. Make one with `shopsafe backup`.");
        return;
    }
    out!(
        "{:<21} {:<20} {:<10} {:<10} {:>9} {:<24} NAME",
        "ID",
        "CREATED",
        "SHOP",
        "KIND",
        "SIZE",
        "VERIFIED"
    );
    for s in list {
        out!(
            "{:<21} {:<20} {:<10} {:<10} {:>9} {:<24} {}",
            s.id,
            s.created,
            s.shop,
            s.kind.as_str(),
            bytes(s.size),
            verified(s),
            s.name.as_deref().unwrap_or("")
        );
    }
}

pub fn show(r: &BackupRecord) {
    let s = r.summary();
    let m = &r.manifest;
    out!("Backup {}", s.id);
    out!("  shop          {}", s.shop);
    out!("  kind          {}", s.kind.as_str());
    if let Some(n) = &s.name {
        out!("  name          {n}");
    }
    out!("  created       {}", s.created);
    out!("  archive       {} ({})", s.path.display(), bytes(s.size));
    out!("  sha256        {}", s.sha256);
    out!("  verified      {}", verified(&s));
    out!(
        "  database      {} {} ({}), {} via {}",
        Database::engine_label(&m.database.engine),
        m.database.server_version,
        m.database.database_name,
        bytes(m.database.entry.size),
        m.database.method
    );
    out!("  database sha  {}", m.database.entry.sha256);
    if m.media.included {
        out!(
            "  media         {} files, {}",
            m.media.file_count,
            bytes(m.media.total_bytes)
        );
        for skipped in &m.media.skipped {
            out!("  not saved     {skipped}");
        }
    } else {
        out!("  media         not included (database-only backup)");
    }
    out!(
        "  tables        {}, {}",
        count(s.facts.tables, "table"),
        count(s.facts.rows, "row")
    );
    for t in &m.database.tables {
        out!("    {:<40} {:>10} rows", t.name, t.rows);
    }
}

pub fn plan(p: &RestorePlan) {
    note!(
        "Restore backup {} (made {} from shop {})",
        p.backup_id,
        p.backup_created,
        p.backup_shop
    );
    note!("into shop {}. This replaces:", p.shop.name);
    for t in &p.tables {
        let now = match (t.exists_now, t.rows_now) {
            (false, _) => "absent".into(),
            (true, None) => "uncounted".into(),
            (true, Some(n)) => n.to_string(),
        };
        let then = t
            .rows_backup
            .map(|n| n.to_string())
            .unwrap_or_else(|| "dropped".into());
        if t.changes {
            note!(
                "  table {:<40} {:>8} rows now -> {:>8} in the backup",
                t.name,
                now,
                then
            );
        }
    }
    let unchanged = p.tables.iter().filter(|t| !t.changes).count();
    match p.tables.iter().any(|t| t.changes) {
        true => note!("  ({unchanged} more tables with the same row count are replaced too)"),
        false => note!("  {unchanged} tables, each with as many rows now as in the backup"),
    }
    for o in &p.objects_made_since {
        note!("  {o}: made since the backup, removed");
    }
    if !p.objects_unlisted_then.is_empty() {
        note!(
            "  This backup was made by an older ShopSafe, which did not list views, routines and triggers: of those there now, the ones it lacks are removed ({})",
            p.objects_unlisted_then.join(", ")
        );
    }
    match &p.media {
        Some(m) => note!(
            "  media {}: {} files now, {} in the backup; {} added since will be removed, {} removed since come back, {} changed",
            m.root.display(),
            m.files_now,
            m.files_backup,
            m.added_since,
            m.removed_since,
            m.changed
        ),
        None => note!("  media: left as it is"),
    }
    if let Some(from) = &p.other_shop {
        note!("  WARNING: {from}");
    }
    if p.pre_backup {
        note!("A safety backup of the shop as it is now is taken first.");
    } else {
        note!("No safety backup will be taken (--no-pre-backup).");
    }
}

pub fn restored(r: &RestoreReport) {
    out!("Restored backup {} into shop {}.", r.backup_id, r.shop);
    out!(
        "Verified: {}, {} match the backup.",
        count(r.tables_checked, "table"),
        count(r.rows_checked, "row")
    );
    if let Some(n) = r.media_files_checked {
        out!("Verified: {n} media files match the backup.");
    }
    if let Some(id) = &r.safety_backup {
        out!("Safety backup taken first: {id}");
    }
    for note in &r.notes {
        out!("Note: {note}");
    }
}

pub fn log(entries: &[LogEntry]) {
    for e in entries {
        out!(
            "{}  {:<14} {:<9} {:<10} {:<21} {}",
            e.time,
            e.action,
            e.outcome,
            e.shop.as_deref().unwrap_or("-"),
            e.backup_id.as_deref().unwrap_or("-"),
            e.detail
        );
    }
}
