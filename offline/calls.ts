import { MOCK_ACCOUNT_ID } from "./outputs";

/** What the mocks return where the cloud would return a credential: plainly not one. */
const STAND_IN = "offline-harness-stand-in";

type CallMock = (inputs: Record<string, any>, region: string) => Record<string, unknown>;

/** Availability zones per region as AWS reports them (suffixes only). */
const AZ_SUFFIXES: Record<string, string[]> = {
    "us-east-1": ["a", "b", "c", "d", "e", "f"],
    "sa-east-1": ["a", "b", "c"],
    "us-west-1": ["a", "c"],
};

/**
 * Zone ids by zone name. AWS maps names to physical zones per account, so
 * us-east-1a is not use1-az1 everywhere; this is one account's mapping, with
 * use1-az3 (no current instance types) behind us-east-1e.
 */
const US_EAST_1_ZONE_IDS: Record<string, string> = { a: "use1-az4", b: "use1-az6", c: "use1-az1", d: "use1-az2", e: "use1-az3", f: "use1-az5" };

/**
 * Amazon Linux 2023 images as EC2 DescribeImages reports them (owner
 * `amazon`, account 137112412989): the name is the same in every region, the
 * id differs per region. The last of each architecture is the one the
 * public "latest" SSM parameter points at.
 */
export const AL2023_IMAGES: readonly { name: string; architecture: "arm64" | "x86_64"; ids: Record<string, string> }[] = [
    {
        name: "al2023-ami-2023.12.20260710.0-kernel-6.1-arm64",
        architecture: "arm64",
        ids: { "us-east-1": "ami-02e447f4c654c7179", "sa-east-1": "ami-0b2c3d4e5f6071829" },
    },
    {
        name: "al2023-ami-2023.12.20260710.0-kernel-6.1-x86_64",
        architecture: "x86_64",
        ids: { "us-east-1": "ami-0f1e2d3c4b5a69780", "sa-east-1": "ami-0e1d2c3b4a5968778" },
    },
];

/** DescribeImages' answer when nothing matches, as the provider reports it. */
const NO_IMAGE = "Your query returned no results. Please change your search criteria and try again.";

/**
 * Answers for the data sources the program calls, with realistic values. A
 * call with no answer here fails the run loudly, naming the token to add.
 */
const CALLS: Record<string, CallMock> = {
    // Honours the arguments the program passes: excludeZoneIds, excludeNames (every zone here is opt-in-not-required and available).
    "aws:index/getAvailabilityZones:getAvailabilityZones": (i, r) => {
        const zones = (AZ_SUFFIXES[r] ?? ["a", "b", "c"]).map((s, n) => ({
            name: `${r}${s}`,
            zoneId: r === "us-east-1" ? US_EAST_1_ZONE_IDS[s] : `${r.replace(/-/g, "").slice(0, 4)}-az${n + 1}`,
        }));
        const kept = zones.filter((z) => !(i.excludeZoneIds ?? []).includes(z.zoneId) && !(i.excludeNames ?? []).includes(z.name));
        return { id: r, names: kept.map((z) => z.name), zoneIds: kept.map((z) => z.zoneId), groupNames: [r] };
    },
    // The cluster's CA, PEM, as the provider decodes it (terraform-provider-digitalocean digitalocean/database/datasource_database_ca.go).
    "digitalocean:index/getDatabaseCa:getDatabaseCa": (i) => ({
        id: i.clusterId,
        clusterId: i.clusterId,
        certificate: "-----BEGIN CERTIFICATE-----\nMIIEQTCCAqmgAwIBAgIUOfflineDatabaseCaOfflineDatabaseCa0wDQYJKoZIhvcNAQEM\n-----END CERTIFICATE-----\n",
    }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        id: MOCK_ACCOUNT_ID,
        accountId: MOCK_ACCOUNT_ID,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/ci`,
        userId: "AIDAEXAMPLEUSERID",
    }),
    "aws:index/getRegion:getRegion": (_i, r) => ({ id: r, name: r, region: r, endpoint: `ec2.${r}.amazonaws.com`, description: r }),
    "aws:index/getPartition:getPartition": () => ({ id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" }),
    "aws:ssm/getParameter:getParameter": (i, r) => {
        const arch = /arm64/.test(i.name) ? "arm64" : "x86_64";
        const latest = AL2023_IMAGES.filter((img) => img.architecture === arch).at(-1)!;
        return {
            id: i.name,
            name: i.name,
            type: "String",
            value: latest.ids[r] ?? latest.ids["us-east-1"],
            version: 1,
            arn: `arn:aws:ssm:${r}::parameter${i.name}`,
            insecureValue: "",
            withDecryption: false,
        };
    },
    // ec2.getAmi by name or by image id, as DescribeImages answers (one match, or the provider's "no results" error).
    "aws:ec2/getAmi:getAmi": (i, r) => {
        const filter = (n: string): string[] | undefined => (i.filters ?? []).find((f: any) => f.name === n)?.values;
        const byName = filter("name");
        const byId = filter("image-id");
        const found = AL2023_IMAGES.map((img) => ({ ...img, id: img.ids[r] })).filter(
            (img) => img.id !== undefined && (!byName || byName.includes(img.name)) && (!byId || byId.includes(img.id)),
        );
        if (found.length !== 1) throw new Error(NO_IMAGE);
        const img = found[0];
        return {
            id: img.id,
            imageId: img.id,
            arn: `arn:aws:ec2:${r}::image/${img.id}`,
            name: img.name,
            architecture: img.architecture,
            ownerId: "137112412989",
            imageOwnerAlias: "amazon",
            state: "available",
            rootDeviceType: "ebs",
            virtualizationType: "hvm",
            creationDate: "2025-03-03T20:15:00.000Z",
            deprecationTime: "2027-03-03T20:15:00.000Z",
            includeDeprecated: i.includeDeprecated ?? false,
            owners: i.owners ?? [],
        };
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": (_i, r) => ({
        id: r,
        userName: "AWS",
        password: STAND_IN,
        authorizationToken: "bW9jaw==",
        proxyEndpoint: `https://${MOCK_ACCOUNT_ID}.dkr.ecr.${r}.amazonaws.com`,
        expiresAt: "2099-01-01T00:00:00Z",
    }),
};

/**
 * Cloudflare's published ranges (https://www.cloudflare.com/ips-v4 and
 * ips-v6, unchanged since 2023-04; checked 2026). Real values, so tests see
 * what the security group would admit.
 */
export const CLOUDFLARE_IPV4 = [
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
];
const CLOUDFLARE_IPV6 = ["2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32"];
CALLS["cloudflare:index/getIpRanges:getIpRanges"] = () => ({
    id: "cloudflare-ips",
    etag: "fb21705459fea38d23b210ee7d67b753",
    ipv4Cidrs: CLOUDFLARE_IPV4,
    ipv6Cidrs: CLOUDFLARE_IPV6,
    chinaIpv4Cidrs: [],
    chinaIpv6Cidrs: [],
});

/** A test's own answer for a data source: given the inputs, the region and the engine's usual answer. */
export type CallOverride = (inputs: Record<string, any>, region: string, usual: () => Record<string, unknown>) => Record<string, unknown>;

/** The mock `call`; `overrides` (by token) replace the usual answer for one run. */
export function mockCall(
    token: string,
    inputs: Record<string, any>,
    region: string,
    overrides: Readonly<Record<string, CallOverride>> = {},
): Record<string, unknown> {
    const answer = CALLS[token];
    const usual = () => {
        if (!answer) throw new Error(`the offline engine has no answer for data source ${token}; add one to offline/calls.ts`);
        return answer(inputs, region);
    };
    const override = overrides[token];
    return override ? override(inputs, region, usual) : usual();
}
