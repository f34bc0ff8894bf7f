/**
 * Randomness for tokens, codes, secrets and ids. Injected as `RandomSource` where tests need
 * predictable values; the default draws from the OS CSPRNG.
 */
import { randomBytes } from 'node:crypto';

/** 32 bytes = 256 bits, base64url (43 characters): tokens, codes, client secrets. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Identifiers that are not secrets (client ids, user ids, grant ids): 128 bits. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}
