import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../stacks";
import { Cdn } from "../../components/aws/cdn";
import { Certificate } from "../../components/aws/certificate";
import { Dns, DnsRecordSpec } from "../../components/cloudflare/dns";
import { hostKey, hostsOf } from "../../components/shared/hosts";
import { s3BucketName } from "../../components/shared/naming";

/** The key prefix of public uploads: the path the CDN serves (app-image/README.md, PUBLIC_PREFIX). */
export const PUBLIC_PREFIX = "public/";

/** CloudFront takes certificates only from ACM in us-east-1 (CloudFront Developer Guide, "Requirements for using SSL/TLS certificates with CloudFront"). */
export const CLOUDFRONT_CERTIFICATE_REGION = "us-east-1";

/** A logical-name key for a host (components/shared/hosts.ts; q-frontend moved it there for the DigitalOcean platform too). */
export { hostKey };

/**
 * The names whose ACM validation record must be created: ACM gives `*.x` the
 * same record as `x` (the wildcard's label is dropped: ACM User Guide, "DNS
 * validation"), so a wildcard whose base is also on the certificate adds none.
 */
export function namesNeedingValidation(names: readonly string[]): string[] {
    return names.filter((n) => !(n.startsWith("*.") && names.includes(n.slice(2))));
}

/** Validation records through Cloudflare for every name of a certificate; their names, for the validation to wait on. */
export function validationDns(
    name: string,
    certificate: Certificate,
    zoneId: string,
    provider: cloudflare.Provider,
    firstKey?: string,
): pulumi.Output<string[]> {
    const records: DnsRecordSpec[] = namesNeedingValidation(certificate.domainNames).map((host, i) => {
        const r = certificate.validationRecord(host);
        return {
            key: i === 0 && firstKey ? firstKey : hostKey(host),
            name: r.name,
            type: "CNAME",
            content: r.value,
            proxied: false,
            comment: `ACM validation for ${host} (managed by alicerce)`,
        };
    });
    return new Dns(name, { zoneId, records }, { provider }).recordNames;
}

/** What {@link deployCdn} made. */
export interface CdnDeployment {
    readonly cdn: Cdn;
    /** Serves the assets bucket's public prefix (the tier has a CDN). */
    readonly publicUploads: boolean;
}

/**
 * The CDN of an AWS stack, when the tier has one or a name is routed to the
 * frontend: CloudFront + OAC in front of the assets bucket's public prefix
 * and the frontend's private bucket, with a us-east-1 certificate for the
 * frontend's names (and their DNS records when the zone is at Cloudflare).
 * Made before the storage: the assets bucket's policy names the distribution.
 */
export function deployCdn(
    settings: StackSettings,
    provider: aws.Provider,
    accountId: string,
    cf: { zoneId: string; provider: cloudflare.Provider } | undefined,
): CdnDeployment | undefined {
    const frontendHosts = hostsOf(settings.hosts, "frontend");
    if (!settings.cdn && frontendHosts.length === 0) return undefined;
    const prefix = settings.project;
    const assetsBucket = s3BucketName({ project: settings.project, stack: settings.stack, purpose: "assets", accountId, region: settings.region });

    let certificate: Certificate | undefined;
    let validated: pulumi.Output<string> | undefined;
    if (frontendHosts.length > 0) {
        const east =
            settings.region === CLOUDFRONT_CERTIFICATE_REGION
                ? provider
                : new aws.Provider(`aws-${CLOUDFRONT_CERTIFICATE_REGION}`, {
                      region: CLOUDFRONT_CERTIFICATE_REGION,
                      defaultTags: { tags: { ...settings.tags } },
                  });
        certificate = new Certificate(`${prefix}-cdn-cert`, { domainName: frontendHosts[0], alternativeNames: frontendHosts.slice(1) }, { provider: east });
        const fqdns = cf ? validationDns(`${prefix}-cdn-validation`, certificate, cf.zoneId, cf.provider) : undefined;
        // CloudFront refuses a certificate that is not yet issued: wait for it.
        validated = new aws.acm.CertificateValidation(
            `${prefix}-cdn-cert-validation`,
            { certificateArn: certificate.arn, validationRecordFqdns: fqdns },
            { provider: east },
        ).certificateArn;
    }
    const cdn = new Cdn(
        `${prefix}-cdn`,
        {
            assetsOrigin: settings.cdn ? { domainName: `${assetsBucket}.s3.${settings.region}.amazonaws.com`, publicPrefix: PUBLIC_PREFIX } : undefined,
            frontendDir: frontendHosts.length > 0 ? settings.frontendPath : undefined,
            frontendBucketName: s3BucketName({ project: settings.project, stack: settings.stack, purpose: "frontend", accountId, region: settings.region }),
            aliases: frontendHosts,
            certificateArn: validated,
        },
        { provider },
    );
    if (cf && frontendHosts.length > 0) {
        // Not proxied: CloudFront is the CDN and terminates TLS with its own certificate; Cloudflare flattens a CNAME at the apex.
        new Dns(
            `${prefix}-cdn-dns`,
            {
                zoneId: cf.zoneId,
                records: frontendHosts.map((h) => ({
                    key: hostKey(h),
                    name: h,
                    type: "CNAME" as const,
                    content: cdn.domainName,
                    proxied: false,
                    comment: "frontend on CloudFront (managed by alicerce)",
                })),
            },
            { provider: cf.provider },
        );
    }
    return { cdn, publicUploads: settings.cdn };
}
