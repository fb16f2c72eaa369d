// The import rules of docs/architecture.md, checked on every non-test .ts file under src/:
//   1. a driver (better-sqlite3, pg, ioredis) is imported only inside its adapter's folder;
//   2. no adapter folder imports another;
//   3. the core (src/core, src/schemas, src/backend, src/command, src/projection, src/readmodel,
//      src/query) reaches the adapter folders
//      only through the scheme table in src/core/open-store.ts, by dynamic import; its
//      type-only imports of the adapters' option types are the one exception;
//   4. src/index.ts may re-export the memory backend, and no other adapter.
// Imports are read from the syntax tree (TypeScript's parser), so comments and strings that look
// like imports are not mistaken for them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));

/** Each driver, and the only adapter folder that may import it. */
const DRIVERS: Record<string, string> = { 'better-sqlite3': 'sqlite', pg: 'postgres', ioredis: 'redis' };
const CORE = ['core', 'schemas', 'backend', 'command', 'projection', 'readmodel', 'query'];

interface Import {
  /** The importing file, relative to src/ with '/' separators. */
  readonly from: string;
  readonly specifier: string;
  /** For a relative specifier: the file it names, relative to src/ (`.js` read as `.ts`). */
  readonly target: string | undefined;
  readonly kind: 'static' | 'dynamic';
  /** `import type …` or `export type … from`: erased from the JavaScript. */
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const toSrc = (path: string) => relative(SRC, path).split(sep).join('/');

/** Every import, re-export and import() of a file; `dynamicTexts` collects import() calls whose argument is not a literal. */
function importsOf(file: string, dynamicTexts: string[]): Import[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const from = toSrc(file);
  const found: Import[] = [];
  const add = (specifier: string, kind: Import['kind'], typeOnly: boolean) => {
    const target = specifier.startsWith('.') ? toSrc(resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))) : undefined;
    found.push({ from, specifier, target, kind, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, 'static', node.importClause?.isTypeOnly === true);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, 'static', node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) add(expression.text, 'static', node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const argument = node.arguments[0];
      if (argument && ts.isStringLiteralLike(argument)) add(argument.text, 'dynamic', false);
      else dynamicTexts.push(`${from}: ${node.getText(source)}`);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      // `typeof import('pg')` in a type: erased, but it still ties the file's types to the module.
      add(node.argument.literal.text, 'static', true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The adapter folder a file (relative to src/) is in, or undefined. */
const adapterOf = (path: string | undefined) => (path?.startsWith('adapters/') ? path.split('/')[1] : undefined);
const isCore = (path: string) => CORE.includes(path.split('/')[0]!);
/** The package a bare specifier names: `pg` for `pg/lib/client`, `@scope/name` for scoped ones. */
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const describeImport = (i: Import) => `${i.from} → ${i.specifier}${i.kind === 'dynamic' ? ' (import())' : i.typeOnly ? ' (type only)' : ''}`;

const files = sourceFiles(SRC);
const unreadDynamicImports: string[] = [];
const imports = files.flatMap((file) => importsOf(file, unreadDynamicImports));

describe('the import rules of docs/architecture.md', () => {
  it('reads the imports it judges', () => {
    // Guards the scanner itself: a parser that found nothing would pass every rule below.
    expect(files.length).toBeGreaterThan(100);
    expect(imports.some((i) => i.from === 'adapters/sqlite/connection.ts' && i.specifier === 'better-sqlite3' && !i.typeOnly)).toBe(true);
    const schemeTable = imports.filter((i) => i.from === 'core/open-store.ts' && i.kind === 'dynamic').map((i) => i.target);
    expect(new Set(schemeTable)).toEqual(new Set(['memory', 'sqlite', 'postgres', 'redis'].map((name) => `adapters/${name}/open.ts`)));
  });

  it('imports a driver only inside its adapter folder', () => {
    const wrong = imports.filter((i) => {
      const owner = i.target === undefined ? DRIVERS[packageOf(i.specifier)] : undefined;
      return owner !== undefined && adapterOf(i.from) !== owner;
    });
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it('has no adapter folder importing another', () => {
    const wrong = imports.filter((i) => {
      const [from, to] = [adapterOf(i.from), adapterOf(i.target)];
      return from !== undefined && to !== undefined && from !== to;
    });
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it('lets the core reach the adapters only through the scheme table of open-store.ts', () => {
    const wrong = imports.filter((i) => {
      if (!isCore(i.from) || adapterOf(i.target) === undefined) return false;
      if (i.from !== 'core/open-store.ts') return true;
      // The scheme table: each adapter's open.ts, loaded only when its URL scheme is opened, so an
      // application never loads a driver it does not use.
      if (i.kind === 'dynamic') return !/^adapters\/[^/]+\/open\.ts$/.test(i.target!);
      // The one exception: OpenStoreOptions is built from each adapter's option types. They are
      // erased from the JavaScript, and options.ts imports no driver (see the next test).
      return !(i.typeOnly && /^adapters\/[^/]+\/options\.ts$/.test(i.target!));
    });
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("keeps the option types the core imports free of drivers, so the core's declarations need no driver's types", () => {
    const byFile = new Map<string, Import[]>();
    for (const i of imports) byFile.set(i.from, [...(byFile.get(i.from) ?? []), i]);
    const reached = new Set<string>();
    const pending = imports.filter((i) => i.from === 'core/open-store.ts' && i.kind === 'static' && adapterOf(i.target)).map((i) => i.target!);
    expect(pending.length).toBeGreaterThan(0);
    const drivers: string[] = [];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (reached.has(file)) continue;
      reached.add(file);
      for (const i of byFile.get(file) ?? []) {
        if (i.kind === 'dynamic') continue;
        if (i.target !== undefined) pending.push(i.target);
        else if (DRIVERS[packageOf(i.specifier)]) drivers.push(describeImport(i));
      }
    }
    expect(drivers).toEqual([]);
  });

  it('lets src/index.ts re-export the memory backend and no other adapter', () => {
    // The memory backend has no driver; `import 'annals'` must load no other backend.
    const wrong = imports.filter((i) => i.from === 'index.ts' && adapterOf(i.target) !== undefined && adapterOf(i.target) !== 'memory');
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("has no import() it cannot read but those that load the user's schemas and projections modules", () => {
    // `annals --schemas <file>` and `--projections <file>` import the application's own modules, named on the command line.
    const allowed = ['cli/user-module.ts: import(pathToFileURL(resolve(path)).href)'];
    expect(unreadDynamicImports.filter((text) => !allowed.includes(text))).toEqual([]);
  });
});
