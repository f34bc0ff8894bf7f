/** JWT signing keys (see ports.ts SigningKeys and migrations/0004-signing-keys.ts). */
import type { Kysely } from 'kysely';
import { isSigningAlgorithm, type JWK } from '../../crypto/keys.js';
import type { SigningKeyRecord, SigningKeys, UnreadableSigningKey } from '../ports.js';
import { uniqueInsert } from './errors.js';
import type { Database, SigningKeysTable } from './schema.js';

const numOrNull = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

/** A JWK column parsed, or why it could not be (without echoing its content: it may be a private key). */
function parseJwk(column: string, text: string): JWK | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `${column} is not valid JSON`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `${column} is not a JSON object`;
  if (typeof (value as JWK).kty !== 'string') return `${column} has no "kty"`;
  // Caught here rather than as a failed signature on the token endpoint's hot path.
  if (column === 'private_jwk' && typeof (value as JWK).d !== 'string') return `${column} has no "d"`;
  return value as JWK;
}

/**
 * A row as a key, or as an unreadable one: a corrupted row must not take the server down with a
 * parse error when the other keys are fine, so it is set apart for the caller to report.
 */
export function toSigningKey(row: SigningKeysTable): SigningKeyRecord | UnreadableSigningKey {
  const times = {
    createdAt: Number(row.created_at),
    activatedAt: Number(row.activated_at),
    retireAt: numOrNull(row.retire_at),
  };
  const privateJwk = parseJwk('private_jwk', row.private_jwk);
  const publicJwk = parseJwk('public_jwk', row.public_jwk);
  const problems = [privateJwk, publicJwk].filter((v): v is string => typeof v === 'string');
  if (!isSigningAlgorithm(row.alg)) problems.unshift(`alg ${JSON.stringify(row.alg)} is not supported`);
  if (problems.length > 0) return { kid: row.kid, alg: row.alg, ...times, problem: problems.join('; ') };
  return {
    kid: row.kid,
    alg: row.alg as SigningKeyRecord['alg'],
    privateJwk: privateJwk as JWK,
    publicJwk: publicJwk as JWK,
    ...times,
  };
}

export function fromSigningKey(key: SigningKeyRecord): SigningKeysTable {
  return {
    kid: key.kid,
    alg: key.alg,
    private_jwk: JSON.stringify(key.privateJwk),
    public_jwk: JSON.stringify(key.publicJwk),
    created_at: key.createdAt,
    activated_at: key.activatedAt,
    retire_at: key.retireAt,
  };
}

export function keysRepository(db: Kysely<Database>): SigningKeys {
  return {
    async list() {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .orderBy('created_at')
        .orderBy('kid')
        .execute();
      const keys: SigningKeyRecord[] = [];
      const unreadable: UnreadableSigningKey[] = [];
      for (const row of rows) {
        const key = toSigningKey(row);
        if ('problem' in key) unreadable.push(key);
        else keys.push(key);
      }
      return { keys, unreadable };
    },
    async insert(key) {
      await uniqueInsert(() =>
        db
          .insertInto('signing_keys')
          .values({ ...fromSigningKey(key), retire_at: null })
          .execute(),
      );
    },
    async rotate(alg, newKey, retireAt) {
      return uniqueInsert(() =>
        db.transaction().execute(async (trx) => {
          // The old key first: it frees the alg's one place for a key that is not being retired.
          const retiring = await trx
            .updateTable('signing_keys')
            .set({ retire_at: retireAt })
            .where('alg', '=', alg)
            .where('retire_at', 'is', null)
            .returning('kid')
            .execute();
          await trx
            .insertInto('signing_keys')
            .values({ ...fromSigningKey(newKey), retire_at: null })
            .execute();
          return retiring.map((r) => r.kid);
        }),
      );
    },
    async retire(kid, now) {
      const result = await db
        .updateTable('signing_keys')
        .set({ retire_at: now })
        .where('kid', '=', kid)
        .where((eb) => eb.or([eb('retire_at', 'is', null), eb('retire_at', '>', now)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async purgeRetired(now) {
      const result = await db.deleteFrom('signing_keys').where('retire_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
