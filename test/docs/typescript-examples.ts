import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { codeBlocks, ROOT, type CodeBlock } from './markdown.js';

/**
 * The TypeScript examples of the docs as programs: every ```ts block of a page, or, when a block
 * says `<!-- example: continues -->`, the blocks of a page read together (a page that builds a
 * decider, then handles a command with it). Each program is compiled with the project's own
 * compiler settings (tsconfig.json: strict) and run with node, importing the package by its name
 * as a user does.
 *
 * Directives, in an HTML comment on the line before the fence:
 * - `continues`: the block goes on from the page's previous example (one program);
 * - `twice`: the program is run two times in a row in the same directory;
 * - `service=postgres` / `service=redis`: its `postgres://` or `redis://` URLs are replaced by
 *   a database or key prefix of the test's own, query options kept;
 * - `context=<name>`: compiled with the global declarations of test/docs/contexts/<name>.d.ts,
 *   and not run: the adapter guide's excerpts, written against a database client the guide
 *   describes and nobody ships (the tiny adapter of test/fixtures is the runnable one), and
 *   examples that need a PostgreSQL standby (`context=standby`; the integration test of
 *   standbys makes the same calls against a real one);
 * - `in-class`: the block is a method, compiled as a member of a class holding `client`.
 *
 * A line `console.log(…); // <text>` states its output: the program checks what it prints
 * against `<text>`, where `…` stands for anything.
 */
export interface ExampleProgram {
  readonly page: string;
  /** The line of its first block. */
  readonly line: number;
  /** A file name of its own, e.g. `docs-commands-md-33`. */
  readonly name: string;
  readonly blocks: CodeBlock[];
  readonly twice: boolean;
  readonly service: 'postgres' | 'redis' | undefined;
  readonly context: string | undefined;
  /** Where each stated output is, by its number in the program. */
  readonly expectations: { readonly page: string; readonly line: number; readonly expected: string }[];
}

/** The marker a program writes to stderr for each stated output it reached. */
export const EXPECT_MARK = '@@doc-expect';

export function examplePrograms(pages: readonly string[]): ExampleProgram[] {
  const programs: ExampleProgram[] = [];
  for (const path of pages) {
    let previous: ExampleProgram | undefined;
    for (const block of codeBlocks(path).filter((b) => b.lang === 'ts' || b.lang === 'typescript')) {
      if (block.directives.has('continues')) {
        if (!previous) throw new Error(`${block.page}:${block.line}: 'continues' with no example before it on the page`);
        previous.blocks.push(block);
        continue;
      }
      const service = block.directives.get('service');
      if (service !== undefined && service !== 'postgres' && service !== 'redis') {
        throw new Error(`${block.page}:${block.line}: unknown service '${service}'`);
      }
      previous = {
        page: block.page,
        line: block.line,
        name: `${block.page.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${block.line}`,
        blocks: [block],
        twice: block.directives.has('twice'),
        service,
        context: block.directives.get('context'),
        expectations: [],
      };
      programs.push(previous);
    }
  }
  return programs;
}

const STATED_OUTPUT = /^(\s*)console\.log\((.*)\);\s*\/\/\s*(.+)$/;

/** Where a line of a generated file comes from. */
interface Origin {
  readonly page: string;
  readonly line: number;
}

export interface GeneratedProgram {
  readonly program: ExampleProgram;
  readonly file: string;
  /** Origin of each line of the generated file (undefined for the harness's own lines). */
  readonly origins: (Origin | undefined)[];
}

/**
 * Writes each program as a TypeScript module under `dir`, with its stated outputs turned into
 * checks. `urls` rewrites service URLs (identity when none).
 */
export function generate(programs: readonly ExampleProgram[], dir: string, rewrite: (program: ExampleProgram, source: string) => string): GeneratedProgram[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return programs.map((program) => {
    const lines: string[] = [];
    const origins: (Origin | undefined)[] = [];
    const own = (text: string) => {
      for (const line of text.split('\n')) {
        lines.push(line);
        origins.push(undefined);
      }
    };
    const inClass = program.blocks[0]!.directives.has('in-class');
    if (program.context === undefined) own(`import { formatWithOptions as __format } from 'node:util';`);
    // A method shown alone is compiled as a member of a class that has the client.
    const classOpener = 'export class Example {\n  constructor(protected readonly client: AcmeClient) {}';
    for (const block of program.blocks) {
      // The block's imports stay outside the class.
      const imports = inClass ? block.lines.findIndex((text) => text.trim() !== '' && !text.startsWith('import ')) : 0;
      block.lines.forEach((text, i) => {
        if (inClass && i === imports) own(classOpener);
        const stated = STATED_OUTPUT.exec(text);
        let line = text;
        if (stated && program.context === undefined) {
          const id = program.expectations.length;
          program.expectations.push({ page: block.page, line: block.line + i, expected: stated[3]! });
          line = `${stated[1]}__expect(${id}, ${JSON.stringify(stated[3])}, ${stated[2]}); // ${stated[3]}`;
        }
        lines.push(rewrite(program, line));
        origins.push({ page: block.page, line: block.line + i });
      });
    }
    if (inClass) own('}');
    if (program.context === undefined) {
      own(
        [
          'function __expect(id: number, expected: string, ...values: unknown[]): void {',
          '  const printed = __format({ colors: false, depth: 8, breakLength: Infinity }, ...values);',
          '  console.log(printed);',
          `  process.stderr.write(\`\\n${EXPECT_MARK} \${id} \${__matches(expected, printed) ? 'ok' : 'printed ' + JSON.stringify(printed)}\\n\`);`,
          '}',
          // matchesWithEllipsis of markdown.ts, which the program cannot import.
          'function __matches(expected: string, actual: string): boolean {',
          "  const squeeze = (text: string) => text.replace(/\\s+/g, ' ').trim();",
          "  const pattern = squeeze(expected).split('…').map((part) => part.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&')).join('.*');",
          "  return new RegExp(`^${pattern}$`, 's').test(squeeze(actual));",
          '}',
        ].join('\n'),
      );
    }
    own('export {};');
    const file = join(dir, `${program.name}.ts`);
    writeFileSync(file, lines.join('\n'));
    return { program, file, origins };
  });
}

/** Compiles the generated files as one program with tsconfig.json's settings; returns each file's errors, placed in the docs. */
export function compile(generated: readonly GeneratedProgram[], dir: string): Map<GeneratedProgram, string[]> {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const errors = new Map<GeneratedProgram, string[]>(generated.map((g) => [g, []]));
  const byFile = new Map(generated.map((g) => [basename(g.file), g]));
  // One compilation for the examples without a context, one for each context: a context's
  // declarations are seen only by the examples that name it.
  const contexts = new Set(generated.map((g) => g.program.context));
  for (const context of contexts) {
    const files = generated.filter((g) => g.program.context === context).map((g) => g.file);
    if (context !== undefined) files.push(join(ROOT, 'test', 'docs', 'contexts', `${context}.d.ts`));
    const program = ts.createProgram(files, {
      ...options,
      rootDir: context === undefined ? dir : ROOT,
      outDir: dir,
      declaration: false,
      sourceMap: false,
      noEmit: context !== undefined, // compiled, not run
      incremental: false,
    });
    const all = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
    report(all, byFile, errors);
  }
  return errors;
}

function report(all: readonly ts.Diagnostic[], byFile: Map<string, GeneratedProgram>, errors: Map<GeneratedProgram, string[]>): void {
  for (const diagnostic of all) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const owner = diagnostic.file ? byFile.get(basename(diagnostic.file.fileName)) : undefined;
    if (!owner || !diagnostic.file || diagnostic.start === undefined) {
      for (const list of errors.values()) list.push(message);
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const origin = owner.origins[line];
    errors.get(owner)!.push(origin ? `${origin.page}:${origin.line}: ${message}` : `(harness line ${line + 1}) ${message}`);
  }
}
