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
 * Answers for the data sources the program calls, with realistic values. A
 * call with no answer here fails the run loudly, naming the token to add.
 */
const CALLS: Record<string, CallMock> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": (_i, r) => {
        const names = (AZ_SUFFIXES[r] ?? ["a", "b", "c"]).map((s) => `${r}${s}`);
        return { id: r, names, zoneIds: names.map((_, i) => `${r.replace(/-/g, "").slice(0, 4)}-az${i + 1}`), groupNames: [r] };
    },
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        id: MOCK_ACCOUNT_ID,
        accountId: MOCK_ACCOUNT_ID,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/ci`,
        userId: "AIDAEXAMPLEUSERID",
    }),
    "aws:index/getRegion:getRegion": (_i, r) => ({ id: r, name: r, region: r, endpoint: `ec2.${r}.amazonaws.com`, description: r }),
    "aws:index/getPartition:getPartition": () => ({ id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" }),
    "aws:ssm/getParameter:getParameter": (i) => ({
        id: i.name,
        name: i.name,
        type: "String",
        value: /arm64/.test(i.name) ? "ami-0a1b2c3d4e5f60718" : "ami-0f1e2d3c4b5a69780",
        version: 1,
        arn: `arn:aws:ssm:us-east-1::parameter${i.name}`,
        insecureValue: "",
        withDecryption: false,
    }),
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
    "173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22", "141.101.64.0/18",
    "108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20", "197.234.240.0/22", "198.41.128.0/17",
    "162.158.0.0/15", "104.16.0.0/13", "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
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

/** The mock `call`. */
export function mockCall(token: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
    const answer = CALLS[token];
    if (!answer) throw new Error(`the offline harness has no answer for data source ${token}; add one to test/harness/calls.ts`);
    return answer(inputs, region);
}
