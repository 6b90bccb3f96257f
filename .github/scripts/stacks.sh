#!/usr/bin/env bash
# Prints the job matrix of every stack, one entry per Pulumi.<stack>.yaml with
# the cloud it runs on: {"include":[{"stack":"dev","cloud":"aws"},...]}.
# The cloud key may sit in any namespace (`alicerce:cloud`, or a renamed project's).
set -euo pipefail
cd "${1:-.}"
for f in Pulumi.*.yaml; do
    stack=${f#Pulumi.}
    stack=${stack%.yaml}
    cloud=$(sed -n 's/^  [A-Za-z0-9_.-]*:cloud: *\([a-z]*\).*/\1/p' "$f" | head -n 1)
    jq -nc --arg stack "$stack" --arg cloud "$cloud" '{stack: $stack, cloud: $cloud}'
done | jq -sc '{include: .}'
