#!/usr/bin/env node
// Enforces DESIGN.md rule 1: imports flow one way (http, pages, admin, cli → services →
// protocol, store/ports, crypto). Exits 1 listing every import that breaks a rule.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) yield path;
  }
}

const IMPORT =
  /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

/** Where an import points: a src/ area ("protocol", "store/kysely", …), "examples", or a package name. */
function target(fromFile, spec) {
  if (spec.startsWith('.')) {
    const rel = relative(root, resolve(dirname(fromFile), spec));
    if (rel.startsWith('src/store/ports')) return 'store/ports';
    if (rel.startsWith('src/store/')) return 'store/kysely';
    if (rel.startsWith('src/')) return rel.split('/')[1].replace(/\.js$/, '');
    return rel.split('/')[0];
  }
  if (spec.startsWith('node:')) return 'node';
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
}

const FRAMEWORKS = ['fastify', '@fastify/cookie', '@fastify/formbody', 'express'];
const DRIVERS = ['kysely', 'better-sqlite3', 'pg'];

/** [area of the importing file, rule(target, isTypeOnly) → problem or null]. */
const rules = [
  [
    'src/protocol/',
    (t) =>
      ['protocol', 'crypto', 'node'].includes(t) ? null : 'protocol imports only protocol, crypto and node:',
  ],
  [
    'src/crypto/',
    (t) => (['crypto', 'node', 'jose'].includes(t) ? null : 'crypto imports only crypto, node: and jose'),
  ],
  [
    'src/pages/',
    (t) => (['pages', 'node'].includes(t) ? null : 'pages are pure: they import only pages and node:'),
  ],
  [
    'src/services/',
    (t) =>
      ['http', 'pages', 'admin', 'cli', 'store/kysely'].includes(t) ||
      FRAMEWORKS.includes(t) ||
      DRIVERS.includes(t)
        ? 'services use protocol, store/ports and crypto, never HTTP, pages, drivers or the CLI'
        : null,
  ],
  [
    'src/store/',
    (t) =>
      ['http', 'services', 'pages', 'admin', 'cli'].includes(t) || FRAMEWORKS.includes(t)
        ? 'the store knows nothing of the layers above it'
        : null,
  ],
  [
    'src/admin/',
    (t) =>
      ['store/kysely', 'cli', 'examples'].includes(t) || DRIVERS.includes(t)
        ? 'admin works through services (and http’s cookies, context and responses), never the store’s implementation, drivers or the CLI'
        : null,
  ],
  [
    'src/resource/',
    (t, typeOnly) =>
      ['http', 'services', 'store/kysely', 'pages', 'cli'].includes(t) ||
      DRIVERS.includes(t) ||
      (FRAMEWORKS.includes(t) && !typeOnly)
        ? 'the resource helper uses protocol only (and fastify types)'
        : null,
  ],
  [
    'src/embedding/',
    (t, typeOnly) =>
      ['embedding', 'protocol', 'node'].includes(t) || (t === 'pages' && typeOnly)
        ? null
        : 'the public extension types use protocol (and page view types) only: they are what hosts compile against',
  ],
  ['examples/client/', (t) => (t === 'src' ? 'the example client talks to Latchkey over HTTP only' : null)],
];

/** Embedded examples are host apps: they may use Latchkey only through its public entry. */
const PUBLIC_ENTRIES = ['src/index.js', 'src/index.ts', 'src/resource/index.js', 'src/resource/index.ts'];

const problems = [];
for (const top of ['src', 'examples']) {
  for (const file of files(join(root, top))) {
    const rel = relative(root, file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[3] ?? m[4];
      const typeOnly = Boolean(m[2]);
      const t = target(file, spec);
      for (const [area, rule] of rules) {
        if (!rel.startsWith(area)) continue;
        const problem = rule(t, typeOnly);
        if (problem) problems.push(`${rel}: imports ${spec} — ${problem}`);
      }
      if (rel.startsWith('examples/embedded-') && spec.startsWith('.')) {
        const to = relative(root, resolve(dirname(file), spec));
        if (to.startsWith('src/') && !PUBLIC_ENTRIES.includes(to)) {
          problems.push(
            `${rel}: imports ${spec} — an embedding example uses only Latchkey's public entry (src/index)`,
          );
        }
      }
      if (
        FRAMEWORKS.includes(t) &&
        !typeOnly &&
        !rel.startsWith('src/http/') &&
        !rel.startsWith('examples/')
      ) {
        problems.push(`${rel}: imports ${spec} — only src/http may import the web framework`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`Import rules (DESIGN.md rule 1) broken:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
