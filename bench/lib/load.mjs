/**
 * The one load generator every row uses: autocannon in this process, 32 connections, no
 * pipelining, a fixed duration after a discarded warm-up. Latencies are recorded here from
 * autocannon's per-response event (fractional milliseconds; its own histogram rounds to whole
 * ones, too coarse for sub-millisecond servers).
 *
 * A load is either static (one request repeated, checked by status and a body predicate) or a
 * flow: a sequence of dynamic requests whose `onResponse` hooks report completed flows and errors
 * themselves (see flows.mjs), because a 302 is the success of an authorization request.
 */
import autocannon from 'autocannon';
import { percentile } from './stats.mjs';

export const CONNECTIONS = 32;

function run(options) {
  const samples = [];
  const instance = autocannon({ connections: CONNECTIONS, pipelining: 1, timeout: 10, ...options });
  instance.on('response', (_client, _status, _bytes, responseTime) => samples.push(responseTime));
  return instance.then((result) => ({ result, samples }));
}

/** Socket errors, timeouts, unexpected statuses and body mismatches: any of them fails the row. */
function errorsOf(result, countNon2xx) {
  return result.errors + result.timeouts + result.mismatches + (countNon2xx ? result.non2xx : 0);
}

/**
 * Static load: `target` = { url, method, headers, body, verifyBody? }; `rate` (optional) fixes the
 * overall request rate, for latency at a modest load rather than at saturation.
 */
export async function measureStatic(target, { duration, warmup, rate }, onMeasure = async () => {}) {
  const options = { ...target, ...(rate ? { overallRate: rate } : {}) };
  if (warmup > 0) await run({ ...options, duration: warmup });
  await onMeasure();
  const { result, samples } = await run({ ...options, duration });
  return {
    operations: result.requests.total,
    rate: result.requests.total / result.duration,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    errors: errorsOf(result, true),
    requests: result.requests.total,
  };
}

/**
 * Flow load: `flow` = { url, requests, stats(), reset() } from flows.mjs. Completed flows per
 * second and flow latency (first request sent → last response) come from the flow's own counters.
 * Both loads call `onMeasure` between the warm-up and the measured run, and return `operations`:
 * the requests (or flows) the measured run completed.
 */
export async function measureFlow(flow, { duration, warmup }, onMeasure = async () => {}) {
  if (warmup > 0) await run({ url: flow.url, requests: flow.requests, duration: warmup });
  flow.reset();
  await onMeasure();
  const { result } = await run({ url: flow.url, requests: flow.requests, duration });
  const stats = flow.stats();
  return {
    operations: stats.completed,
    rate: stats.completed / result.duration,
    p50: percentile(stats.latencies, 50),
    p99: percentile(stats.latencies, 99),
    // Statuses are judged by the flow (a redirect can be the expected answer), not as non-2xx.
    errors: stats.errors + errorsOf(result, false),
    requests: result.requests.total,
  };
}
