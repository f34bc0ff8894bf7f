/** Driver errors turned into the store's own. */
import { DuplicateKeyError } from '../ports.js';

/** SQLite's constraint codes for a unique or primary key; PostgreSQL's is SQLSTATE 23505. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

export async function uniqueInsert<T>(insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateKeyError('duplicate key', { cause: error });
    throw error;
  }
}
