import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

/** One DNS record in the zone. */
export interface DnsRecordSpec {
    /** Stable and plain, for the logical name (`app`, `acm-app`): record names may be Outputs. */
    readonly key: string;
    /** The full record name (`app.example.com`), without the trailing dot. */
    readonly name: pulumi.Input<string>;
    readonly type: "CNAME" | "A" | "AAAA";
    /** A host name for CNAME (a load balancer's DNS name), an address for A/AAAA (a DigitalOcean load balancer's IP). */
    readonly content: pulumi.Input<string>;
    /**
     * Through Cloudflare's proxy (orange cloud): visitors see Cloudflare's
     * addresses and TLS, the origin sees only Cloudflare. Validation records
     * must not be proxied.
     */
    readonly proxied: boolean;
    /** Shown in Cloudflare's dashboard. */
    readonly comment?: string;
}

/** Arguments of {@link Dns}. */
export interface DnsArgs {
    /** The zone's id (32 hex characters, from the zone's overview page). */
    readonly zoneId: pulumi.Input<string>;
    readonly records: readonly DnsRecordSpec[];
    /**
     * Set the zone for a TLS origin: SSL "Full (strict)" (Cloudflare checks
     * the origin's certificate), Always Use HTTPS, minimum TLS 1.2. These are
     * zone-wide: every other host in the zone then needs a valid origin certificate too.
     * @default false
     */
    readonly originTlsSettings?: boolean;
}

/** The zone settings {@link Dns} manages when `originTlsSettings` is on, by Cloudflare setting id. */
export const ORIGIN_TLS_SETTINGS: Readonly<Record<string, string>> = {
    ssl: "strict",
    always_use_https: "on",
    min_tls_version: "1.2",
};

/** Cloudflare's "automatic" TTL; the only one a proxied record takes. */
const AUTOMATIC_TTL = 1;

/**
 * DNS records in a Cloudflare zone, cloud-neutral: records take a target
 * host name or address, so an AWS or a DigitalOcean load balancer can be
 * fronted the same way. Optionally sets the zone's TLS settings for an
 * HTTPS origin.
 */
export class Dns extends pulumi.ComponentResource {
    /** The records' names once they exist (for ACM validation to wait on), in the order given. */
    public readonly recordNames: pulumi.Output<string[]>;

    constructor(name: string, args: DnsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:cloudflare:Dns", name, {}, opts);
        const keys = args.records.map((r) => r.key);
        const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
        if (duplicate !== undefined) throw new Error(`record key "${duplicate}" is used twice`);

        const records = args.records.map(
            (r) =>
                new cloudflare.DnsRecord(
                    `${name}-${r.key}`,
                    {
                        zoneId: args.zoneId,
                        name: r.name,
                        type: r.type,
                        content: r.content,
                        proxied: r.proxied,
                        ttl: AUTOMATIC_TTL,
                        comment: r.comment ?? "managed by alicerce (Pulumi)",
                    },
                    { parent: this },
                ),
        );
        if (args.originTlsSettings ?? false) {
            for (const [settingId, value] of Object.entries(ORIGIN_TLS_SETTINGS)) {
                new cloudflare.ZoneSetting(`${name}-${settingId.replace(/_/g, "-")}`, { zoneId: args.zoneId, settingId, value }, { parent: this });
            }
        }
        this.recordNames = pulumi.all(records.map((r) => r.name));
        this.registerOutputs({ recordNames: this.recordNames });
    }
}
