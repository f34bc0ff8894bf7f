/**
 * `node bench/profile-summary.mjs FILE.cpuprofile [N]`: the N functions with the most self time
 * in a V8 CPU profile (from `npm run bench -- --cpu-prof DIR`), and the share of time by package,
 * so a slow row can be explained without opening a profiler UI.
 */
import { readFileSync } from 'node:fs';

const [file, limit = '25'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs FILE.cpuprofile [N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
// Self time per node: each sample is the node on top of the stack, for timeDeltas[i] µs.
const self = new Map();
for (const [i, id] of profile.samples.entries())
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (url) => {
  if (!url) return '(native)';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1];
  if (url.includes('/dist/src/')) return `latchkey:${url.split('/dist/src/')[1].split('/')[0]}`;
  return url.startsWith('node:')
    ? url.replace('node:internal/', 'node:')
    : url.split('/').slice(-2).join('/');
};

const functions = new Map();
const packages = new Map();
for (const [id, micros] of self) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const key = `${functionName || '(anonymous)'} ${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
  functions.set(key, (functions.get(key) ?? 0) + micros);
  const area = url.startsWith('node:') ? 'node (built-in)' : where(url);
  packages.set(area, (packages.get(area) ?? 0) + micros);
}
const pct = (micros) => `${((100 * micros) / total).toFixed(1).padStart(5)}%`;
const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);

process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nby package / area:\n`);
for (const [name, micros] of top(packages, 15)) process.stdout.write(`  ${pct(micros)}  ${name}\n`);
process.stdout.write('\nby function (self time):\n');
for (const [name, micros] of top(functions, Number(limit)))
  process.stdout.write(`  ${pct(micros)}  ${name}\n`);
