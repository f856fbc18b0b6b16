# shellcheck shell=bash
# bench/engines.sh: the database-server part of `make bench`. Sourced by bench/run.sh, whose
# helpers it uses (say, die, now, sub, median, ratio, time_ss, newest_backup, TIMES, ...).
#
# Target (from the issue): on a database of at least a million rows on each engine,
# ShopSafe's backup and restore are no slower than the engine's own tools on the same data in
# the same run: pg_dump -Fc / pg_restore for PostgreSQL, mariadb-dump / mariadb for MariaDB.
# Plain `pg_dump` / `psql` is timed too, as a second PostgreSQL reference.
#
# It starts two throwaway servers in the scratch folder (PostgreSQL 15 on a unix socket with
# trust authentication, MariaDB 10.11 with a password login for ShopSafe), both on free ports
# of 127.0.0.1, with their sockets in a short folder under /tmp. bench/run.sh's exit trap
# calls engines_stop, so they are stopped also on failure or Ctrl-C.
#
# Data (generated server-side, the same on both engines): a Django-like shop of
#   catalog_category 1,000 | catalog_product L/4 | orders_order L/8 | orders_orderline L
# with L = BENCH_DB_LINES (default 800,000, so 1,101,000 rows in all), identity /
# AUTO_INCREMENT keys, foreign keys with their indexes, unique and `_like` indexes, text,
# numeric, boolean and timestamp columns.
#
# Environment:
#   BENCH_ENGINES   1 (default) runs this part; 0 skips it (the report says so); mysql runs
#                   only the MariaDB half (the PostgreSQL rows of the report stay empty)
#   BENCH_DB_LINES  rows of orders_orderline (default 800000)
#   BENCH_PG_BIN    PostgreSQL server and client binaries (default /usr/lib/postgresql/15/bin)

ENGINES=${BENCH_ENGINES:-1}
PG_BIN=${BENCH_PG_BIN:-/usr/lib/postgresql/15/bin}
DB_LINES=${BENCH_DB_LINES:-800000}
E_TABLES=(catalog_category catalog_product orders_order orders_orderline)
E_SOCK=""        # folder of both unix sockets (socket paths are limited to about 107 bytes)
E_PGD=""         # PostgreSQL folder (data, log)
E_PG_STARTED=0   # 1 from the moment pg_ctl start is called
E_PG_PORT=""
E_MYD=""         # MariaDB folder (data, error log, pid file, tmpdir)
E_MY_PID=""      # mariadbd, our child
E_MY_PORT=""
E_MY_SOCK=""
E_MARIADBD=""
declare -A E_ROWS E_PG_BYTES E_MY_BYTES E_SIZE E_DIAG E_VERSION

is_root() { [ "$(id -u)" = 0 ]; }
# Run a PostgreSQL server binary as the postgres user when we are root (initdb refuses root).
as_pg() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}
e_need() {
    die "$1 is missing; run scripts/deps.sh (or skip the PostgreSQL and MariaDB benchmark with BENCH_ENGINES=0)."
}

engines_preflight() {
    case $ENGINES in
    0) return 0 ;;
    1) ;;
    mysql) ;;
    *) die "BENCH_ENGINES must be 1 (the default: benchmark PostgreSQL and MariaDB too), mysql (MariaDB only) or 0 (skip them)." ;;
    esac
    case $DB_LINES in '' | *[!0-9]*) die "BENCH_DB_LINES must be a whole number" ;; esac
    [ "$DB_LINES" -ge 8 ] || die "BENCH_DB_LINES must be at least 8"
    local b
    for b in initdb pg_ctl pg_dump pg_restore psql; do
        [ -x "$PG_BIN/$b" ] || e_need "PostgreSQL 15 ($PG_BIN/$b)"
    done
    E_MARIADBD=/usr/sbin/mariadbd
    [ -x "$E_MARIADBD" ] || E_MARIADBD=$(command -v mariadbd || true)
    [ -n "$E_MARIADBD" ] || e_need "The MariaDB server (mariadbd)"
    command -v ps >/dev/null || e_need "ps (procps)"
    for b in mariadb-install-db mariadb mariadb-dump mariadb-admin; do
        command -v "$b" >/dev/null || e_need "$b (MariaDB)"
    done
    if is_root; then
        command -v runuser >/dev/null || e_need "runuser (util-linux)"
        id postgres >/dev/null 2>&1 || e_need "The postgres user (package postgresql-15)"
    fi
}

e_free_port() {
    local p i
    for ((i = 0; i < 500; i++)); do
        p=$((20000 + RANDOM % 40000))
        [ "$p" != "$E_PG_PORT" ] || continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    die "found no free TCP port on 127.0.0.1"
}

# Stop both servers, if started. Called by bench/run.sh's exit trap; never fails.
engines_stop() {
    local i
    if [ "$E_PG_STARTED" = 1 ]; then
        say "stopping PostgreSQL"
        as_pg "$PG_BIN/pg_ctl" -D "$E_PGD/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            as_pg "$PG_BIN/pg_ctl" -D "$E_PGD/data" -m immediate -w -t 60 stop >/dev/null 2>&1 ||
            say "warning: could not stop PostgreSQL (data folder $E_PGD/data)"
        E_PG_STARTED=0
    fi
    if [ -n "$E_MY_PID" ]; then
        say "stopping MariaDB"
        mariadb-admin --no-defaults -uroot -S "$E_MY_SOCK" --shutdown-timeout=60 shutdown >/dev/null 2>&1 ||
            kill -TERM "$E_MY_PID" 2>/dev/null || true
        # Our child: exited once it is gone or a zombie.
        for ((i = 0; i < 600; i++)); do
            case $(ps -o stat= -p "$E_MY_PID" 2>/dev/null) in '' | Z*) break ;; esac
            sleep 0.1
        done
        case $(ps -o stat= -p "$E_MY_PID" 2>/dev/null) in
        '' | Z*) ;;
        *)
            say "warning: MariaDB did not stop within 60 s; killing it"
            kill -KILL "$E_MY_PID" 2>/dev/null || true
            ;;
        esac
        wait "$E_MY_PID" 2>/dev/null || true
        E_MY_PID=""
    fi
    if [ -n "$E_SOCK" ]; then rm -rf "$E_SOCK"; fi
    E_SOCK=""
}

# --- Servers ----------------------------------------------------------------------------------
e_psql() { # DB ARGS...
    local db=$1
    shift
    "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$E_SOCK/pg" -p "$E_PG_PORT" -U postgres -d "$db" "$@"
}
e_my() { # DB ARGS... (as root)
    local db=$1
    shift
    mariadb --no-defaults -uroot -S "$E_MY_SOCK" -N -B "$db" "$@"
}

e_pg_start() {
    E_PGD=$W/pg
    mkdir -p "$E_PGD" "$E_SOCK/pg"
    if is_root; then
        chown postgres "$E_PGD" "$E_SOCK/pg"
        chmod o+x "$W"
    fi
    as_pg test -w "$E_PGD" ||
        die "the postgres user cannot write $E_PGD; set BENCH_DIR to a folder whose parents it can search."
    as_pg "$PG_BIN/initdb" -D "$E_PGD/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "initdb failed"
    }
    E_PG_PORT=$(e_free_port)
    E_PG_STARTED=1
    as_pg "$PG_BIN/pg_ctl" -D "$E_PGD/data" -l "$E_PGD/log" -w -t 120 \
        -o "-p $E_PG_PORT -k $E_SOCK/pg -c listen_addresses=127.0.0.1 -c autovacuum=off" start >"$LOG" 2>&1 || {
        cat "$LOG" "$E_PGD/log" >&2
        die "PostgreSQL did not start"
    }
    E_VERSION[pg]=$(e_psql postgres -c "SHOW server_version" | sed 's/ .*//')
    say "PostgreSQL ${E_VERSION[pg]} on port $E_PG_PORT, socket folder $E_SOCK/pg"
}

e_my_start() {
    local user=() i
    E_MYD=$W/maria
    mkdir -p "$E_MYD"
    if is_root; then user=(--user=root); fi
    mariadb-install-db --no-defaults --datadir="$E_MYD/data" "${user[@]}" \
        --auth-root-authentication-method=normal --skip-test-db >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "mariadb-install-db failed"
    }
    E_MY_PORT=$(e_free_port)
    E_MY_SOCK=$E_SOCK/maria.sock
    "$E_MARIADBD" --no-defaults --datadir="$E_MYD/data" --socket="$E_MY_SOCK" --port="$E_MY_PORT" \
        --bind-address=127.0.0.1 --pid-file="$E_MYD/pid" "${user[@]}" --skip-log-bin \
        --innodb-buffer-pool-size=256M --log-error="$E_MYD/err" --tmpdir="$E_MYD" \
        --character-set-server=utf8mb4 >"$E_MYD/out" 2>&1 &
    E_MY_PID=$!
    for ((i = 0; i < 600; i++)); do
        if mariadb-admin --no-defaults -uroot -S "$E_MY_SOCK" ping >/dev/null 2>&1; then break; fi
        case $(ps -o stat= -p "$E_MY_PID" 2>/dev/null) in
        '' | Z*)
            cat "$E_MYD/out" "$E_MYD/err" >&2 2>/dev/null || true
            die "MariaDB did not start"
            ;;
        esac
        sleep 0.1
    done
    mariadb-admin --no-defaults -uroot -S "$E_MY_SOCK" ping >/dev/null 2>&1 || die "MariaDB did not answer within 60 s"
    E_VERSION[my]=$(e_my mysql -e "SELECT VERSION()" | sed 's/-.*//')
    say "MariaDB ${E_VERSION[my]} on port $E_MY_PORT, socket $E_MY_SOCK"
}

# --- Data -------------------------------------------------------------------------------------
e_pg_data() {
    local p=$((DB_LINES / 4)) o=$((DB_LINES / 8))
    e_psql postgres -c "CREATE DATABASE shop"
    e_psql shop <<EOF
CREATE TABLE catalog_category (
    id bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    name varchar(100) NOT NULL,
    slug varchar(50) NOT NULL UNIQUE,
    created_at timestamp with time zone NOT NULL);
CREATE TABLE catalog_product (
    id bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    category_id bigint NOT NULL,
    sku varchar(32) NOT NULL UNIQUE,
    name varchar(200) NOT NULL,
    description text NOT NULL,
    price numeric(10, 2) NOT NULL,
    stock integer NOT NULL,
    is_active boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL);
CREATE TABLE orders_order (
    id bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    number varchar(20) NOT NULL UNIQUE,
    email varchar(254) NOT NULL,
    status varchar(16) NOT NULL,
    total numeric(12, 2) NOT NULL,
    paid boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL);
CREATE TABLE orders_orderline (
    id bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    order_id bigint NOT NULL,
    product_id bigint NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(10, 2) NOT NULL,
    note text NOT NULL,
    created_at timestamp with time zone NOT NULL);
INSERT INTO catalog_category (name, slug, created_at)
SELECT 'Category ' || i, 'category-' || i, timestamptz '2020-01-01 00:00:00+00' + i * interval '1 hour'
  FROM generate_series(1, 1000) AS i;
INSERT INTO catalog_product (category_id, sku, name, description, price, stock, is_active, created_at, updated_at)
SELECT 1 + i % 1000, 'SKU-' || lpad(i::text, 8, '0'), 'Product ' || i || ' ' || left(md5(i::text), 12),
       'Description of product ' || i || ': ' || repeat(md5((i * 7)::text) || ' ', 3),
       round(1 + (i::bigint * 37 % 100000) / 100.0, 2), i % 500, i % 10 <> 0,
       timestamptz '2021-01-01 00:00:00+00' + i * interval '1 minute',
       timestamptz '2024-01-01 00:00:00+00' + i * interval '7 seconds' + (i % 1000) * interval '1 microsecond'
  FROM generate_series(1, $p) AS i;
INSERT INTO orders_order (number, email, status, total, paid, created_at, updated_at)
SELECT 'ORD-' || lpad(i::text, 9, '0'), 'customer' || (i % 50000) || '@example.com',
       (ARRAY['new', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + i % 5],
       round(5 + (i::bigint * 7919 % 100000) / 10.0, 2), i % 5 NOT IN (0, 4),
       timestamptz '2022-01-01 00:00:00+00' + i * interval '4 minutes',
       timestamptz '2022-01-02 00:00:00+00' + i * interval '4 minutes'
  FROM generate_series(1, $o) AS i;
INSERT INTO orders_orderline (order_id, product_id, quantity, unit_price, note, created_at)
SELECT 1 + (i - 1) % $o, 1 + i::bigint * 7919 % $p, 1 + i % 5,
       round(1 + (i::bigint * 13 % 50000) / 100.0, 2),
       CASE WHEN i % 3 = 0 THEN 'Gift wrap, note ' || md5(i::text) ELSE '' END,
       timestamptz '2022-01-01 00:00:00+00' + i * interval '30 seconds'
  FROM generate_series(1, $DB_LINES) AS i;
CREATE INDEX catalog_category_slug_like ON catalog_category (slug varchar_pattern_ops);
CREATE INDEX catalog_product_category_id ON catalog_product (category_id);
CREATE INDEX catalog_product_sku_like ON catalog_product (sku varchar_pattern_ops);
CREATE INDEX orders_order_number_like ON orders_order (number varchar_pattern_ops);
CREATE INDEX orders_order_email ON orders_order (email);
CREATE INDEX orders_orderline_order_id ON orders_orderline (order_id);
CREATE INDEX orders_orderline_product_id ON orders_orderline (product_id);
ALTER TABLE catalog_product ADD CONSTRAINT catalog_product_category_id_fk_catalog_category_id
    FOREIGN KEY (category_id) REFERENCES catalog_category (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE orders_orderline ADD CONSTRAINT orders_orderline_order_id_fk_orders_order_id
    FOREIGN KEY (order_id) REFERENCES orders_order (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE orders_orderline ADD CONSTRAINT orders_orderline_product_id_fk_catalog_product_id
    FOREIGN KEY (product_id) REFERENCES catalog_product (id) DEFERRABLE INITIALLY DEFERRED;
EOF
    # Set hint bits and the visibility map now, so the first timed dump does not pay for it.
    e_psql shop -c "VACUUM (FREEZE, ANALYZE)"
    e_psql shop -c "CHECKPOINT"
}

e_my_data() {
    local p=$((DB_LINES / 4)) o=$((DB_LINES / 8))
    E_MY_PASSWORD=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
    e_my mysql -e "CREATE DATABASE shop; CREATE USER shop@localhost IDENTIFIED BY '$E_MY_PASSWORD';
        GRANT ALL ON shop.* TO shop@localhost;"
    e_my shop <<EOF
CREATE TABLE catalog_category (
    id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name varchar(100) NOT NULL,
    slug varchar(50) NOT NULL UNIQUE,
    created_at datetime(6) NOT NULL) ENGINE=InnoDB;
CREATE TABLE catalog_product (
    id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    category_id bigint NOT NULL,
    sku varchar(32) NOT NULL UNIQUE,
    name varchar(200) NOT NULL,
    description longtext NOT NULL,
    price decimal(10, 2) NOT NULL,
    stock integer NOT NULL,
    is_active bool NOT NULL,
    created_at datetime(6) NOT NULL,
    updated_at datetime(6) NOT NULL,
    KEY catalog_product_category_id (category_id),
    CONSTRAINT catalog_product_category_id_fk_catalog_category_id
        FOREIGN KEY (category_id) REFERENCES catalog_category (id)) ENGINE=InnoDB;
CREATE TABLE orders_order (
    id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    number varchar(20) NOT NULL UNIQUE,
    email varchar(254) NOT NULL,
    status varchar(16) NOT NULL,
    total decimal(12, 2) NOT NULL,
    paid bool NOT NULL,
    created_at datetime(6) NOT NULL,
    updated_at datetime(6) NOT NULL,
    KEY orders_order_email (email)) ENGINE=InnoDB;
CREATE TABLE orders_orderline (
    id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id bigint NOT NULL,
    product_id bigint NOT NULL,
    quantity integer NOT NULL,
    unit_price decimal(10, 2) NOT NULL,
    note longtext NOT NULL,
    created_at datetime(6) NOT NULL,
    KEY orders_orderline_order_id (order_id),
    KEY orders_orderline_product_id (product_id),
    CONSTRAINT orders_orderline_order_id_fk_orders_order_id
        FOREIGN KEY (order_id) REFERENCES orders_order (id),
    CONSTRAINT orders_orderline_product_id_fk_catalog_product_id
        FOREIGN KEY (product_id) REFERENCES catalog_product (id)) ENGINE=InnoDB;
INSERT INTO catalog_category (name, slug, created_at)
SELECT CONCAT('Category ', seq), CONCAT('category-', seq), TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq HOUR
  FROM seq_1_to_1000;
INSERT INTO catalog_product (category_id, sku, name, description, price, stock, is_active, created_at, updated_at)
SELECT 1 + seq % 1000, CONCAT('SKU-', LPAD(seq, 8, '0')), CONCAT('Product ', seq, ' ', LEFT(MD5(seq), 12)),
       CONCAT('Description of product ', seq, ': ', REPEAT(CONCAT(MD5(seq * 7), ' '), 3)),
       ROUND(1 + (seq * 37 % 100000) / 100.0, 2), seq % 500, seq % 10 <> 0,
       TIMESTAMP '2021-01-01 00:00:00' + INTERVAL seq MINUTE,
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq * 7 SECOND + INTERVAL seq % 1000 MICROSECOND
  FROM seq_1_to_$p;
INSERT INTO orders_order (number, email, status, total, paid, created_at, updated_at)
SELECT CONCAT('ORD-', LPAD(seq, 9, '0')), CONCAT('customer', seq % 50000, '@example.com'),
       ELT(1 + seq % 5, 'new', 'paid', 'shipped', 'delivered', 'cancelled'),
       ROUND(5 + (seq * 7919 % 100000) / 10.0, 2), seq % 5 NOT IN (0, 4),
       TIMESTAMP '2022-01-01 00:00:00' + INTERVAL seq * 4 MINUTE,
       TIMESTAMP '2022-01-02 00:00:00' + INTERVAL seq * 4 MINUTE
  FROM seq_1_to_$o;
INSERT INTO orders_orderline (order_id, product_id, quantity, unit_price, note, created_at)
SELECT 1 + (seq - 1) % $o, 1 + seq * 7919 % $p, 1 + seq % 5,
       ROUND(1 + (seq * 13 % 50000) / 100.0, 2),
       IF(seq % 3 = 0, CONCAT('Gift wrap, note ', MD5(seq)), ''),
       TIMESTAMP '2022-01-01 00:00:00' + INTERVAL seq * 30 SECOND
  FROM seq_1_to_$DB_LINES;
ANALYZE TABLE catalog_category, catalog_product, orders_order, orders_orderline;
EOF
}

# "n n n n": the row count of every table, in E_TABLES order. Works on both engines.
e_counts_sql() {
    local t parts=()
    for t in "${E_TABLES[@]}"; do parts+=("(SELECT COUNT(*) FROM $t)"); done
    local IFS=,
    echo "SELECT CONCAT_WS(' ', ${parts[*]})"
}

# Before each timed PostgreSQL run: write out what earlier runs left dirty (untimed).
e_pg_quiet() { e_psql shop -c "CHECKPOINT" >/dev/null; }
# The same for MariaDB: flush InnoDB's dirty pages (waits at most 60 s).
e_my_quiet() {
    local i dirty
    e_my mysql -e "SET GLOBAL innodb_max_dirty_pages_pct = 0"
    for ((i = 0; i < 600; i++)); do
        dirty=$(e_my mysql -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | awk '{ print $2 }')
        [ "${dirty:-0}" -gt 0 ] || break
        sleep 0.1
    done
    e_my mysql -e "SET GLOBAL innodb_max_dirty_pages_pct = 90"
}

# time_db LABEL PREP SYNC_FILE CMD...: an engine's own tool. Each run: PREP RUN (untimed), sync,
# then CMD timed to its end and, when SYNC_FILE is given, to the end of `sync SYNC_FILE` (the
# dump flushed to disk, as ShopSafe flushes its archive).
time_db() {
    local label=$1 prep=$2 file=$3 i t0 t1
    shift 3
    TIMES[$label]="" RUNS_DONE[$label]=0
    for ((i = 1; i <= RUNS; i++)); do
        $prep "$i"
        sync
        t0=$(now)
        "$@" >"$LOG" 2>&1 || {
            cat "$LOG" >&2
            die "$label failed"
        }
        if [ -n "$file" ]; then sync "$file"; fi
        t1=$(now)
        TIMES[$label]+=" $(sub "$t1" "$t0")"
        RUNS_DONE[$label]=$i
        say "$label run $i: $(sub "$t1" "$t0") s"
    done
}

e_newest_path() {
    "$SHOPSAFE" --home "$SS_HOME" list --json | sed -n 's/^ *"path": *"\(.*\)",$/\1/p' | head -n 1
}

# --- PostgreSQL -------------------------------------------------------------------------------
E_PG_DUMP_FC="" E_PG_DUMP_SQL=""
e_pg_dump_fc() { "$PG_BIN/pg_dump" -h "$E_SOCK/pg" -p "$E_PG_PORT" -U postgres -Fc -f "$E_PG_DUMP_FC" shop; }
e_pg_dump_sql() { "$PG_BIN/pg_dump" -h "$E_SOCK/pg" -p "$E_PG_PORT" -U postgres --clean --if-exists -f "$E_PG_DUMP_SQL" shop; }
e_pg_restore_fc() {
    "$PG_BIN/pg_restore" -h "$E_SOCK/pg" -p "$E_PG_PORT" -U postgres --clean --if-exists --single-transaction -d shop "$E_PG_DUMP_FC"
}
e_pg_restore_sql() { e_psql shop --single-transaction -f "$E_PG_DUMP_SQL"; }
e_pg_prep_fc() {
    rm -f "$E_PG_DUMP_FC"
    e_pg_quiet
}
e_pg_prep_sql() {
    rm -f "$E_PG_DUMP_SQL"
    e_pg_quiet
}
e_pg_prep_backup() {
    # Keep only the last run's backup: it is the one restore uses.
    if [ "$1" -gt 1 ]; then "$SHOPSAFE" --home "$SS_HOME" delete "$(newest_backup)" --force >/dev/null; fi
    e_pg_quiet
}
# Seconds to read every table back once through the engine's own client, output discarded:
# about what the server spends on a restore's read-back check, which the tools do not do.
e_readback() { # E_DIAG-KEY e_pg_readback_one|e_my_readback_one
    local t t0
    t0=$(now)
    for t in "${E_TABLES[@]}"; do "$2" "$t" >/dev/null || die "reading table $t back failed"; done
    E_DIAG[$1]=$(sub "$(now)" "$t0")
}
e_pg_readback_one() { e_psql shop -c "COPY public.$1 TO STDOUT"; }
e_my_readback_one() { e_my shop --quick -e "SELECT * FROM $1"; }

e_check_pg_rows() {
    local got
    got=$(e_psql shop -c "$(e_counts_sql)")
    [ "$got" = "$E_COUNTS_PG" ] || die "$1 left row counts $got, expected $E_COUNTS_PG"
}

e_bench_pg() {
    local t id archive i counts
    SS_HOME=$W/home-pg
    E_PG_DUMP_FC=$W/pg-shop.dump E_PG_DUMP_SQL=$W/pg-shop.sql
    e_pg_start
    say "PostgreSQL: generating the data ($DB_LINES order lines)"
    t=$(now)
    e_pg_data >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "generating the PostgreSQL data failed"
    }
    E_DIAG[pg_gen]=$(sub "$(now)" "$t")
    E_COUNTS_PG=$(e_psql shop -c "$(e_counts_sql)")
    read -r -a counts <<<"$E_COUNTS_PG"
    for i in "${!E_TABLES[@]}"; do
        t=${E_TABLES[$i]}
        E_ROWS[$t]=${counts[$i]}
        E_PG_BYTES[$t]=$(e_psql shop -c "SELECT pg_total_relation_size('public.$t')")
    done
    E_SIZE[pg_db]=$(e_psql shop -c "SELECT pg_database_size('shop')")
    say "PostgreSQL data: $E_COUNTS_PG rows, $(mb "${E_SIZE[pg_db]}") MB, made in ${E_DIAG[pg_gen]} s"

    mkdir -p "$W/dest-pg"
    "$SHOPSAFE" --home "$SS_HOME" shop add pg-shop \
        --db "postgres://postgres@/shop?host=$E_SOCK/pg&port=$E_PG_PORT" --dest "$W/dest-pg" >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "shopsafe shop add (PostgreSQL) failed"
    }

    # Backups.
    time_ss "pg backup" e_pg_prep_backup backup --shop pg-shop --no-media
    id=$(newest_backup)
    archive=$(e_newest_path)
    [ -f "$archive" ] || die "cannot find the archive of backup $id"
    E_SIZE[pg_zip]=$(stat -c %s "$archive")
    E_SIZE[pg_zip_sql]=$(unzip -l "$archive" | awk '$4 == "database/dump.sql" { print $1 }')
    time_db "pg_dump -Fc" e_pg_prep_fc "$E_PG_DUMP_FC" e_pg_dump_fc
    E_SIZE[pg_fc]=$(stat -c %s "$E_PG_DUMP_FC")
    time_db "pg_dump plain" e_pg_prep_sql "$E_PG_DUMP_SQL" e_pg_dump_sql
    E_SIZE[pg_sql]=$(stat -c %s "$E_PG_DUMP_SQL")

    # Restores, each replacing the live tables (which hold the same data).
    time_db "pg_restore" e_pg_quiet "" e_pg_restore_fc
    e_check_pg_rows pg_restore
    time_db "psql plain" e_pg_quiet "" e_pg_restore_sql
    e_check_pg_rows "psql of the plain dump"
    time_ss "pg restore" e_pg_quiet restore "$id" --force --no-pre-backup
    grep -q "$(awk '{ s += $1 } END { print s }' <<<"${E_COUNTS_PG// /$'\n'}") rows match" "$LOG" ||
        die "shopsafe restore (PostgreSQL) did not report the expected row count: $(cat "$LOG")"
    e_readback pg_readback e_pg_readback_one
    say "PostgreSQL: reading every table back through psql: ${E_DIAG[pg_readback]} s"

    # Where the time goes: ShopSafe's own dump loaded by hand into an empty database.
    unzip -p "$archive" database/dump.sql >"$W/pg-shopsafe.sql"
    E_DIAG[pg_dump_bytes]=$(stat -c %s "$W/pg-shopsafe.sql")
    e_psql postgres -c "CREATE DATABASE shop_load"
    e_pg_quiet
    sync
    t=$(now)
    e_psql shop_load --single-transaction -f "$W/pg-shopsafe.sql" >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "loading ShopSafe's PostgreSQL dump by hand failed"
    }
    E_DIAG[pg_load]=$(sub "$(now)" "$t")
    e_psql postgres -c "DROP DATABASE shop_load"
    rm -f "$W/pg-shopsafe.sql" "$E_PG_DUMP_SQL"
    say "PostgreSQL: psql -1 -f of ShopSafe's dump.sql into an empty database: ${E_DIAG[pg_load]} s"
    engines_stop_pg
}

engines_stop_pg() {
    as_pg "$PG_BIN/pg_ctl" -D "$E_PGD/data" -m fast -w -t 60 stop >/dev/null 2>&1 || die "could not stop PostgreSQL"
    E_PG_STARTED=0
    rm -rf "$E_PGD"
}

# --- MariaDB ----------------------------------------------------------------------------------
E_MY_DUMP=""
e_my_dump() { mariadb-dump --no-defaults -uroot -S "$E_MY_SOCK" --single-transaction shop >"$E_MY_DUMP"; }
e_my_load() { mariadb --no-defaults -uroot -S "$E_MY_SOCK" shop <"$E_MY_DUMP"; }
e_my_prep_dump() { rm -f "$E_MY_DUMP"; }
e_my_prep_gz() { rm -f "$E_MY_DUMP.gz"; }
# The tool's dump compressed as it is taken, as ShopSafe's is (and as people often run it).
e_my_dump_gz() { mariadb-dump --no-defaults -uroot -S "$E_MY_SOCK" --single-transaction shop | gzip -1 >"$E_MY_DUMP.gz"; }
e_my_prep_backup() {
    if [ "$1" -gt 1 ]; then "$SHOPSAFE" --home "$SS_HOME" delete "$(newest_backup)" --force >/dev/null; fi
}
e_check_my_rows() {
    local got
    got=$(e_my shop -e "$(e_counts_sql)")
    [ "$got" = "$E_COUNTS_MY" ] || die "$1 left row counts $got, expected $E_COUNTS_MY"
}

e_bench_my() {
    local t id archive i
    SS_HOME=$W/home-maria
    E_MY_DUMP=$W/maria-shop.sql
    e_my_start
    say "MariaDB: generating the data ($DB_LINES order lines)"
    t=$(now)
    e_my_data >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "generating the MariaDB data failed"
    }
    E_DIAG[my_gen]=$(sub "$(now)" "$t")
    E_COUNTS_MY=$(e_my shop -e "$(e_counts_sql)")
    [ "$ENGINES" = mysql ] || [ "$E_COUNTS_MY" = "$E_COUNTS_PG" ] ||
        die "MariaDB has $E_COUNTS_MY rows, PostgreSQL had $E_COUNTS_PG"
    if [ "$ENGINES" = mysql ]; then
        read -r -a counts <<<"$E_COUNTS_MY"
        for i in "${!E_TABLES[@]}"; do E_ROWS[${E_TABLES[$i]}]=${counts[$i]}; done
    fi
    E_SIZE[my_db]=0
    for t in "${E_TABLES[@]}"; do
        E_MY_BYTES[$t]=$(e_my shop -e "SELECT data_length + index_length FROM information_schema.tables
            WHERE table_schema = 'shop' AND table_name = '$t'")
        E_SIZE[my_db]=$((E_SIZE[my_db] + E_MY_BYTES[$t]))
    done
    say "MariaDB data: $E_COUNTS_MY rows, about $(mb "${E_SIZE[my_db]}") MB, made in ${E_DIAG[my_gen]} s"

    export SHOPSAFE_DB_PASSWORD=$E_MY_PASSWORD
    mkdir -p "$W/dest-maria"
    "$SHOPSAFE" --home "$SS_HOME" shop add maria-shop \
        --db "mysql://shop@localhost/shop?socket=$E_MY_SOCK" --dest "$W/dest-maria" >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "shopsafe shop add (MariaDB) failed"
    }
    e_my_quiet

    time_ss "maria backup" e_my_prep_backup backup --shop maria-shop --no-media
    id=$(newest_backup)
    archive=$(e_newest_path)
    [ -f "$archive" ] || die "cannot find the archive of backup $id"
    E_SIZE[my_zip]=$(stat -c %s "$archive")
    E_SIZE[my_zip_sql]=$(unzip -l "$archive" | awk '$4 == "database/dump.sql" { print $1 }')
    time_db "mariadb-dump" e_my_prep_dump "$E_MY_DUMP" e_my_dump
    E_SIZE[my_sql]=$(stat -c %s "$E_MY_DUMP")
    time_db "mariadb-dump | gzip" e_my_prep_gz "$E_MY_DUMP.gz" e_my_dump_gz
    E_SIZE[my_gz]=$(stat -c %s "$E_MY_DUMP.gz")
    rm -f "$E_MY_DUMP.gz"

    time_db "mariadb < dump" e_my_quiet "" e_my_load
    e_check_my_rows "mariadb < dump.sql"
    time_ss "maria restore" e_my_quiet restore "$id" --force --no-pre-backup
    grep -q "$(awk '{ s += $1 } END { print s }' <<<"${E_COUNTS_MY// /$'\n'}") rows match" "$LOG" ||
        die "shopsafe restore (MariaDB) did not report the expected row count: $(cat "$LOG")"
    e_check_my_rows "shopsafe restore"
    e_readback my_readback e_my_readback_one
    say "MariaDB: reading every table back through mariadb: ${E_DIAG[my_readback]} s"

    unzip -p "$archive" database/dump.sql >"$W/maria-shopsafe.sql"
    E_DIAG[my_dump_bytes]=$(stat -c %s "$W/maria-shopsafe.sql")
    e_my mysql -e "CREATE DATABASE shop_load"
    e_my_quiet
    sync
    t=$(now)
    mariadb --no-defaults -uroot -S "$E_MY_SOCK" --binary-mode shop_load <"$W/maria-shopsafe.sql" >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "loading ShopSafe's MariaDB dump by hand failed"
    }
    E_DIAG[my_load]=$(sub "$(now)" "$t")
    e_my mysql -e "DROP DATABASE shop_load"
    rm -f "$W/maria-shopsafe.sql"
    say "MariaDB: mariadb --binary-mode of ShopSafe's dump.sql into an empty database: ${E_DIAG[my_load]} s"

    # CPU seconds of one more backup each: the server's (mariadbd, our child) and the client's.
    local c0 c1 c2
    e_my_quiet
    e_my_idle
    c0=$(e_my_server_cpu)
    /usr/bin/time -f '%U %S' -o "$W/cpu" "$SHOPSAFE" --home "$SS_HOME" backup --shop maria-shop --no-media >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "shopsafe backup (MariaDB, CPU run) failed"
    }
    c1=$(e_my_server_cpu)
    E_DIAG[my_cpu_ss]=$(awk '{ printf "%.2f", $1 + $2 }' "$W/cpu")
    "$SHOPSAFE" --home "$SS_HOME" delete "$(newest_backup)" --force >/dev/null
    e_my_quiet
    e_my_idle
    c2=$(e_my_server_cpu)
    /usr/bin/time -f '%U %S' -o "$W/cpu" mariadb-dump --no-defaults -uroot -S "$E_MY_SOCK" --single-transaction shop >"$E_MY_DUMP" ||
        die "mariadb-dump (CPU run) failed"
    E_DIAG[my_cpu_dump]=$(awk '{ printf "%.2f", $1 + $2 }' "$W/cpu")
    E_DIAG[my_srv_ss]=$(sub "$c1" "$c0") E_DIAG[my_srv_dump]=$(sub "$(e_my_server_cpu)" "$c2")
    say "MariaDB backup CPU s: shopsafe ${E_DIAG[my_cpu_ss]} + server ${E_DIAG[my_srv_ss]}, mariadb-dump ${E_DIAG[my_cpu_dump]} + server ${E_DIAG[my_srv_dump]}"
    unset SHOPSAFE_DB_PASSWORD
}

# CPU seconds (user + system) the MariaDB server has used so far.
e_my_server_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$E_MY_PID/stat"
}

# Wait (at most 30 s) until the server's background work (purge after the earlier loads and
# drops) has settled: under 0.02 s of CPU in half a second, so it is not charged to the next
# measurement.
e_my_idle() {
    local i a b
    for ((i = 0; i < 60; i++)); do
        a=$(e_my_server_cpu)
        sleep 0.5
        b=$(e_my_server_cpu)
        if awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.02) }'; then return 0; fi
    done
    say "warning: the MariaDB server stayed busy; its CPU figures include background work"
}

engines_run() {
    [ "$ENGINES" != 0 ] || {
        say "skipping the PostgreSQL and MariaDB benchmark (BENCH_ENGINES=0)"
        return 0
    }
    local t0
    t0=$(now)
    E_SOCK=$(mktemp -d /tmp/shopsafe-bench.XXXXXX)
    chmod 755 "$E_SOCK"
    if [ "$ENGINES" != mysql ]; then e_bench_pg; fi
    e_bench_my
    engines_stop
    E_DIAG[total]=$(sub "$(now)" "$t0")
    say "database servers done in ${E_DIAG[total]} s"
}

# --- Report -----------------------------------------------------------------------------------
thousands() { echo "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }
e_verdict() {
    if [ -z "$1" ] || [ -z "$2" ]; then
        echo "not measured"
    elif awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; then
        echo "**met**"
    else
        echo "**not met**"
    fi
}
e_cpu() { median ${CPU[$1]}; }

# Rows for the Targets table at the top of the report.
engines_target_rows() {
    # With BENCH_ENGINES=mysql the PostgreSQL figures are missing: they print empty.
    local -
    set +u
    if [ "$ENGINES" = 0 ]; then
        echo "| PostgreSQL and MariaDB backup and restore no slower than the engines' own tools | skipped (\`BENCH_ENGINES=0\`) | not measured |"
        return
    fi
    local b r
    b=$(med "pg backup") r=$(med "pg_dump -Fc")
    echo "| PostgreSQL backup no slower than \`pg_dump -Fc\` | ${b} s vs ${r} s = $(ratio "$b" "$r") | $(e_verdict "$b" "$r") |"
    b=$(med "pg restore") r=$(med "pg_restore")
    echo "| PostgreSQL restore no slower than \`pg_restore\` | ${b} s vs ${r} s = $(ratio "$b" "$r") | $(e_verdict "$b" "$r") |"
    b=$(med "maria backup") r=$(med "mariadb-dump")
    echo "| MariaDB backup no slower than \`mariadb-dump\` | ${b} s vs ${r} s = $(ratio "$b" "$r") | $(e_verdict "$b" "$r") |"
    b=$(med "maria restore") r=$(med "mariadb < dump")
    echo "| MariaDB restore no slower than \`mariadb < dump.sql\` | ${b} s vs ${r} s = $(ratio "$b" "$r") | $(e_verdict "$b" "$r") |"
    # Tables stream: memory stays far below the size of the data.
    local l rss=0
    for l in "pg backup" "pg restore" "maria backup" "maria restore"; do
        if [ "${RSS[$l]:-0}" -gt "$rss" ]; then rss=${RSS[$l]}; fi
    done
    echo "| database tables stream: peak memory under ${RSS_LIMIT_MB} MB | highest peak RSS of the PostgreSQL and MariaDB backups and restores: $(kb_to_mb "$rss") MB, for dumps of $(mb "${E_DIAG[pg_dump_bytes]}") MB and $(mb "${E_DIAG[my_dump_bytes]}") MB | $(verdict "$(kb_to_mb "$rss") < $RSS_LIMIT_MB") |"
}

# One line of the results table: ENGINE OPERATION SHOPSAFE_LABEL TOOL_LABEL TOOL_TEXT TARGET(1/0)
e_row() {
    local s t v
    s=$(med "$3") t=$(med "$4")
    if [ "$6" = 1 ]; then v=$(e_verdict "$s" "$t"); else v="(second reference)"; fi
    echo "| $1 | $2 | ${s} | $(e_cpu "$3") | $(kb_to_mb "${RSS[$3]}") | $5 | ${t} | $(ratio "$s" "$t") | $v |"
}

engines_report() {
    local -
    set +u
    echo "## Database servers: PostgreSQL and MariaDB"
    echo
    if [ "$ENGINES" = 0 ]; then
        echo "Skipped in this run (\`BENCH_ENGINES=0\`). Run \`make bench\` without it to measure ShopSafe"
        echo "against \`pg_dump\`/\`pg_restore\` and \`mariadb-dump\`/\`mariadb\`."
        return
    fi
    local t total=0 pg_total=0 my_total=0 pb pr mb_ mr
    for t in "${E_TABLES[@]}"; do total=$((total + E_ROWS[$t])); done
    cat <<EOF
ShopSafe's database-only backup and restore against each engine's own dump and load tools, on
the same data in the same run: PostgreSQL ${E_VERSION[pg]} and MariaDB ${E_VERSION[my]}, throwaway
servers started by the bench (this part took ${E_DIAG[total]} s, data generation included).

### Data

A Django-like shop generated on the server (\`generate_series\`, \`seq_1_to_N\`), the same rows
on both engines: identity / \`AUTO_INCREMENT\` keys, three foreign keys with their indexes,
unique and \`varchar_pattern_ops\` indexes, text, numeric, boolean and timestamp columns.
$(if [ "$total" -ge 1000000 ]; then echo "$(thousands "$total") rows on each engine, so the issue's \"at least one million rows\" holds."; else echo "**Only $(thousands "$total") rows on each engine** (\`BENCH_DB_LINES=$DB_LINES\`): below the issue's million."; fi)

| Table | Rows | PostgreSQL MB (table + indexes) | MariaDB MB (InnoDB estimate) |
|---|---:|---:|---:|
EOF
    for t in "${E_TABLES[@]}"; do
        echo "| \`$t\` | $(thousands "${E_ROWS[$t]}") | $(mb "${E_PG_BYTES[$t]}") | $(mb "${E_MY_BYTES[$t]}") |"
        pg_total=$((pg_total + E_PG_BYTES[$t]))
        my_total=$((my_total + E_MY_BYTES[$t]))
    done
    echo "| **Total** | **$(thousands "$total")** | $(mb "$pg_total") | $(mb "$my_total") |"
    cat <<EOF

| Dump | PostgreSQL MB | MariaDB MB |
|---|---:|---:|
| ShopSafe archive (zip; deflated SQL dump, manifest with row fingerprints) | $(mb "${E_SIZE[pg_zip]}") | $(mb "${E_SIZE[my_zip]}") |
| its \`database/dump.sql\` uncompressed | $(mb "${E_SIZE[pg_zip_sql]}") | $(mb "${E_SIZE[my_zip_sql]}") |
| \`pg_dump -Fc\` (custom format, compressed) | $(mb "${E_SIZE[pg_fc]}") | |
| \`pg_dump\` plain SQL | $(mb "${E_SIZE[pg_sql]}") | |
| \`mariadb-dump\` SQL | | $(mb "${E_SIZE[my_sql]}") |
| \`mariadb-dump \| gzip -1\` | | $(mb "${E_SIZE[my_gz]}") |

### Results

Median seconds of ${RUNS} runs. "ShopSafe CPU" is the user + system time of the \`shopsafe\`
process (median), the work it does itself as a client; the server's work is not in it.

| Engine | Operation | ShopSafe s | ShopSafe CPU s | Peak RSS MB | Engine's tool | Tool s | ShopSafe / tool | No slower than the tool? |
|---|---|---:|---:|---:|---|---:|---:|---|
$(e_row PostgreSQL backup "pg backup" "pg_dump -Fc" "\`pg_dump -Fc\`" 1)
$(e_row PostgreSQL backup "pg backup" "pg_dump plain" "\`pg_dump\` (plain SQL, uncompressed)" 0)
$(e_row PostgreSQL restore "pg restore" "pg_restore" "\`pg_restore --clean --if-exists --single-transaction\`" 1)
$(e_row PostgreSQL restore "pg restore" "psql plain" "\`psql --single-transaction -f\` of the plain dump" 0)
$(e_row MariaDB backup "maria backup" "mariadb-dump" "\`mariadb-dump --single-transaction\`" 1)
$(e_row MariaDB backup "maria backup" "mariadb-dump | gzip" "\`mariadb-dump --single-transaction \| gzip -1\` (compressed)" 0)
$(e_row MariaDB restore "maria restore" "mariadb < dump" "\`mariadb DB < dump.sql\`" 1)

Every run (s):

| Command | Runs |
|---|---|
| \`shopsafe backup --no-media\`, PostgreSQL | $(samples "pg backup") |
| \`pg_dump -Fc\` | $(samples "pg_dump -Fc") |
| \`pg_dump\` plain | $(samples "pg_dump plain") |
| \`shopsafe restore\`, PostgreSQL | $(samples "pg restore") |
| \`pg_restore\` | $(samples "pg_restore") |
| \`psql\` of the plain dump | $(samples "psql plain") |
| \`shopsafe backup --no-media\`, MariaDB | $(samples "maria backup") |
| \`mariadb-dump\` | $(samples "mariadb-dump") |
| \`mariadb-dump \| gzip -1\` | $(samples "mariadb-dump | gzip") |
| \`shopsafe restore\`, MariaDB | $(samples "maria restore") |
| \`mariadb < dump.sql\` | $(samples "mariadb < dump") |

Where ShopSafe's time goes (one run each):

| | PostgreSQL s | MariaDB s |
|---|---:|---:|
| Loading ShopSafe's own \`database/dump.sql\` by hand into an empty database (\`psql --single-transaction -f\`, \`mariadb --binary-mode\`) | ${E_DIAG[pg_load]} | ${E_DIAG[my_load]} |
| Reading every table back once through the engine's client, output discarded (\`COPY … TO STDOUT\` in \`psql\`, \`SELECT *\` in \`mariadb --quick\`): about what a restore's read-back check costs the server | ${E_DIAG[pg_readback]} | ${E_DIAG[my_readback]} |
| \`shopsafe backup\`: CPU time of the shopsafe process (median) | $(e_cpu "pg backup") | $(e_cpu "maria backup") |
| \`shopsafe restore\`: CPU time of the shopsafe process (median) | $(e_cpu "pg restore") | $(e_cpu "maria restore") |
| One more MariaDB backup, CPU time of the client + the server: \`shopsafe\` | | ${E_DIAG[my_cpu_ss]} + ${E_DIAG[my_srv_ss]} |
| The same for \`mariadb-dump\` | | ${E_DIAG[my_cpu_dump]} + ${E_DIAG[my_srv_dump]} |

EOF
    pb=$(med "pg backup") pr=$(med "pg restore") mb_=$(med "maria backup") mr=$(med "maria restore")
    echo "What ShopSafe does that the tools do not, and so where a ratio above 1 comes from:"
    echo
    echo "- **backup**: it reads every row in one consistent snapshot (as the tools do), but also"
    echo "  computes a fingerprint of every row (for the restore's check), writes the dump through"
    echo "  deflate into a zip, SHA-256-hashes the dump and the archive, fsyncs the archive and records"
    echo "  it in its catalog. For MariaDB it writes text as quoted strings, numbers bare and bytes as"
    echo "  hex (FORMAT.md 5.2), so its \`dump.sql\` is $(ratio "${E_SIZE[my_zip_sql]}" "${E_SIZE[my_sql]}") the size of \`mariadb-dump\`'s; all of"
    echo "  it is hashed and deflated; \`mariadb-dump\` does not compress (piped through \`gzip -1\` it"
    echo "  took $(med "mariadb-dump | gzip") s). \`pg_dump -Fc\` also compresses, plain \`pg_dump\` does not."
    echo "  The dump streams into the archive as it is taken: reading and"
    echo "  fingerprinting rows, deflating and hashing run on threads of their own, so the backup"
    echo "  takes about as long as its busiest thread when cores are free. On this machine's $(nproc) cores"
    echo "  the MariaDB server and the client share the CPU: the server spent ${E_DIAG[my_srv_ss]} s on ShopSafe's"
    echo "  reads and ${E_DIAG[my_srv_dump]} s on \`mariadb-dump\`'s, ShopSafe itself ${E_DIAG[my_cpu_ss]} s against the tool's"
    echo "  ${E_DIAG[my_cpu_dump]} s; the difference is the fingerprinting, deflating and hashing the tool does not do."
    echo "- **restore**: it checks the archive's hashes (entry by entry and the whole file), and before"
    echo "  the restore becomes visible it reads every restored table back and checks every row's"
    echo "  fingerprint against the manifest. PostgreSQL: one transaction that loads the dump"
    echo "  (fingerprinting rows as they are sent; a database-only restore loads while the archive is"
    echo "  still being checked), reads the tables back and commits only after the archive check and"
    echo "  any media swap; it needs no rollback point, since a failure before the commit is a"
    echo "  \`ROLLBACK\`. MariaDB: it takes a rollback point (a dump of the live database, kept until"
    echo "  the restore has succeeded; \`--no-pre-backup\` skips only the separate safety backup), loads"
    echo "  scratch tables (secondary keys added after the rows, rows sent over two connections),"
    echo "  reads them back, swaps them in with one \`RENAME TABLE\` and adds the foreign keys. The tools"
    echo "  only load. The first row of the table above is the engine's own loading of ShopSafe's dump"
    echo "  (${E_DIAG[my_load]} s by hand for MariaDB, against $(med "mariadb < dump") s for \`mariadb-dump\`'s file)."
    echo
    echo "Summary: PostgreSQL backup $(ratio "$pb" "$(med "pg_dump -Fc")") of \`pg_dump -Fc\` ($(ratio "$pb" "$(med "pg_dump plain")") of plain \`pg_dump\`),"
    echo "restore $(ratio "$pr" "$(med "pg_restore")") of \`pg_restore\`; MariaDB backup $(ratio "$mb_" "$(med "mariadb-dump")") of \`mariadb-dump\`,"
    echo "restore $(ratio "$mr" "$(med "mariadb < dump")") of \`mariadb < dump.sql\`."
    echo "The PostgreSQL restore less its read-back check (${E_DIAG[pg_readback]} s as measured above) would take"
    echo "about $(sub "$pr" "${E_DIAG[pg_readback]}") s, $(ratio "$(sub "$pr" "${E_DIAG[pg_readback]}")" "$(med "pg_restore")") of \`pg_restore\`."
    cat <<EOF

### Method (database servers)

- PostgreSQL: \`initdb -A trust -E UTF8 --locale=C.UTF-8\`, server options \`-c autovacuum=off\`
  (so no background vacuum competes with a timed run) and otherwise the defaults, **\`fsync\`
  on**: a restore's commit is durable for ShopSafe and for the tools alike. After the data is
  generated: \`VACUUM (FREEZE, ANALYZE)\` and \`CHECKPOINT\`, so no timed dump pays for hint bits.
- MariaDB: \`mariadb-install-db\`, \`mariadbd --skip-log-bin --innodb-buffer-pool-size=256M
  --character-set-server=utf8mb4\`, otherwise the defaults (InnoDB flushes its log at every
  commit).
- Everything talks to the servers over their unix sockets. ShopSafe uses
  \`postgres://postgres@/shop?host=…\` (trust) and \`mysql://shop@localhost/shop?socket=…\` (a
  login with a password and \`GRANT ALL ON shop.*\`); the tools run as the servers' superusers.
- Each command runs ${RUNS} times in a row and the median is reported. Before each run
  (untimed): \`sync\`, and \`CHECKPOINT\` (PostgreSQL) or a flush of InnoDB's dirty pages
  (MariaDB), so no run pays for writes an earlier one left behind.
- **backup**: \`shopsafe backup --shop NAME --no-media\` (only the last run's backup is kept);
  the tools' times include \`sync FILE\` of their output, as ShopSafe fsyncs its archive
  (\`pg_dump\` also syncs its file itself). Order: ShopSafe, \`pg_dump -Fc\`, plain \`pg_dump\`;
  ShopSafe, \`mariadb-dump\`, \`mariadb-dump | gzip -1\` (under \`pipefail\`).
- **restore**: every restore replaces the live tables, which hold the same data each time:
  \`pg_restore --clean --if-exists --single-transaction -d shop\`, \`psql --single-transaction\`
  of \`pg_dump --clean --if-exists\` output, \`mariadb shop < dump.sql\` (its \`DROP TABLE\` /
  \`CREATE TABLE\` / extended \`INSERT\`s, autocommit), then \`shopsafe restore ID --force
  --no-pre-backup\` of the last backup. Row counts are checked after the tools' restores
  (ShopSafe checks every row itself).
EOF
}
