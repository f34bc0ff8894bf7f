/**
 * Builds the Config from (lowest to highest precedence) defaults, an optional JSON config file,
 * LATCHKEY_* environment variables and explicit overrides. Fails fast with every problem listed.
 */
import { readFileSync } from 'node:fs';
import { type Config, type ConfigInput, configSchema } from './schema.js';

/** LATCHKEY_* variable → path in the config object. */
export const ENV_VARS: Record<string, string[]> = {
  LATCHKEY_ISSUER: ['issuer'],
  LATCHKEY_HOST: ['host'],
  LATCHKEY_PORT: ['port'],
  LATCHKEY_DATABASE_URL: ['databaseUrl'],
  LATCHKEY_DATABASE_POOL_SIZE: ['database', 'poolSize'],
  LATCHKEY_DATABASE_CONNECT_TIMEOUT_MS: ['database', 'connectTimeoutMs'],
  LATCHKEY_DATABASE_STATEMENT_TIMEOUT_MS: ['database', 'statementTimeoutMs'],
  LATCHKEY_MIGRATE_ON_START: ['database', 'migrateOnStart'],
  LATCHKEY_PROVIDER_NAME: ['providerName'],
  LATCHKEY_LOGO_URL: ['logoUrl'],
  LATCHKEY_LOG_LEVEL: ['logLevel'],
  LATCHKEY_TRUST_PROXY: ['trustProxy'],
  LATCHKEY_BODY_LIMIT: ['bodyLimit'],
  LATCHKEY_ACCESS_TOKEN_TTL: ['tokens', 'accessTokenTtl'],
  LATCHKEY_ACCESS_TOKEN_TTL_AUTHORIZATION_CODE: ['tokens', 'accessTokenTtlByGrant', 'authorization_code'],
  LATCHKEY_ACCESS_TOKEN_TTL_REFRESH_TOKEN: ['tokens', 'accessTokenTtlByGrant', 'refresh_token'],
  LATCHKEY_ACCESS_TOKEN_TTL_CLIENT_CREDENTIALS: ['tokens', 'accessTokenTtlByGrant', 'client_credentials'],
  LATCHKEY_ACCESS_TOKEN_TTL_PASSWORD: ['tokens', 'accessTokenTtlByGrant', 'password'],
  LATCHKEY_ACCESS_TOKEN_TTL_IMPLICIT: ['tokens', 'accessTokenTtlByGrant', 'implicit'],
  LATCHKEY_REFRESH_TOKEN_TTL: ['tokens', 'refreshTokenTtl'],
  LATCHKEY_ACCESS_TOKEN_FORMAT: ['tokens', 'accessTokenFormat'],
  LATCHKEY_ACCESS_TOKEN_SIGNING_ALG: ['tokens', 'accessTokenSigningAlg'],
  LATCHKEY_ACCESS_TOKEN_AUDIENCE: ['tokens', 'accessTokenAudience'],
  LATCHKEY_AUTHORIZATION_CODE_TTL: ['tokens', 'authorizationCodeTtl'],
  LATCHKEY_ID_TOKEN_TTL: ['tokens', 'idTokenTtl'],
  LATCHKEY_ISSUE_REFRESH_TOKENS: ['tokens', 'issueRefreshTokens'],
  LATCHKEY_PKCE_ALLOW_PLAIN: ['pkce', 'allowPlain'],
  LATCHKEY_SESSION_TTL: ['sessions', 'ttl'],
  LATCHKEY_INTERACTION_TTL: ['sessions', 'interactionTtl'],
  LATCHKEY_THROTTLE_MAX_FAILURES_PER_ACCOUNT: ['throttle', 'maxFailuresPerAccount'],
  LATCHKEY_THROTTLE_MAX_FAILURES_PER_IP: ['throttle', 'maxFailuresPerIp'],
  LATCHKEY_THROTTLE_WINDOW: ['throttle', 'window'],
  LATCHKEY_PURGE_INTERVAL: ['housekeeping', 'purgeInterval'],
  LATCHKEY_AUDIT_RETENTION_DAYS: ['audit', 'retentionDays'],
  LATCHKEY_ADMIN_USERNAME: ['admin', 'username'],
  LATCHKEY_ADMIN_PASSWORD: ['admin', 'password'],
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

/** The variables that hold booleans; every other value stays a string (a provider named "Yes"). */
const BOOLEAN_VARS = new Set([
  'LATCHKEY_TRUST_PROXY',
  'LATCHKEY_ISSUE_REFRESH_TOKENS',
  'LATCHKEY_PKCE_ALLOW_PLAIN',
  'LATCHKEY_MIGRATE_ON_START',
]);

/** Booleans from the environment: z.coerce.boolean would read "false" as true. */
function envValue(raw: string): unknown {
  const lower = raw.trim().toLowerCase();
  if (lower === 'true' || lower === '1' || lower === 'yes') return true;
  if (lower === 'false' || lower === '0' || lower === 'no') return false;
  return raw;
}

function setPath(target: Tree, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Tree) } : {};
    node = node[key] as Tree;
  }
  node[path.at(-1)!] = value;
}

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`config file ${path}: ${(error as Error).message}`]);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('the top level must be a JSON object');
    }
    return parsed as Tree;
  } catch (error) {
    throw new ConfigError([`config file ${path}: ${(error as Error).message}`]);
  }
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; defaults to LATCHKEY_CONFIG when set. */
  file?: string;
  overrides?: ConfigInput;
}

function deepMerge(base: Tree, extra: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const prev = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && prev && typeof prev === 'object'
        ? deepMerge(prev as Tree, value as Tree)
        : value;
  }
  return out;
}

/** Validates a config object (defaults applied) and freezes it. */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return deepFreeze(result.data);
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.LATCHKEY_CONFIG;
  let tree: Tree = file ? readConfigFile(file) : {};
  const fromEnv: Tree = {};
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(fromEnv, path, BOOLEAN_VARS.has(name) ? envValue(raw) : raw);
  }
  tree = deepMerge(tree, fromEnv);
  if (options.overrides) tree = deepMerge(tree, options.overrides as Tree);
  return parseConfig(tree);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
