#!/bin/sh
# alicerce single-host backups: a daily pg_dump (custom format) and an archive
# of the uploads, copied to the backups bucket (or a directory), with old
# copies pruned after RETENTION_DAYS.
#
#   backup.sh run        one backup now
#   backup.sh schedule   run daily at BACKUP_HOUR_UTC, forever (the container's command)
#   backup.sh setup      create the buckets and the app's MinIO user (idempotent)
#   backup.sh health     exit 0 if a backup succeeded (or the scheduler started) in the last 26 hours
#
# Environment:
#   PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD  the database (libpq variables)
#   BACKUP_TARGET     s3 (default): the backups bucket through mc alias "store"; dir:/path: a directory
#   UPLOADS_SOURCE    s3 (default): the assets bucket; dir:/path: a directory; none: skip
#   MC_HOST_store     mc's alias as http://access:secret@minio:9000 (s3 only)
#   BACKUPS_BUCKET ASSETS_BUCKET  bucket names (s3 only)
#   APP_S3_ACCESS_KEY APP_S3_SECRET_KEY  the app's MinIO credentials (setup only)
#   RETENTION_DAYS    default 30
#   BACKUP_HOUR_UTC   default 3
#   WORK_DIR          scratch space (default /work); STATE_DIR heartbeat files (default /tmp)
set -eu

RETENTION_DAYS=${RETENTION_DAYS:-30}
BACKUP_HOUR_UTC=${BACKUP_HOUR_UTC:-3}
BACKUP_TARGET=${BACKUP_TARGET:-s3}
UPLOADS_SOURCE=${UPLOADS_SOURCE:-s3}
WORK_DIR=${WORK_DIR:-/work}
STATE_DIR=${STATE_DIR:-/tmp}

log() {
    printf '%s backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

die() {
    log "error: $*"
    exit 1
}

# put FILE KIND: copies FILE into the target under KIND/ (postgres or uploads).
put() {
    case "$BACKUP_TARGET" in
        s3) mc cp --quiet "$1" "store/$BACKUPS_BUCKET/$2/" >/dev/null ;;
        dir:*)
            mkdir -p "${BACKUP_TARGET#dir:}/$2"
            cp "$1" "${BACKUP_TARGET#dir:}/$2/"
            ;;
        *) die "BACKUP_TARGET \"$BACKUP_TARGET\" is not s3 or dir:/path" ;;
    esac
}

prune() {
    case "$BACKUP_TARGET" in
        s3) mc rm --recursive --force --older-than "${RETENTION_DAYS}d" "store/$BACKUPS_BUCKET/" >/dev/null ;;
        dir:*) find "${BACKUP_TARGET#dir:}" -type f -mmin +"$((RETENTION_DAYS * 1440))" -exec rm -f {} + ;;
    esac
}

run() {
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    mkdir -p "$WORK_DIR"
    work=$(mktemp -d "$WORK_DIR/run.XXXXXX")
    # shellcheck disable=SC2064 # expand now: $work is fixed for this run
    trap "rm -rf '$work'" EXIT

    dump="$work/${PGDATABASE:?PGDATABASE is not set}-$stamp.dump"
    log "dumping database $PGDATABASE"
    pg_dump --format=custom --no-owner --no-privileges --file="$dump"
    # A dump that pg_restore cannot list is not a backup.
    pg_restore --list "$dump" >/dev/null
    (cd "$work" && sha256sum "$(basename "$dump")" >"$dump.sha256")
    put "$dump" postgres
    put "$dump.sha256" postgres

    uploads="$work/uploads-$stamp.tar.gz"
    case "$UPLOADS_SOURCE" in
        none) uploads="" ;;
        s3)
            mkdir -p "$work/uploads"
            mc mirror --quiet "store/$ASSETS_BUCKET" "$work/uploads" >/dev/null
            tar -C "$work/uploads" -czf "$uploads" .
            ;;
        dir:*) tar -C "${UPLOADS_SOURCE#dir:}" -czf "$uploads" . ;;
        *) die "UPLOADS_SOURCE \"$UPLOADS_SOURCE\" is not s3, dir:/path or none" ;;
    esac
    if [ -n "$uploads" ]; then
        log "archiving uploads"
        put "$uploads" uploads
    fi

    prune
    rm -rf "$work"
    trap - EXIT
    touch "$STATE_DIR/last-success"
    log "done: $(basename "$dump")${uploads:+ and $(basename "$uploads")}; kept ${RETENTION_DAYS} days"
}

schedule() {
    touch "$STATE_DIR/scheduler-started"
    log "scheduled daily at ${BACKUP_HOUR_UTC}:00 UTC, keeping ${RETENTION_DAYS} days"
    while :; do
        now=$(date -u +%s)
        wait=$(((BACKUP_HOUR_UTC * 3600 - now % 86400 + 86400) % 86400))
        [ "$wait" -eq 0 ] && wait=86400
        sleep "$wait"
        # A failed night must not stop the next one; `health` turns unhealthy after 26 hours.
        (run) || log "backup failed; next attempt in 24 hours"
    done
}

setup() {
    mc mb --ignore-existing "store/$ASSETS_BUCKET" "store/$BACKUPS_BUCKET" >/dev/null
    policy="$WORK_DIR/app-policy.json"
    mkdir -p "$WORK_DIR"
    cat >"$policy" <<JSON
{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["s3:ListBucket","s3:GetBucketLocation"],"Resource":["arn:aws:s3:::$ASSETS_BUCKET"]},
 {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::$ASSETS_BUCKET/*"]}
]}
JSON
    mc admin policy create store alicerce-app "$policy" >/dev/null
    # The secret goes through stdin, never argv (argv is visible in `ps` on the host).
    printf '%s\n' "$APP_S3_SECRET_KEY" | mc admin user add store "$APP_S3_ACCESS_KEY" >/dev/null
    mc admin policy attach store alicerce-app --user "$APP_S3_ACCESS_KEY" >/dev/null 2>&1 || log "policy alicerce-app already attached"
    rm -f "$policy"
    log "buckets $ASSETS_BUCKET and $BACKUPS_BUCKET and the app's user are ready"
}

health() {
    for f in last-success scheduler-started; do
        [ -n "$(find "$STATE_DIR" -maxdepth 1 -name "$f" -mmin -1560 2>/dev/null)" ] && return 0
    done
    return 1
}

case "${1:-}" in
    run) run ;;
    schedule) schedule ;;
    setup) setup ;;
    health) health ;;
    *) die "usage: backup.sh run|schedule|setup|health" ;;
esac
