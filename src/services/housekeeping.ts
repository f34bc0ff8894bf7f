/**
 * Removing what has expired, on a timer in the server and on demand from the CLI. Signing keys
 * past their retire time go too (the store's purge counts them as `signingKeys`); they have left
 * the JWK Set already, so no instance's key cache needs telling. So do audit events older than
 * `audit.retentionDays`.
 */
import type { PurgeCounts } from '../store/ports.js';
import type { ServiceDeps } from './deps.js';

/** How long a used or expired code is kept, so that a late replay still revokes its grant. */
export const CODE_RETENTION_SECONDS = 3600;

export function purgeExpired(deps: ServiceDeps): Promise<PurgeCounts> {
  return deps.store.housekeeping.purgeExpired(deps.clock.now(), {
    codeRetention: CODE_RETENTION_SECONDS,
    throttleWindow: deps.config.throttle.window,
    auditRetention: deps.config.audit.retentionDays * 86_400,
  });
}

/** Runs purgeExpired every `intervalSeconds`; the timer never keeps the process alive. */
export function schedulePurge(
  deps: ServiceDeps,
  intervalSeconds: number,
  onError: (error: unknown) => void,
): { stop(): void } {
  if (intervalSeconds <= 0) return { stop() {} };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    purgeExpired(deps)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
