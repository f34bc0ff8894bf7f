/**
 * Latchkey's public API: create an authorization server — standalone, or inside your own Fastify,
 * Express, Koa or node:http app with your users, pages and hooks (docs/embedding.md). Everything
 * not exported here (or from `latchkey/resource`) is internal.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { ConfigError, parseConfig } from './config/load.js';
import type { Config, ConfigInput } from './config/schema.js';
import type { AccountAdapter } from './embedding/accounts.js';
import { checkHooks, hookRunner } from './embedding/hook-runner.js';
import type { AuthServerHooks } from './embedding/hooks.js';
import { checkPageStyle, type PagesOption } from './embedding/pages.js';
import { buildApp, mountTable } from './http/app.js';
import { fastifyPlugin, type NextFunction, nodeHandler } from './http/mount.js';
import { type Clock, systemClock } from './protocol/clock.js';
import type { Client, StandardClaims } from './protocol/types.js';
import {
  appsOfAccount,
  endAccountSessions,
  removeAccountAccess,
  revokeAccountGrants,
} from './services/account-access.js';
import { builtInAccounts, checkAccountAdapter, createAccounts } from './services/accounts.js';
import { rotateClientSecret } from './services/admin-clients.js';
import { type ClientRegistration, type RegisteredClient, registerClient } from './services/clients.js';
import type { ServiceDeps } from './services/deps.js';
import type { AppAccess } from './services/grants.js';
import { purgeExpired, schedulePurge } from './services/housekeeping.js';
import { ensureSigningKeys } from './services/signing-keys.js';
import { createUser, ensureAdminUser } from './services/users.js';
import { openStore } from './store/kysely/index.js';
import type { PurgeCounts, RevokedCounts, Store } from './store/ports.js';

export { ConfigError, loadConfig } from './config/load.js';
export type { Config, ConfigInput } from './config/schema.js';
export type {
  Account,
  AccountAdapter,
  CredentialsResult,
  CurrentUser,
  LoginFailureReason,
  LoginRedirect,
  MaybePromise,
} from './embedding/accounts.js';
export {
  type AuthEvent,
  type AuthEventListeners,
  type AuthEventName,
  type AuthEvents,
  type AuthServerHooks,
  type ClaimsContext,
  type ConsentContext,
  type ConsentDecision,
  type ExtraClaims,
  type JsonValue,
  RESERVED_CLAIMS,
  type ReservedClaim,
} from './embedding/hooks.js';
export type { PageRenderer, PageRenderers, PageStyle, PagesOption, ThemeColors } from './embedding/pages.js';
export type { NextFunction } from './http/mount.js';
export type { LogoutConfirmView } from './pages/logout-confirm.js';
export type { ConsentView, ErrorView, LoginView, PageChrome, ScopeView } from './pages/view-data.js';
export { type Clock, systemClock } from './protocol/clock.js';
export { OAuthError, type OAuthErrorCode } from './protocol/errors.js';
export type { AddressClaim, Client, StandardClaims, User } from './protocol/types.js';
export type { ClientRegistration, RegisteredClient } from './services/clients.js';
export type { AppAccess } from './services/grants.js';
export type { RevokedCounts } from './store/ports.js';

/** Options of createAuthServer. `Req` is the request type your adapter's getCurrentUser receives. */
export interface AuthServerOptions<Req = IncomingMessage> {
  /** A full Config (from loadConfig) or partial input validated here with the defaults. */
  config?: Config | ConfigInput;
  /**
   * The database: a URL (`sqlite:./data/latchkey.db`, `postgres://…`), or your app's own Kysely
   * instance (SQLite or PostgreSQL), in which Latchkey creates its tables and which close() leaves
   * open. Default: `config.databaseUrl`.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a host's Kysely instance has its own table types
  database?: string | Kysely<any>;
  /** Injected time, for tests. */
  clock?: Clock;
  /** Fastify/pino logger setting; by default logs at config.logLevel. */
  logger?: boolean | Record<string, unknown>;
  /**
   * Your users (AccountAdapter). Default: Latchkey's built-in users, with their login, account
   * and admin pages. With an adapter Latchkey serves the provider's endpoints and pages only.
   */
  accounts?: AccountAdapter<Req>;
  /** Your login, consent, logout and error pages, or a restyling of Latchkey's. */
  pages?: PagesOption;
  /** Events, extra token claims, and the consent decision. */
  hooks?: AuthServerHooks;
}

/** Where a host hands requests to Latchkey: exact paths, and path prefixes ending in '/'. */
export interface MountedPaths {
  readonly exact: readonly string[];
  readonly prefixes: readonly string[];
}

/** A running authorization server: mount it in your app, or listen on its own port. */
export interface AuthServer {
  /**
   * For a Fastify app: `await app.register(server.fastifyPlugin)` (no prefix). Latchkey's paths
   * get routes that hand the unread request to Latchkey; the rest of the app is untouched.
   */
  readonly fastifyPlugin: FastifyPluginAsync;
  /**
   * For Express, Koa (via its `callback` adapters) or node:http: `(req, res, next?)`. Latchkey's
   * paths are answered; others go to `next` (404 without one). Mount it at the root and before
   * any body parser: `app.use(server.handler)`.
   */
  readonly handler: (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => void;
  /** The paths Latchkey answers in a host app (its endpoints sit at the issuer's root). */
  readonly paths: MountedPaths;
  /** The Fastify app Latchkey runs in (not listening unless listen() is called). */
  readonly app: FastifyInstance;
  /** The validated, frozen configuration the server runs with (defaults filled in). */
  readonly config: Config;
  /** @internal The repositories, for Latchkey's own tests; not part of the stable API. */
  readonly store: Store;
  /** Standalone: starts listening on config.host:config.port; returns the bound address. */
  listen(): Promise<string>;
  /** Stops the purge timer and the app, and closes the database unless it is the host's Kysely. */
  close(): Promise<void>;
  /** Registers a client application (RFC 7591 field names); a confidential one's secret is returned once. */
  registerClient(registration: ClientRegistration): Promise<RegisteredClient>;
  /** A registered client by its client_id (its secret only as a digest), or null when there is none. */
  findClient(clientId: string): Promise<Client | null>;
  /** A new secret for a confidential client, returned once; the old one stops working. */
  rotateClientSecret(clientId: string): Promise<string>;
  /**
   * The applications an account gave access to — consented, or holding a live grant — most
   * recently used first, for a host's own "connected apps" page. An unknown id has none.
   */
  listUserApps(accountId: string): Promise<AppAccess[]>;
  /**
   * Removes a client's access for an account: revokes its grants (their access and refresh tokens
   * stop working) and forgets the consent, so the next authorization asks again. Fires
   * `consentRemoved` when anything was removed; with nothing to remove, changes nothing.
   */
  removeAccess(
    accountId: string,
    clientId: string,
  ): Promise<{ grantsRevoked: number; consentRemoved: boolean }>;
  /**
   * Revokes every grant of the account, for every client, with their tokens and unused codes
   * (a compromised account, an offboarded employee). Consents stay; sessions stay.
   */
  revokeUserGrants(accountId: string): Promise<RevokedCounts>;
  /**
   * Ends the account's Latchkey sessions (made by Latchkey's login page: built-in users, or a host's
   * verifyCredentials); returns how many. A host's own sessions (getCurrentUser) are the host's to end.
   */
  endUserSessions(accountId: string): Promise<number>;
  /**
   * A built-in user. `profile`: OIDC standard claims (OIDC Core §5.1); a bad one is an OAuthError
   * and creates nothing. Throws when `accounts` is your adapter: your users live in your app.
   */
  createUser(input: Parameters<typeof createUser>[1]): ReturnType<typeof createUser>;
  /**
   * Deletes expired codes, tokens, sessions, interactions, throttling counters and retired signing
   * keys now (the server also does it on a timer).
   */
  purgeExpired(): Promise<PurgeCounts>;
  /**
   * Creates the built-in admin account if there are no users (the standalone server's first start).
   * Throws when `accounts` is your adapter.
   */
  ensureAdminUser(options?: { profile?: StandardClaims }): ReturnType<typeof ensureAdminUser>;
}

/**
 * In a host app Latchkey's endpoints sit at the root of the host's origin (the mount rule), so an
 * issuer with a path would publish endpoints nothing answers.
 */
function checkEmbeddedIssuer(issuer: string): void {
  if (new URL(issuer).pathname.replace(/\/$/, '') !== '')
    throw new ConfigError([
      `issuer: with your own accounts the issuer is your app's origin, without a path (${issuer})`,
    ]);
}

/** The built-in users' management, refused when the host's adapter owns the users. */
function builtInOnly<T>(hostAccounts: boolean, method: string, run: () => T): T {
  if (hostAccounts)
    throw new Error(
      `${method}() manages Latchkey's built-in users; with \`accounts\` set, your app owns its users`,
    );
  return run();
}

/**
 * Opens the store (running migrations), checks the options and builds the HTTP app. The
 * standalone server (`latchkey serve`, `npm start`) is this call with the built-in accounts.
 */
export async function createAuthServer<Req = IncomingMessage>(
  options: AuthServerOptions<Req> = {},
): Promise<AuthServer> {
  // Always parsed: a Config from loadConfig parses to itself (once, at start), and a frozen
  // partial object is input like any other, never trusted as validated.
  const config = parseConfig(options.config ?? {});
  if (options.accounts !== undefined) {
    checkAccountAdapter(options.accounts);
    checkEmbeddedIssuer(config.issuer);
  }
  checkHooks(options.hooks);
  // Before the database opens: a bad colour or stylesheet stops the start with its reason.
  checkPageStyle(options.pages?.style);
  const { store, schema } = await openStore(options.database ?? config.databaseUrl, config.database);
  // Reports go to the app's log once it exists; nothing reports before the first request.
  let log: FastifyInstance['log'] | null = null;
  // The built-in users are an AccountAdapter like any host's, and go through the same checks.
  const adapter = options.accounts ?? builtInAccounts(store);
  const deps: ServiceDeps = {
    store,
    clock: options.clock ?? systemClock,
    config,
    extensions: {
      accounts: createAccounts(store, adapter as AccountAdapter<never>, {
        builtIn: options.accounts === undefined,
        report: (problem) => log?.error({ problem }, 'the account adapter answered something unusable'),
      }),
      hooks: options.hooks
        ? hookRunner(options.hooks, (error, hook) => log?.error({ err: error, hook }, 'a hook failed'))
        : null,
    },
  };
  let app: FastifyInstance;
  try {
    app = await buildApp(deps, { logger: options.logger, pages: options.pages });
    log = app.log;
    if (schema.newer.length > 0) {
      // A rolling upgrade: a newer build migrated the schema while this one still serves.
      app.log.warn({ migrations: schema.newer }, 'the database has migrations this build does not know');
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  try {
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
  const paths = mountTable(deps, { theme: options.pages?.style?.colors !== undefined });
  const handle = nodeHandler(app, paths);
  // Routes are final once built; readiness is awaited on first use so callers may still listen().
  let ready: Promise<void> | null = null;
  let isReady = false;
  const whenReady = (): Promise<void> => {
    ready ??= Promise.resolve(app.ready()).then(() => {
      isReady = true;
    });
    return ready;
  };
  const plugin = fastifyPlugin(app, paths);
  const hostAccounts = options.accounts !== undefined;
  return {
    app,
    config,
    store,
    paths,
    fastifyPlugin: async (host, opts) => {
      await whenReady();
      await plugin(host, opts);
    },
    handler(req, res, next) {
      if (isReady) return handle(req, res, next);
      whenReady().then(
        () => handle(req, res, next),
        (error: unknown) => (next ? next(error) : res.writeHead(500).end()),
      );
    },
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
    listUserApps: (accountId) => appsOfAccount(deps, accountId),
    removeAccess: (accountId, clientId) => removeAccountAccess(deps, accountId, clientId),
    revokeUserGrants: (accountId) => revokeAccountGrants(deps, accountId),
    endUserSessions: (accountId) => endAccountSessions(deps, accountId),
    createUser: async (input) => builtInOnly(hostAccounts, 'createUser', () => createUser(deps, input)),
    ensureAdminUser: async (opts) =>
      builtInOnly(hostAccounts, 'ensureAdminUser', () => ensureAdminUser(deps, opts)),
  };
}
