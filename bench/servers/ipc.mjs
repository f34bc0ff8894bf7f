/**
 * The child side of bench/lib/children.mjs: say ready (with what the parent needs to know), say
 * why startup failed, report peak RSS and CPU time on request, and exit when the parent goes away so no
 * server outlives a crashed or interrupted run.
 */
export const options = JSON.parse(process.env.BENCH_OPTIONS ?? '{}');

process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message?.type === 'stats') {
    // maxRSS is in kilobytes (getrusage); the peak over the process's life, so setup counts too.
    // cpu: user + system microseconds so far; the parent takes the difference over the load.
    const { user, system } = process.cpuUsage();
    process.send({ type: 'stats', maxRss: process.resourceUsage().maxRSS * 1024, cpu: user + system });
  } else if (message?.type === 'exit') {
    process.exit(0);
  }
});

export function ready(details = {}) {
  process.send({ type: 'ready', ...details });
}

/** Reports a startup failure to the parent and exits, so the parent can name the reason. */
export function fail(error) {
  const message = error instanceof Error ? error.message : String(error);
  process.send({ type: 'error', message }, () => process.exit(1));
}
