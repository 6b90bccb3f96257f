/**
 * Reading JSON secrets from AWS Secrets Manager.
 *
 * @packageDocumentation
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The part of the Secrets Manager client this module uses, so tests can pass a fake. */
export interface SecretsClient {
  /** Sends a command, as `SecretsManagerClient.send`. */
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string | undefined }>;
}

/**
 * Creates a Secrets Manager client for a region.
 *
 * Endpoint overrides come from the SDK's own `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
 *
 * @param region - AWS region of the secrets
 */
export function createSecretsClient(region: string): SecretsClient {
  return new SecretsManagerClient({ region });
}

/**
 * Fetches a secret and parses its JSON string value.
 *
 * @param client - Secrets Manager client
 * @param secretArn - ARN of the secret
 * @returns the parsed object
 * @throws when the secret has no string value or is not a JSON object; the
 *   message names the ARN but never the value
 */
export async function fetchJsonSecret(client: SecretsClient, secretArn: string): Promise<Record<string, unknown>> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (out.SecretString === undefined) throw new Error(`secret ${secretArn} has no string value`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.SecretString);
  } catch {
    throw new Error(`secret ${secretArn} is not JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`secret ${secretArn} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Reads a string field of a secret object.
 *
 * @param secret - parsed secret
 * @param field - field name
 * @param secretArn - ARN, for the error message
 * @throws when the field is missing or not a non-empty string
 */
export function secretField(secret: Record<string, unknown>, field: string, secretArn: string): string {
  const value = secret[field];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`secret ${secretArn} has no string field "${field}"`);
  }
  return value;
}

/**
 * Wraps an async loader so its result is reused for `ttlMs`.
 *
 * Used for the database password: RDS rotates the managed secret, and new pool
 * connections must pick up the new password without a restart.
 *
 * @param load - fetches a fresh value
 * @param ttlMs - how long a value is reused
 * @param now - clock, for tests
 * @returns a function giving the cached or a fresh value; concurrent callers share one fetch
 */
export function cached<T>(load: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | undefined;
  return () => {
    if (value === undefined || now() - value.at >= ttlMs) {
      const entry = { at: now(), promise: load() };
      value = entry;
      // A failed fetch must not be cached, or one blip would last a whole TTL.
      entry.promise.catch(() => {
        if (value === entry) value = undefined;
      });
    }
    return value.promise;
  };
}
