/**
 * RFC 6749 §4.4 Client Credentials Grant: a client acting on its own behalf.
 */
import { OAuthError } from '../../errors.js';
import { type Client, isPublicClient } from '../../types.js';
import { resolveRequestedScope } from '../scope.js';

/** §4.4.2 checks; returns the scope to grant. §4.4.3: no refresh token is issued. */
export function checkClientCredentials(params: Record<string, string>, client: Client): string[] {
  // §4.4: "MUST only be used by confidential clients." Registration refuses it too; this holds
  // even if a client's authentication method was changed afterwards.
  if (isPublicClient(client)) {
    throw new OAuthError('unauthorized_client', 'Public clients cannot use the client_credentials grant');
  }
  // §4.4.2 / §3.3: an omitted scope means the client's registered (default) scope.
  return resolveRequestedScope(params.scope, client.scope);
}
