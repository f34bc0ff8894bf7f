/**
 * Growth: token and introspection latency at a modest fixed rate with a small and a large number
 * of tokens already stored. The stored tokens are written straight into the `tokens` table in one
 * transaction before the server starts (issuing a million through HTTP would take minutes), in
 * the shape Latchkey writes them: the base64url SHA-256 digest of a random 256-bit token
 * (src/crypto/digest.ts), kind 'access', the bench client's id, times in epoch seconds
 * (src/store/kysely/mappers.ts). Introspection cycles through tokens from that fill, so its lookups
 * land all over the primary-key index rather than on one cached page.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { removeDir, tempDir } from './children.mjs';
import { prepareLatchkey } from './latchkey-setup.mjs';
import { runRow } from './row.mjs';
import { introspectionTarget, startLatchkey, tokenTarget } from './scenarios-latchkey.mjs';

const KEPT = 1000;
const BATCH = 10_000;

/** Inserts `count` access tokens for `clientId`; returns the plaintext of KEPT of them, spread out. */
export function fillTokens(dbPath, clientId, count) {
  const db = new Database(dbPath);
  try {
    // Only the fill is relaxed: the server reopens the file with its own durable settings.
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const insert = db.prepare(
      `INSERT INTO tokens (token_digest, kind, grant_id, client_id, user_id, scope, created_at, expires_at, consumed_at, revoked_at)
       VALUES (?, 'access', NULL, ?, NULL, 'api:read', ?, ?, NULL, NULL)`,
    );
    const now = Math.floor(Date.now() / 1000);
    const expires = now + 30 * 86_400;
    const every = Math.max(1, Math.floor(count / KEPT));
    const kept = [];
    const digests = new Array(count);
    for (let done = 0; done < count; done += BATCH) {
      const n = Math.min(BATCH, count - done);
      const random = randomBytes(32 * n);
      for (let i = 0; i < n; i++) {
        const token = random.subarray(32 * i, 32 * i + 32).toString('base64url');
        digests[done + i] = createHash('sha256').update(token).digest('base64url');
        if ((done + i) % every === 0 && kept.length < KEPT) kept.push(token);
      }
    }
    // In key order the primary-key index is appended to rather than split at random: ~10× faster.
    digests.sort();
    const fill = db.transaction(() => {
      for (const tokenDigest of digests) insert.run(tokenDigest, clientId, now, expires);
    });
    fill();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return kept;
  } finally {
    db.close();
  }
}

/** Introspection of the stored tokens in turn, one per request. */
function cyclingIntrospection(url, client, tokens) {
  let next = 0;
  return {
    ...introspectionTarget(url, client, tokens[0]),
    nextBody: () => new URLSearchParams({ token: tokens[next++ % tokens.length] }).toString(),
  };
}

export async function growth({ growthSizes, growthRate, duration, warmup }, log) {
  const rows = [];
  const settings = { duration, warmup, rate: growthRate };
  for (const stored of growthSizes) {
    const dir = tempDir('growth');
    try {
      const dbPath = join(dir, 'growth.db');
      const databaseUrl = `sqlite:${dbPath}`;
      const meta = (scenario) => ({
        server: 'Latchkey (SQLite)',
        key: 'growth',
        unit: 'req/s',
        scenario,
        stored,
      });
      let tokens;
      let cc;
      const fillStarted = performance.now();
      try {
        cc = (await prepareLatchkey(databaseUrl, { clients: ['cc'] })).clients.cc;
        tokens = fillTokens(dbPath, cc.clientId, stored);
      } catch (error) {
        const failed = `fill: ${error?.message ?? error}`.slice(0, 200);
        rows.push({ ...meta('client credentials'), failed }, { ...meta('introspection'), failed });
        continue;
      }
      process.stderr.write(
        `  stored ${stored.toLocaleString('en-US')} tokens in ${Math.round(performance.now() - fillStarted)} ms\n`,
      );
      rows.push(
        await runRow(
          meta('client credentials'),
          async (started) => {
            const lk = await startLatchkey(databaseUrl, started);
            return { measured: lk, target: tokenTarget(`${lk.issuer}/oauth/token`, cc) };
          },
          settings,
          log,
        ),
        await runRow(
          meta('introspection'),
          async (started) => {
            const lk = await startLatchkey(databaseUrl, started);
            return {
              measured: lk,
              target: cyclingIntrospection(`${lk.issuer}/oauth/introspect`, cc, tokens),
            };
          },
          settings,
          log,
        ),
      );
    } finally {
      removeDir(dir);
    }
  }
  return { rate: growthRate, rows };
}
