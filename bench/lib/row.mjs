/**
 * Runs one row: start its servers, check one request by hand (so a misconfigured row fails with
 * a reason rather than a pile of errors), put it under load, read the server's peak RSS, and stop
 * every server it started — whatever happened.
 */
import { freePort, startServer } from './children.mjs';
import { measureFlow, measureStatic } from './load.mjs';
import { measurePaced } from './paced.mjs';

/** startServer on a fresh free port; retried when another process took the port in between. */
export async function startOnFreePort(name, options) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const handle = await startServer(name, { ...options, port });
      return { ...handle, port, origin: `http://127.0.0.1:${port}` };
    } catch (error) {
      if (attempt >= 3 || !String(error.message).includes('EADDRINUSE')) throw error;
    }
  }
}

/** Sends a static target once and throws if the answer is not the one the load will expect. */
async function preflight(target) {
  const response = await fetch(target.url, {
    method: target.method,
    headers: target.headers,
    body: target.body,
  });
  const text = await response.text();
  if (response.status !== 200 || (target.verifyBody && !target.verifyBody(text))) {
    throw new Error(`check request: ${response.status} ${text.slice(0, 160)}`);
  }
}

/**
 * `setup(started)` starts the servers (pushing each handle onto `started`) and returns
 * `{ measured, target }` (a static request) or `{ measured, flow }` (flows.mjs); `measured` is the
 * server whose RSS the row reports. With `settings.rate` a static target is sent paced at that
 * rate (paced.mjs) instead of as fast as the connections allow.
 */
export async function runRow(meta, setup, settings, log) {
  const started = [];
  let row = { ...meta };
  try {
    const { measured, target, flow } = await setup(started);
    if (target) await preflight(target);
    // The server's CPU time per operation: unlike the rate, it barely moves when other work on
    // the machine takes turns on the cores, so it shows what a change did to the server's cost.
    let cpuBefore;
    const onMeasure = async () => {
      cpuBefore = await measured.cpuTime();
    };
    const result = flow
      ? await measureFlow(flow, settings, onMeasure)
      : settings.rate
        ? await measurePaced(target, settings)
        : await measureStatic(target, settings, onMeasure);
    const cpuPerOp =
      cpuBefore === undefined || !result.operations
        ? undefined
        : ((await measured.cpuTime()) - cpuBefore) / result.operations;
    row = { ...row, ...result, cpuPerOp, rss: await measured.peakRss(), pid: measured.child.pid };
    if (result.errors > 0) row.failed = `${result.errors} errors in ${result.requests} requests`;
  } catch (error) {
    row.failed = (error?.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 200);
  } finally {
    for (const handle of started.reverse()) await handle.stop();
  }
  log(row);
  return row;
}
