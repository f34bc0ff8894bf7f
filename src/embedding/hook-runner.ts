/** How the services call the host's hooks: isolated from their errors, and free when unset. */

import { OAuthError } from '../protocol/errors.js';
import type {
  AuthEvent,
  AuthEventListeners,
  AuthEventName,
  AuthEvents,
  AuthServerHooks,
  ClaimsContext,
  ConsentContext,
  ConsentDecision,
} from './hooks.js';
import { RESERVED_CLAIMS } from './hooks.js';

/** Where a hook's failure is reported: the server's log. Never the event or the claims. */
export type HookErrorReporter = (error: unknown, hook: string) => void;

export interface HookRunner {
  /** Whether anyone listens: callers skip building an event nobody will see. */
  listens(name: AuthEventName): boolean;
  /** Calls the listener without awaiting it; a failure is reported and goes no further. */
  emit<K extends AuthEventName>(name: K, event: AuthEvents[K], at: number): void;
  /** Null when no claims hook is set: then no await is added per token. */
  readonly claims: ((context: ClaimsContext) => Promise<Record<string, unknown>>) | null;
  /** Null when no consent hook is set. */
  readonly consent: ((context: ConsentContext) => Promise<ConsentDecision>) | null;
}

const RESERVED = new Set<string>(RESERVED_CLAIMS);
/** Generous for roles and tenant ids, small enough that a token still fits a header. */
const EXTRA_CLAIMS_MAX_BYTES = 4096;

/** A claims hook's answer as a plain JSON object; anything else is the host's bug, thrown. */
export function checkExtraClaims(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype)
    throw new TypeError('the claims hook must return a plain object of claims or undefined');
  const reserved = Object.keys(value).filter((name) => RESERVED.has(name));
  if (reserved.length > 0)
    throw new TypeError(`the claims hook may not set reserved claims: ${reserved.join(', ')}`);
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('claims must be JSON values');
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint' || v === undefined)
      throw new TypeError('claims must be JSON values');
    return v;
  });
  if (Buffer.byteLength(json) > EXTRA_CLAIMS_MAX_BYTES)
    throw new TypeError(`the claims hook returned more than ${EXTRA_CLAIMS_MAX_BYTES} bytes of claims`);
  // A copy: the hook keeps no handle on what is signed.
  return JSON.parse(json) as Record<string, unknown>;
}

const CONSENT_DECISIONS: readonly ConsentDecision[] = ['ask', 'skip', 'default'];

export function hookRunner(hooks: AuthServerHooks | undefined, report: HookErrorReporter): HookRunner {
  const listeners: AuthEventListeners = { ...hooks?.events };
  const claimsHook = hooks?.claims;
  const consentHook = hooks?.consent;
  return {
    listens: (name) => typeof listeners[name] === 'function',
    emit(name, event, at) {
      const listener = listeners[name] as ((e: AuthEvent<typeof name>) => unknown) | undefined;
      if (!listener) return;
      try {
        const frozen = Object.freeze({ ...event, type: name, at }) as unknown as AuthEvent<typeof name>;
        const result = listener(frozen);
        if (result instanceof Promise) result.catch((error: unknown) => report(error, `events.${name}`));
      } catch (error) {
        report(error, `events.${name}`);
      }
    },
    claims: claimsHook
      ? async (context) => {
          try {
            return checkExtraClaims(await claimsHook(Object.freeze({ ...context })));
          } catch (error) {
            // No token goes out without the claims the host meant it to carry: the request fails
            // (500, logged with the cause by the error handler), and the client sees no detail.
            throw new OAuthError('server_error', undefined, {
              status: 500,
              detail: `the claims hook failed: ${(error as Error)?.message ?? String(error)}`,
              cause: error,
            });
          }
        }
      : null,
    consent: consentHook
      ? async (context) => {
          try {
            const decision = await consentHook(Object.freeze({ ...context }));
            if (CONSENT_DECISIONS.includes(decision)) return decision;
            throw new TypeError(
              `the consent hook returned ${JSON.stringify(decision)}, not ask, skip or default`,
            );
          } catch (error) {
            // Asking is the safe answer when the host cannot say.
            report(error, 'consent');
            return 'ask';
          }
        }
      : null,
  };
}

const EVENT_NAMES = [
  'tokenIssued',
  'tokenRevoked',
  'consentGranted',
  'consentRemoved',
  'loginSucceeded',
  'loginFailed',
];

/** Hooks checked at start, so a typo fails here rather than silently never firing. */
export function checkHooks(hooks: AuthServerHooks | undefined): void {
  if (hooks === undefined) return;
  const problems: string[] = [];
  for (const name of ['claims', 'consent'] as const) {
    if (hooks[name] !== undefined && typeof hooks[name] !== 'function')
      problems.push(`${name} must be a function`);
  }
  for (const [name, listener] of Object.entries(hooks.events ?? {})) {
    if (!EVENT_NAMES.includes(name))
      problems.push(`events.${name} is not an event (${EVENT_NAMES.join(', ')})`);
    else if (typeof listener !== 'function') problems.push(`events.${name} must be a function`);
  }
  if (problems.length > 0) throw new TypeError(`hooks: ${problems.join('; ')}`);
}
