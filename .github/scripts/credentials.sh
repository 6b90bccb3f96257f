#!/usr/bin/env bash
# Decides whether a job that runs pulumi for one stack has the credentials the
# stack's cloud needs, and how it logs in to Pulumi Cloud. Writes
# `configured=true|false` and `pulumi=token|oidc|none` to $GITHUB_OUTPUT; when
# something is missing, a notice names it and the job's cloud steps skip.
#
# Environment (the workflow maps its secrets and variables onto these):
#   STACK, TARGET            the stack and where it runs: aws, digitalocean or docker
#   PULUMI_ACCESS_TOKEN      a Pulumi Cloud token (secret), or empty
#   PULUMI_ORG               the Pulumi Cloud organization (variable): without a token, OIDC
#   AWS_ROLE_ARN             the role this job assumes through GitHub's OIDC token
#   DIGITALOCEAN_TOKEN, SPACES_ACCESS_KEY_ID, SPACES_SECRET_ACCESS_KEY
#   NAMES                    how this workflow names them, for the notice, e.g.
#                            "AWS_PREVIEW_ROLE_ARN DIGITALOCEAN_READ_TOKEN SPACES_READ_ACCESS_KEY_ID SPACES_READ_SECRET_ACCESS_KEY"
#   WHAT                     the operation, for the notice ("pulumi preview")
set -euo pipefail

read -r role_name do_token_name spaces_id_name spaces_secret_name <<<"${NAMES:?}"
missing=()

if [ -n "${PULUMI_ACCESS_TOKEN:-}" ]; then
    pulumi=token
elif [ -n "${PULUMI_ORG:-}" ]; then
    pulumi=oidc
else
    pulumi=none
    missing+=("the PULUMI_ORG variable (Pulumi Cloud OIDC) or the PULUMI_ACCESS_TOKEN secret")
fi

case "${TARGET:?}" in
aws)
    [ -n "${AWS_ROLE_ARN:-}" ] || missing+=("the $role_name variable")
    ;;
digitalocean)
    # The provider reads all three: the API token, and the Spaces key pair for buckets (terraform-provider-digitalocean
    # provider.go: token <- DIGITALOCEAN_TOKEN, spaces_access_id <- SPACES_ACCESS_KEY_ID, spaces_secret_key <- SPACES_SECRET_ACCESS_KEY).
    [ -n "${DIGITALOCEAN_TOKEN:-}" ] || missing+=("the $do_token_name secret")
    [ -n "${SPACES_ACCESS_KEY_ID:-}" ] || missing+=("the $spaces_id_name secret")
    [ -n "${SPACES_SECRET_ACCESS_KEY:-}" ] || missing+=("the $spaces_secret_name secret")
    ;;
*)
    missing+=("nothing CI can reach: ${STACK:?} runs on a Docker host (reviewed offline by the plan)")
    ;;
esac

out=${GITHUB_OUTPUT:-/dev/stdout}
echo "pulumi=$pulumi" >>"$out"
if [ ${#missing[@]} -eq 0 ]; then
    echo "configured=true" >>"$out"
else
    echo "configured=false" >>"$out"
    list=$(printf '%s; ' "${missing[@]}")
    echo "::notice::${WHAT:-pulumi} skipped for ${STACK}: needs ${list%; }"
fi
