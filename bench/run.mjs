/**
 * `npm run bench [-- --quick] [--only a,b] [--out FILE] [--cpu-prof DIR]`: Latchkey beside oidc-provider and
 * the framework's limit, on loopback, bounded in time; prints the tables and writes BENCHMARKS.md.
 * Issue 7 describes what is measured and why; bench/lib/document.mjs says how.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { killAll, profileServersInto, removeDir, tempDir } from './lib/children.mjs';
import { coldStart } from './lib/cold-start.mjs';
import { describeMachine, document } from './lib/document.mjs';
import { growth } from './lib/growth.mjs';
import { coldStartTable, formatMs, formatRate, growthTable, resultsTable } from './lib/report.mjs';
import { latchkeyRows } from './lib/scenarios-latchkey.mjs';
import { limitRows, oidcProviderRows } from './lib/scenarios-peers.mjs';

const SECTIONS = ['limits', 'oidc-provider', 'latchkey', 'postgres', 'cold', 'growth'];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
    'cpu-prof': { type: 'string' },
  },
});
const only = values.only ? values.only.split(',').map((s) => s.trim()) : SECTIONS;
const unknown = only.filter((s) => !SECTIONS.includes(s));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown section ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}\n`);
  process.exit(2);
}

if (values['cpu-prof']) {
  profileServersInto(resolve(values['cpu-prof']));
  // Profile the unbundled build, so the profile names Latchkey's modules (servers/latchkey.mjs).
  process.env.LATCHKEY_BENCH_UNBUNDLED = '1';
}

const settings = values.quick
  ? { quick: true, duration: 3, warmup: 1, coldRuns: 3, growthSizes: [10_000, 100_000], growthRate: 200 }
  : { quick: false, duration: 10, warmup: 2, coldRuns: 5, growthSizes: [10_000, 1_000_000], growthRate: 200 };
// The whole run's ceiling: a hung server or a slow machine ends the run, it never runs on.
const ceilingSeconds = values.quick ? 240 : 570;
setTimeout(() => {
  process.stderr.write(`\nbench: over the ${ceilingSeconds} s limit; stopping every server\n`);
  killAll();
  process.exit(1);
}, ceilingSeconds * 1000).unref();

const log = (row) => {
  const what = `${row.server} · ${row.scenario}${row.stored ? ` · ${row.stored.toLocaleString('en-US')} stored` : ''}`;
  const figures = row.failed
    ? `FAILED: ${row.failed}`
    : `${formatRate(row.rate)} ${row.unit}, p50 ${formatMs(row.p50)} ms, p99 ${formatMs(row.p99)} ms`;
  const pid = values['cpu-prof'] && row.pid ? ` (pid ${row.pid})` : '';
  process.stderr.write(`  ${what}: ${figures}${pid}\n`);
};
const logCold = (c) =>
  process.stderr.write(
    `  cold start ${c.server} · ${c.kind}: ${c.failed ? `FAILED: ${c.failed}` : `${Math.round(c.median)} ms`}\n`,
  );

const started = new Date();
const t0 = performance.now();
const machine = describeMachine();
const postgresUrl = process.env.LATCHKEY_BENCH_POSTGRES_URL;
process.stderr.write(
  `bench: ${settings.quick ? 'quick' : 'full'} run, ${machine.cores} × ${machine.cpu}, Node ${machine.node}, load ${machine.load}\n`,
);

const rows = [];
let cold = [];
let grown = { rate: settings.growthRate, rows: [] };
const dir = tempDir('run');
try {
  if (only.includes('limits')) rows.push(...(await limitRows(settings, log)));
  if (only.includes('oidc-provider')) rows.push(...(await oidcProviderRows(settings, log)));
  if (only.includes('latchkey'))
    rows.push(
      ...(await latchkeyRows('Latchkey (SQLite)', `sqlite:${join(dir, 'latchkey.db')}`, settings, log)),
    );
  if (only.includes('postgres') && postgresUrl)
    rows.push(...(await latchkeyRows('Latchkey (PostgreSQL)', postgresUrl, settings, log)));
  if (only.includes('cold')) cold = await coldStart(settings, logCold);
  if (only.includes('growth')) grown = await growth(settings, log);
} finally {
  killAll();
  removeDir(dir);
}

function postgresWhere(url) {
  try {
    const { host, pathname } = new URL(url);
    return `${host}${pathname}`;
  } catch {
    return 'an unparsable URL';
  }
}

const wallSeconds = (performance.now() - t0) / 1000;
const markdown = document({
  machine,
  settings,
  started,
  wallSeconds,
  rows,
  cold,
  growth: grown,
  // Host, port and database only: never the credentials.
  postgres: postgresUrl && only.includes('postgres') ? postgresWhere(postgresUrl) : null,
});
writeFileSync(values.out, markdown);
const tables = [
  rows.length > 0 && resultsTable(rows),
  cold.length > 0 && coldStartTable(cold),
  grown.rows.length > 0 && growthTable(grown),
].filter(Boolean);
process.stdout.write(`\n${tables.join('\n\n')}\n`);
process.stdout.write(`\nbench: ${Math.round(wallSeconds)} s; wrote ${values.out}\n`);
// Open keep-alive sockets to stopped servers must not hold the process.
process.exit(rows.some((r) => r.failed) ? 1 : 0);
