#!/bin/sh
# Creates the object store's buckets and proves the app's key works, before
# the app starts. Idempotent: `rclone mkdir` leaves an existing bucket alone.
# Run by components/docker/storage-setup.ts on every change of the server or
# of what it configures; its exit code fails `pulumi up`.
#
# Environment (rclone reads remotes from RCLONE_CONFIG_<NAME>_<OPTION>):
#   RCLONE_CONFIG_STORE_*  the admin identity's remote "store"
#   RCLONE_CONFIG_APP_*    the app identity's remote "app"
#   BUCKETS                space-separated bucket names
#   ASSETS_BUCKET          the app's bucket (probed with the app's key)
#   SETUP_ATTEMPTS         tries per bucket while the server warms up (default 20, 3 s apart)
set -eu

log() { printf '%s storage-setup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

: "${BUCKETS:?BUCKETS is required}"
: "${ASSETS_BUCKET:?ASSETS_BUCKET is required}"
attempts="${SETUP_ATTEMPTS:-20}"

for bucket in $BUCKETS; do
    n=1
    # The S3 port answers before the filer behind it is ready: retry a little.
    until rclone mkdir "store:$bucket"; do
        [ "$n" -lt "$attempts" ] || die "cannot create bucket $bucket after $n attempts"
        n=$((n + 1))
        sleep 3
    done
    log "bucket $bucket ready"
done

# The app's own key must write, read back and delete in its bucket.
probe="app:$ASSETS_BUCKET/.alicerce-setup-probe"
printf 'alicerce' | rclone rcat "$probe" || die "the app's key cannot write to $ASSETS_BUCKET"
[ "$(rclone cat "$probe")" = alicerce ] || die "the app's key cannot read back from $ASSETS_BUCKET"
rclone deletefile "$probe" || die "the app's key cannot delete in $ASSETS_BUCKET"
log "the app's key reads and writes $ASSETS_BUCKET"
