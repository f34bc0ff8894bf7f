/** The introspection endpoint's use case (RFC 7662). */
import { digest } from '../crypto/digest.js';
import { MAX_TOKEN_LENGTH, type RawParams, singleParams } from '../protocol/params.js';
import {
  checkIntrospectionCaller,
  introspectionResponse,
  introspectionToken,
} from '../protocol/rfc7662-introspection.js';
import { authenticateRequestClient } from './client-authentication.js';
import type { ServiceDeps } from './deps.js';
import { subjectFor } from './subject.js';

export async function introspect(
  deps: ServiceDeps,
  input: { authorization: string | string[] | undefined; body: RawParams },
): Promise<Record<string, unknown>> {
  const params = singleParams(input.body);
  const client = await authenticateRequestClient(deps, input.authorization, params);
  checkIntrospectionCaller(client);
  const token = introspectionToken(params);
  const record = token.length > MAX_TOKEN_LENGTH ? null : await deps.store.tokens.findWithUser(digest(token));
  const pairwiseSub =
    record?.userId && record.clientId === client.clientId && client.subjectType === 'pairwise'
      ? await subjectFor(deps, client, record.userId)
      : undefined;
  return introspectionResponse(record, client, {
    now: deps.clock.now(),
    issuer: deps.config.issuer,
    pairwiseSub,
  });
}
