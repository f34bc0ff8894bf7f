#!/usr/bin/env node
// Bundles the built server (dist/src) into one file per entry: the public API (`latchkey`) and
// the `latchkey` command. Why: loading ~720 ESM files (kysely alone is 260) took ~0.7 s of a cold
// start; one file loads in ~0.2 s. Native and optional drivers stay outside the bundle and load
// from node_modules. The unbundled dist/src stays for the types and for `latchkey/resource`.
import { rolldown } from 'rolldown';

const external = ['better-sqlite3', '@node-rs/argon2', 'pg', /^node:/];
const entries = { latchkey: 'dist/src/index.js', 'latchkey-cli': 'dist/src/cli/main.js' };

for (const [name, input] of Object.entries(entries)) {
  const bundle = await rolldown({ input, platform: 'node', external, logLevel: 'warn' });
  await bundle.write({ file: `dist/${name}.js`, format: 'esm', sourcemap: true, codeSplitting: false });
  await bundle.close();
}
