/**
 * JWT signing keys: made at start, chosen per token, published as a JWK Set (RFC 7517 §5),
 * rotated and retired from the CLI. Keys live in the store, so every instance sharing it signs
 * with the same keys and publishes the same set. See docs/keys.md.
 */
import {
  generateSigningKey,
  isSigningAlgorithm,
  type JWK,
  publishedJwk,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from '../crypto/keys.js';
import { OAuthError } from '../protocol/errors.js';
import {
  DuplicateKeyError,
  type SigningKeyRecord,
  type Store,
  type UnreadableSigningKey,
} from '../store/ports.js';
import type { ServiceDeps } from './deps.js';

/**
 * How long an instance trusts what it read from the store. Another instance's rotation reaches
 * this one within this time, without a lookup per token; the old key stays published far longer.
 */
export const KEY_CACHE_SECONDS = 30;
/** Slack for verifiers whose clocks run behind ours. */
export const CLOCK_SKEW_SECONDS = 60;

type Snapshot = { keys: SigningKeyRecord[]; unreadable: UnreadableSigningKey[] };

interface StoreState {
  loaded: { at: number; snapshot: Promise<Snapshot> } | null;
  /** Keys being made, per alg: a burst of first uses makes one key, not one each. */
  creating: Map<SigningAlgorithm, Promise<string | null>>;
}

// Per store, not per process: tests and embedders may run several stores side by side.
const states = new WeakMap<Store, StoreState>();

function stateOf(store: Store): StoreState {
  let state = states.get(store);
  if (!state) {
    state = { loaded: null, creating: new Map() };
    states.set(store, state);
  }
  return state;
}

const forget = (store: Store): void => {
  stateOf(store).loaded = null;
};

/** Reads the keys from the store, and keeps them for the next KEY_CACHE_SECONDS. */
function load(deps: ServiceDeps): Promise<Snapshot> {
  const state = stateOf(deps.store);
  const loaded = { at: deps.clock.now(), snapshot: deps.store.keys.list() };
  state.loaded = loaded;
  loaded.snapshot.catch(() => {
    if (state.loaded === loaded) state.loaded = null;
  });
  return loaded.snapshot;
}

function cached(deps: ServiceDeps): Promise<Snapshot> {
  const { loaded } = stateOf(deps.store);
  const now = deps.clock.now();
  if (loaded && loaded.at <= now && now < loaded.at + KEY_CACHE_SECONDS) return loaded.snapshot;
  return load(deps);
}

export const isPublished = (key: { retireAt: number | null }, now: number): boolean =>
  key.retireAt === null || key.retireAt > now;

/** Whether the alg has its key that is not being retired (readable or not): the store allows one. */
const hasCurrent = ({ keys, unreadable }: Snapshot, alg: SigningAlgorithm): boolean =>
  [...keys, ...unreadable].some((k) => k.alg === alg && k.retireAt === null);

/**
 * The key that signs for `alg`, chosen alike on every instance from the same rows: the alg's key
 * that is not being retired, else (when that one cannot be read) the newest key still published.
 * Ties on activatedAt go to the greater kid, so the choice never depends on row order.
 */
export function chooseSigningKey(
  keys: SigningKeyRecord[],
  alg: SigningAlgorithm,
  now: number,
): SigningKeyRecord | null {
  const rank = (k: SigningKeyRecord) => (k.retireAt === null ? 1 : 0);
  const candidates = keys
    .filter((k) => k.alg === alg && isPublished(k, now))
    .sort(
      (a, b) =>
        rank(b) - rank(a) || b.activatedAt - a.activatedAt || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0),
    );
  return candidates[0] ?? null;
}

/**
 * Makes a key for `alg`; its kid, or null when another instance's key got the alg's place first
 * (then that one stands: the store's unique index decides, so racing instances agree).
 */
function createKey(deps: ServiceDeps, alg: SigningAlgorithm): Promise<string | null> {
  const state = stateOf(deps.store);
  let pending = state.creating.get(alg);
  if (!pending) {
    pending = (async () => {
      const material = await generateSigningKey(alg);
      const now = deps.clock.now();
      try {
        await deps.store.keys.insert({ ...material, createdAt: now, activatedAt: now, retireAt: null });
        return material.kid;
      } catch (error) {
        if (error instanceof DuplicateKeyError) return null;
        throw error;
      }
    })().finally(() => {
      state.creating.delete(alg);
      state.loaded = null;
    });
    state.creating.set(alg, pending);
  }
  return pending;
}

function noUsableKey(alg: SigningAlgorithm, unreadable: UnreadableSigningKey[]): Error {
  const blocking = unreadable.find((k) => k.alg === alg && k.retireAt === null);
  return new Error(
    blocking
      ? `No usable ${alg} signing key: key ${blocking.kid} cannot be read (${blocking.problem}). ` +
          `Run "latchkey keys retire ${blocking.kid}" to replace it.`
      : `No usable ${alg} signing key`,
  );
}

/** The signing key for `alg` in `snapshot`, after making one if the alg has none. */
async function keyFor(
  deps: ServiceDeps,
  alg: SigningAlgorithm,
  snapshot: Snapshot,
): Promise<{ key: SigningKeyRecord; created: string | null }> {
  let created: string | null = null;
  if (!hasCurrent(snapshot, alg)) {
    created = await createKey(deps, alg);
    snapshot = await load(deps);
  }
  const key = chooseSigningKey(snapshot.keys, alg, deps.clock.now());
  if (!key) throw noUsableKey(alg, snapshot.unreadable);
  return { key, created };
}

export interface EnsureResult {
  /** Kids of the keys this call made. */
  created: string[];
  /** Stored keys that cannot be read, for the log: they are neither used nor published. */
  unreadable: UnreadableSigningKey[];
}

/** At start: a signing key for each alg that lacks one. Instances starting together agree on one. */
export async function ensureSigningKeys(deps: ServiceDeps, algs: SigningAlgorithm[]): Promise<EnsureResult> {
  const created: string[] = [];
  for (const alg of new Set(algs)) {
    const made = await keyFor(deps, alg, await load(deps));
    if (made.created) created.push(made.created);
  }
  return { created, unreadable: (await load(deps)).unreadable };
}

/**
 * The key to sign with now, from memory (read again every KEY_CACHE_SECONDS). The first use of
 * an alg makes its key.
 */
export async function signingKey(deps: ServiceDeps, alg: SigningAlgorithm): Promise<SigningKeyRecord> {
  const snapshot = await cached(deps);
  const key = chooseSigningKey(snapshot.keys, alg, deps.clock.now());
  if (key?.retireAt === null) return key;
  return (await keyFor(deps, alg, snapshot)).key;
}

/** The JWK Set to publish: the public members of every published key, never a private one. */
export async function publishedJwks(deps: ServiceDeps): Promise<{ keys: JWK[] }> {
  const now = deps.clock.now();
  const keys: JWK[] = [];
  for (const key of (await cached(deps)).keys) {
    if (!isPublished(key, now)) continue;
    try {
      keys.push(publishedJwk(key));
    } catch {
      // A public JWK that parses but lacks its members is no use to a verifier: left out.
    }
  }
  return { keys };
}

/**
 * The longest an access token signed now can live: the server's default, each per-grant value
 * and each client's own. A rotated-out key stays published until such a token has expired.
 */
export async function maxAccessTokenLifetime(deps: ServiceDeps): Promise<number> {
  const { tokens } = deps.config;
  const byGrant = Object.values(tokens.accessTokenTtlByGrant).filter(
    (v): v is number => typeof v === 'number',
  );
  const byClient = (await deps.store.clients.list()).map((c) => c.accessTokenTtl ?? 0);
  // ID tokens are signed with these keys too, so they count like access tokens.
  return Math.max(tokens.accessTokenTtl, tokens.idTokenTtl, ...byGrant, ...byClient);
}

export interface RotateResult {
  alg: SigningAlgorithm;
  /** The new signing key. */
  kid: string;
  /** The keys it replaces: they sign no more and stay published until `retireAt`. */
  retiring: string[];
  retireAt: number;
}

/**
 * A new signing key for `alg`, or for every alg that has one. The keys they replace stay in the
 * JWKS until every token they signed has expired: the longest access token lifetime, plus the
 * time other instances may go on signing with them (KEY_CACHE_SECONDS), plus clock skew.
 */
export async function rotateSigningKeys(
  deps: ServiceDeps,
  options: { alg?: SigningAlgorithm } = {},
): Promise<RotateResult[]> {
  const snapshot = await load(deps);
  const algs = options.alg ? [options.alg] : SIGNING_ALGORITHMS.filter((alg) => hasCurrent(snapshot, alg));
  const now = deps.clock.now();
  const retireAt = now + (await maxAccessTokenLifetime(deps)) + KEY_CACHE_SECONDS + CLOCK_SKEW_SECONDS;
  const results: RotateResult[] = [];
  try {
    for (const alg of algs) {
      const material = await generateSigningKey(alg);
      const key = { ...material, createdAt: now, activatedAt: now, retireAt: null };
      const retiring = await deps.store.keys.rotate(alg, key, retireAt).catch((error: unknown) => {
        // Only a rotation racing this one on PostgreSQL can take the alg's place in between.
        if (error instanceof DuplicateKeyError)
          throw new OAuthError('invalid_request', `Another ${alg} rotation ran at the same time; try again`);
        throw error;
      });
      results.push({ alg, kid: material.kid, retiring, retireAt });
    }
  } finally {
    forget(deps.store);
  }
  return results;
}

export interface RetireResult {
  kid: string;
  alg: string;
  /** Whether it was the key signing for its alg. */
  wasSigning: boolean;
  /** The key that signs for that alg now: a fresh one when the retired key was in use. */
  signingKid: string | null;
}

/**
 * Takes a key out of use and out of the JWKS at once, for a key that may be compromised: tokens
 * it signed stop verifying once verifiers fetch the JWKS again.
 */
export async function retireSigningKey(deps: ServiceDeps, kid: string): Promise<RetireResult> {
  const snapshot = await load(deps);
  const now = deps.clock.now();
  const key = [...snapshot.keys, ...snapshot.unreadable].find((k) => k.kid === kid);
  if (!key) throw new OAuthError('invalid_request', `There is no signing key with kid ${kid}`);
  const alg = isSigningAlgorithm(key.alg) ? key.alg : null;
  const wasSigning = alg !== null && chooseSigningKey(snapshot.keys, alg, now)?.kid === kid;
  const retired = await deps.store.keys.retire(kid, now).finally(() => forget(deps.store));
  if (!retired) throw new OAuthError('invalid_request', `The signing key ${kid} is retired already`);
  if (!alg) return { kid, alg: key.alg, wasSigning, signingKid: null };
  // The alg's current key is replaced at once (keyFor makes one when the alg has none left).
  const { key: signing } = await keyFor(deps, alg, await load(deps));
  return { kid, alg, wasSigning, signingKid: signing.kid };
}

/** For housekeeping: deletes keys that have left the JWKS; returns how many. */
export async function purgeRetiredKeys(deps: ServiceDeps): Promise<number> {
  const purged = await deps.store.keys.purgeRetired(deps.clock.now());
  if (purged > 0) forget(deps.store);
  return purged;
}

export interface KeyStatus {
  kid: string;
  alg: string;
  status: 'signing' | 'published' | 'retired' | 'unreadable';
  createdAt: number;
  retireAt: number | null;
  /** Why an unreadable key cannot be read. */
  problem?: string;
}

/** Every stored key and what it does now, oldest first, for `latchkey keys list`. */
export async function listSigningKeys(deps: ServiceDeps): Promise<KeyStatus[]> {
  const { keys, unreadable } = await load(deps);
  const now = deps.clock.now();
  const signing = new Set(SIGNING_ALGORITHMS.map((alg) => chooseSigningKey(keys, alg, now)?.kid));
  const status = (k: SigningKeyRecord): KeyStatus['status'] =>
    signing.has(k.kid) ? 'signing' : isPublished(k, now) ? 'published' : 'retired';
  return [
    ...keys.map((k) => ({
      kid: k.kid,
      alg: k.alg,
      status: status(k),
      createdAt: k.createdAt,
      retireAt: k.retireAt,
    })),
    ...unreadable.map((k) => ({ ...k, status: 'unreadable' as const })),
  ].sort((a, b) => a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : 1));
}
