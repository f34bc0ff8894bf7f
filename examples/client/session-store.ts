/**
 * Server-side sessions in SQLite.
 *
 * The browser only ever holds a random 32-byte id; the PKCE verifier, the state and the tokens
 * stay on the server, so a stolen or logged cookie value never reveals a token. better-sqlite3 is
 * used directly (no ORM) because this is an example a reader should be able to follow in one file.
 */

import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

/** A login started at /login and not yet completed at /callback. */
export interface PendingLogin {
  state: string;
  codeVerifier: string;
  /** Sent with the openid scope; the ID token must carry it back (OIDC Core §3.1.2.1). */
  nonce?: string;
  /** Epoch ms after which /callback no longer accepts this login. */
  expiresAt: number;
}

/** What the token endpoint gave us, in our own camelCase shape. */
export interface StoredTokens {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  scope?: string;
  /** Epoch ms, from expires_in; absent when the server did not say. */
  expiresAt?: number;
}

/** The ID token of the sign-in, validated by openid-client before it was stored. */
export interface IdToken {
  /** The JWT as received: sent back as id_token_hint when logging out at Latchkey. */
  raw: string;
  /** Its payload (iss, sub, aud, exp, iat, auth_time, nonce, sid …). */
  claims: Record<string, unknown> & { sub: string };
}

export interface SessionData {
  /** Per-session token for the POST forms (logout). */
  csrf: string;
  login?: PendingLogin;
  tokens?: StoredTokens;
  /** Present after an OpenID Connect sign-in (the openid scope). */
  idToken?: IdToken;
}

export interface Session {
  id: string;
  data: SessionData;
  expiresAt: number;
}

export interface SessionStore {
  /** Creates and persists a new empty session with a fresh id and CSRF token. */
  create(): Session;
  /** The live session for this id, or undefined when it is unknown, malformed or expired. */
  get(id: string | undefined): Session | undefined;
  /** Replaces the session's data; its expiry is unchanged (sessions have an absolute lifetime). */
  save(session: Session): void;
  destroy(id: string): void;
  close(): void;
}

export interface SessionStoreOptions {
  /** SQLite file path, or ':memory:'. */
  path: string;
  /** Session lifetime in ms. */
  ttlMs?: number;
  now?: () => number;
}

export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

// 32 random bytes in base64url are exactly 43 characters. Checking the shape first means a
// tampered or garbage cookie never reaches the database and never causes an error.
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID_PATTERN.test(value);
}

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  const now = options.now ?? Date.now;
  const db = new Database(options.path);
  // WAL lets reads proceed during a write; NORMAL is durable enough for sessions (a crash loses at
  // most the last few logins, never corrupts the file).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);`);

  const insert = db.prepare('INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?)');
  const select = db.prepare<[string, number], { data: string; expires_at: number }>(
    'SELECT data, expires_at FROM sessions WHERE id = ? AND expires_at > ?',
  );
  const update = db.prepare('UPDATE sessions SET data = ? WHERE id = ? AND expires_at > ?');
  const remove = db.prepare('DELETE FROM sessions WHERE id = ?');
  const sweep = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');

  return {
    create() {
      const at = now();
      // Sweeping on create keeps the table bounded without a timer; it is one indexed DELETE.
      sweep.run(at);
      const session: Session = { id: randomToken(), data: { csrf: randomToken() }, expiresAt: at + ttlMs };
      insert.run(session.id, JSON.stringify(session.data), session.expiresAt);
      return session;
    },

    get(id) {
      if (!isSessionId(id)) return undefined;
      const row = select.get(id, now());
      if (!row) return undefined;
      const data = parseData(row.data);
      if (!data) {
        remove.run(id);
        return undefined;
      }
      return { id, data, expiresAt: row.expires_at };
    },

    save(session) {
      update.run(JSON.stringify(session.data), session.id, now());
    },

    destroy(id) {
      if (isSessionId(id)) remove.run(id);
    },

    close() {
      db.close();
    },
  };
}

// A row written by an older version of this app (or edited by hand) must not crash a request.
function parseData(text: string): SessionData | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && typeof (value as SessionData).csrf === 'string') {
      return value as SessionData;
    }
  } catch {
    // fall through
  }
  return undefined;
}
