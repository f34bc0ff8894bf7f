/** BENCHMARKS.md: the machine, the method, and one run's tables, built from that run's results. */
import { cpus, loadavg, release, totalmem } from 'node:os';
import { CONNECTIONS } from './load.mjs';
import { coldStartTable, growthTable, resultsTable } from './report.mjs';
import { judgeTargets, targetsTable } from './targets.mjs';

const NOT_RUN = 'Not run (`--only` left it out).';

export function describeMachine() {
  const cores = cpus();
  return {
    cpu: cores[0]?.model?.trim() ?? 'unknown CPU',
    cores: cores.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(', '),
  };
}

export function document({ machine, settings, started, wallSeconds, rows, cold, growth, postgres }) {
  const judged = judgeTargets(rows, cold, growth);
  const stored = settings.growthSizes.map((n) => n.toLocaleString('en-US')).join(' and ');
  return `# Benchmarks

Written by \`npm run bench${settings.quick ? ' -- --quick' : ''}\` on ${started.toISOString()} (${settings.quick ? 'quick' : 'full'} mode, ${Math.round(wallSeconds)} s wall time). Every number below comes from this one run, the peers measured in it beside Latchkey. Do not edit by hand: rerun.

## Machine

- CPU: ${machine.cpu}, ${machine.cores} cores; ${machine.memoryGb} GB memory
- ${machine.os}, Node.js ${machine.node}
- load average when the run started: ${machine.load}${Number(machine.load.split(',')[0]) > machine.cores / 2 ? ' (other work was running: expect noise)' : ''}

## Method

- Loopback only: every server listens on 127.0.0.1 on a free port, in its own child process; the
  load generator (autocannon, in the parent process) shares the same ${machine.cores} cores.
- Every row: ${CONNECTIONS} connections, no pipelining, ${settings.warmup} s of discarded warm-up, then ${settings.duration} s measured.
  Latency is per request, or per completed flow for the flow rows, measured by the harness.
- Errors (socket errors, timeouts, an unexpected status or body) must be 0: a row with any is
  reported as **FAILED**, not as a number. Every static row's body is checked on every response
  (a token was issued, \`"active":true\`, the API answered).
- Server CPU / op: the server process's CPU time (user + system) during the measured run, divided
  by the requests (flows, for the code flow) it completed. The rate depends on what else shares
  the cores; this figure much less, so it is the one to compare across runs. For the
  protected-API rows it is the API process's (as is the RSS): Latchkey's introspection behind the
  cache is not in it. Under \`--cpu-prof\` it includes the profiler's own cost.
- Peak RSS: the server process's maximum resident set over its life (getrusage), setup included;
  for the protected-API rows it is the API process's.
- Request logging is off in every server. Latchkey runs on SQLite in WAL mode with
  \`synchronous=FULL\` (each issued token is durable when the response is sent); oidc-provider
  keeps everything in memory (its default adapter); "Fastify + SQLite insert" is a bare Fastify
  route plus 32 random bytes, a SHA-256 and one insert committed per request (WAL, FULL).
- Ratios: Latchkey's rate ÷ the peer's. For the code flow (2 requests per flow) the Fastify ratios
  compare HTTP requests per second.
- Refresh rotation: every request presents an unused refresh token and the rotated one goes back
  to the pool. Code flow: GET /oauth/authorize with the session cookie and a new PKCE S256
  challenge → 302 with a code → POST /oauth/token; oidc-provider's user signed in and was granted
  the scopes once, through a scripted interaction, before the load.
${postgres ? `- Latchkey (PostgreSQL): the server at ${postgres} (from \`LATCHKEY_BENCH_POSTGRES_URL\`), ${/^(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(postgres) ? 'on this same machine' : 'over the network'}.\n` : '- PostgreSQL rows run when `LATCHKEY_BENCH_POSTGRES_URL` is set; it was not set for this run.\n'}
## Results

${rows.length > 0 ? resultsTable(rows) : NOT_RUN}

## Targets (issue 7)

${targetsTable(judged)}

## Cold start

From forking the server process to the first client-credentials token, polled every 2 ms; the
median of ${settings.coldRuns} runs. Latchkey's first start on a new database runs the migrations, generates
its signing keys and registers the client before it listens.

${cold.length > 0 ? coldStartTable(cold) : NOT_RUN}

## Growth

Latchkey on SQLite with ${stored} access tokens already stored (bulk-inserted before the server
starts), at a modest fixed ${growth.rate} requests/s: evenly spaced, at most ${CONNECTIONS} in flight on keep-alive
connections, each latency counted from the moment the request is handed to the HTTP agent
(bench/lib/paced.mjs: a request waiting for a free socket is on the clock, the sender's timer
lateness is not; autocannon's rate limit sends each second's requests in one burst, which would
measure its own queueing). Introspection cycles through 1,000 of the stored tokens.

${growth.rows.length > 0 ? growthTable(growth) : NOT_RUN}

## Rerun

\`\`\`sh
npm run bench              # the full run, under 10 minutes; writes this file
npm run bench -- --quick   # a few seconds per row, for before/after comparisons of a change
npm run bench -- --only latchkey,limits   # some sections: limits, oidc-provider, latchkey, postgres, cold, growth
LATCHKEY_BENCH_POSTGRES_URL=postgres://… npm run bench   # adds Latchkey on PostgreSQL
\`\`\`
`;
}
