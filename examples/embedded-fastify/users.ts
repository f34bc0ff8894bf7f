/**
 * The host app's own accounts, as an existing app has them before Latchkey arrives: a users table
 * in SQLite (better-sqlite3) with scrypt password hashes, and server-side sessions keyed by a
 * random cookie value. Nothing here knows about OAuth.
 */
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';

export interface NoteUser {
  id: string;
  email: string;
  displayName: string;
}

export interface Session {
  /** An opaque id of the session, for Latchkey's `sid`: not the cookie, which is the secret. */
  sid: string;
  userId: string;
  /** When the user signed in, seconds since the epoch. */
  signedInAt: number;
}

function hash(password: string, salt = randomBytes(16).toString('base64url')): string {
  return `${salt}:${scryptSync(password, salt, 32).toString('base64url')}`;
}

function matches(stored: string, password: string): boolean {
  const [salt] = stored.split(':');
  const a = Buffer.from(stored);
  const b = Buffer.from(hash(password, salt));
  return a.length === b.length && timingSafeEqual(a, b);
}

export class UserTable {
  private readonly db: Database.Database;

  constructor(path = ':memory:') {
    this.db = new Database(path);
    this.db.exec(`create table if not exists users (
      id text primary key, email text unique not null, display_name text not null, password text not null)`);
  }

  add(email: string, displayName: string, password: string): NoteUser {
    const user = { id: randomUUID(), email, displayName };
    this.db
      .prepare('insert into users (id, email, display_name, password) values (?, ?, ?, ?)')
      .run(user.id, email, displayName, hash(password));
    return user;
  }

  find(id: string): NoteUser | null {
    const row = this.db.prepare('select id, email, display_name from users where id = ?').get(id) as
      | { id: string; email: string; display_name: string }
      | undefined;
    return row ? { id: row.id, email: row.email, displayName: row.display_name } : null;
  }

  /** The user for an email and password, or null. */
  check(email: string, password: string): NoteUser | null {
    const row = this.db.prepare('select id, password from users where email = ?').get(email) as
      | { id: string; password: string }
      | undefined;
    return row && matches(row.password, password) ? this.find(row.id) : null;
  }

  close(): void {
    this.db.close();
  }
}

/** Sessions in memory: a random id in the cookie, the session here. */
export class Sessions {
  private readonly sessions = new Map<string, Session>();

  create(userId: string): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { sid: randomUUID(), userId, signedInAt: Math.floor(Date.now() / 1000) });
    return id;
  }

  get(id: string | undefined): Session | null {
    return (id && this.sessions.get(id)) || null;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }
}
