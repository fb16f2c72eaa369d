// Every export of every subpath in package.json "exports" has a doc comment, so the API reference
// (`npm run docs`, TypeDoc) documents the whole public surface. Checked with the compiler API, on
// the same entry files TypeDoc reads (each subpath's `types` path, read back as its src/ file):
//   1. each export, followed through re-exports to its declarations, has a doc comment on every
//      declaration (a function's overloads, not its implementation);
//   2. each public member of an exported class or interface, and each property of an exported
//      type alias of an object literal, has one, its own or the one it overrides;
//   3. a deprecated export says what to use instead;
//   4. no export renames another (`export { A as B }`): a comment on such an export reaches
//      neither editors nor the reference, so an alias is declared (`export const B = A`).
// A doc comment is a JSDoc block with text (a `@deprecated` with text counts); a file's
// `@module` comment documents its subpath, not the statement under it. TypeDoc also asks for
// comments on the properties of nested object types; `npm run docs` fails on those.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The src/ entry file of each subpath, from its `types` path in dist/. */
function entryFiles(): Map<string, string> {
  const { exports } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { types?: string }> };
  const entries = new Map<string, string>();
  for (const [subpath, target] of Object.entries(exports)) {
    const types = typeof target === 'object' ? target.types : undefined;
    if (types === undefined) continue;
    entries.set(subpath, resolve(ROOT, types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts')));
  }
  return entries;
}

/** The JSDoc blocks written on a declaration, without a file's `@module` comment. */
function docBlocks(declaration: ts.Node): ts.JSDoc[] {
  return ts
    .getJSDocCommentsAndTags(declaration)
    .filter(ts.isJSDoc)
    .filter((doc) => !doc.tags?.some((tag) => tag.tagName.text === 'module' || tag.tagName.text === 'packageDocumentation'));
}

const text = (comment: string | ts.NodeArray<ts.JSDocComment> | undefined) => ts.getTextOfJSDocComment(comment)?.trim() ?? '';
const hasText = (doc: ts.JSDoc) => text(doc.comment) !== '' || (doc.tags ?? []).some((tag) => tag.tagName.text === 'deprecated' && text(tag.comment) !== '');

/** True for a function's implementation when overloads carry the comment. */
function isOverloadedImplementation(declaration: ts.Declaration, symbol: ts.Symbol): boolean {
  return ts.isFunctionDeclaration(declaration) && declaration.body !== undefined && (symbol.declarations?.length ?? 0) > 1;
}

function isPublicMember(member: ts.Symbol): boolean {
  const declaration = member.declarations?.[0];
  if (declaration === undefined || member.flags & ts.SymbolFlags.TypeParameter) return false;
  if (member.name.startsWith('__') || member.name.startsWith('#')) return false;
  if (ts.isConstructorDeclaration(declaration) || ts.isIndexSignatureDeclaration(declaration)) return false;
  return (ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0;
}

/** The members to check on an exported symbol: a class's (static and instance), an interface's, an object type alias's properties. */
function membersOf(symbol: ts.Symbol): ts.Symbol[] {
  const members: ts.Symbol[] = [];
  for (const declaration of symbol.declarations ?? []) {
    if (ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration)) {
      members.push(...(symbol.members?.values() ?? []));
      if (ts.isClassDeclaration(declaration)) members.push(...[...(symbol.exports?.values() ?? [])].filter((s) => s.flags & ts.SymbolFlags.ClassMember));
    } else if (ts.isTypeAliasDeclaration(declaration) && ts.isTypeLiteralNode(declaration.type)) {
      for (const element of declaration.type.members) {
        const member = (element as ts.TypeElement & { symbol?: ts.Symbol }).symbol;
        if (member) members.push(member);
      }
    }
  }
  return [...new Set(members)].filter(isPublicMember);
}

/**
 * What is wrong with the documentation of the given entry files' exports, one line each
 * (`subpath: name (file:line): problem`), each declaration reported once.
 */
function undocumentedExports(program: ts.Program, entries: ReadonlyMap<string, string>, root: string): string[] {
  const checker = program.getTypeChecker();
  const problems: string[] = [];
  const seen = new Set<ts.Node>();
  const where = (node: ts.Node) => {
    const source = node.getSourceFile();
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    return `${source.fileName.startsWith(root) ? source.fileName.slice(root.length) : source.fileName}:${line}`;
  };
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) {
      problems.push(`${subpath}: entry file ${file} is not in the program`);
      continue;
    }
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const renaming = exported.declarations?.find((d) => ts.isExportSpecifier(d) && d.propertyName !== undefined && d.propertyName.text !== d.name.text);
      if (renaming && !seen.has(renaming)) {
        seen.add(renaming);
        problems.push(`${subpath}: ${exported.name} (${where(renaming)}): renames ${symbol.name}; declare the alias instead`);
      }
      for (const declaration of symbol.declarations ?? []) {
        if (seen.has(declaration) || declaration.getSourceFile().isDeclarationFile) continue;
        seen.add(declaration);
        if (isOverloadedImplementation(declaration, symbol)) continue;
        const docs = docBlocks(declaration);
        if (!docs.some(hasText)) problems.push(`${subpath}: ${symbol.name} (${where(declaration)}): no doc comment`);
        for (const tag of docs.flatMap((doc) => doc.tags ?? [])) {
          if (tag.tagName.text === 'deprecated' && text(tag.comment) === '') problems.push(`${subpath}: ${symbol.name} (${where(declaration)}): @deprecated without what to use instead`);
        }
      }
      for (const member of membersOf(symbol)) {
        const declaration = member.declarations![0]!;
        if (seen.has(declaration)) continue;
        seen.add(declaration);
        const own = member.getDocumentationComment(checker).length > 0 || member.getJsDocTags(checker).some((tag) => tag.name === 'deprecated');
        if (!own) problems.push(`${subpath}: ${symbol.name}.${member.name} (${where(declaration)}): no doc comment`);
      }
    }
  }
  return problems;
}

function projectProgram(roots: string[]): ts.Program {
  const configFile = ts.readConfigFile(resolve(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  return ts.createProgram(roots, { ...options, noEmit: true });
}

/** A program of in-memory files beside the project's own compiler options. */
function programOf(files: Record<string, string>): ts.Program {
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noLib: true, types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => files[name] ?? readFile(name);
  host.fileExists = (name) => name in files;
  host.directoryExists = (name) => Object.keys(files).some((file) => file.startsWith(`${name}/`));
  host.getSourceFile = (name, target) => (name in files ? ts.createSourceFile(name, files[name]!, target, true) : undefined);
  return ts.createProgram(Object.keys(files), options, host);
}

describe('the API reference', () => {
  const entries = entryFiles();

  it('reads every subpath of package.json', () => {
    expect([...entries.keys()]).toEqual(['.', './sqlite', './postgres', './redis', './adapter', './testing', './testing/dsl']);
  });

  it('gives TypeDoc (npm run docs) the entry file of every subpath', () => {
    const { entryPoints } = JSON.parse(readFileSync(resolve(ROOT, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
    expect(entryPoints.map((path) => resolve(ROOT, path))).toEqual([...entries.values()]);
  });

  // About 2 s alone; building the program of ~370 files takes far longer on a loaded machine.
  it('has a doc comment on every export of every subpath and on their public members', { timeout: 120_000 }, () => {
    const program = projectProgram([...entries.values()]);
    expect(undocumentedExports(program, entries, ROOT)).toEqual([]);
  });

  it('finds an undocumented export, member, deprecation or renaming (the check itself)', () => {
    const files = {
      '/p/index.ts': [
        '/**',
        ' * The fixture.',
        ' * @module fixture',
        ' */',
        "export { Plain, Documented, Shape, Kind } from './a.js';",
        "export { Documented as Renamed, old } from './a.js';",
      ].join('\n'),
      '/p/a.ts': [
        'export function Plain(): void {}',
        '/** Has one. */',
        'export class Documented {',
        '  /** Has one. */',
        '  readonly a = 1;',
        '  readonly b = 2;',
        '  private c = 3;',
        '}',
        '/** Has one. */',
        'export interface Shape {',
        '  readonly x: number;',
        '  /** Has one. */',
        '  readonly y: number;',
        '}',
        '/** Has one. */',
        'export type Kind = { readonly k: string };',
        '/** @deprecated */',
        'export const old = 1;',
      ].join('\n'),
    };
    const problems = undocumentedExports(programOf(files), new Map([['.', '/p/index.ts']]), '/p/');
    expect(problems).toEqual([
      '.: Plain (a.ts:1): no doc comment',
      '.: Documented.b (a.ts:6): no doc comment',
      '.: Shape.x (a.ts:11): no doc comment',
      '.: Kind.k (a.ts:16): no doc comment',
      '.: Renamed (index.ts:6): renames Documented; declare the alias instead',
      '.: old (a.ts:18): no doc comment',
      '.: old (a.ts:18): @deprecated without what to use instead',
    ]);
  });
});
