#!/usr/bin/env node
/**
 * The `latchkey` command: serve, migrate, users create, clients create, clients list, keys.
 * Configuration comes from LATCHKEY_* variables and an optional --config JSON file. Bad input
 * exits non-zero with a one-line reason; secrets are printed once and never logged.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { OAuthError } from '../protocol/errors.js';
import { clientCommands } from './clients.js';
import { keysCommands } from './keys.js';
import { serve } from './serve.js';
import { migrate, purge, usersCommands } from './users.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  readStdin(): Promise<string>;
}

export function configFrom(io: CliIo, file: string | undefined): Config {
  return loadConfig({ env: io.env, file });
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('latchkey')
    .description('Latchkey: an OAuth 2.1 authorization server')
    .option('-c, --config <file>', 'JSON config file (LATCHKEY_* variables override it)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command('serve')
    .description('run the authorization server (runs migrations, creates the admin on first start)')
    .action(async () => serve(io, configFrom(io, program.opts().config)));
  program
    .command('migrate')
    .description('bring the database schema up to date, then exit')
    .action(async () => migrate(io, configFrom(io, program.opts().config)));
  program
    .command('tokens')
    .description('token housekeeping')
    .command('purge')
    .description(
      'delete expired codes, tokens, sessions and interactions now (serve also does it periodically)',
    )
    .action(async () => purge(io, configFrom(io, program.opts().config)));
  usersCommands(program, io);
  clientCommands(program, io);
  keysCommands(program, io);
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Ids are base64url and may start with '-'; where a command has options of its own, such an
      // id must follow `--`, and commander's "unknown option" alone would not say so.
      if (error.code === 'commander.unknownOption' && /'-[^-]/.test(error.message))
        io.err(
          "(an id that starts with '-' goes after '--', e.g. latchkey clients update -- -AbC… --name X)",
        );
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof ConfigError) io.err(error.message);
    else if (error instanceof OAuthError) io.err(`error: ${error.description ?? error.code}`);
    else io.err(`error: ${(error as Error).message ?? String(error)}`);
    return 1;
  }
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// Run only when executed directly (also through the npm bin link), not when imported by tests.
// `serve` keeps the process alive by listening; the exit code only applies once it ends.
if (isEntryPoint()) process.exitCode = await runCli(process.argv.slice(2), processIo);
