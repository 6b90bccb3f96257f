/**
 * Signed pagination cursors: the client gets an opaque token it cannot forge.
 *
 * @packageDocumentation
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

function mac(payload: string, key: string): Buffer {
  return createHmac('sha256', key).update(`notes-cursor:${payload}`).digest().subarray(0, MAC_BYTES);
}

/**
 * Encodes "continue after this id" as `ID.MAC`.
 *
 * @param lastId - id of the last item returned (a decimal string)
 * @param key - signing key
 */
export function encodeCursor(lastId: string, key: string): string {
  return `${lastId}.${mac(lastId, key).toString('base64url')}`;
}

/**
 * Checks and decodes a cursor.
 *
 * @param cursor - token from the client
 * @param key - signing key
 * @returns the id to continue after, or `undefined` if the token is malformed or not ours
 */
export function decodeCursor(cursor: string, key: string): string | undefined {
  const match = /^([1-9][0-9]{0,18})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (match === null) return undefined;
  const [, id, sig] = match as unknown as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(id, key);
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
}
