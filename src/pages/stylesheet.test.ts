import { describe, expect, it } from 'vitest';
import { STYLESHEET, STYLESHEET_PATH } from './stylesheet.js';

describe('STYLESHEET', () => {
  it('is served from a fixed path on our own origin', () => {
    expect(STYLESHEET_PATH).toBe('/assets/latchkey.css');
  });

  it('loads nothing else: no imports, fonts or images', () => {
    expect(STYLESHEET).not.toMatch(/@import|@font-face|url\(/i);
  });

  it('shows keyboard focus and supports a dark scheme', () => {
    expect(STYLESHEET).toContain(':focus-visible');
    expect(STYLESHEET).toContain('prefers-color-scheme: dark');
  });

  it('has balanced braces', () => {
    expect(STYLESHEET.split('{').length).toBe(STYLESHEET.split('}').length);
  });
});
