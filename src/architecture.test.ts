// The import rules of docs/architecture.md, checked on every source file, so the map stays true.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));

/** Each driver, and the one adapter folder that may import it. */
const DRIVERS: Record<string, string> = { 'better-sqlite3': 'adapters/sqlite', pg: 'adapters/postgres', ioredis: 'adapters/redis' };

/** The places outside src/adapters/ that may reach into it, and how. */
const ADAPTER_IMPORTS_ALLOWED: Record<string, (specifier: string, kind: ImportKind) => boolean> = {
  // The scheme table: each backend is loaded when its URL is opened; its options' types are named statically.
  'core/open-store.ts': (specifier, kind) => kind === 'dynamic' || (kind === 'type' && specifier.endsWith('/options.js')),
  // The public API re-exports the memory backend, which has no driver.
  'index.ts': (specifier) => specifier.startsWith('./adapters/memory/'),
};

type ImportKind = 'static' | 'type' | 'dynamic';

interface Import {
  readonly file: string;
  readonly specifier: string;
  readonly kind: ImportKind;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(path: string): Import[] {
  const text = readFileSync(path, 'utf8');
  const file = relative(src, path);
  const found: Import[] = [];
  for (const match of text.matchAll(/^\s*(import|export)(\s+type)?\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm)) {
    found.push({ file, specifier: match[3]!, kind: match[2] ? 'type' : 'static' });
  }
  for (const match of text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) found.push({ file, specifier: match[1]!, kind: 'static' });
  for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ file, specifier: match[1]!, kind: 'dynamic' });
  return found;
}

/** The adapter folder (`adapters/sqlite`) a path in src/ lies in, if any. */
function adapterOf(pathInSrc: string): string | undefined {
  const [top, name] = pathInSrc.split('/');
  return top === 'adapters' && name !== undefined ? `adapters/${name}` : undefined;
}

const imports = sourceFiles(src).flatMap(importsOf);

describe('the import rules of docs/architecture.md', () => {
  it('finds the imports it checks', () => {
    // A regular expression that stopped matching would make every rule below hold trivially.
    expect(imports.filter((i) => i.specifier === 'better-sqlite3').length).toBeGreaterThan(0);
    expect(imports.filter((i) => i.kind === 'dynamic').length).toBeGreaterThan(0);
    expect(imports.filter((i) => i.kind === 'type').length).toBeGreaterThan(0);
  });

  it('imports a driver only inside its adapter folder', () => {
    const outside = imports.filter(({ file, specifier }) => {
      const home = DRIVERS[specifier];
      return home !== undefined && adapterOf(file) !== home;
    });
    expect(outside).toEqual([]);
  });

  it('never imports one adapter folder from another', () => {
    const crossing = imports.filter(({ file, specifier }) => {
      if (!specifier.startsWith('.')) return false;
      const from = adapterOf(file);
      const to = adapterOf(relative(src, resolve(src, dirname(file), specifier)));
      return from !== undefined && to !== undefined && from !== to;
    });
    expect(crossing).toEqual([]);
  });

  it('reaches the adapter folders from elsewhere only through the scheme table', () => {
    const reaching = imports.filter(({ file, specifier, kind }) => {
      if (!specifier.startsWith('.') || adapterOf(file) !== undefined) return false;
      if (adapterOf(relative(src, resolve(src, dirname(file), specifier))) === undefined) return false;
      return !(ADAPTER_IMPORTS_ALLOWED[file]?.(specifier, kind) ?? false);
    });
    expect(reaching).toEqual([]);
  });
});
