/**
 * Servers under test run in their own child processes, so the load generator in this process does
 * not share their event loop or heap, and each one's peak RSS is its own. Every child is tracked
 * and killed when this process exits for any reason (an error, a signal, the run's time limit).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const live = new Set();
const dirs = new Set();
let profileDir = null;

/** With a directory, every server process started from now on writes a V8 CPU profile there. */
export function profileServersInto(dir) {
  profileDir = dir;
}

/** SIGKILL, not SIGTERM: on the way out nothing is gained by letting a server under test close cleanly. */
export function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/**
 * A new temporary directory, removed when the process exits however it exits: an interrupted run
 * leaves no databases behind (callers may remove it sooner with removeDir).
 */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `latchkey-bench-${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function removeDir(dir) {
  dirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

process.on('exit', () => {
  killAll();
  for (const dir of dirs) removeDir(dir);
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll();
    process.stderr.write(`\nbench: stopped by ${signal}; every server process was killed\n`);
    process.exit(130);
  });
}

/** A port that was free a moment ago on 127.0.0.1 (issuers must name their port before listening). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const serverScript = (name) => fileURLToPath(new URL(`../servers/${name}.mjs`, import.meta.url));

/**
 * Forks `bench/servers/<name>.mjs` with `options` in BENCH_OPTIONS. `ready` resolves with the
 * child's `{ type: 'ready' }` message; startup failures reject it with the child's own reason (its
 * `error` message or the tail of its stderr), so a row can be reported as failed with why.
 */
export function forkServer(name, options, { timeoutMs = 60_000 } = {}) {
  const child = fork(serverScript(name), [], {
    env: { ...process.env, BENCH_OPTIONS: JSON.stringify(options) },
    execArgv: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.on('message', (message) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      } else if (message?.type === 'error') {
        clearTimeout(timer);
        reject(new Error(message.message));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready${tail ? `: ${tail}` : ''}`));
    });
  });
  // Cold-start measurement may never await `ready`; an unobserved rejection must not end the run.
  ready.catch(() => {});
  return {
    child,
    ready,
    /** Peak RSS in bytes over the child's whole life so far (getrusage's maxrss, asked over IPC). */
    peakRss: () => request(child, { type: 'stats' }, 'stats', 5000).then((m) => m.maxRss),
    /** CPU time (user + system, µs) the child has used so far. */
    cpuTime: () => request(child, { type: 'stats' }, 'stats', 5000).then((m) => m.cpu),
    stop: () => stopChild(child),
  };
}

/** forkServer, then wait until it listens; on failure the child is already stopped. */
export async function startServer(name, options, settings) {
  const handle = forkServer(name, options, settings);
  try {
    return { ...handle, ...(await handle.ready) };
  } catch (error) {
    await handle.stop();
    throw error;
  }
}

function request(child, message, replyType, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no ${replyType} reply within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (reply) => {
      if (reply?.type !== replyType) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(reply);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/**
 * Asks the child to exit (so a --cpu-prof profile gets written), and kills it if it has not
 * within a second: a server under test never holds the run up.
 */
function stopChild(child) {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ type: 'exit' }, () => {});
    else child.kill('SIGKILL');
  });
}
