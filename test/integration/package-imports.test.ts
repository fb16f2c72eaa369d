// What each entry point of the built package loads when imported: drivers and test frameworks
// are optional peer dependencies, so an entry point must not import one it does not need.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const exports = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { exports: Record<string, { default?: string }> }).exports;

// Static imports and re-exports only: a dynamic import() runs when it is called, not when the module loads.
const STATIC_IMPORT = /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;

/** The packages an entry point loads, following its static imports through the package's own files. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (specifier!.startsWith('.')) pending.push(resolve(dirname(file), specifier!));
      else if (!specifier!.startsWith('node:')) packages.add(specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!);
    }
  }
  return packages;
}

const OPTIONAL = ['pg', 'ioredis', 'vitest', 'fast-check', 'zod'];

describe('the package entry points', () => {
  it.each([
    ['.', []],
    ['./sqlite', []],
    ['./testing/dsl', []],
    ['./adapter', []],
    ['./postgres', ['pg']],
    ['./redis', ['ioredis']],
    ['./testing', ['vitest', 'fast-check']],
  ])('%s loads only the optional packages it needs', (entry, needed) => {
    const target = exports[entry]?.default;
    expect(target, `package.json exports ${entry}`).toBeDefined();
    const optionalLoaded = [...packagesLoadedBy(target!)].filter((name) => OPTIONAL.includes(name)).sort();
    expect(optionalLoaded).toEqual([...needed].sort());
  });
});
