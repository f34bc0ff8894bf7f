/**
 * The admin console over real HTTP: only admins get in (others get a 403 page, strangers the
 * login page); a post without the CSRF token changes nothing; a new client's secret is shown once
 * and works at /oauth/token; a bad redirect URI re-renders the form with the service's message;
 * deleting, rotating, disabling, the admin flag and revoking a client's grants wait for their
 * confirmation page's post; a disabled user cannot sign in; a bad profile value comes back on the
 * form with the service's message.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken, type Page, TestBrowser } from '../helpers/browser.js';
import {
  callApi,
  countRows,
  expectErrorPage,
  expectNoServerErrors,
  watchStatuses,
} from '../helpers/negative.js';
import { createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { clientCredentialsToken } from './admin-api-helpers.js';

let t: TestServer;
let restoreFetch: () => void;
let admin: TestBrowser;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  await t.server.createUser({ username: 'root', password: PASSWORD, isAdmin: true });
  for (const name of ['bob', 'carol']) await createUser(t, name);
  admin = await signedIn('root');
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

const at = (path: string) => `${t.url}${path}`;

async function signIn(browser: TestBrowser, username: string, password = PASSWORD): Promise<Page> {
  const login = await browser.get(at('/login'));
  return browser.post(at('/login'), { csrf_token: csrfToken(login.text), username, password });
}

async function signedIn(username: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const done = await signIn(browser, username);
  if (done.status !== 303) throw new Error(`sign-in failed: ${done.status}`);
  return browser;
}

/** Posts `form` with the CSRF token read from the page at `from` (as a person's browser would). */
async function postFrom(
  browser: TestBrowser,
  from: string,
  to: string,
  form: Record<string, string | string[]>,
) {
  const page = await browser.get(at(from));
  const body = new URLSearchParams({ csrf_token: csrfToken(page.text) });
  for (const [name, value] of Object.entries(form))
    for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  return postRaw(browser, to, body);
}

/**
 * TestBrowser.post takes one value a field; checkboxes repeat theirs, so this posts the raw form
 * with the browser's two cookies (a post sets none the test needs afterwards).
 */
async function postRaw(browser: TestBrowser, to: string, body: URLSearchParams): Promise<Page> {
  const cookie = ['lk_session', 'lk_browser']
    .map((name) => `${name}=${browser.cookie(name) ?? ''}`)
    .join('; ');
  const response = await fetch(at(to), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: body.toString(),
    redirect: 'manual',
  });
  return {
    status: response.status,
    headers: response.headers,
    location: response.headers.get('location'),
    text: await response.text(),
    url: at(to),
  };
}

const inputValue = (html: string, id: string) => new RegExp(`id="${id}"[^>]*value="([^"]*)"`).exec(html)?.[1];
const clientCount = () => countRows(t, 'clients');

const NEW_CLIENT = {
  client_name: 'Billing',
  redirect_uris: 'https://billing.example.com/callback\nhttp://127.0.0.1:5999/callback',
  scope: 'openid profile',
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  client_type: 'confidential',
  require_pkce: 'on',
};

describe('who gets in', () => {
  it('sends a stranger to /login', async () => {
    const page = await new TestBrowser().get(at('/admin/clients'));
    expect({ status: page.status, location: page.location }).toEqual({ status: 302, location: '/login' });
  });

  it('shows a non-admin a 403 page, and refuses their posts without changing anything', async () => {
    const bob = await signedIn('bob');
    for (const path of ['/admin', '/admin/clients', '/admin/users', '/admin/keys', '/admin/audit']) {
      expectErrorPage(await bob.get(at(path)), 403);
    }
    const before = await clientCount();
    const account = await bob.get(at('/account'));
    const refused = await bob.post(at('/admin/clients'), {
      csrf_token: csrfToken(account.text),
      client_name: 'Sneaky',
      redirect_uris: 'https://sneaky.example.com/cb',
    });
    expectErrorPage(refused, 403);
    expect(await clientCount()).toBe(before);
  });

  it('shows an admin the console with its nav', async () => {
    const page = await admin.get(at('/admin'));
    expect(page.status).toBe(200);
    for (const href of ['/admin/clients', '/admin/users', '/admin/keys', '/admin/audit'])
      expect(page.text).toContain(`href="${href}"`);
    expect(page.headers.get('content-security-policy')).not.toContain('script-src');
  });
});

describe('clients', () => {
  it('refuses a post without the CSRF token and creates nothing', async () => {
    const before = await clientCount();
    const page = await admin.post(at('/admin/clients'), {
      client_name: 'No token',
      redirect_uris: 'https://x.example/cb',
    });
    expectErrorPage(page, 403);
    expect(await clientCount()).toBe(before);
  });

  it('creates a client, shows its secret once, and the secret works at /oauth/token', async () => {
    const page = await postFrom(admin, '/admin/clients/new', '/admin/clients', NEW_CLIENT);
    expect(page.status).toBe(200);
    const clientId = inputValue(page.text, 'client_id')!;
    const clientSecret = inputValue(page.text, 'client_secret')!;
    expect(clientId).toBeTruthy();
    expect(clientSecret.length).toBeGreaterThan(30);
    // The copy button's script is admitted on this page only, from our own origin.
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).toContain('<script src="/assets/copy.js" defer></script>');
    expect(await clientCredentialsToken(t, { clientId, clientSecret })).toBeTruthy();

    const detail = await admin.get(at(`/admin/client/${clientId}`));
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('Billing');
    expect(detail.text).not.toContain(clientSecret);
    const stored = await t.server.store.clients.findById(clientId);
    expect(stored).toMatchObject({ clientName: 'Billing', scope: ['openid', 'profile'], requirePkce: true });
    expect(stored?.redirectUris).toEqual([
      'https://billing.example.com/callback',
      'http://127.0.0.1:5999/callback',
    ]);
  });

  it('re-renders the form with the error for a bad redirect URI, keeping what was typed', async () => {
    const before = await clientCount();
    for (const uri of ['javascript:alert(1)', 'https://app.example.com/cb#fragment']) {
      const page = await postFrom(admin, '/admin/clients/new', '/admin/clients', {
        ...NEW_CLIENT,
        client_name: 'Bad <b>app</b>',
        redirect_uris: uri,
      });
      expect(page.status).toBe(400);
      expect(page.text).toContain('role="alert"');
      expect(page.text).toContain('redirect_uris[0]');
      expect(page.text).toContain('value="Bad &lt;b&gt;app&lt;/b&gt;"');
    }
    expect(await clientCount()).toBe(before);
  });

  it('edits a client, and refuses an edit the registration rules refuse', async () => {
    const { client } = await t.server.registerClient({
      client_name: 'Old name',
      redirect_uris: ['https://e.example/cb'],
    });
    const path = `/admin/client/${client.clientId}`;
    const form = {
      client_name: 'New name',
      redirect_uris: 'https://e.example/cb',
      scope: 'profile',
      grant_types: ['authorization_code'],
    };
    const saved = await postFrom(admin, path, path, form);
    expect({ status: saved.status, location: saved.location }).toEqual({
      status: 303,
      location: `${path}?done=saved`,
    });
    expect((await t.server.store.clients.findById(client.clientId))?.clientName).toBe('New name');
    const refused = await postFrom(admin, path, path, {
      ...form,
      client_name: 'Newer',
      redirect_uris: 'javascript:alert(1)',
    });
    expect(refused.status).toBe(400);
    expect((await t.server.store.clients.findById(client.clientId))?.clientName).toBe('New name');
  });

  it('deletes only after the confirmation page posts', async () => {
    const { client } = await t.server.registerClient({
      client_name: 'Doomed',
      redirect_uris: ['https://d.example/cb'],
    });
    const confirm = await admin.get(at(`/admin/client/${client.clientId}/delete`));
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Delete Doomed?');
    expect(await t.server.store.clients.findById(client.clientId)).not.toBeNull();
    const noToken = await admin.post(at(`/admin/client/${client.clientId}/delete`), {});
    expectErrorPage(noToken, 403);
    expect(await t.server.store.clients.findById(client.clientId)).not.toBeNull();
    const done = await admin.post(at(`/admin/client/${client.clientId}/delete`), {
      csrf_token: csrfToken(confirm.text),
    });
    expect(done.location).toBe('/admin/clients?done=deleted');
    expect(await t.server.store.clients.findById(client.clientId)).toBeNull();
  });

  it('rotates a secret after confirmation: the old one stops working, the new one works', async () => {
    const { client, clientSecret } = await t.server.registerClient({
      client_name: 'Rotator',
      grant_types: ['client_credentials'],
    });
    const path = `/admin/client/${client.clientId}/rotate-secret`;
    const page = await postFrom(admin, path, path, {});
    const secret = inputValue(page.text, 'client_secret')!;
    expect(secret).not.toBe(clientSecret);
    await expect(
      clientCredentialsToken(t, { clientId: client.clientId, clientSecret: clientSecret! }),
    ).rejects.toThrow();
    expect(await clientCredentialsToken(t, { clientId: client.clientId, clientSecret: secret })).toBeTruthy();
  });

  it('searches and pages with next and previous links', async () => {
    for (let i = 0; i < 23; i++)
      await t.server.registerClient({
        client_id: `bulk-${String(i).padStart(2, '0')}`,
        client_name: `Bulk ${i}`,
        grant_types: ['client_credentials'],
      });
    const first = await admin.get(at('/admin/clients?q=bulk'));
    expect(first.text).toContain('bulk-00');
    expect(first.text).not.toContain('bulk-22');
    const next = /href="([^"]+)">Next/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    const second = await admin.get(at(next));
    expect(second.text).toContain('bulk-22');
    expect(second.text).not.toContain('bulk-00');
    const prev = /href="([^"]+)">Previous/.exec(second.text)![1]!.replace(/&amp;/g, '&');
    expect((await admin.get(at(prev))).text).toContain('bulk-00');
  });

  it('serves the copy script as JavaScript', async () => {
    const response = await fetch(at('/assets/copy.js'));
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await response.text()).toContain('clipboard');
  });
});

describe('users', () => {
  it('disables a user after confirmation; they can no longer sign in; enabling lets them back', async () => {
    const carol = (await t.server.store.users.findByUsername('carol'))!;
    const path = `/admin/user/${carol.id}/disable`;
    const confirm = await admin.get(at(path));
    expect(confirm.text).toContain('Disable carol?');
    expect((await t.server.store.users.findById(carol.id))?.disabled).toBe(false);
    const done = await postFrom(admin, path, path, {});
    expect(done.location).toBe(`/admin/user/${carol.id}?done=disabled`);
    expect((await signIn(new TestBrowser(), 'carol')).status).not.toBe(303);
    const enable = `/admin/user/${carol.id}/enable`;
    await postFrom(admin, enable, enable, {});
    expect((await signIn(new TestBrowser(), 'carol')).status).toBe(303);
  });

  it('creates a user with a generated password shown once, which signs in', async () => {
    const page = await postFrom(admin, '/admin/users/new', '/admin/users', {
      username: 'dora',
      password: '',
    });
    expect(page.status).toBe(200);
    const password = inputValue(page.text, 'generated_password')!;
    expect((await signIn(new TestBrowser(), 'dora', password)).status).toBe(303);
  });

  it('sets a password, and refuses a short one on the form', async () => {
    const bob = (await t.server.store.users.findByUsername('bob'))!;
    const path = `/admin/user/${bob.id}`;
    const short = await postFrom(admin, path, `${path}/password`, { password: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('role="alert"');
    const set = await postFrom(admin, path, `${path}/password`, { password: 'a brand new passphrase' });
    expect(set.status).toBe(303);
    expect((await signIn(new TestBrowser(), 'bob', 'a brand new passphrase')).status).toBe(303);
  });

  it('does not let an admin disable themselves', async () => {
    const root = (await t.server.store.users.findByUsername('root'))!;
    const path = `/admin/user/${root.id}/disable`;
    const page = await postFrom(admin, path, path, {});
    expectErrorPage(page, 400);
    expect((await t.server.store.users.findById(root.id))?.disabled).toBe(false);
  });
});

describe('profile, admin flag and client grants', () => {
  const PROFILE = {
    name: 'Bob Builder',
    given_name: 'Bob',
    family_name: 'Builder',
    email: 'bob@example.com',
    email_verified: 'on',
    phone_number: '+44 20 7946 0000',
    picture: 'https://example.com/bob.png',
    locale: 'en-GB',
  };
  const userOf = async (name: string) => (await t.server.store.users.findByUsername(name))!;

  it('edits the profile; refuses a post without the CSRF token and a bad value, changing nothing', async () => {
    const bob = await userOf('bob');
    const path = `/admin/user/${bob.id}`;
    const noToken = await admin.post(at(`${path}/profile`), { name: 'Forged' });
    expectErrorPage(noToken, 403);
    expect((await userOf('bob')).profile.name).toBeUndefined();

    const saved = await postFrom(admin, path, `${path}/profile`, PROFILE);
    expect({ status: saved.status, location: saved.location }).toEqual({
      status: 303,
      location: `${path}?done=profile`,
    });
    const { email_verified: _, ...strings } = PROFILE;
    expect((await userOf('bob')).profile).toEqual({ ...strings, email_verified: true });
    const shown = await admin.get(at(`${path}?done=profile`));
    expect(shown.text).toContain('Profile saved.');
    expect(inputValue(shown.text, 'profile-email')).toBe('bob@example.com');

    const bad = await postFrom(admin, path, `${path}/profile`, {
      ...PROFILE,
      name: 'Robert',
      email: 'not an email',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="profile-error" role="alert"');
    expect(bad.text).toContain('must be an email address');
    expect(inputValue(bad.text, 'profile-name')).toBe('Robert');
    expect((await userOf('bob')).profile.name).toBe('Bob Builder');

    // An empty field removes the claim; an unticked box with no email removes email_verified.
    const { email_verified: __, email: ___, ...rest } = PROFILE;
    await postFrom(admin, path, `${path}/profile`, { ...rest, email: '', picture: '' });
    const after = (await userOf('bob')).profile;
    expect(after).not.toHaveProperty('picture');
    expect(after).not.toHaveProperty('email');
    expect(after).not.toHaveProperty('email_verified');
  });

  it('makes a user an admin and removes it after confirmation; a forged post changes nothing', async () => {
    const carol = await userOf('carol');
    const make = `/admin/user/${carol.id}/make-admin`;
    const confirm = await admin.get(at(make));
    expect(confirm.text).toContain('Make carol an administrator?');
    expect((await userOf('carol')).isAdmin === true).toBe(false);
    expectErrorPage(await admin.post(at(make), {}), 403);
    expect((await userOf('carol')).isAdmin === true).toBe(false);
    const done = await postFrom(admin, make, make, {});
    expect(done.location).toBe(`/admin/user/${carol.id}?done=admin-granted`);
    expect((await userOf('carol')).isAdmin === true).toBe(true);
    expect((await admin.get(at(`/admin/user/${carol.id}`))).text).toContain(
      `href="/admin/user/${carol.id}/remove-admin">Remove admin</a>`,
    );
    const carolBrowser = await signedIn('carol');
    expect((await carolBrowser.get(at('/admin'))).status).toBe(200);

    const remove = `/admin/user/${carol.id}/remove-admin`;
    expectErrorPage(await admin.post(at(remove), {}), 403);
    expect((await userOf('carol')).isAdmin === true).toBe(true);
    const removed = await postFrom(admin, remove, remove, {});
    expect(removed.location).toBe(`/admin/user/${carol.id}?done=admin-removed`);
    expect((await userOf('carol')).isAdmin === true).toBe(false);
    expectErrorPage(await carolBrowser.get(at('/admin')), 403);
  });

  it("refuses to remove the signed-in admin's own flag, with the service's message", async () => {
    const root = await userOf('root');
    const path = `/admin/user/${root.id}/remove-admin`;
    const page = await postFrom(admin, path, path, {});
    expectErrorPage(page, 400);
    expect(page.text).toContain('you cannot remove your own admin access');
    expect((await userOf('root')).isAdmin === true).toBe(true);
  });

  it('revokes every grant of a client after confirmation; its tokens stop working', async () => {
    const { client, clientSecret } = await t.server.registerClient({
      client_name: 'Revokee',
      grant_types: ['client_credentials'],
    });
    const token = await clientCredentialsToken(t, { clientId: client.clientId, clientSecret: clientSecret! });
    const detail = `/admin/client/${client.clientId}`;
    expect((await admin.get(at(detail))).text).toContain(
      `href="${detail}/revoke-grants">Revoke all grants</a>`,
    );
    const path = `${detail}/revoke-grants`;
    const confirm = await admin.get(at(path));
    expect(confirm.text).toContain('Revoke every grant of Revokee?');
    expect((await callApi(t, `Bearer ${token}`)).status).toBe(200);
    expectErrorPage(await admin.post(at(path), {}), 403);
    expect((await callApi(t, `Bearer ${token}`)).status).toBe(200);
    const done = await postFrom(admin, path, path, {});
    expect(done.location).toBe(`${detail}?done=grants`);
    expect((await callApi(t, `Bearer ${token}`)).status).toBe(401);
    expect(await t.server.store.clients.findById(client.clientId)).not.toBeNull();
    expect((await admin.get(at(`${detail}?done=grants`))).text).toContain(
      'Every grant of the client has been revoked',
    );
  });

  it('shows an error page for revoking the grants of a client that does not exist', async () => {
    const path = '/admin/client/no-such-client/revoke-grants';
    expectErrorPage(await admin.get(at(path)), 404);
    expectErrorPage(await postFrom(admin, '/admin/clients/new', path, {}), 404);
  });
});

describe('keys and audit', () => {
  it('rotates keys after confirmation and lists them', async () => {
    const before = (await admin.get(at('/admin/keys'))).text;
    const done = await postFrom(admin, '/admin/keys/rotate', '/admin/keys/rotate', {});
    expect(done.location).toBe('/admin/keys?done=rotated');
    const after = await admin.get(at('/admin/keys'));
    expect(after.text.match(/<tr>/g)!.length).toBeGreaterThan(before.match(/<tr>/g)!.length);
  });

  it('filters the audit log and shows a bad filter as an error', async () => {
    const page = await admin.get(at('/admin/audit?action=admin.client.created'));
    expect(page.status).toBe(200);
    expect(page.text).toContain('admin.client.created');
    expect(page.text).not.toContain('admin.user.disabled');
    const bad = await admin.get(at('/admin/audit?action=%3Cbad%3E'));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('role="alert"');
  });
});
