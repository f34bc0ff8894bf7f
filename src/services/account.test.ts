import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { hashPassword } from '../accounts/passwords.js';
import { parseConfig } from '../config/load.js';
import { fakeClock } from '../protocol/clock.js';
import { openStore } from '../store/kysely/index.js';
import {
  changePassword,
  PASSWORD_RULES,
  PASSWORD_UNCHANGED,
  PASSWORDS_DIFFER,
  selfActor,
  WRONG_CURRENT_PASSWORD,
} from './account.js';
import { listAudit } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { currentSession, type SignedIn, signIn, verifyCredentials } from './login.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-account-service-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
let deps: ServiceDeps & { clock: ReturnType<typeof fakeClock> };
const OLD = 'old password 1';
const NEW = 'new password 2';
const WHERE = { ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (X11) Test' };

beforeEach(async () => {
  const url = await freshDatabaseUrl(root, `account-${++files}`);
  const { store } = await openStore(url);
  deps = {
    store,
    clock: fakeClock(),
    config: parseConfig({ databaseUrl: url, throttle: { maxFailuresPerAccount: 3 } }),
  };
  await store.users.create({
    id: 'alice-id',
    username: 'alice',
    passwordHash: await hashPassword(OLD),
    disabled: false,
    profile: {},
    updatedAt: 0,
    createdAt: 0,
  });
});
afterEach(() => deps.store.close());

const signInAlice = async (password = OLD) =>
  (await signIn(deps, { username: 'alice', password, ...WHERE })) as {
    sessionId: string;
    signedIn: SignedIn;
  };

const events = async (action: string) => (await listAudit(deps, { action })).events;

describe('sign-in auditing', () => {
  it('records a success with IP, user agent and session id, in the session’s transaction', async () => {
    const { signedIn } = await signInAlice();
    const [event] = await events('login.success');
    expect(event).toMatchObject({
      actorType: 'user',
      actorId: 'alice-id',
      targetType: 'user',
      targetId: 'alice-id',
      ip: WHERE.ip,
      userAgent: WHERE.userAgent,
      details: { username: 'alice', sid: signedIn.session.sid },
    });
  });

  it('records failures with the reason, never the password; an unknown user by the name tried, cut', async () => {
    await expect(signIn(deps, { username: 'alice', password: 'guess', ...WHERE })).rejects.toThrow();
    deps.clock.advance(1);
    await expect(
      signIn(deps, { username: `mallory${'x'.repeat(200)}`, password: 'guess', ...WHERE }),
    ).rejects.toThrow();
    deps.clock.advance(1);
    await expect(
      verifyCredentials(deps, { username: 'alice', password: 'guess2', ip: WHERE.ip, clientId: 'cli' }),
    ).rejects.toThrow();
    const failures = await events('login.failure');
    expect(failures.map((e) => [e.targetId, e.details.reason, e.details.method ?? 'page'])).toEqual([
      ['alice-id', 'wrong_password', 'password_grant'],
      [null, 'unknown_user', 'page'],
      ['alice-id', 'wrong_password', 'page'],
    ]);
    expect(failures[1]).toMatchObject({ actorType: 'anonymous', actorId: null });
    expect(failures[1]!.details.username).toBe(`mallory${'x'.repeat(93)}`);
    expect(JSON.stringify(failures)).not.toMatch(/guess/);
  });

  it('records a throttled attempt as such', async () => {
    for (let i = 0; i < 4; i++)
      await expect(signIn(deps, { username: 'alice', password: 'no', ...WHERE })).rejects.toThrow();
    const reasons = (await events('login.failure')).map((e) => e.details.reason);
    expect(reasons.sort()).toEqual(['throttled', 'wrong_password', 'wrong_password', 'wrong_password']);
  });
});

describe('changePassword', () => {
  it('refuses a wrong current password, mismatched or bad new ones, and changes nothing', async () => {
    const { signedIn } = await signInAlice();
    const actor = selfActor(signedIn, WHERE);
    const attempt = (current: string, next: string, confirm = next) =>
      changePassword(deps, signedIn, { current, next, confirm }, actor);
    await expect(attempt('wrong', NEW)).rejects.toMatchObject({
      code: 'invalid_request',
      description: WRONG_CURRENT_PASSWORD,
    });
    await expect(attempt(OLD, NEW, `${NEW}!`)).rejects.toMatchObject({ description: PASSWORDS_DIFFER });
    await expect(attempt(OLD, 'short')).rejects.toMatchObject({ description: PASSWORD_RULES });
    await expect(attempt(OLD, 'x'.repeat(1025))).rejects.toMatchObject({ description: PASSWORD_RULES });
    await expect(attempt(OLD, OLD)).rejects.toMatchObject({ description: PASSWORD_UNCHANGED });
    await expect(
      verifyCredentials(deps, { username: 'alice', password: OLD, ip: '::1' }),
    ).resolves.toBeTruthy();
    expect(await events('password.changed')).toEqual([]);
  });

  it('stores the new password, keeps this session, ends the others, and records it without secrets', async () => {
    const here = await signInAlice();
    const elsewhere = await signInAlice();
    await changePassword(
      deps,
      here.signedIn,
      { current: OLD, next: NEW, confirm: NEW },
      selfActor(here.signedIn, WHERE),
    );
    expect(await currentSession(deps, here.sessionId)).not.toBeNull();
    expect(await currentSession(deps, elsewhere.sessionId)).toBeNull();
    await expect(
      verifyCredentials(deps, { username: 'alice', password: NEW, ip: '::1' }),
    ).resolves.toBeTruthy();
    await expect(verifyCredentials(deps, { username: 'alice', password: OLD, ip: '::1' })).rejects.toThrow();
    const [event] = await events('password.changed');
    expect(event).toMatchObject({
      actorId: 'alice-id',
      targetId: 'alice-id',
      ip: WHERE.ip,
      userAgent: WHERE.userAgent,
    });
    expect(JSON.stringify(event)).not.toMatch(/password 1|password 2|argon2/);
  });

  it('throttles guesses at the current password per account', async () => {
    const { signedIn } = await signInAlice();
    const guess = () =>
      changePassword(
        deps,
        signedIn,
        { current: 'guess', next: NEW, confirm: NEW },
        selfActor(signedIn, WHERE),
      );
    for (let i = 0; i < 3; i++) await expect(guess()).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(guess()).rejects.toMatchObject({ code: 'too_many_requests', status: 429 });
    // Even the right password waits out the window.
    await expect(
      changePassword(deps, signedIn, { current: OLD, next: NEW, confirm: NEW }, selfActor(signedIn, WHERE)),
    ).rejects.toMatchObject({ code: 'too_many_requests' });
    deps.clock.advance(deps.config.throttle.window);
    await changePassword(
      deps,
      signedIn,
      { current: OLD, next: NEW, confirm: NEW },
      selfActor(signedIn, WHERE),
    );
  });
});
