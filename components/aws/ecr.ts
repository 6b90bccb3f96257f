/** An image in an ECR private repository, as its reference names it. */
export interface EcrImage {
    /** The registry's account (12 digits). */
    readonly accountId: string;
    readonly region: string;
    /** The repository name, namespaces included (`team/app`). */
    readonly repository: string;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/;

/**
 * The account and region of an ECR registry host
 * (`<account>.dkr.ecr.<region>.amazonaws.com`), or undefined for any other host.
 */
export function parseEcrHost(host: string): Omit<EcrImage, "repository"> | undefined {
    const m = ECR_HOST.exec(host);
    return m ? { accountId: m[1], region: m[2] } : undefined;
}

/**
 * The ECR repository of an image reference
 * (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag][@sha256:...]`),
 * or undefined when the image is on another registry.
 */
export function parseEcrImage(image: string): EcrImage | undefined {
    const slash = image.indexOf("/");
    if (slash < 0) return undefined;
    const host = parseEcrHost(image.slice(0, slash));
    if (!host) return undefined;
    const repository = image
        .slice(slash + 1)
        .split("@")[0]
        .replace(/:[^/]*$/, "");
    return repository === "" ? undefined : { ...host, repository };
}

/** The ARN of an ECR repository (commercial partition: the regions alicerce accepts). */
export function ecrRepositoryArn(image: EcrImage): string {
    return `arn:aws:ecr:${image.region}:${image.accountId}:repository/${image.repository}`;
}
