#!/bin/bash
# Instance edge (docs/aws-edge.md): every minute, the instance holding the stack's Elastic IP reports whether
# its app answers the health check (1) or not (0), as the CloudWatch metric the origin-unhealthy alarm reads.
# Other instances report nothing, so no data means nobody holds the address or its holder is down: the alarm
# treats missing data as breaching. An instance that does not hold the address takes it when nobody does and
# its own app is healthy (the holder was terminated while this one kept running, as after a failed instance
# refresh); it never takes it from another instance. Run by alicerce-origin-report.timer.
#
# Environment (/etc/alicerce-origin/origin.env): REGION, ALLOCATION_ID, PUBLIC_IP, HEALTH_URL, NAMESPACE,
# METRIC, IMDS (the metadata endpoint; tests point it elsewhere).
set -euo pipefail

: "${REGION:?}" "${ALLOCATION_ID:?}" "${PUBLIC_IP:?}" "${HEALTH_URL:?}" "${NAMESPACE:?}" "${METRIC:?}"
imds="${IMDS:-http://169.254.169.254}"

token="$(curl --fail --silent --show-error --max-time 5 -X PUT "$imds/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')"
# public-ipv4 is the Elastic IP once one is associated (EC2 User Guide, "Instance metadata categories").
# An instance without a public address has no public-ipv4 key (404): it holds nothing.
if ! held="$(curl --fail --silent --max-time 5 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/public-ipv4")"; then
    held=""
fi
healthy() { curl --fail --silent --max-time 5 --output /dev/null "$HEALTH_URL"; }

if [[ "$held" != "$PUBLIC_IP" ]]; then
    holder="$(aws ec2 describe-addresses --region "$REGION" --allocation-ids "$ALLOCATION_ID" --query 'Addresses[0].InstanceId' --output text)"
    if [[ "$holder" == "None" || -z "$holder" ]] && healthy; then
        instance_id="$(curl --fail --silent --show-error --max-time 5 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/instance-id")"
        # --no-allow-reassociation: if another instance took it since, EC2 refuses and that one keeps it.
        aws ec2 associate-address --region "$REGION" --allocation-id "$ALLOCATION_ID" --instance-id "$instance_id" --no-allow-reassociation >/dev/null
        echo "alicerce-origin: nobody held $ALLOCATION_ID; $instance_id took it" >&2
    fi
    exit 0
fi

value=0
if healthy; then
    value=1
fi
aws cloudwatch put-metric-data --region "$REGION" --namespace "$NAMESPACE" --metric-name "$METRIC" \
    --dimensions "AllocationId=$ALLOCATION_ID" --unit Count --value "$value"
