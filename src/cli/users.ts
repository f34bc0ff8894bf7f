/**
 * `latchkey migrate`, `latchkey tokens purge` and `latchkey users create | list | show | update |
 * disable | enable | set-password`. The rules are the services', shared with the admin API.
 */
import { type Command, Option } from 'commander';
import type { Config } from '../config/schema.js';
import { randomToken } from '../crypto/random.js';
import { systemClock } from '../protocol/clock.js';
import {
  parseProfileInput,
  parseProfileUpdate,
  type StandardClaimsUpdate,
} from '../protocol/oidc-core/standard-claims.js';
import type { User } from '../protocol/types.js';
import { PAGE_LIMIT_MAX } from '../services/admin-paging.js';
import type { AuditActor } from '../services/audit.js';
import type { ServiceDeps } from '../services/deps.js';
import { purgeExpired } from '../services/housekeeping.js';
import {
  createUser,
  disableUser,
  getUser,
  listUsers,
  setUserPassword,
  type UserUpdate,
  updateUser,
} from '../services/users.js';
import { migrateToLatest, openDatabase, openStore } from '../store/kysely/index.js';
import type { Store } from '../store/ports.js';
import { type CliIo, configFrom } from './main.js';

/** Who the audit log says made a change from the command line: whoever runs it on the server. */
export const CLI_ACTOR: AuditActor = { type: 'system', id: 'cli' };

export async function migrate(io: CliIo, config: Config): Promise<void> {
  const db = openDatabase(config.databaseUrl, config.database);
  try {
    const results = await migrateToLatest(db);
    io.out(
      results.length === 0
        ? 'The database is up to date.'
        : `Applied: ${results.map((r) => r.migrationName).join(', ')}`,
    );
  } finally {
    await db.destroy();
  }
}

/** Opens the store (schema prepared as `serve` would), runs `fn`, and closes it. */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openStore(config.databaseUrl, config.database);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function purge(io: CliIo, config: Config): Promise<void> {
  const counts = await withStore(config, (store) => purgeExpired({ store, config, clock: systemClock }));
  io.out(
    `Deleted ${counts.tokens} tokens, ${counts.codes} codes, ${counts.sessions} sessions, ` +
      `${counts.interactions} interactions, ${counts.loginFailures} throttling counters and ` +
      `${counts.signingKeys} retired signing keys.`,
  );
}

/** One command-line option per claim (OIDC Core §5.1, §5.1.1): [flags, claim or address.<field>, help]. */
const CLAIM_OPTIONS: ReadonlyArray<readonly [string, string, string]> = [
  ['--name <name>', 'name', 'full name'],
  ['--given-name <name>', 'given_name', 'given (first) name'],
  ['--family-name <name>', 'family_name', 'family name (surname)'],
  ['--middle-name <name>', 'middle_name', 'middle name'],
  ['--nickname <name>', 'nickname', 'casual name'],
  ['--profile <url>', 'profile', 'profile page URL (https)'],
  ['--picture <url>', 'picture', 'picture URL (https)'],
  ['--website <url>', 'website', 'web site or blog URL (https)'],
  ['--gender <gender>', 'gender', 'gender (female, male, or any other value)'],
  ['--birthdate <date>', 'birthdate', 'YYYY-MM-DD or YYYY (0000-MM-DD hides the year)'],
  ['--zoneinfo <zone>', 'zoneinfo', 'time zone, such as Europe/Paris'],
  ['--locale <tag>', 'locale', 'language tag, such as en-GB'],
  ['--email <address>', 'email', 'email address'],
  ['--phone <number>', 'phone_number', 'phone number, E.164 preferred: +44 20 7946 0000'],
  ['--address-formatted <text>', 'address.formatted', 'full postal address as displayed'],
  ['--address-street <street>', 'address.street_address', 'street address'],
  ['--address-locality <city>', 'address.locality', 'city or locality'],
  ['--address-region <region>', 'address.region', 'state, province or region'],
  ['--address-postal-code <code>', 'address.postal_code', 'postal code'],
  ['--address-country <country>', 'address.country', 'country'],
];
/** Each with its --no- form, so an update can also say "not verified". */
const FLAG_OPTIONS: ReadonlyArray<readonly [string, string, string]> = [
  ['email-verified', 'email_verified', 'the email address has been verified'],
  ['phone-verified', 'phone_number_verified', 'the phone number has been verified'],
];

function withClaimOptions(command: Command): Command {
  for (const [flags, , help] of CLAIM_OPTIONS) command.option(flags, help);
  for (const [flag, claim, help] of FLAG_OPTIONS) {
    command.option(`--${flag}`, help).option(`--no-${flag}`, `not so: records ${claim} = false`);
  }
  return command;
}

/** The claims the options name, as a profile change; `--unset` names become nulls (removals). */
function claimsFromOptions(opts: Record<string, unknown>, unset: string[] = []): StandardClaimsUpdate {
  // Claim (or address.<field>) → value, as typed; checked by the service, not here.
  const given = new Map<string, unknown>();
  for (const [flags, claim] of CLAIM_OPTIONS) given.set(claim, opts[new Option(flags).attributeName()]);
  for (const [flag, claim] of FLAG_OPTIONS) given.set(claim, opts[new Option(`--${flag}`).attributeName()]);
  for (const [claim, value] of given) if (value === undefined) given.delete(claim);
  const fromOptions = [...given.keys()];
  for (const claim of new Set(unset)) {
    const clash = fromOptions.find((g) => g === claim || (claim === 'address' && g.startsWith('address.')));
    if (clash) throw new Error(`${clash}: both given and removed with --unset ${claim}`);
    given.set(claim, null);
  }
  const change: Record<string, unknown> = {};
  const address: Record<string, unknown> = {};
  for (const [claim, value] of given) {
    if (claim.startsWith('address.')) address[claim.slice('address.'.length)] = value;
    else change[claim] = value;
  }
  // `--unset address` removes every field, so any address.<field> removal with it has nothing to add.
  if (change.address === undefined && Object.keys(address).length > 0) change.address = address;
  return change as StandardClaimsUpdate;
}

/** The password from stdin's first line with --password-stdin, else a generated one (to print). */
async function passwordFrom(io: CliIo, fromStdin: boolean | undefined): Promise<string> {
  return fromStdin ? ((await io.readStdin()).split(/\r?\n/)[0] ?? '') : randomToken(12);
}

export function usersCommands(program: Command, io: CliIo): void {
  const users = program.command('users').description('manage user accounts');
  const withDeps = <T>(fn: (deps: ServiceDeps) => Promise<T>): Promise<T> => {
    const config = configFrom(io, program.opts().config);
    return withStore(config, (store) => fn({ store, config, clock: systemClock }));
  };
  withClaimOptions(
    users
      .command('create')
      .description(
        'create a user; the password is read from stdin with --password-stdin, or generated and printed',
      )
      .requiredOption('-u, --username <name>', 'user name')
      .option('--password-stdin', 'read the password from standard input (first line)')
      .option('--admin', 'an administrator: may use the admin API and console'),
  ).action(
    async (
      opts: { username: string; passwordStdin?: boolean; admin?: boolean } & Record<string, unknown>,
    ) => {
      // Checked now, before stdin is read or the database opened; createUser checks it again.
      const profile = parseProfileInput(claimsFromOptions(opts));
      const password = await passwordFrom(io, opts.passwordStdin);
      const input = { username: opts.username, password, profile, isAdmin: opts.admin === true };
      const user = await withDeps((deps) => createUser(deps, input, CLI_ACTOR));
      io.out(`Created ${user.isAdmin ? 'administrator' : 'user'} ${user.username} (id ${user.id}).`);
      if (!opts.passwordStdin) io.out(`Password (shown only now): ${password}`);
    },
  );

  users
    .command('list')
    .description('list users (never their password hashes)')
    .option('--search <text>', 'only users whose name contains this')
    .option('--json', 'print JSON')
    .action(async (opts: { search?: string; json?: boolean }) => {
      const all = await withDeps(async (deps) => {
        const found = [];
        let cursor: string | undefined;
        do {
          const page = await listUsers(deps, { search: opts.search, cursor, limit: PAGE_LIMIT_MAX });
          found.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return found;
      });
      if (opts.json) {
        io.out(
          JSON.stringify(
            all.map((u) => accountJson(u)),
            null,
            2,
          ),
        );
        return;
      }
      if (all.length === 0) io.out(opts.search ? 'No user matches.' : 'There are no users.');
      for (const u of all) io.out(`${safe(u.username)}  (id ${u.id}, ${status(u)})`);
    });

  withClaimOptions(
    users
      .command('update')
      .description(
        "change a user's claims and admin flag: the options given replace those claims, the others stay",
      )
      .argument('<username>', 'user name')
      .option(
        '--unset <claim>',
        'remove a claim (repeat for several), e.g. nickname, address or address.region',
        collect,
      )
      .option('--admin', 'make the user an administrator')
      .option('--no-admin', 'take administrator rights away'),
  ).action(
    async (username: string, opts: { unset?: string[]; admin?: boolean } & Record<string, unknown>) => {
      const change = claimsFromOptions(opts, opts.unset);
      const update: UserUpdate = { isAdmin: opts.admin };
      if (Object.keys(change).length > 0) {
        parseProfileUpdate(change); // fail before opening the database
        update.profile = change;
      } else if (opts.admin === undefined) {
        throw new Error('nothing to change: give claim options, --unset, --admin or --no-admin');
      }
      await withDeps((deps) => updateUser(deps, { username }, update, CLI_ACTOR));
      io.out(`Updated user ${username}.`);
    },
  );

  users
    .command('disable')
    .description('disable a user: no more sign-ins, and every session, grant and token ends now')
    .argument('<username>', 'user name')
    .action(async (username: string) => {
      await withDeps((deps) => disableUser(deps, { username }, CLI_ACTOR));
      io.out(`Disabled user ${username}; their sessions, grants and tokens have ended.`);
    });

  users
    .command('enable')
    .description('let a disabled user sign in again')
    .argument('<username>', 'user name')
    .action(async (username: string) => {
      await withDeps((deps) => updateUser(deps, { username }, { disabled: false }, CLI_ACTOR));
      io.out(`Enabled user ${username}.`);
    });

  users
    .command('set-password')
    .description(
      "set a user's password (from stdin with --password-stdin, or generated and printed); signs them out everywhere",
    )
    .argument('<username>', 'user name')
    .option('--password-stdin', 'read the password from standard input (first line)')
    .action(async (username: string, opts: { passwordStdin?: boolean }) => {
      const password = await passwordFrom(io, opts.passwordStdin);
      await withDeps((deps) => setUserPassword(deps, { username }, password, CLI_ACTOR));
      io.out(`Set the password of ${username}; their sessions have ended.`);
      if (!opts.passwordStdin) io.out(`Password (shown only now): ${password}`);
    });

  users
    .command('show')
    .description("print a user's account and claims (never the password hash)")
    .argument('<username>', 'user name')
    .option('--json', 'print JSON')
    .action(async (username: string, opts: { json?: boolean }) => {
      const user = await withDeps((deps) => getUser(deps, username));
      const claims = { preferred_username: user.username, ...user.profile, updated_at: user.updatedAt };
      if (opts.json) {
        io.out(JSON.stringify({ ...accountJson(user), claims }, null, 2));
        return;
      }
      io.out(`${user.username} (id ${user.id}, ${status(user)}, created ${isoTime(user.createdAt)})`);
      for (const [name, value] of flatClaims(claims)) io.out(`  ${name.padEnd(24)} ${value}`);
    });
}

const accountJson = (user: User) => ({
  id: user.id,
  username: user.username,
  is_admin: user.isAdmin === true,
  disabled: user.disabled,
  created_at: user.createdAt,
});
const status = (user: User) =>
  [user.disabled ? 'disabled' : 'active', ...(user.isAdmin ? ['administrator'] : [])].join(', ');
// A hand-edited row could hold terminal escape sequences: never send them to the terminal.
const safe = (text: string) => text.replace(/\p{Cc}/gu, '?');

const collect = (value: string, previous: string[] = []) => [...previous, value];
const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** One line per claim; address fields as address.<field>, updated_at with its date. */
function flatClaims(claims: Record<string, unknown>): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(claims)) {
    if (name === 'address') {
      for (const [field, v] of Object.entries(value as Record<string, string>)) {
        // Multi-line addresses (OIDC Core §5.1.1) stay on one line here.
        lines.push([`address.${field}`, v.replace(/\r?\n/g, ', ')]);
      }
    } else if (name === 'updated_at') {
      lines.push([name, `${value} (${isoTime(value as number)})`]);
    } else {
      lines.push([name, String(value)]);
    }
  }
  // A hand-edited row could hold terminal escape sequences: never send them to the terminal.
  return lines.map(([name, value]) => [name, safe(value)]);
}
