/**
 * Issue 7's targets, judged on one run's rows. Pure: rows in, a list of { target, measured, met }
 * out; `met` is null when a row needed for the judgement failed or was not run.
 */
import { httpRate, LIMIT_INSERT, PEER } from './report.mjs';

const find = (rows, server, key) => rows.find((r) => r.server === server && r.key === key && !r.failed);
const times = (value) => `${value.toFixed(2)}×`;

function ratioTarget(rows, target, key, peerServer, peerKey, minimum, rate = (r) => r.rate) {
  const mine = find(rows, 'Latchkey (SQLite)', key);
  const peer = find(rows, peerServer, peerKey);
  if (!mine || !peer) return { target, measured: 'not measured', met: null };
  const value = rate(mine) / rate(peer);
  return { target, measured: times(value), met: value >= minimum };
}

export function judgeTargets(rows, cold, growth) {
  const latchkey = rows.filter((r) => r.server.startsWith('Latchkey') && !r.failed);
  const worstP99 = latchkey.reduce((worst, r) => (r.p99 > (worst?.p99 ?? -1) ? r : worst), null);
  const worstRss = latchkey.reduce((worst, r) => (r.rss > (worst?.rss ?? -1) ? r : worst), null);
  const restart = cold.find((c) => c.server.startsWith('Latchkey') && c.kind === 'existing database');
  const growthRatios = growth.rows.length
    ? [...new Set(growth.rows.map((r) => r.scenario))].map((scenario) => {
        const [small, large] = growth.rows.filter((r) => r.scenario === scenario);
        return small && large && !small.failed && !large.failed
          ? { scenario, p50: large.p50 / small.p50 }
          : null;
      })
    : [];
  const worstGrowth = growthRatios.every(Boolean)
    ? growthRatios.reduce((worst, g) => (g.p50 > (worst?.p50 ?? 0) ? g : worst), null)
    : null;
  const sizes = [...new Set(growth.rows.map((r) => r.stored))].map((n) =>
    n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`,
  );
  const growthTarget = `≤ 1.5× latency growth, ${sizes.length === 2 ? sizes.join(' → ') : '10k → 1M'} tokens`;
  return [
    ratioTarget(rows, 'client credentials ≥ 3× oidc-provider', 'cc', PEER, 'cc', 3),
    ratioTarget(
      rows,
      'client credentials ≥ 0.5× Fastify + SQLite insert',
      'cc',
      LIMIT_INSERT,
      'form',
      0.5,
      httpRate,
    ),
    ratioTarget(rows, 'introspection ≥ 3× oidc-provider', 'introspect', PEER, 'introspect', 3),
    ratioTarget(rows, 'completed code flows ≥ 2× oidc-provider', 'code', PEER, 'code', 2),
    worstP99
      ? {
          target: 'p99 < 10 ms at 32 connections',
          measured: `worst ${worstP99.p99.toFixed(1)} ms (${worstP99.server}, ${worstP99.scenario})`,
          met: worstP99.p99 < 10,
        }
      : { target: 'p99 < 10 ms at 32 connections', measured: 'not measured', met: null },
    worstRss
      ? {
          target: 'server RSS < 120 MB under load',
          measured: `worst ${Math.round(worstRss.rss / 1048576)} MB (${worstRss.scenario})`,
          met: worstRss.rss < 120 * 1048576,
        }
      : { target: 'server RSS < 120 MB under load', measured: 'not measured', met: null },
    restart && !restart.failed
      ? {
          target: 'cold start < 500 ms',
          measured: `${Math.round(restart.median)} ms (existing database)`,
          met: restart.median < 500,
        }
      : { target: 'cold start < 500 ms', measured: 'not measured', met: null },
    worstGrowth
      ? {
          target: growthTarget,
          measured: `worst p50 ${times(worstGrowth.p50)} (${worstGrowth.scenario})`,
          met: worstGrowth.p50 <= 1.5,
        }
      : { target: growthTarget, measured: 'not measured', met: null },
  ];
}

export function targetsTable(judged) {
  const mark = (met) => (met === null ? '—' : met ? 'met' : '**missed**');
  return [
    '| target | measured | |',
    '| --- | --- | --- |',
    ...judged.map((t) => `| ${t.target} | ${t.measured} | ${mark(t.met)} |`),
  ].join('\n');
}
