#!/bin/sh
# alicerce single-host backups with restic: a daily pg_dump (custom format,
# verified with pg_restore --list) and the uploaded files, copied object by
# object from the object store's S3 API with rclone, into an encrypted restic
# repository (a local directory or any S3-compatible bucket), then retention
# (restic forget --keep-daily --prune) and an integrity check
# (restic check --read-data-subset). Any failed step fails the run: a
# non-zero exit, a `last-failure` mark and `health` turning unhealthy;
# `last-success` is written only after every step succeeded.
#
#   backup.sh run                  one backup now
#   backup.sh schedule             run daily at BACKUP_HOUR_UTC, forever (the container's command)
#   backup.sh health               exit 0 only if the last run succeeded within 26 hours
#                                  (or the scheduler started within 26 hours and no run failed since)
#   backup.sh snapshots            list the snapshots
#   backup.sh dump FILE MANIFEST   a pg_dump of PGDATABASE into FILE and the row count and checksum of every
#                                  table into MANIFEST, both from one snapshot of the database
#   backup.sh digest               print the row count and checksum of every table of PGDATABASE, the
#                                  state of every sequence and a checksum of the large objects
#   backup.sh digest-files DIR     print the sha256 of every file under DIR (an object key per file)
#   backup.sh restore [SNAPSHOT]   restore the database from SNAPSHOT (an id, or latest; default latest)
#                                  into RESTORE_DATABASE (default PGDATABASE), in one transaction
#   backup.sh restore-new KIND SOURCE  create RESTORE_DATABASE (a NEW database) from a restic snapshot
#                                  (KIND restic, SOURCE an id or latest) or a dump file (KIND dump, SOURCE a
#                                  .dump, .sql or .sql.gz path); never touches another database: done once,
#                                  a repeat with the same source is a no-op, any other existing database an error
#   backup.sh restore-uploads [SNAPSHOT]  copy the uploaded files of SNAPSHOT back into UPLOADS_RESTORE_BUCKET
#                                  (default UPLOADS_BUCKET), with the key in UPLOADS_WRITE_ACCESS_KEY_ID and
#                                  UPLOADS_WRITE_SECRET_ACCESS_KEY (the nightly key only reads); objects
#                                  added since are kept, none is deleted
#   backup.sh restore-bucket LABEL BUCKET [SNAPSHOT]  the same for one of EXTRA_BUCKETS (its snapshots are
#                                  tagged bucket-LABEL), into BUCKET on the `store:` remote, with the same write key
#
# Environment:
#   PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD  the database (libpq variables)
#   RESTIC_REPOSITORY    the restic repository: /repository (a directory) or s3:https://host/bucket/path
#   RESTIC_PASSWORD_FILE or RESTIC_PASSWORD   the repository's encryption password (read by restic itself)
#   AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY   an s3: repository's credentials (read by restic itself)
#   UPLOADS_BUCKET       the bucket of uploaded files, on rclone's remote `store:`; empty: skip the uploads
#   RCLONE_CONFIG_STORE_TYPE, _PROVIDER, _ENDPOINT, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY   that remote
#                        (read by rclone itself; a key that may read and list the bucket)
#   UPLOADS_STAGING      the bucket's copy on disk, kept between runs so each night copies only what changed
#                        (default $WORK_DIR/uploads)
#   EXTRA_BUCKETS        more buckets of the same remote, as space-separated LABEL=BUCKET pairs (a DigitalOcean
#                        stack's second region: `backups=<its exports bucket>`); each is copied like the uploads,
#                        into $WORK_DIR/buckets/LABEL, and stored as its own snapshot tagged bucket-LABEL
#   HEARTBEAT_OBJECT     an rclone path (`copy:bucket/heartbeat/last-success`) written (the time of the run) after
#                        every successful run and deleted after a failed one: an uptime check on its URL turns
#                        a failure, or no run at all once the object expires, into an alert; empty: none
#   BACKUP_HOST          the host name recorded in snapshots (default alicerce)
#   RETENTION_DAYS       daily snapshots kept (default 30)
#   CHECK_SUBSET         share of the repository's data re-read and verified each run (default 5%)
#   BACKUP_HOUR_UTC      default 3
#   WORK_DIR             scratch space for the dump, restic's cache and TMPDIR (default /work)
#   STATE_DIR            heartbeat files (default /tmp; the image sets /work/state, kept across restarts)
set -eu

RETENTION_DAYS=${RETENTION_DAYS:-30}
BACKUP_HOUR_UTC=${BACKUP_HOUR_UTC:-3}
BACKUP_HOST=${BACKUP_HOST:-alicerce}
CHECK_SUBSET=${CHECK_SUBSET:-5%}
UPLOADS_BUCKET=${UPLOADS_BUCKET:-}
EXTRA_BUCKETS=${EXTRA_BUCKETS:-}
HEARTBEAT_OBJECT=${HEARTBEAT_OBJECT:-}
WORK_DIR=${WORK_DIR:-/work}
UPLOADS_STAGING=${UPLOADS_STAGING:-$WORK_DIR/uploads}
STATE_DIR=${STATE_DIR:-/tmp}
# restic keeps its index cache here; /work is a volume, so the cache survives restarts.
export RESTIC_CACHE_DIR="${RESTIC_CACHE_DIR:-$WORK_DIR/restic-cache}"
# restic stages pack files (16 MiB each) and check's cache in TMPDIR: the volume, not the small /tmp tmpfs.
export TMPDIR="${TMPDIR:-$WORK_DIR/tmp}"

log() {
    printf '%s backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

die() {
    log "error: $*"
    exit 1
}

# The snapshot name of the dump inside the repository.
dump_name() {
    printf '%s.dump' "${PGDATABASE:?PGDATABASE is not set}"
}

# The SQL that prints `table<TAB>schema.name<TAB>rows<TAB>checksum` for every
# ordinary table, in name order; `sequence<TAB>schema.name<TAB>last_value<TAB>is_called`
# for every sequence (a restore that lost them hands out ids already used);
# and one `large-objects<TAB>count<TAB>checksum` line (pg_largeobject, which
# table checksums do not see). A checksum is the sum of the first 60 bits of
# each row's md5 (order-independent: no sort of the table); rows are cast to
# text under fixed output settings (lc_monetary too: `money` prints in its
# locale), so the same rows give the same value on any server of the same
# major version whatever its defaults. In pieces, for consistent_dump.
digest_settings_sql() {
    cat <<'SQL'
\pset format unaligned
\pset tuples_only on
\pset fieldsep '\t'
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET bytea_output = 'hex';
SET extra_float_digits = 1;
SET lc_monetary = 'C';
SQL
}

digest_tables_sql() {
    cat <<'SQL'
SELECT format('SELECT %L, %L, count(*), coalesce(sum((''x'' || left(md5(t::text), 15))::bit(60)::bigint), 0) FROM %I.%I t',
              'table', n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY n.nspname, c.relname
\gexec
SQL
}

# Sequences are not transactional: a snapshot does not hold their state.
digest_sequences_sql() {
    cat <<'SQL'
SELECT format('SELECT %L, %L, last_value, is_called FROM %I.%I',
              'sequence', n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'S' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY n.nspname, c.relname
\gexec
SQL
}

digest_large_objects_sql() {
    cat <<'SQL'
SELECT 'large-objects', count(*), coalesce(sum(('x' || left(md5(m.oid::text || ':' || md5(lo_get(m.oid))), 15))::bit(60)::bigint), 0)
  FROM pg_largeobject_metadata m;
SQL
}

# In consistent_dump's order.
digest_sql() {
    digest_settings_sql
    digest_sequences_sql
    digest_tables_sql
    digest_large_objects_sql
}

# digest: every table's row count and checksum, on stdout.
digest() {
    digest_sql | psql -X -q -v ON_ERROR_STOP=1 || die "cannot compute the table checksums of ${PGDATABASE:-the database}"
}

# consistent_dump FILE MANIFEST: the dump and the table checksums from one
# snapshot of the database. A read-only repeatable-read transaction exports
# its snapshot; pg_dump --snapshot reads exactly that snapshot while psql,
# still inside the transaction, computes the checksums: writes during the
# dump change neither, so the manifest describes the dump exactly. Sequences
# are outside snapshots: they are read after the export and before pg_dump,
# so every id in the snapshot is at most the recorded value, and the dump's
# value is at least it (equal when nothing writes).
consistent_dump() {
    DUMP_FILE=$1 DUMP_OK="$1.ok"
    export DUMP_FILE DUMP_OK
    rm -f "$DUMP_OK"
    # shellcheck disable=SC2016 # the $VARIABLES are for the shell psql's \! starts, not this one
    {
        printf '%s\n' "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;" \
            "SELECT pg_export_snapshot() AS snapshot \\gset" \
            "\\setenv PG_SNAPSHOT :snapshot"
        digest_settings_sql
        digest_sequences_sql
        printf '%s\n' '\! pg_dump --snapshot="$PG_SNAPSHOT" --format=custom --no-owner --no-privileges --file="$DUMP_FILE" && touch "$DUMP_OK"'
        digest_tables_sql
        digest_large_objects_sql
        printf '%s\n' "COMMIT;"
    } | psql -X -q -v ON_ERROR_STOP=1 >"$2" || die "pg_dump failed: the dump transaction did not run to its end"
    [ -e "$DUMP_OK" ] || die "pg_dump failed"
    rm -f "$DUMP_OK"
    [ -s "$DUMP_FILE" ] || die "pg_dump wrote an empty file"
    # A dump that pg_restore cannot list is not a backup.
    pg_restore --list "$DUMP_FILE" >/dev/null || die "pg_restore cannot read the dump"
}

# digest_files DIR: `object<TAB>key<TAB>sha256` for every file under DIR, in key order.
digest_files() {
    [ -d "$1" ] || die "$1 is not a directory"
    (cd "$1" && find . -type f -exec sha256sum {} +) \
        | awk '{ h = $1; k = substr($0, length(h) + 5); printf "object\t%s\t%s\n", k, h }' \
        | LC_ALL=C sort -t "$(printf '\t')" -k2,2
}

# Creates the repository on first use. Any other failure to open it (wrong
# password, unreachable bucket) is an error, never a reason to create a new one.
ensure_repository() {
    : "${RESTIC_REPOSITORY:?RESTIC_REPOSITORY is not set}"
    if restic cat config >/dev/null 2>"$work/open.err"; then
        return 0
    fi
    if grep -qiE 'Is there a repository|does not exist|no such file' "$work/open.err"; then
        log "creating the restic repository"
        restic init >/dev/null || die "cannot create the restic repository"
        return 0
    fi
    cat "$work/open.err" >&2
    die "cannot open the restic repository"
}

# Runs when `run` exits, successfully or not.
finish() {
    status=$?
    rm -rf "$work"
    if [ "$status" -ne 0 ]; then
        mkdir -p "$STATE_DIR" && touch "$STATE_DIR/last-failure"
        log "backup FAILED (exit $status); no new last-success"
        # The watched object goes at once; if even that fails, it expires (its bucket's lifecycle rule).
        if [ -n "$HEARTBEAT_OBJECT" ]; then
            rclone deletefile --retries 3 "$HEARTBEAT_OBJECT" 2>/dev/null || log "could not delete $HEARTBEAT_OBJECT; it expires on its own"
        fi
    fi
    exit "$status"
}

run() {
    case "$RETENTION_DAYS" in '' | *[!0-9]* | 0) die "RETENTION_DAYS \"$RETENTION_DAYS\" is not a whole number of days (1 or more)" ;; esac
    for pair in $EXTRA_BUCKETS; do
        case "$pair" in
            [a-z]*=?*) case "${pair%%=*}" in *[!a-z0-9-]*) die "EXTRA_BUCKETS: \"$pair\" is not LABEL=BUCKET (LABEL in a-z, 0-9 and -)" ;; esac ;;
            *) die "EXTRA_BUCKETS: \"$pair\" is not LABEL=BUCKET (LABEL in a-z, 0-9 and -)" ;;
        esac
    done
    mkdir -p "$WORK_DIR" "$TMPDIR" "$STATE_DIR"
    work=$(mktemp -d "$WORK_DIR/run.XXXXXX")
    trap finish EXIT
    # A signal ends the run as a failure (the EXIT trap then records it).
    trap 'exit 1' HUP INT TERM

    # 1. The dump and its manifest (every table's rows and checksum, from the same snapshot),
    # verified before the repository is touched: a dead database adds nothing.
    dump="$work/$(dump_name)"
    manifest="$work/manifest.tsv"
    log "dumping database $PGDATABASE"
    consistent_dump "$dump" "$manifest"
    # Every snapshot of this run has the same time: the drill pairs them by it.
    at=$(date -u '+%Y-%m-%d %H:%M:%S')

    # 2. Into the repository (encrypted by restic).
    ensure_repository
    # Only locks whose process is gone (or older than 30 minutes) are removed.
    # A failed unlock is not fatal: a lock still held makes the backup below fail loudly.
    restic unlock >/dev/null 2>&1 || log "restic unlock failed; continuing (a live lock fails the backup)"
    log "storing the dump"
    restic backup --quiet --host "$BACKUP_HOST" --tag postgres --time "$at" --stdin --stdin-filename "$(dump_name)" <"$dump" || die "restic backup of the dump failed"
    if [ -n "$UPLOADS_BUCKET" ]; then
        # Object by object through the S3 API (a consistent view of each object, unlike the
        # server's files), into a copy on disk whose file names are the object keys.
        mkdir -p "$UPLOADS_STAGING"
        log "copying bucket $UPLOADS_BUCKET from the object store"
        rclone sync --retries 3 --low-level-retries 3 "store:$UPLOADS_BUCKET" "$UPLOADS_STAGING" || die "rclone sync of bucket $UPLOADS_BUCKET failed"
        log "storing the uploads"
        # Paths relative to the copy: a snapshot's files are the object keys. Exit 3 (unreadable files) fails too.
        (cd "$UPLOADS_STAGING" && restic backup --quiet --host "$BACKUP_HOST" --tag uploads --time "$at" .) || die "restic backup of the uploads failed"
        digest_files "$UPLOADS_STAGING" >>"$manifest"
    fi
    for pair in $EXTRA_BUCKETS; do
        label=${pair%%=*} bucket=${pair#*=}
        staging="$WORK_DIR/buckets/$label"
        mkdir -p "$staging"
        log "copying bucket $bucket ($label) from the object store"
        rclone sync --retries 3 --low-level-retries 3 "store:$bucket" "$staging" || die "rclone sync of bucket $bucket failed"
        (cd "$staging" && restic backup --quiet --host "$BACKUP_HOST" --tag "bucket-$label" --time "$at" .) || die "restic backup of bucket $bucket failed"
        # Its own kind of line: the drill compares `object` lines with the uploads alone.
        digest_files "$staging" | awk -v label="$label" 'BEGIN { FS = OFS = "\t" } { print "bucket-object", label "/" $2, $3 }' >>"$manifest"
    done
    # What the drill compares a restore with (tag manifest): tables and objects, no data.
    restic backup --quiet --host "$BACKUP_HOST" --tag manifest --time "$at" --stdin --stdin-filename manifest.tsv <"$manifest" || die "restic backup of the manifest failed"

    # 3. Retention: one snapshot per day for RETENTION_DAYS days with a snapshot, per kind.
    log "keeping ${RETENTION_DAYS} daily snapshots"
    restic forget --quiet --host "$BACKUP_HOST" --group-by host,tags --keep-daily "$RETENTION_DAYS" --prune >/dev/null || die "restic forget --prune failed"

    # 4. Integrity: the repository's structure, and a random share of its data re-read and decrypted.
    log "checking the repository (${CHECK_SUBSET} of the data)"
    restic check --read-data-subset="$CHECK_SUBSET" >/dev/null || die "restic check failed"

    if [ -n "$HEARTBEAT_OBJECT" ]; then
        date -u +%Y-%m-%dT%H:%M:%SZ | rclone rcat --retries 3 "$HEARTBEAT_OBJECT" || die "cannot write the heartbeat $HEARTBEAT_OBJECT"
    fi
    touch "$STATE_DIR/last-success"
    rm -f "$STATE_DIR/last-failure"
    log "done: $(dump_name)${UPLOADS_BUCKET:+ and bucket $UPLOADS_BUCKET}; ${RETENTION_DAYS} daily snapshots kept"
}

schedule() {
    mkdir -p "$STATE_DIR"
    touch "$STATE_DIR/scheduler-started"
    log "scheduled daily at ${BACKUP_HOUR_UTC}:00 UTC, keeping ${RETENTION_DAYS} daily snapshots"
    while :; do
        now=$(date -u +%s)
        wait=$(((BACKUP_HOUR_UTC * 3600 - now % 86400 + 86400) % 86400))
        [ "$wait" -eq 0 ] && wait=86400
        sleep "$wait"
        # A separate process, so `set -e` holds inside the run; a failed night does
        # not stop the next one, and `health` reports it at once (last-failure).
        if ! sh "$0" run; then
            log "next attempt in 24 hours"
        fi
    done
}

# Healthy: the latest run succeeded, within 26 hours; or the scheduler started
# within 26 hours and no run has failed since.
health() {
    # A successful run removes last-failure.
    [ -e "$STATE_DIR/last-failure" ] && return 1
    for f in last-success scheduler-started; do
        [ -n "$(find "$STATE_DIR" -maxdepth 1 -name "$f" -mmin -1560 2>/dev/null)" ] && return 0
    done
    return 1
}

snapshots() {
    restic snapshots --host "$BACKUP_HOST"
}

# pick_dump SNAPSHOT: prints `<id> <path>` of the database snapshot to restore.
# `latest` is the newest dump that has a manifest of the same run (same time
# and host), as the drill picks (ops/drill.ts pickSnapshots): a run that
# failed after storing its dump is passed over. An id (or its prefix) names
# one dump. The path is read from the snapshot, not rebuilt from PGDATABASE:
# after alicerce:useRestoredDatabase the nightly dump is named after the
# restored database. restic's JSON is read by the database server itself
# (the image has no JSON tool).
pick_dump() {
    snaps=$(restic snapshots --json --host "$BACKUP_HOST") || die "cannot list the snapshots of $BACKUP_HOST"
    picked=$(psql -X -q -t -A -F ' ' -v ON_ERROR_STOP=1 -v snaps="$snaps" -v wanted="$1" <<'SQL'
WITH s AS (
    SELECT e->>'id' AS id, e->>'short_id' AS short_id, e->>'time' AS at, e->>'hostname' AS host,
           coalesce(e->'tags', '[]') AS tags, e->'paths'->>0 AS path
      FROM jsonb_array_elements(coalesce(nullif(:'snaps', 'null'), '[]')::jsonb) e)
SELECT d.id, CASE WHEN d.path LIKE '/%' THEN d.path ELSE '/' || d.path END
  FROM s d
 WHERE d.tags ? 'postgres'
   AND CASE WHEN :'wanted' = 'latest'
            THEN EXISTS (SELECT 1 FROM s m WHERE m.tags ? 'manifest' AND m.at = d.at AND m.host = d.host)
            ELSE left(d.id, length(:'wanted')) = :'wanted' OR d.short_id = :'wanted' END
 ORDER BY d.at::timestamptz DESC
 LIMIT 1;
SQL
    ) || die "cannot read the snapshot list"
    if [ -z "$picked" ]; then
        [ "$1" = latest ] && die "no database snapshot of $BACKUP_HOST has a manifest of the same run (a run that failed is passed over); run a backup (backup.sh run)"
        die "no database snapshot $1 of $BACKUP_HOST"
    fi
    printf '%s\n' "$picked"
}

# read_dump SNAPSHOT FILE: the picked dump into FILE.
read_dump() {
    picked=$(pick_dump "$1") || exit 1
    id=${picked%% *}
    name=${picked#* }
    log "reading $name from snapshot $id"
    restic dump "$id" "$name" >"$2" || die "cannot read $name from snapshot $id"
}

# restore [SNAPSHOT]: the dump is read from the repository, verified, then
# restored in a single transaction: a failure leaves the database as it was.
restore() {
    snapshot=${1:-latest}
    target=${RESTORE_DATABASE:-${PGDATABASE:?PGDATABASE is not set}}
    mkdir -p "$WORK_DIR" "$TMPDIR"
    work=$(mktemp -d "$WORK_DIR/restore.XXXXXX")
    # shellcheck disable=SC2064 # expand now: $work is fixed for this run
    trap "rm -rf '$work'" EXIT
    read_dump "$snapshot" "$work/restore.dump"
    pg_restore --list "$work/restore.dump" >/dev/null || die "the dump in snapshot $snapshot is not readable by pg_restore"
    log "restoring into database $target"
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
        --dbname="$target" "$work/restore.dump" || die "pg_restore into $target failed; the database is unchanged"
    log "restored database $target from snapshot $snapshot"
}

# restore-new KIND SOURCE: a NEW database RESTORE_DATABASE made from a restic
# snapshot or a dump file, beside the running one (alicerce:restoreFrom). The
# restore goes into <target>_partial, which is renamed only once complete and
# marked with its source (COMMENT ON DATABASE): a failure leaves no target, a
# repeat of the same source is a no-op, and an existing target from another
# source (or none) is an error: nothing is ever overwritten.
restore_new() {
    kind=$1
    source=$2
    target=${RESTORE_DATABASE:?RESTORE_DATABASE is not set}
    case $target in *[!a-z0-9_]*|"") die "RESTORE_DATABASE must be lowercase letters, digits and _: $target" ;; esac
    [ "$target" != "${PGDATABASE:-}" ] || die "RESTORE_DATABASE is the running database $target; a restore always makes a new one"
    mark="alicerce-restored-from:$kind:$source"
    exists=$(psql -X -q -t -A -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$target'") || die "cannot reach the database server"
    if [ "$exists" = "1" ]; then
        found=$(psql -X -q -t -A -d postgres -c "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '$target'")
        [ "$found" = "$mark" ] || die "database $target exists and was not restored from $kind:$source; it is never overwritten"
        log "database $target was already restored from $kind:$source"
        return 0
    fi
    partial="${target}_partial"
    mkdir -p "$WORK_DIR" "$TMPDIR"
    work=$(mktemp -d "$WORK_DIR/restore-new.XXXXXX")
    # shellcheck disable=SC2064 # expand now: $work is fixed for this run
    trap "rm -rf '$work'" EXIT
    case $kind in
        restic)
            read_dump "$source" "$work/restore.dump"
            file="$work/restore.dump" ;;
        dump)
            [ -r "$source" ] || die "cannot read the dump file $source"
            file=$source ;;
        *) die "restore-new: unknown kind $kind (restic or dump)" ;;
    esac
    # A plain or gzipped SQL file is committed by psql as far as it goes: a truncated one would
    # pass as complete (a pipeline's status is psql's). gzip -t checks the whole stream and its
    # CRC; pg_dump ends a plain dump with "-- PostgreSQL database dump complete".
    case $file in
        *.sql.gz)
            gzip -t "$file" 2>/dev/null || die "$kind:$source is not a complete gzip file (gzip -t failed: truncated or damaged)"
            gzip -dc "$file" | tail -n 10 | grep -q '^-- PostgreSQL database dump complete' \
                || die "$kind:$source does not end with pg_dump's \"-- PostgreSQL database dump complete\" line: truncated, or not a pg_dump" ;;
        *.sql)
            tail -n 10 "$file" | grep -q '^-- PostgreSQL database dump complete' \
                || die "$kind:$source does not end with pg_dump's \"-- PostgreSQL database dump complete\" line: truncated, or not a pg_dump" ;;
    esac
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS \"$partial\"" -c "CREATE DATABASE \"$partial\"" >/dev/null || die "cannot create database $partial"
    log "restoring $kind:$source into a new database $target"
    case $file in
        *.sql.gz) gzip -dc "$file" | psql -X -q -1 -v ON_ERROR_STOP=1 -d "$partial" >/dev/null ;;
        *.sql) psql -X -q -1 -v ON_ERROR_STOP=1 -d "$partial" -f "$file" >/dev/null ;;
        *)
            pg_restore --list "$file" >/dev/null || die "$kind:$source is not a dump pg_restore can read"
            pg_restore --no-owner --no-privileges --single-transaction --exit-on-error --dbname="$partial" "$file" ;;
    esac || die "restoring $kind:$source failed; the running database is untouched"
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER DATABASE \"$partial\" RENAME TO \"$target\"" -c "COMMENT ON DATABASE \"$target\" IS '$mark'" >/dev/null \
        || die "cannot rename $partial to $target"
    log "restored $kind:$source into the new database $target"
}

# restore-uploads [SNAPSHOT]: the snapshot's files are restored into a scratch
# directory, then copied into the bucket (`rclone copy`: objects missing or
# different are written, none is deleted). The nightly key can only read:
# the operator passes a key that may write, for this command only.
restore_uploads() {
    snapshot=${1:-latest}
    tag=${2:-uploads}
    bucket=${3:-${UPLOADS_RESTORE_BUCKET:-${UPLOADS_BUCKET:-}}}
    [ -n "$bucket" ] || die "UPLOADS_BUCKET (or UPLOADS_RESTORE_BUCKET) is not set"
    if [ -z "${UPLOADS_WRITE_ACCESS_KEY_ID:-}" ] || [ -z "${UPLOADS_WRITE_SECRET_ACCESS_KEY:-}" ]; then
        die "UPLOADS_WRITE_ACCESS_KEY_ID and UPLOADS_WRITE_SECRET_ACCESS_KEY are not set: the backup job's own key only reads; pass a key that may write bucket $bucket (docs/single-host.md, Restore)"
    fi
    mkdir -p "$WORK_DIR" "$TMPDIR"
    work=$(mktemp -d "$WORK_DIR/restore-uploads.XXXXXX")
    # shellcheck disable=SC2064 # expand now: $work is fixed for this run
    trap "rm -rf '$work'" EXIT
    log "restoring the $tag files from snapshot $snapshot"
    restic restore --host "$BACKUP_HOST" --tag "$tag" --target "$work" "$snapshot" >/dev/null || die "restic restore of the $tag files failed"
    log "copying them into bucket $bucket"
    RCLONE_CONFIG_STORE_ACCESS_KEY_ID=$UPLOADS_WRITE_ACCESS_KEY_ID RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY=$UPLOADS_WRITE_SECRET_ACCESS_KEY \
        rclone copy --s3-no-check-bucket "$work" "store:$bucket" || die "rclone copy into bucket $bucket failed"
    log "restored the $tag files from snapshot $snapshot into bucket $bucket"
}

case "${1:-}" in
    run) run ;;
    schedule) schedule ;;
    health) health ;;
    snapshots) snapshots ;;
    restore) restore "${2:-}" ;;
    restore-new) restore_new "${2:?usage: backup.sh restore-new restic|dump SOURCE}" "${3:?usage: backup.sh restore-new restic|dump SOURCE}" ;;
    restore-uploads) restore_uploads "${2:-}" ;;
    restore-bucket) restore_uploads "${4:-}" "bucket-${2:?usage: backup.sh restore-bucket LABEL BUCKET [SNAPSHOT]}" "${3:?usage: backup.sh restore-bucket LABEL BUCKET [SNAPSHOT]}" ;;
    dump) consistent_dump "${2:?usage: backup.sh dump FILE MANIFEST}" "${3:?usage: backup.sh dump FILE MANIFEST}" ;;
    digest) digest ;;
    digest-files) digest_files "${2:?usage: backup.sh digest-files DIR}" ;;
    *) die "usage: backup.sh run|schedule|health|snapshots|restore [SNAPSHOT]|restore-new KIND SOURCE|restore-uploads [SNAPSHOT]|restore-bucket LABEL BUCKET [SNAPSHOT]|dump FILE MANIFEST|digest|digest-files DIR" ;;
esac
