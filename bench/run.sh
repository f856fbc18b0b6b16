#!/usr/bin/env bash
# make bench: time ShopSafe's backup, verify and restore of a realistic shop against the copy
# floor (cp -r) and tar czf of the same data, in one run, and write docs/BENCHMARKS.md.
#
# Targets (from the issue): backup within 1.5x of cp -r and faster than tar czf; peak memory
# (max RSS) under 150 MB.
#
# The shop is `shopsafe demo` with --media-mb 600 (600 MiB = ~629 MB of noise PNGs, which do
# not compress) and --rows-scale 340. The database grows ~0.27-0.30 MB per scale unit
# (measured: scale 1 -> 0.58 MB, 5 -> 1.68 MB, 20 -> 5.8 MB, 360 -> 107 MB), so 340 gives a
# database of about 100 MB. The demo makes about 300 + media bytes / 256 KiB images, so the
# media folder is ~2,700 product photos of ~230 kB on average.
#
# Page cache is never dropped (that needs root and is unreliable in VMs and containers).
# Instead every timed command runs right after an untimed full read of its input, so every
# run sees a warm cache, and after an untimed `sync`, so no earlier writeback is charged to
# it. Each command runs BENCH_RUNS times (default 3) and the median is reported. cp -r,
# tar czf and backup (the targets) always run BENCH_RUNS times; a verify- or restore-side
# command whose first run takes longer than BENCH_SLOW_SECS (default 30) runs only once, to
# keep the whole bench around 10 minutes on a 2-core machine.
#
# Environment:
#   SHOPSAFE          the binary (default: target/release/shopsafe in the repository)
#   BENCH_DIR         parent of the scratch folder (default: target/bench in the repository)
#   BENCH_OUT         the report (default: docs/BENCHMARKS.md in the repository)
#   BENCH_ROWS_SCALE  demo --rows-scale (default 340, ~100 MB database)
#   BENCH_MEDIA_MB    demo --media-mb (default 600)
#   BENCH_RUNS        runs per command (default 3)
#   BENCH_SLOW_SECS   verify/restore side: run once when the first run is slower (default 30)
#   BENCH_ENGINES     1 (default): also benchmark PostgreSQL and MariaDB (bench/engines.sh);
#                     0: skip that part
#   BENCH_DB_LINES    rows of the order-lines table on each engine (default 800000; the
#                     whole database is then 1,101,000 rows)
#
# The database-server part (bench/engines.sh) starts throwaway PostgreSQL 15 and MariaDB
# servers and times ShopSafe's backup and restore against pg_dump -Fc / pg_restore (and plain
# pg_dump / psql) and mariadb-dump / mariadb on the same million-row database; target: no
# slower than the engines' own tools. It needs the servers (scripts/deps.sh installs them)
# and, as root, runs PostgreSQL as the postgres user. It adds about 3-4 minutes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHOPSAFE=${SHOPSAFE:-$ROOT/target/release/shopsafe}
case $SHOPSAFE in
/*) ;;
*) if [ -e "$SHOPSAFE" ]; then SHOPSAFE=$PWD/$SHOPSAFE; else SHOPSAFE=$ROOT/$SHOPSAFE; fi ;;
esac
BENCH_DIR=${BENCH_DIR:-$ROOT/target/bench}
BENCH_OUT=${BENCH_OUT:-$ROOT/docs/BENCHMARKS.md}
ROWS_SCALE=${BENCH_ROWS_SCALE:-340}
MEDIA_MB=${BENCH_MEDIA_MB:-600}
RUNS=${BENCH_RUNS:-3}
SLOW_SECS=${BENCH_SLOW_SECS:-30}
SHORTCUT=0 # set to 1 once the target measurements are done
RSS_LIMIT_MB=150
NEED_FREE_GB=7

say() { echo "bench: $*" >&2; }
die() {
    say "error: $*"
    exit 1
}
# shellcheck source=bench/engines.sh
. "$ROOT/bench/engines.sh"

# --- Preflight ------------------------------------------------------------------------------
[ -x "$SHOPSAFE" ] || die "no ShopSafe binary at $SHOPSAFE; run 'cargo build --release -p shopsafe-cli' or 'make bench'."
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is missing; run scripts/deps.sh."
for tool in cp tar gzip unzip sha256sum find xargs awk sort df date stat; do
    command -v "$tool" >/dev/null || die "$tool is missing; run scripts/deps.sh."
done
/usr/bin/time -f '%e %M %U %S' -o /dev/null true 2>/dev/null || die "/usr/bin/time is not GNU time."
case $(date +%N) in *N* | '') die "date lacks %N (GNU coreutils needed)." ;; esac
engines_preflight
if [ "$ENGINES" = 1 ]; then NEED_FREE_GB=$((NEED_FREE_GB + 2)); fi

mkdir -p "$BENCH_DIR"
free_kb=$(df -Pk "$BENCH_DIR" | awk 'NR == 2 { print $4 }')
[ "$free_kb" -ge $((NEED_FREE_GB * 1024 * 1024)) ] ||
    die "need about ${NEED_FREE_GB} GB free in $BENCH_DIR (have $((free_kb / 1024 / 1024)) GB); set BENCH_DIR elsewhere."

W=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
cleanup() {
    local rc=$?
    engines_stop
    say "removing $W"
    rm -rf "$W"
    rmdir "$BENCH_DIR" 2>/dev/null || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

H=$W/home         # the bench's own catalog, never the user's
SHOP=$W/shop      # the demo shop: shop.sqlite3, media/, backups/
COPY=$W/copy      # cp -r of the shop data; also the source for the "cp -r back" floor
BACK=$W/back      # cp -r back
TGZ=$W/shop.tgz   # tar czf of the shop data
UNTAR=$W/untar    # tar xzf
TF=$W/time.out    # /usr/bin/time output
LOG=$W/cmd.log    # output of the command being timed
START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Helpers --------------------------------------------------------------------------------
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
rate() { awk -v s="$1" -v b="$DATA_BYTES" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s; else print "n/a" }'; }

# Read every file under the given paths, so the next command sees a warm page cache.
# (Not `tar cf - > /dev/null`: GNU tar skips reading file contents when writing to /dev/null.)
warm() { find "$@" -type f -print0 | xargs -0 cat >/dev/null; }

declare -A TIMES NOSYNC RSS RUNS_DONE NOTE CPU
SS_HOME=$H # the catalog time_ss and newest_backup use (the engine part has its own)

# time_ref LABEL PREP CMD...: a reference command. Each run: PREP (untimed), sync, then CMD
# timed twice over: up to its end (NOSYNC) and up to the end of a following sync (TIMES).
time_ref() {
    local label=$1 prep=$2 i t0 t1 t2
    shift 2
    TIMES[$label]="" NOSYNC[$label]="" RUNS_DONE[$label]=0
    for ((i = 1; i <= RUNS; i++)); do
        $prep
        sync
        t0=$(now)
        "$@" >"$LOG" 2>&1 || {
            cat "$LOG" >&2
            die "$label failed"
        }
        t1=$(now)
        sync
        t2=$(now)
        TIMES[$label]+=" $(sub "$t2" "$t0")"
        NOSYNC[$label]+=" $(sub "$t1" "$t0")"
        RUNS_DONE[$label]=$i
        say "$label run $i: $(sub "$t2" "$t0") s ($(sub "$t1" "$t0") s before sync)"
        if [ "$SHORTCUT" = 1 ] && [ "$i" = 1 ] && [ "$RUNS" -gt 1 ] && gt "$(sub "$t2" "$t0")" "$SLOW_SECS"; then
            NOTE[$label]="1 run (first took over ${SLOW_SECS} s)"
            break
        fi
    done
}

# time_ss LABEL PREP ARGS...: a ShopSafe command, timed and measured by GNU time (elapsed,
# peak RSS, and user + system CPU time into CPU).
time_ss() {
    local label=$1 prep=$2 i e m u s
    shift 2
    TIMES[$label]="" RSS[$label]=0 RUNS_DONE[$label]=0 CPU[$label]=""
    for ((i = 1; i <= RUNS; i++)); do
        $prep "$i"
        sync
        /usr/bin/time -f '%e %M %U %S' -o "$TF" "$SHOPSAFE" --home "$SS_HOME" "$@" >"$LOG" 2>&1 || {
            cat "$LOG" "$TF" >&2
            die "shopsafe $* failed"
        }
        read -r e m u s < <(tail -n 1 "$TF")
        TIMES[$label]+=" $e"
        CPU[$label]+=" $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')"
        if [ "$m" -gt "${RSS[$label]}" ]; then RSS[$label]=$m; fi
        RUNS_DONE[$label]=$i
        say "$label run $i: $e s, peak RSS $(kb_to_mb "$m") MB"
        if [ "$SHORTCUT" = 1 ] && [ "$i" = 1 ] && [ "$RUNS" -gt 1 ] && gt "$e" "$SLOW_SECS"; then
            NOTE[$label]="1 run (first took over ${SLOW_SECS} s)"
            break
        fi
    done
}

newest_backup() {
    "$SHOPSAFE" --home "$SS_HOME" list --json | sed -n 's/^ *"id": *"\([^"]*\)".*/\1/p' | head -n 1
}

# --- The shop -------------------------------------------------------------------------------
say "scratch folder $W"
say "creating the demo shop (--rows-scale $ROWS_SCALE --media-mb $MEDIA_MB)"
t0=$(now)
"$SHOPSAFE" --home "$H" demo "$SHOP" --rows-scale "$ROWS_SCALE" --media-mb "$MEDIA_MB" >"$LOG" 2>&1 || {
    cat "$LOG" >&2
    die "shopsafe demo failed"
}
say "demo shop made in $(sub "$(now)" "$t0") s"
if [ -e "$SHOP/shop.sqlite3-wal" ]; then die "the demo left a WAL file; the copy references would miss it"; fi

DB_BYTES=$(stat -c %s "$SHOP/shop.sqlite3")
MEDIA_BYTES=$(find "$SHOP/media" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
MEDIA_FILES=$(find "$SHOP/media" -type f | wc -l)
DATA_BYTES=$((DB_BYTES + MEDIA_BYTES))
DISK_MB=$(du -sm "$SHOP/shop.sqlite3" "$SHOP/media" | awk '{ s += $1 } END { print s }')
say "data: db $(mb "$DB_BYTES") MB, media $(mb "$MEDIA_BYTES") MB in $MEDIA_FILES files"

# --- Backup and its references ----------------------------------------------------------------
prep_cp() {
    rm -rf "$COPY"
    mkdir -p "$COPY"
    warm "$SHOP/shop.sqlite3" "$SHOP/media"
}
time_ref "cp -r" prep_cp cp -r "$SHOP/shop.sqlite3" "$SHOP/media" "$COPY/"

prep_tgz() {
    rm -f "$TGZ"
    warm "$SHOP/shop.sqlite3" "$SHOP/media"
}
time_ref "tar czf" prep_tgz tar czf "$TGZ" -C "$SHOP" shop.sqlite3 media
TGZ_BYTES=$(stat -c %s "$TGZ")

prep_backup() {
    # Keep only the last run's backup: it is the one verify and restore use.
    if [ "$1" -gt 1 ]; then
        "$SHOPSAFE" --home "$H" delete "$(newest_backup)" --force >/dev/null
    fi
    warm "$SHOP/shop.sqlite3" "$SHOP/media"
}
time_ss "backup" prep_backup backup
ID=$(newest_backup)
[ -n "$ID" ] || die "no backup id in 'shopsafe list --json'"
ARCHIVE=$(find "$SHOP/backups" -name "*$ID*.zip" | head -n 1)
[ -f "$ARCHIVE" ] || die "cannot find the archive of backup $ID"
ZIP_BYTES=$(stat -c %s "$ARCHIVE")

# --- Verify and its references ----------------------------------------------------------------
SHORTCUT=1
prep_zip() { warm "$ARCHIVE"; }
time_ss "verify" prep_zip verify "$ID"
time_ref "unzip -tq" prep_zip unzip -tq "$ARCHIVE"
prep_tgz_read() { warm "$TGZ"; }
time_ref "tar tzf" prep_tgz_read tar tzf "$TGZ"

# --- Restore and its references ---------------------------------------------------------------
prep_back() {
    rm -rf "$BACK"
    mkdir -p "$BACK"
    warm "$COPY"
}
time_ref "cp -r back" prep_back cp -r "$COPY/shop.sqlite3" "$COPY/media" "$BACK/"
rm -rf "$BACK"
prep_untar() {
    rm -rf "$UNTAR"
    mkdir -p "$UNTAR"
    warm "$TGZ"
}
time_ref "tar xzf" prep_untar tar xzf "$TGZ" -C "$UNTAR"
rm -rf "$UNTAR"
prep_restore() { warm "$ARCHIVE"; }
time_ss "restore" prep_restore restore "$ID" --force --no-pre-backup

# --- Where the time goes (one run each) -------------------------------------------------------
say "diagnostics"
warm "$SHOP/shop.sqlite3" "$SHOP/media"
t0=$(now)
find "$SHOP/shop.sqlite3" "$SHOP/media" -type f -print0 | xargs -0 cat >/dev/null
READ_S=$(sub "$(now)" "$t0")
t0=$(now)
find "$SHOP/shop.sqlite3" "$SHOP/media" -type f -print0 | xargs -0 sha256sum >/dev/null
SHA_S=$(sub "$(now)" "$t0")
sync
/usr/bin/time -f '%e %M' -o "$TF" "$SHOPSAFE" --home "$H" backup --no-media >"$LOG" 2>&1 || {
    cat "$LOG" "$TF" >&2
    die "shopsafe backup --no-media failed"
}
read -r NOMEDIA_S NOMEDIA_KB < <(tail -n 1 "$TF")
say "read $READ_S s, sha256sum $SHA_S s, backup --no-media $NOMEDIA_S s"

# --- PostgreSQL and MariaDB (bench/engines.sh) ------------------------------------------------
SHORTCUT=0 # backup and restore are both targets there: always BENCH_RUNS runs
engines_run

# --- Report -----------------------------------------------------------------------------------
med() { median ${TIMES[$1]}; }
med_nosync() { median ${NOSYNC[$1]}; }
runs() {
    if [ -n "${NOTE[$1]:-}" ]; then echo "${NOTE[$1]}"; else echo "${RUNS_DONE[$1]}"; fi
}
samples() { echo "${TIMES[$1]}" | sed 's/^ //; s/ /, /g'; }

B=$(med backup) V=$(med verify) R=$(med restore)
CP=$(med "cp -r") TZ=$(med "tar czf") UZ=$(med "unzip -tq") TT=$(med "tar tzf")
CPB=$(med "cp -r back") TX=$(med "tar xzf")
RSS_MAX=0
for op in backup verify restore; do
    if [ "${RSS[$op]}" -gt "$RSS_MAX" ]; then RSS_MAX=${RSS[$op]}; fi
done

verdict() { if awk "BEGIN { exit !($1) }"; then echo "**met**"; else echo "**not met**"; fi; }
T_CP=$(verdict "$B <= 1.5 * $CP")
T_TAR=$(verdict "$B < $TZ")
T_RSS=$(verdict "$(kb_to_mb "$RSS_MAX") < $RSS_LIMIT_MB")

CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
RAM_GB=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1024 / 1024 }' /proc/meminfo)
FS=$(df -PT "$BENCH_DIR" | awk 'NR == 2 { printf "%s (%s, %.0f GB)", $1, $2, $3 / 1e6 }')
DEV=$(basename "$(df -P "$BENCH_DIR" | awk 'NR == 2 { print $1 }')")
ROT=$(cat "/sys/block/$DEV/queue/rotational" 2>/dev/null || true)
case $ROT in 0) FS+=", reported non-rotational" ;; 1) FS+=", reported rotational (virtual disks often are)" ;; esac
OS=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)
VERSION=$("$SHOPSAFE" --version)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$COMMIT" != unknown ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    COMMIT+=" (with uncommitted changes)"
fi
NOISY=""
for label in "${!TIMES[@]}"; do
    spread=$(printf '%s\n' ${TIMES[$label]} | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR > 1 && lo > 0 && hi / lo > 1.5) printf "%s-%s s", lo, hi }')
    if [ -n "$spread" ]; then NOISY+="${NOISY:+; }$label $spread"; fi
done
if [ -n "$NOISY" ]; then
    NOISE_NOTE="**Noisy runs** (slowest over 1.5x the fastest): ${NOISY}. Medians from such runs are rough; run \`make bench\` again on an idle machine to confirm."
else
    NOISE_NOTE="All repeated runs were within 1.5x of each other."
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
TOTAL_S=$(($(date +%s) - START))

mkdir -p "$(dirname "$BENCH_OUT")"
OUT_TMP=$W/BENCHMARKS.md
{
    cat <<EOF
# Benchmarks

Generated by \`make bench\` (\`bench/run.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC'); the whole run took ${TOTAL_S} s.
Do not edit by hand: run \`make bench\` again.

## Targets

| Target | Result | |
|---|---|---|
| backup within 1.5x of \`cp -r\` | backup ${B} s vs cp -r ${CP} s = $(ratio "$B" "$CP") | ${T_CP} |
| backup faster than \`tar czf\` | backup ${B} s vs tar czf ${TZ} s = $(ratio "$B" "$TZ") | ${T_TAR} |
| peak memory under ${RSS_LIMIT_MB} MB | highest peak RSS of backup, verify, restore: $(kb_to_mb "$RSS_MAX") MB | ${T_RSS} |
$(engines_target_rows)

## Machine

| | |
|---|---|
| CPU | ${CPU:-unknown}, $(nproc) cores (\`nproc\`) |
| RAM | ${RAM_GB} GB |
| Disk of the bench folder | ${FS} |
| OS, kernel | ${OS:-unknown}, Linux $(uname -r) ($(uname -m)) |
| ShopSafe | ${VERSION}, commit ${COMMIT} |
| Load average (1, 5, 15 min) | ${LOAD_START} at the start, ${LOAD_END} at the end |

## Data

The demo shop (\`shopsafe demo --rows-scale ${ROWS_SCALE} --media-mb ${MEDIA_MB}\`):

| | |
|---|---|
| Database | $(mb "$DB_BYTES") MB (\`shop.sqlite3\`, SQLite) |
| Media | $(mb "$MEDIA_BYTES") MB in ${MEDIA_FILES} files (noise PNGs, mostly incompressible; avg $(awk -v b="$MEDIA_BYTES" -v n="$MEDIA_FILES" 'BEGIN { printf "%.1f", b / n / 1000 }') kB) |
| Total | $(mb "$DATA_BYTES") MB (${DISK_MB} MiB on disk) |
| ShopSafe archive | $(mb "$ZIP_BYTES") MB (zip) |
| tar czf archive | $(mb "$TGZ_BYTES") MB |

MB = 10^6 bytes throughout. MB/s is the shop's data size (database + media, ${DATA_BYTES} bytes) over the median time.

## Results

Medians in seconds; references include a final \`sync\` (ShopSafe flushes what it writes to disk itself).

| Operation | Median s | MB/s | Peak RSS MB | vs copy floor | vs tar | Runs (s) |
|---|---:|---:|---:|---:|---:|---|
| **shopsafe backup** | ${B} | $(rate "$B") | $(kb_to_mb "${RSS[backup]}") | $(ratio "$B" "$CP") of cp -r | $(ratio "$B" "$TZ") of tar czf | $(runs backup): $(samples backup) |
| **shopsafe verify** | ${V} | $(rate "$V") | $(kb_to_mb "${RSS[verify]}") | $(ratio "$V" "$UZ") of unzip -tq | $(ratio "$V" "$TT") of tar tzf | $(runs verify): $(samples verify) |
| **shopsafe restore** | ${R} | $(rate "$R") | $(kb_to_mb "${RSS[restore]}") | $(ratio "$R" "$CPB") of cp -r back | $(ratio "$R" "$TX") of tar xzf | $(runs restore): $(samples restore) |

References (median seconds with the final \`sync\`, and without it):

| Reference | Median s | without sync | MB/s | Runs (s) | Compared with |
|---|---:|---:|---:|---|---|
| \`cp -r\` shop data to a new folder | ${CP} | $(med_nosync "cp -r") | $(rate "$CP") | $(runs "cp -r"): $(samples "cp -r") | backup (copy floor) |
| \`tar czf\` shop data | ${TZ} | $(med_nosync "tar czf") | $(rate "$TZ") | $(runs "tar czf"): $(samples "tar czf") | backup |
| \`unzip -tq\` the ShopSafe archive | ${UZ} | $(med_nosync "unzip -tq") | $(rate "$UZ") | $(runs "unzip -tq"): $(samples "unzip -tq") | verify (read and CRC floor) |
| \`tar tzf\` the tar archive | ${TT} | $(med_nosync "tar tzf") | $(rate "$TT") | $(runs "tar tzf"): $(samples "tar tzf") | verify |
| \`cp -r\` the copy back to a new folder | ${CPB} | $(med_nosync "cp -r back") | $(rate "$CPB") | $(runs "cp -r back"): $(samples "cp -r back") | restore (copy floor) |
| \`tar xzf\` the tar archive | ${TX} | $(med_nosync "tar xzf") | $(rate "$TX") | $(runs "tar xzf"): $(samples "tar xzf") | restore |

${NOISE_NOTE}

Where the time goes (one run each, warm cache):

| | s |
|---|---:|
| read all shop data (\`cat\`) | ${READ_S} |
| \`sha256sum\` all shop data (one core) | ${SHA_S} |
| \`shopsafe backup --no-media\` (database only; peak RSS $(kb_to_mb "$NOMEDIA_KB") MB) | ${NOMEDIA_S} |

## Method

- One run of \`bench/run.sh\` makes the demo shop in a scratch folder (with its own \`--home\`,
  removed at the end), then times every command below against that same shop.
- The page cache is not dropped (that needs root and is unreliable in VMs and containers).
  Instead each timed command runs right after an untimed read of all its input, so every run
  sees a warm cache, and after an untimed \`sync\`, so no earlier writeback is charged to it.
  Cold-cache times on a slow disk will be higher for every row alike.
- Each command runs ${RUNS} times and the median is reported; outputs are removed between
  runs (untimed). To bound the run time, a verify- or restore-side command whose first run
  took over ${SLOW_SECS} s runs only once (cp -r, tar czf and backup always run ${RUNS} times).
- **backup**: \`shopsafe backup\` of the shop (archive written into the shop's backup folder,
  flushed to disk, hashed and recorded); only the last run's backup is kept. Copy floor:
  \`cp -r shop.sqlite3 media DEST/ && sync\`; tar: \`tar czf out.tgz shop.sqlite3 media && sync\`
  (gzip level 6). The \`sync\` is counted because ShopSafe fsyncs its archive.
- **verify**: \`shopsafe verify ID\` (re-reads the archive, checks every entry's SHA-256 and the
  archive's). References: \`unzip -tq\` (reads and CRC-checks the same zip) and \`tar tzf\`.
- **restore**: \`shopsafe restore ID --force --no-pre-backup\` into the same shop (verifies
  while unpacking, swaps the shop in, checks the live shop). Copy floor: \`cp -r\` of the earlier
  copy into a new folder \`&& sync\`; tar: \`tar xzf\` into a new folder \`&& sync\`.
- Times are wall-clock: \`/usr/bin/time -f '%e %M'\` for ShopSafe (elapsed seconds and peak
  resident memory), \`date +%s.%N\` around the references.

EOF
    engines_report
} >"$OUT_TMP"
mv "$OUT_TMP" "$BENCH_OUT"

say "backup ${B} s ($(ratio "$B" "$CP") of cp -r ${CP} s, $(ratio "$B" "$TZ") of tar czf ${TZ} s); verify ${V} s; restore ${R} s; peak RSS $(kb_to_mb "$RSS_MAX") MB"
say "targets: backup <= 1.5x cp -r: ${T_CP//\*/}; backup < tar czf: ${T_TAR//\*/}; peak RSS < ${RSS_LIMIT_MB} MB: ${T_RSS//\*/}"
if [ "$ENGINES" = 1 ]; then
    say "PostgreSQL: backup $(med "pg backup") s vs pg_dump -Fc $(med "pg_dump -Fc") s; restore $(med "pg restore") s vs pg_restore $(med "pg_restore") s"
    say "MariaDB: backup $(med "maria backup") s vs mariadb-dump $(med "mariadb-dump") s; restore $(med "maria restore") s vs mariadb $(med "mariadb < dump") s"
fi
say "wrote $BENCH_OUT"
