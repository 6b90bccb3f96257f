import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { DROPLET_PORT, HEALTH_PATH } from "./sizing";
import { Transform, transform } from "../shared/transform";

/** How the load balancer gets its certificate. */
export type CertificatePlan =
    /** No domain: plain HTTP only (allowed below prod; the plan warns). */
    | { readonly kind: "none" }
    /** Let's Encrypt through DigitalOcean: the domain's DNS must be hosted at DigitalOcean. */
    | {
          readonly kind: "lets-encrypt";
          readonly domain: string;
          /** More names (and a wildcard) on the same certificate. */ readonly alternativeNames?: readonly string[];
      }
    /** An uploaded certificate (a bought one or a Cloudflare origin certificate), by name. */
    | { readonly kind: "uploaded"; readonly domain: string; readonly name: string };

/** Decides the certificate from the stack's settings. */
export function certificatePlan(domain?: string, certificateName?: string, alternativeNames: readonly string[] = []): CertificatePlan {
    if (domain === undefined) return { kind: "none" };
    const others = alternativeNames.filter((n) => n !== domain);
    return certificateName === undefined
        ? { kind: "lets-encrypt", domain, ...(others.length > 0 ? { alternativeNames: others } : {}) }
        : { kind: "uploaded", domain, name: certificateName };
}

/** Forwarding rules: HTTPS 443 terminates at the balancer when there is a certificate; HTTP 80 always (it redirects when HTTPS exists). */
export function forwardingRules(certificateName?: pulumi.Input<string>): digitalocean.types.input.LoadBalancerForwardingRule[] {
    const http = { entryProtocol: "http", entryPort: 80, targetProtocol: "http", targetPort: DROPLET_PORT };
    if (certificateName === undefined) return [http];
    return [{ entryProtocol: "https", entryPort: 443, targetProtocol: "http", targetPort: DROPLET_PORT, certificateName }, http];
}

/** The children a {@link Transform} may change. */
export interface LoadBalancerTransform {
    readonly loadBalancer?: Transform<digitalocean.LoadBalancerArgs>;
}

/** Arguments of {@link LoadBalancer}. */
export interface LoadBalancerArgs {
    readonly region: string;
    /**
     * The path the health check probes (`alicerce:appHealthPath`).
     * @default "/healthz" (app-image/)
     */
    readonly healthPath?: string;
    readonly vpcId: pulumi.Input<string>;
    /** The droplets it balances, by tag (autoscaled droplets join and leave on their own). */
    readonly appTag: pulumi.Input<string>;
    readonly certificate: CertificatePlan;
    /**
     * The only sources the balancer admits (its firewall's `allow` list), as
     * CIDRs: Cloudflare's published ranges when Cloudflare proxies the domain.
     * @default undefined (anyone)
     */
    readonly allowedCidrs?: pulumi.Input<pulumi.Input<string>[]>;
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: LoadBalancerTransform;
}

/**
 * A regional load balancer in the VPC, in front of the app droplets by tag:
 * HTTPS with a Let's Encrypt or uploaded certificate, HTTP redirected to
 * HTTPS, health checks on `/healthz`. Load balancers and certificates cannot
 * carry tags; the balancer joins the project by URN.
 */
export class LoadBalancer extends pulumi.ComponentResource {
    public readonly id: pulumi.Output<string>;
    public readonly loadBalancerUrn: pulumi.Output<string>;
    public readonly ip: pulumi.Output<string>;
    /** `https://domain` or `http://<ip>`. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: LoadBalancerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:LoadBalancer", name, {}, opts);
        const t = args.transform ?? {};
        let certificateName: pulumi.Input<string> | undefined;
        if (args.certificate.kind === "lets-encrypt") {
            const cert = new digitalocean.Certificate(
                `${name}-cert`,
                // DigitalOcean validates and renews through its own DNS, so the domain's zone must be hosted there.
                // DigitalOcean issues Let's Encrypt certificates, wildcards included, for names in its own DNS only (DigitalOcean docs, "How to Add SSL Certificates").
                { type: "lets_encrypt", domains: [args.certificate.domain, ...(args.certificate.alternativeNames ?? [])] },
                // A renamed certificate must exist before the balancer moves to it.
                { parent: this },
            );
            certificateName = cert.name;
        } else if (args.certificate.kind === "uploaded") {
            certificateName = args.certificate.name;
        }
        const lb = new digitalocean.LoadBalancer(
            ...transform(
                t.loadBalancer,
                `${name}-lb`,
                {
                    region: args.region,
                    vpcUuid: args.vpcId,
                    dropletTag: args.appTag,
                    sizeUnit: 1,
                    // By name, not id: a Let's Encrypt renewal changes the certificate's id but not its name.
                    forwardingRules: forwardingRules(certificateName),
                    redirectHttpToHttps: certificateName !== undefined,
                    healthcheck: {
                        protocol: "http",
                        port: DROPLET_PORT,
                        path: args.healthPath ?? HEALTH_PATH,
                        checkIntervalSeconds: 10,
                        responseTimeoutSeconds: 5,
                        healthyThreshold: 3,
                        unhealthyThreshold: 3,
                    },
                    enableBackendKeepalive: true,
                    httpIdleTimeoutSeconds: 60,
                    tlsCipherPolicy: "STRONG",
                    // `{type}:{source}` rules, type `ip` or `cidr` (DigitalOcean API, load balancer `firewall.allow`;
                    // terraform-provider-digitalocean digitalocean/loadbalancer/resource_loadbalancer.go `firewall`). The
                    // firewall filters traffic into the balancer; its health checks go from the balancer to the droplets.
                    ...(args.allowedCidrs === undefined
                        ? {}
                        : { firewall: { allows: pulumi.output(args.allowedCidrs).apply((cidrs) => cidrs.map((c) => `cidr:${c}`)) } }),
                },
                { parent: this },
            ),
        );
        this.id = lb.id;
        this.loadBalancerUrn = lb.loadBalancerUrn;
        this.ip = lb.ip;
        this.url = args.certificate.kind === "none" ? pulumi.interpolate`http://${lb.ip}` : pulumi.output(`https://${args.certificate.domain}`);
        this.registerOutputs({ id: this.id, loadBalancerUrn: this.loadBalancerUrn, ip: this.ip, url: this.url });
    }
}
