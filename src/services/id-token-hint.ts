/**
 * Reading an `id_token_hint` (OIDC Core §3.1.2.1, RP-Initiated Logout §2): an ID token Latchkey
 * issued earlier, sent back as a hint about the user and the session. Only its signature, issuer
 * and shape are checked: a hint is not a credential, and an expired one is still a good hint.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { SIGNING_ALGORITHMS } from '../crypto/keys.js';
import { MAX_ID_TOKEN_HINT } from '../protocol/oidc-core/rp-initiated-logout.js';
import type { Client } from '../protocol/types.js';
import type { ServiceDeps } from './deps.js';
import { CLOCK_SKEW_SECONDS, publishedJwks } from './signing-keys.js';
import { subjectFor } from './subject.js';

export interface IdTokenHint {
  /** The token's `sub`: the user id, or a pairwise value for pairwise clients (see hintMatchesUser). */
  sub: string;
  /** The token's `aud`, always as a list. */
  clientIds: string[];
  /** The session the token was issued in, when it says. */
  sid: string | null;
}

/**
 * Types an ID token may carry (RFC 8725 §3.11): Latchkey signs them as `JWT`; a token without a
 * typ is an older one. Anything else is another kind of JWT signed with the same keys: an RFC 9068
 * access token (`at+jwt`) must never pass for an ID token, nor a logout token (`logout+jwt`).
 */
const ID_TOKEN_TYPES = new Set([undefined, 'jwt', 'application/jwt']);

/**
 * The hint's sub, audience and sid when it is an ID token this provider signed with a key it still
 * publishes; null for anything else (a bad signature, another issuer, a retired key, an access
 * token, garbage, more than 8 KiB). Never throws for what the request holds.
 *
 * RP-Initiated Logout §2: "The OP SHOULD accept ID Tokens … even when the exp time has passed", and
 * OIDC Core §3.1.2.1 likewise for the authorization endpoint. So expiry is not checked; the token is
 * verified as of its own issue time, and one "issued" in the future is refused.
 */
export async function readIdTokenHint(deps: ServiceDeps, token: string): Promise<IdTokenHint | null> {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_ID_TOKEN_HINT) return null;
  let issuedAt: number;
  try {
    const header = decodeProtectedHeader(token);
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : header.typ;
    if (!ID_TOKEN_TYPES.has(typ as string | undefined)) return null;
    const { iat } = decodeJwt(token);
    if (typeof iat !== 'number' || !Number.isFinite(iat)) return null;
    issuedAt = iat;
  } catch {
    return null;
  }
  if (issuedAt > deps.clock.now() + CLOCK_SKEW_SECONDS) return null;
  const keys = createLocalJWKSet(await publishedJwks(deps));
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: deps.config.issuer,
      algorithms: [...SIGNING_ALGORITHMS],
      currentDate: new Date(issuedAt * 1000),
      clockTolerance: CLOCK_SKEW_SECONDS,
    });
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    if (typeof payload.sub !== 'string' || payload.sub === '' || aud.length === 0) return null;
    const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : null;
    return { sub: payload.sub, clientIds: aud, sid };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}

/**
 * Whether the hint names this user, as the client it was issued to sees the user: for a pairwise
 * client (OIDC Core §8) `sub` is that client's pairwise value, not the user id. `client` is the
 * client the hint was issued to; without it only a public `sub` can be compared.
 */
export async function hintMatchesUser(
  deps: ServiceDeps,
  hint: IdTokenHint,
  userId: string,
  client: Client | null,
): Promise<boolean> {
  if (!client) return hint.sub === userId;
  return hint.sub === (await subjectFor(deps, client, userId));
}
