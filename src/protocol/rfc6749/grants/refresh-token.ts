/**
 * RFC 6749 §6 Refreshing an Access Token, with rotation per RFC 9700 §4.14.2: every use returns a
 * new refresh token, and a rotated one presented again means it leaked, so the whole grant goes.
 */
import { OAuthError } from '../../errors.js';
import type { Client } from '../../types.js';
import { narrowScope } from '../scope.js';

export interface PresentedRefreshToken {
  kind: string;
  clientId: string;
  scope: string[];
  expiresAt: number;
  consumedAt: number | null;
  revokedAt: number | null;
}

const invalidToken = () =>
  new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');

/** RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the grant it belongs to. */
export function isRefreshReuse(token: PresentedRefreshToken): boolean {
  return token.kind === 'refresh' && token.consumedAt !== null && token.revokedAt === null;
}

export function refreshReuseError(): OAuthError {
  return invalidToken();
}

/** The checks of §6, in order; returns the scope for the new tokens. */
export function checkRefreshToken(
  params: Record<string, string>,
  token: PresentedRefreshToken | null,
  client: Client,
  now: number,
): string[] {
  if (token?.kind !== 'refresh' || token.revokedAt !== null || token.consumedAt !== null)
    throw invalidToken();
  // §6: "validate the refresh token … bound to the client".
  if (token.clientId !== client.clientId)
    throw new OAuthError('invalid_grant', 'The refresh token was issued to another client');
  if (now >= token.expiresAt) throw new OAuthError('invalid_grant', 'The refresh token has expired');
  // Scopes the client's registration has dropped since are not issued again (the grant keeps them
  // on record, but a client may never hold more than it is registered for).
  return narrowScope(params.scope, token.scope).filter((scope) => client.scope.includes(scope));
}
