/**
 * RFC 6749 §2.3 Client Authentication at the token endpoint: HTTP Basic (§2.3.1, with its
 * form-encoding of id and secret), the request body (client_secret_post), or none for public
 * clients (§2.1, client_id in the body).
 */
import { matchesDigest } from '../../crypto/digest.js';
import { OAuthError } from '../errors.js';
import type { Client, TokenEndpointAuthMethod } from '../types.js';

export interface PresentedClient {
  clientId: string;
  clientSecret: string | null;
  method: TokenEndpointAuthMethod;
}

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="latchkey", charset="UTF-8"' };

/**
 * RFC 6749 §5.2: if the client tried HTTP Basic, invalid_client is a 401 that MUST carry a
 * WWW-Authenticate header naming the scheme it used.
 */
export function invalidClient(description: string, usedBasic: boolean): OAuthError {
  return new OAuthError('invalid_client', description, {
    status: 401,
    headers: usedBasic ? BASIC_CHALLENGE : {},
  });
}

/** §2.3.1: "The client identifier is encoded using the application/x-www-form-urlencoded encoding". */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function parseBasic(header: string): { clientId: string; clientSecret: string } {
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  if (!match) throw invalidClient('The Authorization header is not valid HTTP Basic', true);
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw invalidClient('The Authorization header is not valid HTTP Basic', true);
  try {
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw invalidClient('The Authorization header is not valid HTTP Basic', true);
  }
}

/** Reads how the client authenticates; §2.3: "MUST NOT use more than one authentication method". */
export function presentedClient(
  authorization: string | string[] | undefined,
  body: { client_id?: string; client_secret?: string },
): PresentedClient {
  if (Array.isArray(authorization))
    throw new OAuthError('invalid_request', 'Only one Authorization header is allowed');
  if (authorization !== undefined && authorization !== '') {
    if (!/^Basic /i.test(authorization.trim())) {
      throw invalidClient(
        'Only HTTP Basic client authentication is accepted in the Authorization header',
        true,
      );
    }
    const basic = parseBasic(authorization);
    if (body.client_secret !== undefined) {
      throw new OAuthError(
        'invalid_request',
        'Use one client authentication method, not both Basic and client_secret',
      );
    }
    if (body.client_id !== undefined && body.client_id !== basic.clientId) {
      throw new OAuthError(
        'invalid_request',
        'client_id in the body does not match the Authorization header',
      );
    }
    return { ...basic, method: 'client_secret_basic' };
  }
  if (body.client_id === undefined) throw invalidClient('Client authentication is required', false);
  if (body.client_secret !== undefined) {
    return { clientId: body.client_id, clientSecret: body.client_secret, method: 'client_secret_post' };
  }
  return { clientId: body.client_id, clientSecret: null, method: 'none' };
}

/**
 * Checks the presented credentials against the registration (null: unknown client). The client
 * must use the method it registered (RFC 7591 §2 token_endpoint_auth_method); secrets are compared
 * as digests in constant time.
 */
export function authenticateClient(presented: PresentedClient, client: Client | null): Client {
  const usedBasic = presented.method === 'client_secret_basic';
  if (!client) throw invalidClient('Client authentication failed', usedBasic);
  if (client.tokenEndpointAuthMethod !== presented.method) {
    throw invalidClient(`This client must authenticate with ${client.tokenEndpointAuthMethod}`, usedBasic);
  }
  if (presented.method === 'none') return client;
  if (
    !client.secretDigest ||
    presented.clientSecret === null ||
    !matchesDigest(presented.clientSecret, client.secretDigest)
  ) {
    throw invalidClient('Client authentication failed', usedBasic);
  }
  return client;
}
