/** Emitting the host's events from the services: nothing is built when nobody listens. */
import type { AuthEventName, AuthEvents } from '../embedding/hooks.js';
import type { IssuedTokens } from '../protocol/rfc6749/token.js';
import type { Client, GrantType } from '../protocol/types.js';
import type { ServiceDeps } from './deps.js';

/** Calls the listener for `name`, if any, with the event `build` makes; never awaited, never throws. */
export function emitEvent<K extends AuthEventName>(
  deps: ServiceDeps,
  name: K,
  build: () => AuthEvents[K],
): void {
  const hooks = deps.extensions?.hooks;
  if (hooks?.listens(name)) hooks.emit(name, build(), deps.clock.now());
}

/** The host's tokenIssued event, once the tokens are stored; nothing is built without a listener. */
export function announceIssued(
  deps: ServiceDeps,
  grantType: GrantType,
  client: Client,
  ids: { userId: string | null; grantId: string | null },
  issued: IssuedTokens & { idToken?: string },
): void {
  emitEvent(deps, 'tokenIssued', () => ({
    clientId: client.clientId,
    accountId: ids.userId,
    grantType,
    grantId: ids.grantId,
    scope: [...issued.scope],
    expiresAt: deps.clock.now() + issued.expiresIn,
    refreshToken: issued.refreshToken !== null,
    idToken: issued.idToken !== undefined,
  }));
}
