import { defineConfig } from 'vitest/config';

const include = ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.mjs'];

/**
 * Everything runs on SQLite; with LATCHKEY_TEST_POSTGRES_URL set (always in CI) everything that
 * touches a database runs again on PostgreSQL. Pure modules (protocol, crypto, pages, config)
 * have no engine and run once.
 */
const postgresUrl = process.env.LATCHKEY_TEST_POSTGRES_URL;
if (!postgresUrl) {
  console.warn(
    'PostgreSQL tests skipped: set LATCHKEY_TEST_POSTGRES_URL (for example postgres://postgres@127.0.0.1:5432/test)',
  );
}

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // argon2 and SQLite are CPU-bound, but many tests wait on PostgreSQL, fsync or a browser: on
  // CI's two cores three workers finish the two-engine run about a minute sooner than two.
  pool: 'forks' as const,
  maxWorkers: 3,
};

export default defineConfig({
  test: {
    projects: [
      // test/postgres/: several instances on one PostgreSQL, and its outages; PostgreSQL only.
      { test: { ...shared, name: 'sqlite', include, exclude: ['**/node_modules/**', 'test/postgres/**'] } },
      ...(postgresUrl
        ? [
            {
              test: {
                ...shared,
                name: 'postgres',
                include,
                exclude: [
                  '**/node_modules/**',
                  'src/protocol/**',
                  'src/crypto/**',
                  'src/pages/**',
                  'src/config/**',
                  'bench/**',
                  'src/store/kysely/database.test.ts',
                ],
                env: { LATCHKEY_TEST_ENGINE: 'postgres' },
                globalSetup: ['test/helpers/postgres-global-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
