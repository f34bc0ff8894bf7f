/** User accounts: creation and the first-start admin. */
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../accounts/passwords.js';
import { randomId, randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import type { User } from '../protocol/types.js';
import { DuplicateKeyError } from '../store/ports.js';
import type { ServiceDeps } from './deps.js';

// Printable, no spaces or control characters: user names appear in pages, logs and tokens.
const USERNAME = /^[^\s\p{C}]{1,100}$/u;

export function checkUsername(username: unknown): string {
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    throw new OAuthError(
      'invalid_request',
      'username must be 1-100 characters without spaces or control characters',
    );
  }
  return username;
}

export function checkPassword(password: unknown): string {
  if (
    typeof password !== 'string' ||
    password.length < PASSWORD_MIN_LENGTH ||
    password.length > PASSWORD_MAX_LENGTH
  ) {
    throw new OAuthError(
      'invalid_request',
      `password must be ${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters`,
    );
  }
  return password;
}

export async function createUser(
  deps: ServiceDeps,
  input: { username: string; password: string },
): Promise<User> {
  const username = checkUsername(input.username);
  const password = checkPassword(input.password);
  const taken = () => new OAuthError('invalid_request', `A user named ${username} already exists`);
  // The lookup spares an argon2 hash in the common case; the unique insert decides a race.
  if (await deps.store.users.findByUsername(username)) throw taken();
  const user = { id: randomId(), username, disabled: false, createdAt: deps.clock.now() };
  try {
    await deps.store.users.create({ ...user, passwordHash: await hashPassword(password) });
  } catch (error) {
    throw error instanceof DuplicateKeyError ? taken() : error;
  }
  return user;
}

/**
 * On the first start with an empty database, creates the admin account. Returns the generated
 * password (to be printed once) when none was configured, null when it was, undefined when there
 * were users already.
 */
export async function ensureAdminUser(
  deps: ServiceDeps,
): Promise<{ username: string; password: string | null } | undefined> {
  if ((await deps.store.users.count()) > 0) return undefined;
  const configured = deps.config.admin.password;
  const password = configured ?? randomToken(12);
  await createUser(deps, { username: deps.config.admin.username, password });
  return { username: deps.config.admin.username, password: configured ? null : password };
}
