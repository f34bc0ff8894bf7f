/**
 * Pure formatting: rows → markdown. No I/O here, so it can be unit-tested and rerun on saved
 * results. A failed row shows FAILED and never a number, and no ratio is computed from it.
 */

export const LIMIT_BARE = 'Fastify bare';
export const LIMIT_INSERT = 'Fastify + SQLite insert';
export const PEER = 'oidc-provider (memory)';

const dash = '—';
const ok = (row) => row && !row.failed && Number.isFinite(row.rate) && row.rate > 0;

export const formatRate = (value) => Math.round(value).toLocaleString('en-US');
export const formatMs = (value) =>
  Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : dash;
export const formatMb = (bytes) => (Number.isFinite(bytes) ? `${Math.round(bytes / 1048576)} MB` : dash);
export const formatMicros = (micros) => (Number.isFinite(micros) ? `${Math.round(micros)} µs` : dash);

/** HTTP requests per second: a flow counts each of its requests (2 for the code flow). */
export const httpRate = (row) => row.rate * (row.key === 'code' ? 2 : 1);

/** `a / b` as "2.41×", or a dash when either side failed or is missing. */
export function ratio(a, b, rate = (row) => row.rate) {
  if (!ok(a) || !ok(b)) return dash;
  return `${(rate(a) / rate(b)).toFixed(2)}×`;
}

/** The three comparison cells for a Latchkey row; peers' own rows get dashes. */
export function ratioCells(row, rows) {
  if (!row.server.startsWith('Latchkey')) return [dash, dash, dash];
  const peer = rows.find((r) => r.server === PEER && r.key === row.key);
  const bare = rows.find((r) => r.server === LIMIT_BARE);
  const insert = rows.find((r) => r.server === LIMIT_INSERT);
  return [peer ? ratio(row, peer) : dash, ratio(row, bare, httpRate), ratio(row, insert, httpRate)];
}

const line = (cells) => `| ${cells.join(' | ')} |`;

export function resultsTable(rows) {
  const out = [
    line([
      'server',
      'scenario',
      'rate',
      'p50 ms',
      'p99 ms',
      'errors',
      'server CPU / op',
      'peak RSS',
      '× oidc-provider',
      '× Fastify bare',
      '× Fastify+insert',
    ]),
    line(Array(11).fill('---')),
  ];
  const failures = [];
  for (const row of rows) {
    const failed = Boolean(row.failed);
    if (failed) failures.push(`- ${row.server}, ${row.scenario}: ${row.failed}`);
    out.push(
      line([
        row.server,
        row.scenario,
        failed ? `**FAILED**` : `${formatRate(row.rate)} ${row.unit}`,
        failed ? dash : formatMs(row.p50),
        failed ? dash : formatMs(row.p99),
        Number.isFinite(row.errors) ? String(row.errors) : dash,
        failed ? dash : formatMicros(row.cpuPerOp),
        formatMb(row.rss),
        ...ratioCells(row, rows),
      ]),
    );
  }
  if (failures.length > 0) out.push('', 'Failed rows:', ...failures);
  return out.join('\n');
}

export function coldStartTable(cold) {
  const cell = (m) => (m?.failed ? `**FAILED**: ${m.failed}` : m ? `${Math.round(m.median)} ms` : dash);
  const runs = (m) => (m?.samples ? m.samples.map((s) => Math.round(s)).join(', ') : dash);
  return [
    line(['server', 'start', 'median', 'runs (ms)']),
    line(['---', '---', '---', '---']),
    ...cold.map((m) => line([m.server, m.kind, cell(m), runs(m)])),
  ].join('\n');
}

export function growthTable(growth) {
  const head = line(['stored tokens', 'scenario', 'rate', 'p50 ms', 'p99 ms', 'errors']);
  const body = growth.rows.map((r) =>
    line([
      r.stored.toLocaleString('en-US'),
      r.scenario,
      r.failed ? '**FAILED**' : `${formatRate(r.rate)} req/s`,
      r.failed ? dash : formatMs(r.p50),
      r.failed ? dash : formatMs(r.p99),
      Number.isFinite(r.errors) ? String(r.errors) : dash,
    ]),
  );
  const growthOf = (scenario, p) => {
    const [small, large] = growth.rows.filter((r) => r.scenario === scenario);
    return small && large && !small.failed && !large.failed ? `${(large[p] / small[p]).toFixed(2)}×` : dash;
  };
  const scenarios = [...new Set(growth.rows.map((r) => r.scenario))];
  const summary = scenarios.map(
    (s) =>
      `- ${s}: p50 ${growthOf(s, 'p50')}, p99 ${growthOf(s, 'p99')} from the smaller to the larger store`,
  );
  const failures = growth.rows.filter((r) => r.failed).map((r) => `- ${r.stored} ${r.scenario}: ${r.failed}`);
  return [head, line(Array(6).fill('---')), ...body, '', ...summary, ...failures].join('\n');
}
