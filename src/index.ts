/**
 * Latchkey's public API: create an authorization server, configure it, and the error type.
 * Everything not exported here is internal.
 */
import type { FastifyInstance } from 'fastify';
import { parseConfig } from './config/load.js';
import type { Config, ConfigInput } from './config/schema.js';
import { buildApp } from './http/app.js';
import { type Clock, systemClock } from './protocol/clock.js';
import type { Client, StandardClaims } from './protocol/types.js';
import { rotateClientSecret } from './services/admin-clients.js';
import { type ClientRegistration, type RegisteredClient, registerClient } from './services/clients.js';
import type { ServiceDeps } from './services/deps.js';
import { purgeExpired, schedulePurge } from './services/housekeeping.js';
import { ensureSigningKeys } from './services/signing-keys.js';
import { createUser, ensureAdminUser } from './services/users.js';
import { openStore } from './store/kysely/index.js';
import type { PurgeCounts, Store } from './store/ports.js';

export { ConfigError, loadConfig } from './config/load.js';
export type { Config, ConfigInput } from './config/schema.js';
export { type Clock, systemClock } from './protocol/clock.js';
export { OAuthError, type OAuthErrorCode } from './protocol/errors.js';
export type { AddressClaim, Client, StandardClaims, User } from './protocol/types.js';
export type { ClientRegistration, RegisteredClient } from './services/clients.js';

export interface AuthServerOptions {
  /** A full Config (from loadConfig) or partial input validated here with the defaults. */
  config?: Config | ConfigInput;
  /** Injected time, for tests. */
  clock?: Clock;
  /** Fastify/pino logger setting; by default logs at config.logLevel. */
  logger?: boolean | Record<string, unknown>;
}

export interface AuthServer {
  /** The Fastify app (not yet listening). */
  app: FastifyInstance;
  config: Config;
  store: Store;
  /** Starts listening on config.host:config.port; returns the bound address. */
  listen(): Promise<string>;
  close(): Promise<void>;
  registerClient(registration: ClientRegistration): Promise<RegisteredClient>;
  findClient(clientId: string): Promise<Client | null>;
  /** A new secret for a confidential client, returned once; the old one stops working. */
  rotateClientSecret(clientId: string): Promise<string>;
  /** `profile`: OIDC standard claims (OIDC Core §5.1); a bad one is an OAuthError and creates nothing. */
  createUser(input: Parameters<typeof createUser>[1]): ReturnType<typeof createUser>;
  /**
   * Deletes expired codes, tokens, sessions, interactions, throttling counters and retired signing
   * keys now (the server also does it on a timer).
   */
  purgeExpired(): Promise<PurgeCounts>;
  /** Creates the admin account if there are no users; see services/users.ts. */
  ensureAdminUser(options?: { profile?: StandardClaims }): ReturnType<typeof ensureAdminUser>;
}

/** Opens the store (running migrations) and builds the HTTP app. */
export async function createAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const config = Object.isFrozen(options.config)
    ? (options.config as Config)
    : parseConfig(options.config ?? {});
  const { store } = await openStore(config.databaseUrl, config.database);
  const deps: ServiceDeps = { store, clock: options.clock ?? systemClock, config };
  let app: FastifyInstance;
  try {
    app = await buildApp(deps, { logger: options.logger });
  } catch (error) {
    await store.close();
    throw error;
  }
  try {
    // The first start makes the key JWT access tokens are signed with; later starts find it.
    // The keys JWT access tokens and (RS256, the default) ID tokens are signed with, made now so
    // the first token is not slowed by generating one.
    const keys = await ensureSigningKeys(deps, [
      ...new Set([config.tokens.accessTokenSigningAlg, 'RS256' as const]),
    ]);
    for (const { kid, alg, problem } of keys.unreadable)
      app.log.error(
        { kid, alg, problem },
        'a stored signing key cannot be read: it is neither used nor published',
      );
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  const purging = schedulePurge(deps, config.housekeeping.purgeInterval, (error) =>
    app.log.error({ err: error }, 'purging expired rows failed'),
  );
  return {
    app,
    config,
    store,
    listen: () => app.listen({ host: config.host, port: config.port }),
    async close() {
      purging.stop();
      await app.close();
      await store.close();
    },
    purgeExpired: () => purgeExpired(deps),
    registerClient: (registration) => registerClient(deps, registration),
    findClient: (clientId) => store.clients.findById(clientId),
    rotateClientSecret: (clientId) => rotateClientSecret(deps, clientId),
    createUser: (input) => createUser(deps, input),
    ensureAdminUser: (options) => ensureAdminUser(deps, options),
  };
}
