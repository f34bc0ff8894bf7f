/** `latchkey keys list`, `latchkey keys rotate` and `latchkey keys retire`: JWT signing keys. */
import { type Command, Option } from 'commander';
import type { Config } from '../config/schema.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../crypto/keys.js';
import { systemClock } from '../protocol/clock.js';
import { retireKey, rotateKeys } from '../services/admin-keys.js';
import type { ServiceDeps } from '../services/deps.js';
import { KEY_CACHE_SECONDS, type KeyStatus, listSigningKeys } from '../services/signing-keys.js';
import { type CliIo, configFrom } from './main.js';
import { CLI_ACTOR, withStore } from './users.js';

const when = (seconds: number): string => new Date(seconds * 1000).toISOString();

function withDeps<T>(config: Config, fn: (deps: ServiceDeps) => Promise<T>): Promise<T> {
  return withStore(config, (store) => fn({ store, config, clock: systemClock }));
}

function describeStatus(key: KeyStatus): string {
  switch (key.status) {
    case 'signing':
      return 'signing';
    case 'published':
      return key.retireAt === null ? 'published' : `published until ${when(key.retireAt)}`;
    case 'retired':
      return `retired at ${when(key.retireAt ?? 0)}`;
    case 'unreadable':
      return `unreadable (${key.problem}): not used, not published`;
  }
}

export function keysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('manage the keys JWTs are signed with');
  keys
    .command('list')
    .description('list signing keys: kid, alg, status, created')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = configFrom(io, program.opts().config);
      const all = await withDeps(config, listSigningKeys);
      if (opts.json) {
        io.out(
          JSON.stringify(
            all.map((k) => ({
              kid: k.kid,
              alg: k.alg,
              status: k.status,
              created_at: k.createdAt,
              retire_at: k.retireAt,
              ...(k.problem ? { problem: k.problem } : {}),
            })),
            null,
            2,
          ),
        );
        return;
      }
      if (all.length === 0) io.out('There are no signing keys yet: the server makes one when it starts.');
      for (const k of all)
        io.out(`${k.kid}  ${k.alg.padEnd(5)}  ${describeStatus(k)}  (created ${when(k.createdAt)})`);
    });

  keys
    .command('rotate')
    .description('make a new signing key; the old one stays published until its tokens have expired')
    .addOption(
      new Option('--alg <alg>', 'rotate only this algorithm (default: every one in use)').choices(
        SIGNING_ALGORITHMS,
      ),
    )
    .action(async (opts: { alg?: SigningAlgorithm }) => {
      const config = configFrom(io, program.opts().config);
      const results = await withDeps(config, (deps) => rotateKeys(deps, { alg: opts.alg }, CLI_ACTOR));
      if (results.length === 0) io.out('There are no signing keys to rotate yet; name one with --alg.');
      for (const r of results) {
        io.out(`${r.alg}: ${r.kid} signs from now on.`);
        for (const old of r.retiring)
          io.out(`${r.alg}: ${old} signs no more and leaves the JWKS at ${when(r.retireAt)}.`);
      }
      if (results.length > 0)
        io.out(`Running servers switch to the new key within ${KEY_CACHE_SECONDS} seconds.`);
    });

  keys
    .command('retire')
    .description(
      'take a key out of use and out of the JWKS now (a compromised key); its tokens stop verifying',
    )
    .argument('<kid>', 'the key id, as `keys list` shows it')
    // A kid is base64url and starts with '-' one time in 64: taken as the argument, not an option.
    .allowUnknownOption()
    .action(async (kid: string) => {
      const config = configFrom(io, program.opts().config);
      const result = await withDeps(config, (deps) => retireKey(deps, kid, CLI_ACTOR));
      io.out(`${result.kid} (${result.alg}) is retired: it has left the JWKS.`);
      if (result.wasSigning && result.signingKid)
        io.out(
          `${result.alg}: ${result.signingKid} signs from now on (running servers switch within ${KEY_CACHE_SECONDS} seconds).`,
        );
    });
}
