/**
 * User accounts: creation, their OpenID Connect claims, the admin flag, disabling, passwords, and
 * the first-start admin. The CLI, the admin API and the programmatic API all call these; every
 * change an administrator makes is recorded in the audit log in the same transaction.
 */
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../accounts/passwords.js';
import { randomId, randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import {
  applyProfileUpdate,
  parseProfileInput,
  parseProfileUpdate,
  type StandardClaimsUpdate,
} from '../protocol/oidc-core/standard-claims.js';
import type { StandardClaims, User } from '../protocol/types.js';
import { DuplicateKeyError, type UserChange, type UserRecord } from '../store/ports.js';
import { changedFields } from './admin-changes.js';
import { fetchPage, type Page, type PageQuery } from './admin-paging.js';
import { type AuditActor, auditEvent, SYSTEM_ACTOR } from './audit.js';
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

function checkFlag(name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new OAuthError('invalid_request', `${name} must be true or false`);
  }
  return value;
}

export interface NewUser {
  username: string;
  password: string;
  /** OIDC standard claims (OIDC Core §5.1), checked by parseProfileInput. */
  profile?: StandardClaims;
  /** May use the admin API and console. */
  isAdmin?: boolean;
}

/** Which user: by id (the admin API) or by user name (the CLI). */
export type UserRef = { id: string } | { username: string };

/** The account without its password hash. */
export function publicUser({ passwordHash: _, ...user }: UserRecord): User {
  return { ...user, isAdmin: user.isAdmin === true };
}

/** What the audit log shows of a user: never the password hash. */
const auditView = (user: User) => ({
  username: user.username,
  is_admin: user.isAdmin === true,
  disabled: user.disabled,
  profile: user.profile,
});

export async function createUser(
  deps: ServiceDeps,
  input: NewUser,
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<User> {
  const username = checkUsername(input.username);
  const password = checkPassword(input.password);
  const isAdmin = checkFlag('is_admin', input.isAdmin) ?? false;
  // Checked before anything is hashed or written: a bad claim leaves no account behind.
  const profile = parseProfileInput(input.profile);
  const taken = () =>
    new OAuthError('invalid_request', `username ${username} already exists`, { status: 409 });
  // The lookup spares an argon2 hash in the common case; the unique insert decides a race.
  if (await deps.store.users.findByUsername(username)) throw taken();
  const now = deps.clock.now();
  const user: User = {
    id: randomId(),
    username,
    disabled: false,
    isAdmin,
    profile,
    updatedAt: now,
    createdAt: now,
  };
  const audit = auditEvent(deps, {
    actor,
    action: 'admin.user.created',
    target: { type: 'user', id: user.id },
    details: { after: auditView(user) },
  });
  try {
    await deps.store.users.create({ ...user, passwordHash: await hashPassword(password) }, audit);
  } catch (error) {
    throw error instanceof DuplicateKeyError ? taken() : error;
  }
  return user;
}

const noSuchUser = (ref: UserRef) =>
  new OAuthError(
    'not_found',
    'id' in ref ? `No user with id ${ref.id.slice(0, 100)}` : `No user named ${ref.username.slice(0, 100)}`,
  );

async function findUser(deps: ServiceDeps, ref: UserRef): Promise<UserRecord> {
  const record =
    'id' in ref
      ? await deps.store.users.findById(ref.id)
      : await deps.store.users.findByUsername(ref.username);
  if (!record) throw noSuchUser(ref);
  return record;
}

/** The account without its password hash, for display; not_found when there is none. */
export async function getUser(deps: ServiceDeps, ref: UserRef | string): Promise<User> {
  return publicUser(await findUser(deps, typeof ref === 'string' ? { username: ref } : ref));
}

/** Users in user-name order; `search` matches part of the user name. */
export async function listUsers(deps: ServiceDeps, query: PageQuery = {}): Promise<Page<User>> {
  const page = await fetchPage(
    query,
    (filter) => deps.store.users.list(filter),
    (user) => user.username,
  );
  return { ...page, items: page.items.map(publicUser) };
}

export interface UserUpdate {
  /** Claims to change (see updateUserProfile); absent: the profile stays. */
  profile?: StandardClaimsUpdate;
  isAdmin?: boolean;
  /** true: also ends every session and revokes every grant and token of the user. */
  disabled?: boolean;
}

/**
 * Changes a user's claims, admin flag and disabled state at once: nothing is written unless the
 * whole change is valid, and the change and its audit event commit together.
 *
 * The profile is read, merged and written: two administrators editing the same user's claims at
 * the same moment can lose one edit, as with any form.
 */
export async function updateUser(
  deps: ServiceDeps,
  ref: UserRef,
  update: UserUpdate,
  actor: AuditActor,
  action = 'admin.user.updated',
): Promise<User> {
  if (!update || typeof update !== 'object' || Array.isArray(update))
    throw new OAuthError('invalid_request', 'The change must be an object');
  const isAdmin = checkFlag('is_admin', update.isAdmin);
  const disabled = checkFlag('disabled', update.disabled);
  const profileUpdate = update.profile === undefined ? undefined : parseProfileUpdate(update.profile);
  const current = publicUser(await findUser(deps, ref));
  // The console must not lock out the administrator using it; another admin or the CLI can.
  if (actor.type === 'user' && actor.id === current.id && (isAdmin === false || disabled === true)) {
    throw new OAuthError(
      'invalid_request',
      `${isAdmin === false ? 'is_admin' : 'disabled'}: you cannot remove your own admin access`,
    );
  }
  const change: UserChange = {
    ...(profileUpdate && { profile: applyProfileUpdate(current.profile, profileUpdate) }),
    ...(isAdmin !== undefined && isAdmin !== current.isAdmin && { isAdmin }),
    ...(disabled !== undefined && disabled !== current.disabled && { disabled }),
  };
  const now = deps.clock.now();
  const after: User = { ...current, ...change, ...(change.profile && { updatedAt: now }) };
  const changes = changedFields(auditView(current), auditView(after));
  if (Object.keys(changes.after).length === 0) return current;
  const audit = auditEvent(deps, {
    actor,
    action,
    target: { type: 'user', id: current.id },
    details: changes,
  });
  const stored = await deps.store.users.update(current.id, change, now, audit);
  if (!stored) throw noSuchUser(ref);
  return publicUser(stored);
}

/**
 * Changes some of a user's claims: each given claim replaces the stored one, null or "" removes
 * it, the others stay (address fields likewise, one by one). `updated_at` becomes now.
 */
export function updateUserProfile(
  deps: ServiceDeps,
  username: string,
  change: StandardClaimsUpdate,
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<User> {
  return updateUser(deps, { username }, { profile: change }, actor);
}

/** Disables the account: it can no longer sign in, and every session, grant and token ends now. */
export function disableUser(deps: ServiceDeps, ref: UserRef, actor: AuditActor): Promise<User> {
  return updateUser(deps, ref, { disabled: true }, actor, 'admin.user.disabled');
}

/** Sets a new password and signs the user out everywhere (their sessions end). */
export async function setUserPassword(
  deps: ServiceDeps,
  ref: UserRef,
  password: string,
  actor: AuditActor,
): Promise<void> {
  checkPassword(password);
  const user = await findUser(deps, ref);
  const audit = auditEvent(deps, {
    actor,
    action: 'admin.user.password_set',
    target: { type: 'user', id: user.id },
  });
  const passwordHash = await hashPassword(password);
  if (!(await deps.store.users.setPasswordHash(user.id, passwordHash, { audit }))) throw noSuchUser(ref);
}

/**
 * On the first start with an empty database, creates the admin account. Returns the generated
 * password (to be printed once) when none was configured, null when it was, undefined when there
 * were users already.
 */
export async function ensureAdminUser(
  deps: ServiceDeps,
  options: { profile?: StandardClaims } = {},
): Promise<{ username: string; password: string | null } | undefined> {
  if ((await deps.store.users.count()) > 0) return undefined;
  const configured = deps.config.admin.password;
  const password = configured ?? randomToken(12);
  await createUser(deps, {
    username: deps.config.admin.username,
    password,
    profile: options.profile,
    isAdmin: true,
  });
  return { username: deps.config.admin.username, password: configured ? null : password };
}
