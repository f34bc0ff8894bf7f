/**
 * The postgres test project's setup: checks the server answers, names this run (each test schema
 * carries the run's id), and drops this run's schemas at the end. Schemas of runs that died long
 * ago are swept too; a run going on beside this one (another checkout) is left alone.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { TEST_SCHEMA_PREFIX } from './database.js';

// A run takes ~15 minutes; one started over an hour ago died (killed, crashed) and left its
// schemas. Swept early: leftovers bloat the catalogs every migration reads (a CI run that failed
// with "schema … does not exist" raised in a parallel worker had ~200 of them about).
const STALE_MS = 3600_000;

async function dropSchemas(
  url: string,
  which: (runStartedAt: number, runId: string) => boolean,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      'select nspname as name from pg_namespace where nspname like $1',
      [`${TEST_SCHEMA_PREFIX}%`],
    );
    for (const { name } of rows) {
      const runId = name.slice(TEST_SCHEMA_PREFIX.length).split('_')[0] ?? '';
      if (which(Number.parseInt(runId, 36), runId))
        await client.query(`drop schema if exists "${name}" cascade`);
    }
  } finally {
    await client.end();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresRunId: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.LATCHKEY_TEST_POSTGRES_URL!;
  const runId = Date.now().toString(36);
  project.provide('postgresRunId', runId);
  // Fails the run at once, with the reason, when the configured server is not there.
  await dropSchemas(url, (startedAt) => !(Date.now() - startedAt < STALE_MS));
  return () => dropSchemas(url, (_startedAt, id) => id === runId);
}
