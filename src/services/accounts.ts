/**
 * Accounts behind one interface (issue 8): the host application's AccountAdapter, or the built-in
 * users table through the very same adapter interface (`builtInAccounts`). Everything an adapter
 * answers is checked (host-answers.ts), so a host's bug becomes a logged server error or a refused
 * sign-in, never a token with a wrong subject or garbage claims.
 *
 * Sessions, grants, consents and tokens point at users.id, so a host account that signs in gets a
 * row there too (no password, no profile, marked external): its claims are always read from the
 * adapter. A host id that is a built-in user's id is refused, never adopted.
 */
import { createHmac } from 'node:crypto';
import { verifyPassword } from '../accounts/passwords.js';
import { randomToken } from '../crypto/random.js';
import type { AccountAdapter, LoginFailureReason, LoginRedirect } from '../embedding/accounts.js';
import { OAuthError } from '../protocol/errors.js';
import type { User } from '../protocol/types.js';
import type { Store } from '../store/ports.js';
import { checkCurrent, checkLoginUrl, ID_MAX, isId, isRecord, toUser } from './host-answers.js';

export { checkAccountAdapter } from './host-answers.js';

/** The sign-in a request is made under: a Latchkey session, or the host's. */
export interface SignInSession {
  /** The ID token's `sid`; null when the host has no session id. */
  sid: string | null;
  authTime: number;
  /** Digest of Latchkey's session cookie; null for a host session. */
  idDigest: string | null;
  /**
   * A host application's session (getCurrentUser). A forced sign-in is judged by its authTime
   * alone: hosts often keep their session id across a new sign-in, and may have none.
   */
  host?: true;
}

export type CredentialsCheck =
  | { user: User }
  | { failure: LoginFailureReason | 'rejected'; accountId?: string };

/** A host user who is signed in at the host but may not use apps here (unknown, disabled, clashing). */
export interface RefusedAccount {
  refused: true;
}

export interface Accounts {
  /** The built-in users table: its own pages (login, account, admin) apply. */
  readonly builtIn: boolean;
  /** The host's session says who is signed in (getCurrentUser), not Latchkey's. */
  readonly asksHost: boolean;
  find(id: string): Promise<User | null>;
  verify(username: string, password: string): Promise<CredentialsCheck>;
  /**
   * The host's signed-in user for this request (with its users row ensured); null when nobody is
   * (or the adapter does not say); refused when the host's user may not use apps here.
   */
  current(
    hostRequest: unknown,
    now: number,
  ): Promise<{ user: User; session: SignInSession } | RefusedAccount | null>;
  loginUrl(returnTo: string, context: LoginRedirect): string;
  signOut(hostRequest: unknown): Promise<void>;
  /**
   * Makes sure the users row sessions, grants and consents point at exists; a host account whose
   * id is a built-in user's is refused (403, logged) rather than given that user's grants.
   */
  ensureStored(userId: string, now: number): Promise<void>;
}

/** Where an adapter's malformed answer is reported (the server's log). */
export type AccountProblemReporter = (problem: string) => void;

const FAILURES: readonly string[] = ['unknown_user', 'wrong_password', 'disabled'];
/** The server secret the host sessions' `sid` values are keyed with. */
const SID_KEY = 'host_session_sid_key';

/** The built-in users, as an AccountAdapter: the standalone server signs in through this. */
export function builtInAccounts(store: Store): AccountAdapter {
  return {
    async findAccount(id) {
      const user = id.length <= ID_MAX ? await store.users.findById(id) : null;
      if (!user || user.disabled) return null;
      return { id: user.id, username: user.username, claims: user.profile, updatedAt: user.updatedAt };
    },
    async verifyCredentials(username, password) {
      const user = username.length <= 100 ? await store.users.findByUsername(username) : null;
      // Verified even for an unknown user (against a dummy hash) so timing does not reveal existence.
      const valid = await verifyPassword(user?.passwordHash ?? null, password);
      if (!user) return { failure: 'unknown_user' };
      if (!valid) return { failure: 'wrong_password', accountId: user.id };
      return user.disabled ? { failure: 'disabled', accountId: user.id } : user.id;
    },
  };
}

/** A host adapter's failure: a logged 500 that tells the client nothing. */
function adapterFailed(method: string, cause: unknown): OAuthError {
  return new OAuthError('server_error', undefined, {
    status: 500,
    detail: `the account adapter's ${method} failed`,
    cause,
  });
}

export const ACCOUNT_REFUSED = 'This account cannot sign in to apps.';

export function createAccounts(
  store: Store,
  adapter: AccountAdapter<never>,
  options: { builtIn: boolean; report: AccountProblemReporter },
): Accounts {
  const { builtIn, report } = options;
  // A built-in adapter's errors (a store outage) keep their own meaning; a host's are wrapped.
  const call = async <T>(method: string, run: () => T | Promise<T>): Promise<T> => {
    if (builtIn) return run();
    try {
      return await run();
    } catch (error) {
      throw adapterFailed(method, error);
    }
  };

  async function find(id: string): Promise<User | null> {
    if (!isId(id)) return null;
    return toUser(await call('findAccount', () => adapter.findAccount(id)), id, report);
  }

  /** False (and reported) when the id is a built-in user's: that row is never adopted. */
  async function storeExternal(userId: string, now: number): Promise<boolean> {
    if (builtIn || (await store.users.ensureExternal(userId, now))) return true;
    report(
      `the host account ${JSON.stringify(userId.slice(0, 50))} has the id of a built-in Latchkey user; it is refused`,
    );
    return false;
  }

  // Keyed, so a `sid` cannot be matched to a host session id by anyone without the server secret.
  let sidKey: Promise<string> | null = null;
  async function sidOf(sessionId: string, now: number): Promise<string> {
    sidKey ??= store.secrets.getOrCreate(SID_KEY, randomToken(), now);
    const key = await sidKey.catch((error: unknown) => {
      sidKey = null;
      throw error;
    });
    return createHmac('sha256', key).update(`latchkey sid|${sessionId}`).digest('base64url');
  }

  return {
    builtIn,
    asksHost: typeof adapter.getCurrentUser === 'function',
    find,
    async verify(username, password) {
      if (!adapter.verifyCredentials) return { failure: 'rejected' };
      // No account is named this long: not worth asking the adapter.
      if (username.length > ID_MAX) return { failure: 'unknown_user' };
      const result = await call('verifyCredentials', () => adapter.verifyCredentials!(username, password));
      if (result === null || result === undefined) return { failure: 'rejected' };
      if (isRecord(result) && typeof result.failure === 'string' && FAILURES.includes(result.failure)) {
        const failure = result.failure as LoginFailureReason;
        // The account the host resolved the name to: counted too, so spelling variants share a limit.
        return isId(result.accountId) ? { failure, accountId: result.accountId } : { failure };
      }
      if (!isId(result)) {
        report(
          'verifyCredentials returned neither an account id, null nor { failure }; treated as a failure',
        );
        return { failure: 'rejected' };
      }
      const user = await find(result);
      return user ? { user } : { failure: 'unknown_user', accountId: result };
    },
    async current(hostRequest, now) {
      const getCurrentUser = adapter.getCurrentUser;
      if (!getCurrentUser) return null;
      const raw = await call('getCurrentUser', () => getCurrentUser(hostRequest as never));
      if (raw === null || raw === undefined) return null;
      const current = checkCurrent(raw, now);
      const user = await find(current.accountId);
      // Signed in at the host but unknown or disabled here: sending them to log in would loop.
      if (!user || !(await storeExternal(user.id, now))) return { refused: true };
      const sid = current.sessionId === undefined ? null : await sidOf(current.sessionId, now);
      return { user, session: { sid, authTime: current.authTime, idDigest: null, host: true } };
    },
    loginUrl(returnTo, context) {
      return checkLoginUrl(adapter.loginUrl?.(returnTo, context));
    },
    async signOut(hostRequest) {
      const signOut = adapter.signOut;
      if (signOut) await call('signOut', () => signOut(hostRequest as never));
    },
    async ensureStored(userId, now) {
      if (!(await storeExternal(userId, now)))
        throw new OAuthError('access_denied', ACCOUNT_REFUSED, {
          status: 403,
          detail: 'the host account id is a built-in user’s id',
        });
    },
  };
}

const builtInByStore = new WeakMap<Store, Accounts>();

/** The built-in accounts for deps made without extensions (tests, the CLI). */
export function defaultAccounts(store: Store): Accounts {
  let accounts = builtInByStore.get(store);
  if (!accounts) {
    accounts = createAccounts(store, builtInAccounts(store), { builtIn: true, report: () => {} });
    builtInByStore.set(store, accounts);
  }
  return accounts;
}
