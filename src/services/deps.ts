/** What every service needs: the store, the clock and the configuration. Passed explicitly. */
import type { Config } from '../config/schema.js';
import type { Clock } from '../protocol/clock.js';
import type { Store } from '../store/ports.js';

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  config: Config;
}
