import { describe, expect, it } from 'vitest';
import { coversScope, narrowScope, parseScope, resolveRequestedScope } from './scope.js';

describe('scope (RFC 6749 §3.3)', () => {
  it('parses space-separated tokens, dropping repeats', () => {
    expect(parseScope('profile  email profile')).toEqual(['profile', 'email']);
  });

  it('refuses characters outside scope-token', () => {
    expect(() => parseScope('pro"file')).toThrow(/malformed/);
    expect(() => parseScope('a\\b')).toThrow(/malformed/);
    expect(() => parseScope('caf\u00e9')).toThrow(/malformed/);
  });

  it('uses the client scope when none is requested', () => {
    expect(resolveRequestedScope(undefined, ['profile', 'email'])).toEqual(['profile', 'email']);
  });

  it('refuses scopes the client may not ask for', () => {
    expect(() => resolveRequestedScope('profile admin', ['profile'])).toThrow(/admin/);
    try {
      resolveRequestedScope('admin', ['profile']);
    } catch (error) {
      expect((error as { code: string }).code).toBe('invalid_scope');
    }
  });

  it('narrows on refresh but never widens (RFC 6749 §6)', () => {
    expect(narrowScope(undefined, ['a', 'b'])).toEqual(['a', 'b']);
    expect(narrowScope('a', ['a', 'b'])).toEqual(['a']);
    expect(() => narrowScope('a c', ['a', 'b'])).toThrow(/exceeds/);
  });

  it('knows when a consent covers a request', () => {
    expect(coversScope(['a', 'b'], ['b'])).toBe(true);
    expect(coversScope(['a'], ['a', 'b'])).toBe(false);
  });
});
