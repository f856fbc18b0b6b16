//! `shopsafe`: the command-line tool over the ShopSafe engine. It parses arguments, builds
//! the options of one core operation, renders progress and results, and maps errors to exit
//! codes. Every decision about data lives in `shopsafe-core`.

/// `println!` that survives a closed or failing standard output (see `output`).
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::line(false, format_args!($($arg)*)) };
}

/// `eprintln!` that survives a closed or failing standard error (see `output`).
macro_rules! note {
    ($($arg:tt)*) => { $crate::output::line(true, format_args!($($arg)*)) };
}

mod output;
mod render;

use clap::{Args, Parser, Subcommand};
use shopsafe_core::demo::{self, DemoOptions};
use shopsafe_core::ops::{self, AddShopOptions, BackupOptions, EditShopOptions, RestoreOptions};
use shopsafe_core::{CancelToken, Catalog, Error, ErrorKind, Result};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    the job failed (disk, database or another error); the message says what to do
  2    wrong input: bad arguments, paths or URLs
  3    not found: no such shop, backup or archive
  4    an archive is damaged, or a restored shop failed its checks and was rolled back
  5    refused: needs confirmation or --force
  130  cancelled (Ctrl-C, SIGTERM or SIGHUP); nothing was left behind";

#[derive(Parser)]
#[command(
    name = "shopsafe",
    version,
    about = "Back up and restore a whole shop: its database and every media file, in one verified archive.",
    after_help = EXIT_CODES
)]
struct Cli {
    /// Folder holding the catalog (default: the OS data folder).
    #[arg(long, global = true, env = "SHOPSAFE_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    /// Print one JSON document instead of text (backup, list, show, verify, restore, shop …).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Register, change, list, test or remove shops.
    #[command(subcommand)]
    Shop(ShopCommand),
    /// Back up a shop into its destination folder.
    Backup {
        #[command(flatten)]
        shop: ShopArg,
        /// A name to remember this backup by.
        #[arg(long)]
        name: Option<String>,
        /// Back up the database only.
        #[arg(long)]
        no_media: bool,
    },
    /// List backups, newest first.
    List {
        /// Only this shop's backups.
        #[arg(long)]
        shop: Option<String>,
    },
    /// Show what a backup holds.
    Show { id: String },
    /// Re-read a backup and check every checksum.
    Verify { id: String },
    /// Replace a shop with a backup (verified first, safety backup taken, rolled back on failure).
    Restore {
        /// Backup id (or a unique start of it), or the path of an archive file.
        backup: String,
        /// Shop to restore into (default: the shop the backup was made from).
        #[arg(long)]
        shop: Option<String>,
        /// Do not ask; also allows restoring another shop's backup.
        #[arg(long)]
        force: bool,
        /// Skip the safety backup taken before the restore.
        #[arg(long)]
        no_pre_backup: bool,
    },
    /// Delete a backup's archive and its catalog entry.
    Delete {
        id: String,
        /// Do not ask.
        #[arg(long)]
        force: bool,
    },
    /// Add backups to the catalog from an archive or a folder of archives.
    Import { path: PathBuf },
    /// Show the audit log, newest first.
    Log {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Create a demo shop (database and media) in DIR and register it.
    Demo {
        dir: PathBuf,
        /// Name to register the demo shop under.
        #[arg(long, default_value = "demo")]
        name: String,
        /// Only create the files; do not register the shop.
        #[arg(long)]
        no_register: bool,
        /// Multiply the number of rows (1 gives a few thousand).
        #[arg(long, default_value_t = 1, hide = true)]
        rows_scale: u32,
        /// Approximate size of the product images, in MB.
        #[arg(long, default_value_t = 6, hide = true)]
        media_mb: u64,
    },
}

#[derive(Subcommand)]
enum ShopCommand {
    /// Register a shop.
    Add {
        name: String,
        /// sqlite:///abs/path/db.sqlite3, a plain path to the SQLite file, or
        /// postgres://user[:password]@host:5432/db or mysql://user[:password]@host:3306/db.
        /// Add ?sslmode=require (PostgreSQL) or ?ssl-mode=REQUIRED (MySQL) to insist on TLS,
        /// ?sslmode=verify-full or ?ssl-mode=VERIFY_IDENTITY to check the server's certificate
        /// too (against &sslrootcert= / &ssl-ca=/abs/ca.pem, or the public authorities), and
        /// &sslcert=…&sslkey=… / &ssl-cert=…&ssl-key=… (absolute PEM paths) to show a client
        /// certificate to a server that asks for one.
        /// A password is kept in the OS keyring (or a file only you can read), never in the
        /// catalog; when the server asks for one and none was given, it is asked for.
        #[arg(long)]
        db: String,
        /// The folder of uploaded media files.
        #[arg(long)]
        media: Option<PathBuf>,
        /// The folder backups are written to.
        #[arg(long)]
        dest: PathBuf,
        /// Ask for the database password (read from standard input when it is not a terminal).
        #[arg(long)]
        password: bool,
    },
    /// Change a registered shop: name, database, password, media folder or destination.
    Edit {
        name: String,
        /// A new name (its backups follow).
        #[arg(long = "name", value_name = "NEW_NAME")]
        new_name: Option<String>,
        /// A new database URL or SQLite path.
        #[arg(long)]
        db: Option<String>,
        /// Ask for a new database password (read from standard input when it is not a terminal).
        #[arg(long)]
        password: bool,
        /// A new media folder.
        #[arg(long, conflicts_with = "no_media")]
        media: Option<PathBuf>,
        /// The shop has no media folder any more.
        #[arg(long)]
        no_media: bool,
        /// A new folder for backups.
        #[arg(long)]
        dest: Option<PathBuf>,
    },
    /// List registered shops.
    List,
    /// Show one shop, and where its password is kept.
    Show { name: String },
    /// Connect to a shop's database and say what is there.
    Test { name: String },
    /// Forget a shop and its stored password (its backups stay).
    Remove { name: String },
}

#[derive(Args)]
struct ShopArg {
    /// The shop (may be left out when only one is registered).
    #[arg(long)]
    shop: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let result = run(cli);
    let unwritten = output::failure();
    match (result, unwritten) {
        (Ok(()), None) => ExitCode::SUCCESS,
        (Ok(()), Some(why)) => {
            note!("shopsafe: the job is done, but its report could not be written ({why}); run the command again with its output going somewhere that has room.");
            ExitCode::FAILURE
        }
        (Err(e), _) => {
            note!("shopsafe: {}", e.message.replace('\n', " "));
            // A script asking for JSON gets the failure as JSON too: {"error": {"code", "message"}}.
            if json {
                print_json(&serde_json::json!({ "error": e }));
            }
            ExitCode::from(exit_code(e.kind))
        }
    }
}

fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput | ErrorKind::PasswordRequired => 2,
        ErrorKind::NotFound => 3,
        ErrorKind::Corrupt | ErrorKind::VerificationFailed => 4,
        ErrorKind::Conflict | ErrorKind::Refused => 5,
        ErrorKind::Cancelled => 130,
        ErrorKind::Io | ErrorKind::Database | ErrorKind::Internal => 1,
    }
}

fn open_catalog(home: Option<PathBuf>) -> Result<Catalog> {
    match home {
        Some(h) => Catalog::open(&h),
        // The folder the OS gives may be out of reach (a HOME that does not exist).
        None => Catalog::open(&shopsafe_core::catalog::default_home()?).map_err(|e| {
            let message = format!(
                "{} (Or keep the catalog elsewhere with --home DIR or SHOPSAFE_HOME.)",
                e.message
            );
            Error::new(e.kind, message)
        }),
    }
}

/// A cancel token that Ctrl-C, SIGTERM and SIGHUP set.
fn ctrl_c_token() -> CancelToken {
    let token = CancelToken::new();
    let t = token.clone();
    let _ = ctrlc::set_handler(move || t.cancel());
    token
}

fn print_json(value: &impl serde::Serialize) {
    out!(
        "{}",
        serde_json::to_string_pretty(value).expect("results always serialise")
    );
}

/// Refuse when there is nobody to ask for confirmation.
fn require_terminal(what: &str) -> Result<()> {
    if std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Refused,
            format!("{what} needs confirmation, and there is no terminal to ask on; pass --force to go ahead."),
        ))
    }
}

/// Ask on the terminal; anything but yes refuses.
fn confirm(question: &str, what: &str) -> Result<()> {
    require_terminal(what)?;
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Refused,
            format!("{what} was not confirmed; nothing was changed."),
        ))
    }
}

/// Read a password: without echo on a terminal, else one line of standard input.
fn read_password() -> Result<String> {
    let read = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Database password: ")
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    };
    let password =
        read.map_err(|e| Error::new(ErrorKind::Io, format!("Could not read the password: {e}.")))?;
    let password = password.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        return Err(Error::invalid(
            "No password was given (the input was empty), so nothing was changed; a login without a password needs no --password.",
        ));
    }
    Ok(password.to_string())
}

/// Run `attempt` with the password asked for (`ask`), or first without one; when the server
/// asks for a password and there is a terminal, ask and try once more.
fn with_password<T>(ask: bool, attempt: impl Fn(Option<String>) -> Result<T>) -> Result<T> {
    if ask {
        return attempt(Some(read_password()?));
    }
    match attempt(None) {
        Err(e) if e.kind == ErrorKind::PasswordRequired && std::io::stdin().is_terminal() => {
            note!("{}", e.message.split(';').next().unwrap_or_default());
            attempt(Some(read_password()?))
        }
        other => other,
    }
}

/// Say once, in plain words, where a shop's password is kept.
fn where_kept(catalog: &Catalog, shop: &shopsafe_core::Shop) {
    if let Some(w) = ops::where_password_is(catalog.home(), shop) {
        out!("{w}");
    }
}

fn run(cli: Cli) -> Result<()> {
    let json = cli.json;
    match cli.command {
        Command::Shop(cmd) => {
            let catalog = open_catalog(cli.home)?;
            match cmd {
                ShopCommand::Add {
                    name,
                    db,
                    media,
                    dest,
                    password,
                } => {
                    let shop = with_password(password, |password| {
                        ops::add_shop(
                            &catalog,
                            &AddShopOptions {
                                name: name.clone(),
                                db: db.clone(),
                                media: media.clone(),
                                dest: dest.clone(),
                                password,
                            },
                        )
                    })?;
                    if json {
                        print_json(&shop);
                    } else {
                        out!("Registered shop {} ({}).", shop.name, shop.db_url);
                        where_kept(&catalog, &shop);
                        // What is there, and whether the login could restore over it.
                        if let Ok(said) = ops::test_shop(&catalog, &shop.name) {
                            out!("Its database: {said}.");
                        }
                    }
                }
                ShopCommand::Edit {
                    name,
                    new_name,
                    db,
                    password,
                    media,
                    no_media,
                    dest,
                } => {
                    let media = match (media, no_media) {
                        (Some(m), _) => Some(Some(m)),
                        (None, true) => Some(None),
                        (None, false) => None,
                    };
                    let shop = with_password(password, |password| {
                        let changed = password.is_some();
                        let shop = ops::edit_shop(
                            &catalog,
                            &name,
                            &EditShopOptions {
                                new_name: new_name.clone(),
                                db: db.clone(),
                                password,
                                media: media.clone(),
                                dest: dest.clone(),
                            },
                        )?;
                        Ok((shop, changed))
                    })?;
                    let (shop, new_password) = shop;
                    if json {
                        print_json(&shop);
                    } else {
                        out!("Shop {} is now: {}.", shop.name, render::shop_line(&shop));
                        if new_password || db.is_some() {
                            where_kept(&catalog, &shop);
                        }
                    }
                }
                ShopCommand::List => {
                    let shops = catalog.shops()?;
                    if json {
                        print_json(&shops);
                    } else {
                        render::shops(&shops, catalog.home());
                    }
                }
                ShopCommand::Show { name } => {
                    let shop = catalog.resolve_shop(Some(&name))?;
                    if json {
                        print_json(&shop);
                    } else {
                        render::shops(std::slice::from_ref(&shop), catalog.home());
                    }
                }
                ShopCommand::Test { name } => {
                    let said = ops::test_shop(&catalog, &name)?;
                    if json {
                        print_json(&serde_json::json!({ "shop": name, "database": said }));
                    } else {
                        out!("{said}");
                    }
                }
                ShopCommand::Remove { name } => {
                    ops::remove_shop(&catalog, &name)?;
                    out!("Removed shop {name}; its backups stay where they are.");
                }
            }
        }
        Command::Backup {
            shop,
            name,
            no_media,
        } => {
            let catalog = open_catalog(cli.home)?;
            let shop = catalog.resolve_shop(shop.shop.as_deref())?;
            let opts = BackupOptions {
                shop,
                name,
                include_media: !no_media,
                safety: false,
            };
            let bar = render::progress_bar();
            let record = ops::backup(&catalog, &opts, &bar, &ctrl_c_token())?;
            render::clear(&bar);
            if json {
                print_json(&record.summary());
            } else {
                render::backup_done(&record);
            }
        }
        Command::List { shop } => {
            let catalog = open_catalog(cli.home)?;
            let list = catalog.backups(shop.as_deref())?;
            if json {
                print_json(&list);
            } else {
                render::backups(&list);
            }
        }
        Command::Show { id } => {
            let record = open_catalog(cli.home)?.backup(&id)?;
            if json {
                print_json(&record);
            } else {
                render::show(&record);
            }
        }
        Command::Verify { id } => {
            let catalog = open_catalog(cli.home)?;
            let bar = render::progress_bar();
            let report = ops::verify(&catalog, &id, &bar, &ctrl_c_token());
            render::clear(&bar);
            let report = report?;
            if json {
                print_json(&report);
            } else {
                out!(
                    "Backup {} is intact: {} entries and {} checked, archive SHA-256 {}.",
                    report.backup_id,
                    report.entries,
                    render::bytes(report.bytes),
                    report.archive_sha256
                );
            }
        }
        Command::Restore {
            backup,
            shop,
            force,
            no_pre_backup,
        } => {
            let catalog = open_catalog(cli.home)?;
            let opts = RestoreOptions {
                backup,
                shop,
                force,
                pre_backup: !no_pre_backup,
            };
            let plan = ops::prepare_restore(&catalog, &opts)?;
            if !force {
                require_terminal("Restoring")?;
                render::plan(&plan);
                confirm(
                    &format!(
                        "Replace shop {} with backup {}?",
                        plan.shop.name, plan.backup_id
                    ),
                    "Restoring",
                )?;
            }
            let bar = render::progress_bar();
            let report = ops::restore(&catalog, &plan, &bar, &ctrl_c_token());
            render::clear(&bar);
            let report = report?;
            if json {
                print_json(&report);
            } else {
                render::restored(&report);
            }
        }
        Command::Delete { id, force } => {
            let catalog = open_catalog(cli.home)?;
            let record = catalog.backup(&id)?;
            if !force {
                let only = catalog.backups(Some(&record.shop_name))?.len() == 1;
                confirm(
                    &format!(
                        "Delete backup {} ({})?{}",
                        record.id,
                        record.path.display(),
                        match only {
                            true => format!(" It is the only backup of shop {}.", record.shop_name),
                            false => String::new(),
                        }
                    ),
                    "Deleting a backup",
                )?;
            }
            let deleted = ops::delete(&catalog, &record.id)?;
            match (&deleted.note, json) {
                (_, true) => print_json(&deleted),
                (None, false) => out!(
                    "Deleted backup {} and its archive {}.",
                    deleted.id,
                    deleted.path.display()
                ),
                (Some(note), false) => {
                    out!("Removed backup {} from the catalog. {note}", deleted.id)
                }
            }
        }
        Command::Import { path } => {
            let catalog = open_catalog(cli.home)?;
            let report = ops::import(&catalog, &path)?;
            if json {
                print_json(&report);
            } else {
                let n = |n: usize| match n {
                    1 => "1 backup".to_string(),
                    n => format!("{n} backups"),
                };
                out!(
                    "Imported {}; {} already in the catalog; {} found in a new place.",
                    n(report.added.len()),
                    report.known.len(),
                    report.moved.len()
                );
                for (file, why) in &report.failed {
                    out!("Skipped {}: {why}", file.display());
                }
            }
        }
        Command::Log { limit } => {
            let entries = open_catalog(cli.home)?.log_entries(limit)?;
            if json {
                print_json(&entries);
            } else {
                render::log(&entries);
            }
        }
        Command::Demo {
            dir,
            name,
            no_register,
            rows_scale,
            media_mb,
        } => {
            let shop = demo::create(&DemoOptions {
                dir: dir.clone(),
                rows_scale,
                media_bytes: media_mb << 20,
            })?;
            out!(
                "Created a demo shop in {}: {} tables, {} rows, {} media files ({}).",
                dir.display(),
                shop.tables,
                shop.rows,
                shop.media_files,
                render::bytes(shop.media_bytes)
            );
            if !no_register {
                ops::add_demo_shop(&open_catalog(cli.home)?, &shop, &name)?;
                out!("Registered it as shop {name}. Try: shopsafe backup --shop {name}");
            }
        }
    }
    Ok(())
}
