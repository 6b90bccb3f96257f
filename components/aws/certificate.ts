import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** A DNS record ACM asks for to prove control of a name. */
export interface ValidationRecord {
    /** The record's full name, without the trailing dot. */
    readonly name: string;
    readonly type: string;
    /** The record's value, without the trailing dot. */
    readonly value: string;
}

/** Arguments of {@link Certificate}. */
export interface CertificateArgs {
    /** The name the certificate is for (`app.example.com`). */
    readonly domainName: string;
    /**
     * More names on the same certificate (`www.example.com`).
     * @default []
     */
    readonly alternativeNames?: readonly string[];
}

/** A name with any trailing dot removed (ACM gives FQDNs; DNS APIs store names without the dot). */
export function withoutTrailingDot(name: string): string {
    return name.endsWith(".") ? name.slice(0, -1) : name;
}

/**
 * A public ACM certificate, validated through DNS. The validation records
 * are exposed per name so a DNS component (Cloudflare, or the user by hand)
 * can create them; the load balancer waits for the certificate to be issued
 * before its HTTPS listener uses it. ACM renews DNS-validated certificates
 * by itself for as long as the records stay.
 */
export class Certificate extends pulumi.ComponentResource {
    /** The certificate (not yet necessarily issued). */
    public readonly arn: pulumi.Output<string>;
    /** Every name on the certificate. */
    public readonly domainNames: readonly string[];
    /** The validation records, one per name (ACM may give two names the same record). */
    public readonly validationRecords: pulumi.Output<ValidationRecord[]>;

    constructor(name: string, args: CertificateArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:Certificate", name, {}, opts);
        this.domainNames = [args.domainName, ...(args.alternativeNames ?? [])];

        const cert = new aws.acm.Certificate(
            `${name}-cert`,
            {
                domainName: args.domainName,
                subjectAlternativeNames: args.alternativeNames ? [...args.alternativeNames] : undefined,
                validationMethod: "DNS",
                keyAlgorithm: "EC_prime256v1",
            },
            { parent: this },
        );
        this.arn = cert.arn;
        this.validationRecords = cert.domainValidationOptions.apply((options) =>
            this.domainNames.map((domain) => {
                const o = options.find((v) => v.domainName === domain);
                if (!o) throw new Error(`ACM gave no validation record for ${domain}`);
                return { name: withoutTrailingDot(o.resourceRecordName), type: o.resourceRecordType, value: withoutTrailingDot(o.resourceRecordValue) };
            }),
        );
        this.registerOutputs({ arn: this.arn, validationRecords: this.validationRecords });
    }

    /** The validation record of one of the certificate's names. */
    validationRecord(domain: string): pulumi.Output<ValidationRecord> {
        const i = this.domainNames.indexOf(domain);
        if (i < 0) throw new Error(`${domain} is not on this certificate (${this.domainNames.join(", ")})`);
        return this.validationRecords.apply((records) => records[i]);
    }
}
