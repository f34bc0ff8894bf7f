/**
 * User passwords: argon2id (OWASP's first choice) with OWASP's minimum parameters
 * (19 MiB, 2 passes, 1 lane). Slow hashing belongs here and only here.
 */

/**
 * The argon2 binding, loaded at the first password: it adds ~15 MB to the resident set, and a
 * server that only issues and checks tokens (client credentials, introspection) never needs it.
 * A binding that fails to load fails every password operation loudly (a logged 500), never as a
 * wrong password; a failed load is not kept, so a transient failure is retried.
 */
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
function loadArgon2(): Promise<typeof import('@node-rs/argon2')> {
  if (!argon2) {
    argon2 = import('@node-rs/argon2');
    argon2.catch(() => {
      argon2 = undefined;
    });
  }
  return argon2;
}

const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// Algorithm.Argon2id is a const enum in @node-rs/argon2; its value is 2.
const ARGON2ID = 2;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

export async function hashPassword(password: string): Promise<string> {
  return (await loadArgon2()).hash(password, { ...PARAMS, algorithm: ARGON2ID });
}

/** A fixed hash to verify against when the account does not exist, so timing does not tell. */
let dummyHash: Promise<string> | undefined;

function dummy(): Promise<string> {
  if (!dummyHash) {
    dummyHash = hashPassword('latchkey-dummy-password');
    dummyHash.catch(() => {
      dummyHash = undefined;
    });
  }
  return dummyHash;
}

export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  // Outside the try: a binding that cannot load is an error for known and unknown users alike.
  const { verify } = await loadArgon2();
  const target = storedHash ?? (await dummy());
  try {
    const ok = await verify(target, password);
    return storedHash !== null && ok;
  } catch {
    // A malformed stored hash is a failed login, not a crash.
    return false;
  }
}
