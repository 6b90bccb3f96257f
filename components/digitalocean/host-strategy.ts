/**
 * The DigitalOcean host strategies for {@link renderUserData}: Ubuntu, `apt`,
 * DigitalOcean Container Registry, secrets from the DigitalOcean API or a
 * Spaces object, logs to journald. The cloud-neutral part is
 * components/shared/userdata.ts.
 */
import { HostStrategy, shellQuote } from "../shared/userdata";

const DOCR = "registry.digitalocean.com";

/** Options of {@link digitalOceanHost}. */
export interface DigitalOceanHostOptions {
    /**
     * A shell command that prints a DigitalOcean API token (read scope on the
     * registry and databases) at start, e.g. `cat /root/.config/alicerce/token`
     * for a file placed out of band. The token is never part of the user data.
     */
    readonly apiTokenCommand: string;
}

/**
 * Ubuntu on a droplet: `apt`, DigitalOcean Container Registry login and
 * secrets read from the DigitalOcean API (with a token fetched at start),
 * logs to journald (`journalctl -u <service>`; the droplet's monitoring agent
 * reports memory).
 */
export function digitalOceanHost(options: DigitalOceanHostOptions): HostStrategy {
    return {
        cloud: "digitalocean",
        install: [
            "export DEBIAN_FRONTEND=noninteractive",
            // apt-daily may hold the dpkg lock at first boot: wait for it rather than fail (apt-get(8), DPkg::Lock::Timeout).
            "apt-get -o DPkg::Lock::Timeout=600 update -q",
            "apt-get -o DPkg::Lock::Timeout=600 install -y -q docker.io jq curl ca-certificates",
        ],
        preparePreamble: (registry, secrets) => (registry === DOCR || secrets.length > 0 ? [`DO_TOKEN="$(${options.apiTokenCommand})"`] : []),
        // DigitalOcean's registry takes the API token as both user name and password.
        registryLogin: (registry) =>
            registry === DOCR ? [`printf '%s' "$DO_TOKEN" | docker login --username "$DO_TOKEN" --password-stdin ${shellQuote(registry)}`] : [],
        fetchSecret: (secret) =>
            `curl --fail --silent --show-error --retry 5 --header "Authorization: Bearer $DO_TOKEN" ${shellQuote(`https://api.digitalocean.com/v2/${secret.source}`)}` +
            (secret.key ? ` | jq --raw-output --exit-status ${shellQuote(secret.key)}` : ""),
        logFlags: ["--log-driver journald", "--log-opt tag={{.Name}}"],
        setup: [],
    };
}

/** Options of {@link digitalOceanSpacesHost}. */
export interface DigitalOceanSpacesHostOptions {
    /** The Spaces region of the config bucket (`nyc3`). */
    readonly region: string;
    /** The private bucket holding the secrets document. */
    readonly configBucket: string;
    /** The object holding the secrets as one JSON document (`secrets.json`). */
    readonly secretsObject: string;
    /** A Spaces key whose only grant is `read` on the config bucket. */
    readonly bootstrapAccessKey: string;
    readonly bootstrapSecretKey: string;
}

/**
 * Ubuntu on a droplet in an autoscale pool, where nothing can be placed on
 * the host out of band and droplets have no identity to trade for
 * credentials. The prepare script reads one JSON document from a private
 * Spaces bucket (S3 SigV4 with curl, held in a shell variable, never on
 * disk) and takes each secret and the registry's pull credentials from it.
 *
 * The one credential in the user data is the bootstrap key, whose only grant
 * is `read` on that bucket: whoever can read the user data (team members
 * with droplet read access, root on the droplet) can read the secrets, but
 * nothing else, and revoking the key cuts every droplet off at its next
 * start. Containers are kept away from the metadata service that serves it.
 */
export function digitalOceanSpacesHost(options: DigitalOceanSpacesHostOptions): HostStrategy {
    const base = digitalOceanHost({ apiTokenCommand: "false" });
    if (!/^[a-z]{3}\d$/.test(options.region)) throw new Error(`"${options.region}" is not a Spaces region such as nyc3`);
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(options.configBucket)) throw new Error(`"${options.configBucket}" is not a Spaces bucket name`);
    if (!/^[A-Za-z0-9._-]+$/.test(options.secretsObject)) throw new Error(`"${options.secretsObject}" is not a plain object key`);
    const url = `https://${options.configBucket}.${options.region}.digitaloceanspaces.com/${options.secretsObject}`;
    const fromConfig = (path: string) => `jq --raw-output --exit-status ${shellQuote(path)} <<<"$config_json"`;
    return {
        cloud: "digitalocean",
        install: base.install,
        preparePreamble: (registry, secrets) =>
            registry === DOCR || secrets.length > 0
                ? [
                      `spaces_key=${shellQuote(`${options.bootstrapAccessKey}:${options.bootstrapSecretKey}`)}`,
                      `config_json="$(curl --fail --silent --show-error --retry 5 --retry-all-errors --max-time 30 --aws-sigv4 ${shellQuote(`aws:amz:${options.region}:s3`)} --user "$spaces_key" ${shellQuote(url)})"`,
                      "unset spaces_key",
                      // Containers must not reach the metadata service: it serves the user data, bootstrap key included.
                      "iptables -C DOCKER-USER -d 169.254.169.254/32 -j DROP 2>/dev/null || iptables -I DOCKER-USER -d 169.254.169.254/32 -j DROP",
                  ]
                : [],
        registryLogin: (registry) =>
            registry === DOCR
                ? [
                      `${fromConfig(".registry.password")} | docker login --username "$(${fromConfig(".registry.username")})" --password-stdin ${shellQuote(registry)}`,
                  ]
                : [],
        fetchSecret: (secret) => fromConfig(secret.key ?? `.${secret.env}`),
        logFlags: base.logFlags,
        setup: [],
    };
}
