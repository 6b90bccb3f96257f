#!/bin/bash
# Instance edge (docs/aws-edge.md): once the app answers its health check on this host, take the stack's
# Elastic IP (moving it off the instance that held it) and let the Auto Scaling group count this instance
# in service. An app that never gets healthy abandons the launch: the group terminates this instance and
# the address stays on the instance that holds it. Run once per boot by alicerce-origin-attach.service.
#
# Environment (/etc/alicerce-origin/origin.env): REGION, ALLOCATION_ID, HEALTH_URL, HOOK_NAME,
# WAIT_SECONDS (how long the app may take to get healthy), HOOK_DEADLINE_SECONDS (seconds after boot past which
# the launch hook may expire: this instance then abandons rather than take the address), IMDS and UPTIME_FILE
# (the metadata endpoint and /proc/uptime; tests point them elsewhere).
set -euo pipefail

: "${REGION:?}" "${ALLOCATION_ID:?}" "${HEALTH_URL:?}" "${HOOK_NAME:?}" "${HOOK_DEADLINE_SECONDS:?}"
wait_seconds="${WAIT_SECONDS:-600}"
imds="${IMDS:-http://169.254.169.254}"
uptime_file="${UPTIME_FILE:-/proc/uptime}"

# Seconds since boot (a launch hook's timeout counts from about then).
since_boot() { local up; read -r up _ <"$uptime_file"; echo "${up%.*}"; }

# IMDSv2 only (the launch template requires session tokens).
metadata() {
    local token
    token="$(curl --fail --silent --show-error --max-time 5 --retry 5 --retry-connrefused -X PUT "$imds/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')"
    curl --fail --silent --show-error --max-time 5 --retry 5 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/$1"
}

instance_id="$(metadata instance-id)"
# The group's name is a tag the group puts on its instances (ec2:DescribeTags; instance metadata tags are off).
group="$(aws ec2 describe-tags --region "$REGION" \
    --filters "Name=resource-id,Values=$instance_id" "Name=key,Values=aws:autoscaling:groupName" \
    --query 'Tags[0].Value' --output text)"

# Ends the launch lifecycle hook. There is none to end for an instance launched with the group itself (the hook
# is added after the group) or after a reboot: that is not an error.
complete() {
    if ! aws autoscaling complete-lifecycle-action --region "$REGION" --lifecycle-hook-name "$HOOK_NAME" \
        --auto-scaling-group-name "$group" --instance-id "$instance_id" --lifecycle-action-result "$1"; then
        echo "alicerce-origin: no pending launch hook for $instance_id ($1 not sent)" >&2
    fi
}

deadline=$((SECONDS + wait_seconds))
until curl --fail --silent --max-time 5 --output /dev/null "$HEALTH_URL"; do
    if ((SECONDS >= deadline)); then
        echo "alicerce-origin: $HEALTH_URL not healthy after ${wait_seconds}s: abandoning this launch; the address stays where it is" >&2
        complete ABANDON
        exit 1
    fi
    sleep 5
done

# The instance role may associate this allocation only, with instances and interfaces of its own pool. Retried:
# the first instance of a new group can boot before the role's policy has propagated.
for attempt in 1 2 3 4 5 6; do
    # Past the deadline the hook may expire between the association and CONTINUE: the group would then terminate
    # the instance that just took the address from a healthy one.
    if (($(since_boot) >= HOOK_DEADLINE_SECONDS)); then
        echo "alicerce-origin: ${HOOK_DEADLINE_SECONDS}s after boot, too close to the launch hook's timeout: abandoning this launch; the address stays where it is" >&2
        complete ABANDON
        exit 1
    fi
    if aws ec2 associate-address --region "$REGION" --allocation-id "$ALLOCATION_ID" --instance-id "$instance_id" --allow-reassociation >/dev/null; then
        echo "alicerce-origin: $instance_id holds $ALLOCATION_ID" >&2
        complete CONTINUE
        exit 0
    fi
    sleep $((attempt * 10))
done
echo "alicerce-origin: could not associate $ALLOCATION_ID with $instance_id: abandoning this launch" >&2
complete ABANDON
exit 1
