import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DIST, RESULTS } from './support';

// First load: the JavaScript the built index.html loads before anything else (its module script and the chunks it
// preloads), gzipped as a server would send it. The admin pages are split off and load when opened.
const LIMIT = 250 * 1024;

export function firstLoadScripts(html: string): string[] {
  const refs = [
    ...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g),
  ].map((m) => m[1] as string);
  return [...new Set(refs)];
}

describe('the built console', () => {
  it('loads at most 250 KB of JavaScript, gzipped, on first load', () => {
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    const scripts = firstLoadScripts(html);
    expect(scripts.length).toBeGreaterThan(0);
    const sizes = scripts.map((src) => {
      expect(src).toMatch(/^\/console\/assets\/[\w.-]+\.js$/);
      const file = readFileSync(join(DIST, src.slice('/console/'.length)));
      return { src, bytes: file.length, gzipped: gzipSync(file, { level: 9 }).length };
    });
    const gzipped = sizes.reduce((sum, s) => sum + s.gzipped, 0);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(
      join(RESULTS, 'bundle-size.json'),
      `${JSON.stringify({ limit: LIMIT, gzipped, sizes }, null, 2)}\n`,
    );
    console.log(`console first-load JavaScript: ${(gzipped / 1024).toFixed(1)} KB gzipped (limit 250 KB)`);
    expect(gzipped).toBeLessThanOrEqual(LIMIT);
  });

  it('has no inline script or style in its page (the CSP allows none)', () => {
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/https?:\/\//);
  });
});
