/**
 * docs/embedding.md's walk-throughs are compiled by `npm run typecheck` from test/types/docs-*.ts;
 * this keeps those files and the doc the same code, so a snippet that stops compiling fails CI.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const blocks = [...read('docs/embedding.md').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
/** A compiled file's doc part, with the source entry written as the package name again. */
const docPart = (path: string) =>
  read(path)
    .split('// ---- end of docs/embedding.md ----\n')[0]!
    .replaceAll("from '../../src/index.js'", "from 'latchkey'");

describe('docs/embedding.md', () => {
  it('shows the Fastify and Express walk-throughs exactly as test/types compiles them', () => {
    const fastify = docPart('test/types/docs-fastify.ts');
    const express = docPart('test/types/docs-express.ts');
    // The full programs, the client registration and the access API calls.
    for (const block of [blocks[0], blocks[2], blocks[3]]) expect(fastify).toContain(block);
    expect(express).toContain(blocks[1]);
    expect(blocks[0]).toContain("import { createAuthServer } from 'latchkey';");
  });
});
