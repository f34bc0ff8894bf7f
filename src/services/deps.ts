/** What every service needs: the store, the clock and the configuration. Passed explicitly. */
import type { Config } from '../config/schema.js';
import type { HookRunner } from '../embedding/hook-runner.js';
import type { Clock } from '../protocol/clock.js';
import type { Store } from '../store/ports.js';
import { type Accounts, defaultAccounts } from './accounts.js';

/** What a host application plugged in (issue 8); absent: the built-in accounts and no hooks. */
export interface Extensions {
  accounts: Accounts;
  hooks: HookRunner | null;
}

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  config: Config;
  extensions?: Extensions;
}

export function accountsOf(deps: ServiceDeps): Accounts {
  return deps.extensions?.accounts ?? defaultAccounts(deps.store);
}

/** Null when no hook is set: callers then skip the hook entirely (one property check). */
export function hooksOf(deps: ServiceDeps): HookRunner | null {
  return deps.extensions?.hooks ?? null;
}
