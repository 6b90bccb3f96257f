#!/bin/sh
# Finishes the app's secret files in the secrets volume, Docker-secrets style.
# Run by components/docker/app-secrets.ts in a one-shot container, after the
# provider uploaded each value to <dir>/<NAME> (mode 0400, root); its exit
# code fails `pulumi up`. It never receives a value on its command line or in
# its environment: it only reads the files.
#
# Usage: write.sh <dir> <gid> NAME...
#   <dir>   the secrets volume (the app mounts it read-only at the same path)
#   <gid>   the group the app's containers join (group_add): it alone reads the files
#   NAME    every secret the stack has; any other file in <dir> is removed
#
# Leaves <dir> mode 0750 and, for each NAME and for app.env (NAME='value'
# lines, for `set -a; . <dir>/app.env` in an entrypoint), mode 0440, owner
# root, group <gid>.
set -eu

log() { printf '%s write-secrets: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

[ "$#" -ge 3 ] || die "usage: write.sh <dir> <gid> NAME..."
dir=$1
gid=$2
shift 2
case $gid in '' | *[!0-9]*) die "gid $gid is not a number" ;; esac
[ -d "$dir" ] || die "$dir is not a directory (is the volume mounted?)"
cd "$dir"

for name in "$@"; do
    case $name in '' | [0-9]* | *[!A-Z0-9_]*) die "$name is not a portable environment variable name" ;; esac
    [ -f "$name" ] || die "$name was not uploaded to $dir"
done

# A secret taken out of the stack must not linger in the volume.
for f in * .[!.]*; do
    [ -e "$f" ] || continue
    keep=no
    for name in "$@"; do [ "$f" = "$name" ] && keep=yes; done
    [ "$f" = app.env ] && keep=yes
    if [ "$keep" = no ]; then
        rm -rf -- "$f"
        log "removed $f (no longer a secret of this stack)"
    fi
done

# Written beside the target and renamed: a reader never sees half a file.
umask 0177
tmp=.app.env.tmp
rm -f -- "$tmp"
: >"$tmp"
for name in "$@"; do
    # Values are one line (stacks/ refuses line breaks); single quotes make every other character literal.
    value=$(cat -- "$name")
    quoted=$(printf '%s' "$value" | sed "s/'/'\\\\''/g")
    printf "%s='%s'\n" "$name" "$quoted" >>"$tmp"
done
mv -f -- "$tmp" app.env

chgrp -- "$gid" . app.env "$@"
chmod 0440 -- app.env "$@"
chmod 0750 .
log "wrote $# secret file(s) and app.env for group $gid"
