/** `latchkey migrate`, `latchkey tokens purge` and `latchkey users create | update | show`. */
import { type Command, Option } from 'commander';
import type { Config } from '../config/schema.js';
import { randomToken } from '../crypto/random.js';
import { systemClock } from '../protocol/clock.js';
import {
  parseProfileInput,
  parseProfileUpdate,
  type StandardClaimsUpdate,
} from '../protocol/oidc-core/standard-claims.js';
import type { ServiceDeps } from '../services/deps.js';
import { purgeExpired } from '../services/housekeeping.js';
import { createUser, getUser, updateUserProfile } from '../services/users.js';
import { migrateToLatest, openDatabase, storeOn } from '../store/kysely/index.js';
import type { Store } from '../store/ports.js';
import { type CliIo, configFrom } from './main.js';

export async function migrate(io: CliIo, config: Config): Promise<void> {
  const db = openDatabase(config.databaseUrl);
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

/** Opens the store with migrations applied, runs `fn`, and closes it. */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const db = openDatabase(config.databaseUrl);
  const store = storeOn(db);
  try {
    await migrateToLatest(db);
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
      .option('--password-stdin', 'read the password from standard input (first line)'),
  ).action(async (opts: { username: string; passwordStdin?: boolean } & Record<string, unknown>) => {
    // Checked now, before stdin is read or the database opened; createUser checks it again.
    const profile = parseProfileInput(claimsFromOptions(opts));
    const password = opts.passwordStdin ? ((await io.readStdin()).split(/\r?\n/)[0] ?? '') : randomToken(12);
    const user = await withDeps((deps) => createUser(deps, { username: opts.username, password, profile }));
    io.out(`Created user ${user.username} (id ${user.id}).`);
    if (!opts.passwordStdin) io.out(`Password (shown only now): ${password}`);
  });

  withClaimOptions(
    users
      .command('update')
      .description("change a user's claims: the options given replace those claims, the others stay")
      .argument('<username>', 'user name')
      .option(
        '--unset <claim>',
        'remove a claim (repeat for several), e.g. nickname, address or address.region',
        collect,
      ),
  ).action(async (username: string, opts: { unset?: string[] } & Record<string, unknown>) => {
    const change = claimsFromOptions(opts, opts.unset);
    if (Object.keys(change).length === 0) throw new Error('nothing to change: give claim options or --unset');
    parseProfileUpdate(change); // fail before opening the database
    await withDeps((deps) => updateUserProfile(deps, username, change));
    io.out(`Updated user ${username}.`);
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
        const account = { id: user.id, username: user.username, disabled: user.disabled };
        io.out(JSON.stringify({ ...account, created_at: user.createdAt, claims }, null, 2));
        return;
      }
      const status = user.disabled ? 'disabled' : 'active';
      io.out(`${user.username} (id ${user.id}, ${status}, created ${isoTime(user.createdAt)})`);
      for (const [name, value] of flatClaims(claims)) io.out(`  ${name.padEnd(24)} ${value}`);
    });
}

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
  return lines.map(([name, value]) => [name, value.replace(/\p{Cc}/gu, '?')]);
}
