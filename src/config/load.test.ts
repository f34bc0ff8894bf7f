import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, loadConfig, parseConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function configFile(content: unknown): string {
  const path = join(dir, `config-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The ConfigError's problems, or a failure when no ConfigError is thrown. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const get = (tree: unknown, path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], tree);

describe('defaults', () => {
  it('are complete and valid with no input', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({
      issuer: 'http://localhost:9000',
      host: '127.0.0.1',
      port: 9000,
      databaseUrl: 'sqlite:./data/latchkey.db',
      providerName: 'Latchkey',
      logLevel: 'info',
      trustProxy: false,
      bodyLimit: 16_384,
      tokens: {
        accessTokenTtl: 3600,
        refreshTokenTtl: 2_592_000,
        authorizationCodeTtl: 60,
        issueRefreshTokens: true,
      },
      pkce: { allowPlain: false },
      sessions: { ttl: 28_800, interactionTtl: 900 },
      throttle: { maxFailuresPerAccount: 5, maxFailuresPerIp: 50, window: 900 },
      audit: { retentionDays: 90 },
      admin: { username: 'admin' },
    });
    expect(config.admin.password).toBeUndefined();
    expect(parseConfig(undefined)).toEqual(config);
  });

  it('derives the issuer from the port', () => {
    expect(loadConfig({ env: { LATCHKEY_PORT: '8123' } }).issuer).toBe('http://localhost:8123');
    expect(parseConfig({ port: 7001 }).issuer).toBe('http://localhost:7001');
    expect(parseConfig({ port: 7001, issuer: 'https://auth.example.com' }).issuer).toBe(
      'https://auth.example.com',
    );
  });

  it('does not read process.env when an env is given', () => {
    const before = process.env.LATCHKEY_PORT;
    process.env.LATCHKEY_PORT = '1234';
    try {
      expect(loadConfig({ env: {} }).port).toBe(9000);
    } finally {
      if (before === undefined) delete process.env.LATCHKEY_PORT;
      else process.env.LATCHKEY_PORT = before;
    }
  });
});

describe('environment variables', () => {
  // One valid, non-default value per variable.
  const values: Record<string, [raw: string, expected: unknown]> = {
    LATCHKEY_ISSUER: ['https://auth.example.com', 'https://auth.example.com'],
    LATCHKEY_HOST: ['0.0.0.0', '0.0.0.0'],
    LATCHKEY_PORT: ['8080', 8080],
    LATCHKEY_DATABASE_URL: ['sqlite::memory:', 'sqlite::memory:'],
    LATCHKEY_DATABASE_POOL_SIZE: ['25', 25],
    LATCHKEY_DATABASE_CONNECT_TIMEOUT_MS: ['750', 750],
    LATCHKEY_DATABASE_STATEMENT_TIMEOUT_MS: ['15000', 15000],
    LATCHKEY_MIGRATE_ON_START: ['false', false],
    LATCHKEY_PROVIDER_NAME: ['Acme Login', 'Acme Login'],
    LATCHKEY_LOG_LEVEL: ['debug', 'debug'],
    LATCHKEY_TRUST_PROXY: ['true', true],
    LATCHKEY_BODY_LIMIT: ['2048', 2048],
    LATCHKEY_ACCESS_TOKEN_TTL: ['120', 120],
    LATCHKEY_REFRESH_TOKEN_TTL: ['600', 600],
    LATCHKEY_AUTHORIZATION_CODE_TTL: ['30', 30],
    LATCHKEY_ID_TOKEN_TTL: ['600', 600],
    LATCHKEY_LOGO_URL: ['https://cdn.example.com/logo.svg', 'https://cdn.example.com/logo.svg'],
    LATCHKEY_ISSUE_REFRESH_TOKENS: ['false', false],
    LATCHKEY_PKCE_ALLOW_PLAIN: ['1', true],
    LATCHKEY_SESSION_TTL: ['3600', 3600],
    LATCHKEY_INTERACTION_TTL: ['120', 120],
    LATCHKEY_THROTTLE_MAX_FAILURES_PER_ACCOUNT: ['3', 3],
    LATCHKEY_THROTTLE_MAX_FAILURES_PER_IP: ['10', 10],
    LATCHKEY_THROTTLE_WINDOW: ['60', 60],
    LATCHKEY_PURGE_INTERVAL: ['0', 0],
    LATCHKEY_AUDIT_RETENTION_DAYS: ['30', 30],
    LATCHKEY_ACCESS_TOKEN_TTL_AUTHORIZATION_CODE: ['600', 600],
    LATCHKEY_ACCESS_TOKEN_TTL_REFRESH_TOKEN: ['900', 900],
    LATCHKEY_ACCESS_TOKEN_TTL_CLIENT_CREDENTIALS: ['7200', 7200],
    LATCHKEY_ACCESS_TOKEN_TTL_PASSWORD: ['600', 600],
    LATCHKEY_ACCESS_TOKEN_TTL_IMPLICIT: ['900', 900],
    LATCHKEY_ACCESS_TOKEN_FORMAT: ['jwt', 'jwt'],
    LATCHKEY_ACCESS_TOKEN_SIGNING_ALG: ['EdDSA', 'EdDSA'],
    LATCHKEY_ACCESS_TOKEN_AUDIENCE: ['https://api.example.com', 'https://api.example.com'],
    LATCHKEY_ADMIN_USERNAME: ['root', 'root'],
    LATCHKEY_ADMIN_PASSWORD: ['a long admin password', 'a long admin password'],
  };

  it('covers every variable in ENV_VARS', () => {
    expect(Object.keys(values).sort()).toEqual(Object.keys(ENV_VARS).sort());
  });

  it.each(Object.entries(ENV_VARS))('maps %s onto %j', (name, path) => {
    const [raw, expected] = values[name]!;
    const config = loadConfig({ env: { [name]: raw } });
    expect(get(config, path)).toEqual(expected);
  });

  it('maps all of them at once', () => {
    const env = Object.fromEntries(Object.entries(values).map(([name, [raw]]) => [name, raw]));
    const config = loadConfig({ env });
    for (const [name, path] of Object.entries(ENV_VARS)) expect(get(config, path)).toEqual(values[name]![1]);
  });

  it('ignores empty variables', () => {
    expect(loadConfig({ env: { LATCHKEY_PORT: '', LATCHKEY_ISSUER: '' } }).port).toBe(9000);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads the boolean %s as %s', (raw, expected) => {
    const config = loadConfig({ env: { LATCHKEY_TRUST_PROXY: raw, LATCHKEY_PKCE_ALLOW_PLAIN: raw } });
    expect(config.trustProxy).toBe(expected);
    expect(config.pkce.allowPlain).toBe(expected);
  });

  it('rejects a boolean that is neither true nor false', () => {
    const problems = problemsOf(() => loadConfig({ env: { LATCHKEY_TRUST_PROXY: 'maybe' } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^trustProxy: /);
  });

  it('keeps string values that look like booleans as strings', () => {
    // Only boolean options are read as booleans; a name "1" or "yes" is still a name.
    const config = loadConfig({
      env: { LATCHKEY_PROVIDER_NAME: 'Yes', LATCHKEY_ADMIN_USERNAME: '1', LATCHKEY_HOST: '0' },
    });
    expect(config.providerName).toBe('Yes');
    expect(config.admin.username).toBe('1');
    expect(config.host).toBe('0');
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { LATCHKEY_PORT: 'abc', LATCHKEY_ISSUER: 'ftp://x', LATCHKEY_LOG_LEVEL: 'loud' } }),
    );
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('port: '))).toBeDefined();
    expect(problems.find((p) => p.startsWith('issuer: '))).toMatch(/http\(s\)/);
    expect(problems.find((p) => p.startsWith('logLevel: '))).toBeDefined();
  });

  it('puts the problems in the message', () => {
    try {
      loadConfig({ env: { LATCHKEY_PORT: '70000' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^Invalid configuration:\n {2}- port: /);
    }
  });
});

describe('config file', () => {
  it('is read, and the environment wins over it', () => {
    const file = configFile({
      port: 7000,
      providerName: 'From File',
      tokens: { accessTokenTtl: 120, refreshTokenTtl: 900 },
    });
    const config = loadConfig({ file, env: { LATCHKEY_PORT: '7001', LATCHKEY_ACCESS_TOKEN_TTL: '300' } });
    expect(config.port).toBe(7001);
    expect(config.providerName).toBe('From File');
    // Merged per key: the file's other token settings survive an env override of one.
    expect(config.tokens).toMatchObject({ accessTokenTtl: 300, refreshTokenTtl: 900 });
  });

  it('is found through LATCHKEY_CONFIG', () => {
    const file = configFile({ providerName: 'Via Env' });
    expect(loadConfig({ env: { LATCHKEY_CONFIG: file } }).providerName).toBe('Via Env');
  });

  it('explicit overrides win over file and environment', () => {
    const file = configFile({ port: 7000, tokens: { accessTokenTtl: 120, refreshTokenTtl: 900 } });
    const config = loadConfig({
      file,
      env: { LATCHKEY_PORT: '7001', LATCHKEY_ACCESS_TOKEN_TTL: '300' },
      overrides: { port: 7002, tokens: { accessTokenTtl: 400 } },
    });
    expect(config.port).toBe(7002);
    expect(config.tokens).toMatchObject({ accessTokenTtl: 400, refreshTokenTtl: 900 });
  });

  it('that does not exist is a ConfigError naming it', () => {
    const missing = join(dir, 'missing.json');
    expect(problemsOf(() => loadConfig({ file: missing, env: {} }))[0]).toContain(missing);
  });

  it('that is not JSON is a ConfigError', () => {
    const file = configFile('{ port: 9000 ');
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(file);
  });

  it.each([['[1, 2]'], ['"text"'], ['null'], ['42']])('whose top level is %s is a ConfigError', (text) => {
    const file = configFile(text);
    expect(problemsOf(() => loadConfig({ file, env: {} }))[0]).toContain(file);
  });
});

describe('validation', () => {
  it('rejects unknown top-level keys', () => {
    const file = configFile({ port: 9000, issuerUrl: 'https://auth.example.com' });
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problems.join('\n')).toContain('issuerUrl');
  });

  it('rejects unknown nested keys (a typo must not be silently ignored)', () => {
    const problems = problemsOf(() => parseConfig({ tokens: { accesTokenTtl: 60 } }));
    expect(problems.join('\n')).toContain('accesTokenTtl');
  });

  it.each([
    ['authorizationCodeTtl', 601],
    ['authorizationCodeTtl', 9],
    ['accessTokenTtl', 59],
    ['accessTokenTtl', 86_401],
    ['refreshTokenTtl', 299],
    ['accessTokenTtl', 60.5],
    ['idTokenTtl', 59],
    ['accessTokenFormat', 'macaroon'],
    ['accessTokenSigningAlg', 'HS256'],
    ['accessTokenSigningAlg', 'none'],
    ['accessTokenAudience', ''],
  ])('rejects tokens.%s = %s', (key, value) => {
    const problems = problemsOf(() => parseConfig({ tokens: { [key]: value } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^tokens\\.${key}: `));
  });

  it('accepts the edges of the ranges', () => {
    const config = parseConfig({ tokens: { authorizationCodeTtl: 600, accessTokenTtl: 60 } });
    expect(config.tokens.authorizationCodeTtl).toBe(600);
    expect(config.tokens.accessTokenTtl).toBe(60);
  });

  it('rejects out-of-range TTLs from the environment', () => {
    const problems = problemsOf(() => loadConfig({ env: { LATCHKEY_AUTHORIZATION_CODE_TTL: '601' } }));
    expect(problems[0]).toMatch(/^tokens\.authorizationCodeTtl: /);
  });

  it.each([
    ['LATCHKEY_ACCESS_TOKEN_FORMAT', 'JWT', 'accessTokenFormat'],
    ['LATCHKEY_ACCESS_TOKEN_TTL_PASSWORD', '30', 'accessTokenTtlByGrant.password'],
    ['LATCHKEY_ACCESS_TOKEN_TTL_IMPLICIT', 'soon', 'accessTokenTtlByGrant.implicit'],
  ])('rejects %s=%s from the environment', (name, value, path) => {
    const problems = problemsOf(() => loadConfig({ env: { [name]: value } }));
    expect(problems[0]).toMatch(new RegExp(`^tokens\\.${path.replace('.', '\\.')}: `));
  });

  it.each([
    ['LATCHKEY_DATABASE_POOL_SIZE', '0', 'poolSize'],
    ['LATCHKEY_DATABASE_POOL_SIZE', 'many', 'poolSize'],
    ['LATCHKEY_DATABASE_CONNECT_TIMEOUT_MS', '50', 'connectTimeoutMs'],
    ['LATCHKEY_DATABASE_STATEMENT_TIMEOUT_MS', '-1', 'statementTimeoutMs'],
    ['LATCHKEY_MIGRATE_ON_START', 'sometimes', 'migrateOnStart'],
  ])('rejects %s=%s from the environment', (name, value, key) => {
    const problems = problemsOf(() => loadConfig({ env: { [name]: value } }));
    expect(problems[0]).toMatch(new RegExp(`^database\\.${key}: `));
  });

  it.each(['0', '3651', 'ninety'])('rejects the audit retention %s', (days) => {
    const problems = problemsOf(() => loadConfig({ env: { LATCHKEY_AUDIT_RETENTION_DAYS: days } }));
    expect(problems[0]).toMatch(/^audit\.retentionDays: /);
  });

  it.each([
    ['https://auth.example.com/', 'https://auth.example.com'],
    ['https://auth.example.com//', 'https://auth.example.com'],
    ['https://example.com/auth/', 'https://example.com/auth'],
    ['http://127.0.0.1:9000', 'http://127.0.0.1:9000'],
  ])('normalises the issuer %s to %s', (issuer, expected) => {
    expect(parseConfig({ issuer }).issuer).toBe(expected);
  });

  it.each([
    'https://auth.example.com/?tenant=1',
    'https://auth.example.com/#top',
    'ftp://auth.example.com',
    'auth.example.com',
    'not a url',
  ])('rejects the issuer %s', (issuer) => {
    const problems = problemsOf(() => parseConfig({ issuer }));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toMatch(/^issuer: /);
  });

  it('rejects a short admin password and an out-of-range port', () => {
    const problems = problemsOf(() => parseConfig({ admin: { password: 'short' }, port: -1 }));
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['admin.password', 'port']);
  });
});

describe('the returned config', () => {
  it('is deeply frozen', () => {
    const config = loadConfig({ env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.tokens)).toBe(true);
    expect(Object.isFrozen(config.throttle)).toBe(true);
    expect(() => {
      (config as unknown as Record<string, unknown>).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.tokens as unknown as Record<string, unknown>).accessTokenTtl = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(9000);
  });

  it('does not share state with the overrides passed in', () => {
    const overrides = { tokens: { accessTokenTtl: 120 } };
    const config = loadConfig({ env: {}, overrides });
    overrides.tokens.accessTokenTtl = 999;
    expect(config.tokens.accessTokenTtl).toBe(120);
    expect(Object.isFrozen(overrides.tokens)).toBe(false);
  });
});
