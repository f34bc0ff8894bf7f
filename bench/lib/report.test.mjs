import { describe, expect, it } from 'vitest';
import { httpRate, LIMIT_BARE, LIMIT_INSERT, PEER, ratio, ratioCells, resultsTable } from './report.mjs';
import { percentile } from './stats.mjs';
import { judgeTargets } from './targets.mjs';

const row = (server, key, rate, extra = {}) => ({
  server,
  key,
  scenario: key,
  unit: key === 'code' ? 'flows/s' : 'req/s',
  rate,
  p50: 1,
  p99: 5,
  errors: 0,
  rss: 80 * 1048576,
  ...extra,
});

describe('percentile', () => {
  it('takes the nearest rank of unsorted samples', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 99)).toBe(5);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});

describe('ratios', () => {
  const rows = [
    row(LIMIT_BARE, 'form', 10_000),
    row(LIMIT_INSERT, 'form', 2_000),
    row(PEER, 'cc', 1_000),
    row(PEER, 'code', 200),
    row('Latchkey (SQLite)', 'cc', 4_000),
    row('Latchkey (SQLite)', 'code', 500),
  ];

  it('compares a row with the peer of the same scenario and with both limits', () => {
    expect(ratioCells(rows[4], rows)).toEqual(['4.00×', '0.40×', '2.00×']);
  });

  it('counts both requests of a code flow against the limits, and flows against the peer', () => {
    expect(httpRate(rows[5])).toBe(1_000);
    expect(ratioCells(rows[5], rows)).toEqual(['2.50×', '0.10×', '0.50×']);
  });

  it('computes no ratio from a failed row', () => {
    expect(ratio(rows[4], { ...rows[2], failed: '3 errors' })).toBe('—');
  });

  it("shows the server's CPU time per operation, and a dash where it was not measured", () => {
    const table = resultsTable([
      row('Latchkey (SQLite)', 'cc', 4_000, { cpuPerOp: 123.4 }),
      row('Latchkey (SQLite)', 'intro', 5_000),
      row('Latchkey (SQLite)', 'jwt', 3_000, { cpuPerOp: 99, failed: '1 errors' }),
    ]);
    const lines = table.split('\n');
    // Every line has the header's 11 cells, so no figure lands under another's heading.
    for (const line of lines.filter((l) => l.startsWith('|'))) expect(line.split(' | ')).toHaveLength(11);
    expect(lines[0]).toContain('server CPU / op');
    expect(lines[2]).toContain('| 123 µs |');
    expect(lines[3]).not.toContain('µs');
    expect(lines[4]).not.toContain('99 µs');
  });

  it('shows a failed row as FAILED with its reason, never a rate', () => {
    const table = resultsTable([row('Latchkey (SQLite)', 'cc', 4_000, { failed: '7 errors', errors: 7 })]);
    expect(table).toContain('**FAILED**');
    expect(table).not.toContain('4,000');
    expect(table).toContain('7 errors');
  });

  it('judges the targets on the same rows', () => {
    const judged = judgeTargets(rows, [], { rows: [] });
    expect(judged.find((t) => t.target.startsWith('client credentials ≥ 3×'))).toMatchObject({ met: true });
    expect(judged.find((t) => t.target.startsWith('completed code flows'))).toMatchObject({ met: true });
    expect(judged.find((t) => t.target.startsWith('cold start'))).toMatchObject({ met: null });
  });
});
