/** `latchkey migrate`, `latchkey tokens purge` and `latchkey users create`. */
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import { randomToken } from '../crypto/random.js';
import { systemClock } from '../protocol/clock.js';
import { purgeExpired } from '../services/housekeeping.js';
import { createUser } from '../services/users.js';
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

export function usersCommands(program: Command, io: CliIo): void {
  const users = program.command('users').description('manage user accounts');
  users
    .command('create')
    .description(
      'create a user; the password is read from stdin with --password-stdin, or generated and printed',
    )
    .requiredOption('-u, --username <name>', 'user name')
    .option('--password-stdin', 'read the password from standard input (first line)')
    .action(async (opts: { username: string; passwordStdin?: boolean }) => {
      const config = configFrom(io, program.opts().config);
      const password = opts.passwordStdin
        ? ((await io.readStdin()).split(/\r?\n/)[0] ?? '')
        : randomToken(12);
      const user = await withStore(config, (store) =>
        createUser({ store, config, clock: systemClock }, { username: opts.username, password }),
      );
      io.out(`Created user ${user.username} (id ${user.id}).`);
      if (!opts.passwordStdin) io.out(`Password (shown only now): ${password}`);
    });
}
