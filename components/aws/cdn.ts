import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import type { PolicyDocument } from "./iam-documents";

/**
 * CloudFront in front of private S3 buckets through origin access control
 * (OAC): public uploads under the public prefix of the assets bucket, and
 * the static frontend from its own private bucket with an SPA fallback.
 * Neither bucket is public: each bucket policy admits only this
 * distribution (`AWS:SourceArn`).
 */

/** Managed cache policy CachingOptimized: honours the object's Cache-Control, gzip/brotli keys (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html). */
export const CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/** Managed response headers policy SecurityHeadersPolicy (HSTS, nosniff, frame options, referrer policy). */
export const SECURITY_HEADERS_POLICY_ID = "67f7725c-6f97-4210-82d7-5512b31e9d03";

/** Cache-Control of files whose names carry a content hash (Vite/webpack `assets/`): a year, immutable. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Cache-Control of index.html and other unhashed files: revalidate at every visit, so a release shows at once. */
export const REVALIDATE = "no-cache";

/** A file of the frontend build and how it is uploaded. */
export interface FrontendFile {
    /** The object key (`assets/app.1a2b.js`), `/`-separated. */
    readonly key: string;
    readonly source: string;
    readonly contentType: string;
    readonly cacheControl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".xml": "application/xml",
};

/** Every file under `dir` with its key, type and cache header, sorted (stable resource names). Pure apart from reading the directory. */
export function frontendFiles(dir: string): FrontendFile[] {
    const out: FrontendFile[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, e.name);
            if (e.isDirectory()) walk(full);
            else if (e.isFile()) {
                const key = path.relative(dir, full).split(path.sep).join("/");
                out.push({
                    key,
                    source: full,
                    contentType: CONTENT_TYPES[path.extname(e.name).toLowerCase()] ?? "application/octet-stream",
                    cacheControl: key.startsWith("assets/") ? IMMUTABLE : REVALIDATE,
                });
            }
        }
    };
    walk(dir);
    return out.sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * The SPA fallback, as a CloudFront Function (cloudfront-js-2.0) on viewer
 * requests of the frontend behavior: a path whose last segment has no file
 * extension is a client-side route and gets `/index.html`. Chosen over
 * custom error responses because those apply to the whole distribution: a
 * missing public upload (403/404 from the assets origin) would come back as
 * index.html with status 200.
 */
export const SPA_FALLBACK_FUNCTION = `function handler(event) {
    var request = event.request;
    var last = request.uri.split("/").pop();
    if (last === "" || last.indexOf(".") === -1) {
        request.uri = "/index.html";
    }
    return request;
}
`;

/** The statement letting one distribution read keys under `prefix` (OAC; https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html). */
export function cloudFrontReadStatement(bucketArn: string, distributionArn: string, prefix: string) {
    return {
        Sid: "CloudFrontReadsThroughOac",
        Effect: "Allow" as const,
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: `${bucketArn}/${prefix}*`,
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
    };
}

/** The frontend bucket's policy: the distribution reads, TLS only. */
export function frontendBucketPolicy(bucketArn: string, distributionArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            cloudFrontReadStatement(bucketArn, distributionArn, ""),
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    } as unknown as PolicyDocument;
}

/** Arguments of {@link Cdn}. */
export interface CdnArgs {
    /** The assets bucket's regional domain name (`<bucket>.s3.<region>.amazonaws.com`); its public prefix is served. Absent: no public uploads. */
    readonly assetsOrigin?: { readonly domainName: pulumi.Input<string>; readonly publicPrefix: string };
    /** The frontend's build directory (absolute); its files go to a private bucket served as the default behavior. */
    readonly frontendDir?: string;
    /** The frontend bucket's name (globally unique; the stack's naming). */
    readonly frontendBucketName?: string;
    /** Names the distribution answers, with a certificate from us-east-1 covering them. */
    readonly aliases?: readonly string[];
    readonly certificateArn?: pulumi.Input<string>;
    /**
     * PriceClass_100 (North America, Europe) is the cheapest; PriceClass_All adds every edge.
     * @default "PriceClass_100"
     */
    readonly priceClass?: string;
    /** Whether to protect the frontend bucket (it holds only build output: not protected by default). @default false */
    readonly forceDestroy?: boolean;
}

/** The distribution and, with a frontend, its bucket and the uploaded files. */
export class Cdn extends pulumi.ComponentResource {
    /** `d111111abcdef8.cloudfront.net`. */
    public readonly domainName: pulumi.Output<string>;
    public readonly distributionArn: pulumi.Output<string>;
    /** `https://<domain>`: the base of CDN URLs the app hands out (CDN_BASE_URL). */
    public readonly baseUrl: pulumi.Output<string>;
    public readonly frontendBucketName?: pulumi.Output<string>;

    constructor(name: string, args: CdnArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:Cdn", name, {}, opts);
        const child = { parent: this };
        if (!args.assetsOrigin && !args.frontendDir) throw new Error("a CDN needs the assets origin, the frontend, or both");
        if (args.assetsOrigin && !/^([a-z0-9]+\/)+$/.test(args.assetsOrigin.publicPrefix))
            throw new Error(`publicPrefix "${args.assetsOrigin.publicPrefix}" must be lower-case segments ending in /`);
        if ((args.aliases?.length ?? 0) > 0 && args.certificateArn === undefined)
            throw new Error("aliases need a certificate (CloudFront requires one covering every alias)");

        // One OAC per origin type is enough; SigV4 on every request (terraform-provider-aws cloudfront_origin_access_control: signing_behavior always|never|no-override).
        const oac = new aws.cloudfront.OriginAccessControl(
            `${name}-oac`,
            {
                name: `${name}-oac`,
                description: "alicerce: CloudFront reads private buckets",
                originAccessControlOriginType: "s3",
                signingBehavior: "always",
                signingProtocol: "sigv4",
            },
            child,
        );

        let frontendBucket: aws.s3.Bucket | undefined;
        let fallback: aws.cloudfront.Function | undefined;
        if (args.frontendDir) {
            if (!args.frontendBucketName) throw new Error("frontendBucketName is required with frontendDir");
            frontendBucket = new aws.s3.Bucket(`${name}-frontend`, { bucket: args.frontendBucketName, forceDestroy: args.forceDestroy ?? true }, child);
            new aws.s3.BucketPublicAccessBlock(
                `${name}-frontend-public-access`,
                { bucket: frontendBucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
                child,
            );
            new aws.s3.BucketOwnershipControls(
                `${name}-frontend-ownership`,
                { bucket: frontendBucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
                child,
            );
            // SSE-S3: CloudFront decrypts SSE-S3 objects through OAC without a KMS grant; build output is public by nature.
            new aws.s3.BucketServerSideEncryptionConfiguration(
                `${name}-frontend-encryption`,
                { bucket: frontendBucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
                child,
            );
            for (const f of frontendFiles(args.frontendDir)) {
                new aws.s3.BucketObjectv2(
                    `${name}-file-${f.key.replace(/[^A-Za-z0-9.-]/g, "-")}`,
                    {
                        bucket: frontendBucket.id,
                        key: f.key,
                        source: new pulumi.asset.FileAsset(f.source),
                        contentType: f.contentType,
                        cacheControl: f.cacheControl,
                    },
                    child,
                );
            }
            fallback = new aws.cloudfront.Function(
                `${name}-spa-fallback`,
                {
                    name: `${name}-spa-fallback`.slice(0, 64),
                    runtime: "cloudfront-js-2.0",
                    comment: "SPA fallback: client-side routes get /index.html",
                    code: SPA_FALLBACK_FUNCTION,
                    publish: true,
                },
                child,
            );
        }

        const origins: aws.types.input.cloudfront.DistributionOrigin[] = [];
        if (frontendBucket) origins.push({ originId: "frontend", domainName: frontendBucket.bucketRegionalDomainName, originAccessControlId: oac.id });
        if (args.assetsOrigin) origins.push({ originId: "assets", domainName: args.assetsOrigin.domainName, originAccessControlId: oac.id });
        const behavior = (originId: string) => ({
            targetOriginId: originId,
            viewerProtocolPolicy: "redirect-to-https",
            allowedMethods: ["GET", "HEAD"],
            cachedMethods: ["GET", "HEAD"],
            compress: true,
            cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
            responseHeadersPolicyId: SECURITY_HEADERS_POLICY_ID,
        });
        const distribution = new aws.cloudfront.Distribution(
            `${name}-distribution`,
            {
                enabled: true,
                comment: `${name}: frontend and public uploads`,
                httpVersion: "http2and3",
                isIpv6Enabled: true,
                priceClass: args.priceClass ?? "PriceClass_100",
                defaultRootObject: frontendBucket ? "index.html" : undefined,
                aliases: args.aliases ? [...args.aliases] : undefined,
                origins,
                defaultCacheBehavior: frontendBucket
                    ? { ...behavior("frontend"), functionAssociations: [{ eventType: "viewer-request", functionArn: fallback!.arn }] }
                    : behavior("assets"),
                orderedCacheBehaviors:
                    args.assetsOrigin && frontendBucket ? [{ ...behavior("assets"), pathPattern: `${args.assetsOrigin.publicPrefix}*` }] : undefined,
                restrictions: { geoRestriction: { restrictionType: "none" } },
                viewerCertificate: args.certificateArn
                    ? { acmCertificateArn: args.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }
                    : { cloudfrontDefaultCertificate: true },
            },
            child,
        );

        if (frontendBucket) {
            new aws.s3.BucketPolicy(
                `${name}-frontend-policy`,
                {
                    bucket: frontendBucket.id,
                    policy: pulumi.all([frontendBucket.arn, distribution.arn]).apply(([b, d]) => JSON.stringify(frontendBucketPolicy(b, d))),
                },
                child,
            );
            this.frontendBucketName = frontendBucket.bucket;
        }
        this.domainName = distribution.domainName;
        this.distributionArn = distribution.arn;
        this.baseUrl = pulumi.interpolate`https://${distribution.domainName}`;
        this.registerOutputs({
            domainName: this.domainName,
            distributionArn: this.distributionArn,
            baseUrl: this.baseUrl,
            frontendBucketName: this.frontendBucketName,
        });
    }
}
