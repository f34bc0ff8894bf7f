/**
 * Time is injected everywhere (DESIGN.md rule 7): expiry is tested with a fake clock, never by
 * sleeping. All protocol times are whole seconds since the epoch, as JWT and RFC 7662 use.
 */
export interface Clock {
  /** Seconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = {
  now: () => Math.floor(Date.now() / 1000),
};

/** A clock for tests: starts at `start` and moves only when told to. */
export function fakeClock(
  start = 1_800_000_000,
): Clock & { advance(seconds: number): void; set(t: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(seconds: number) {
      t += seconds;
    },
    set(value: number) {
      t = value;
    },
  };
}
