import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The pages whose examples the tests run: the README and every page of docs/. */
export function documentationPages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join(ROOT, 'docs', name));
  return [join(ROOT, 'README.md'), ...docs];
}

/** A fenced code block of a page, with the directives of the comment just above it. */
export interface CodeBlock {
  /** The page, relative to the repository's root (for messages). */
  readonly page: string;
  /** The line of the block's first line of code, 1-based. */
  readonly line: number;
  /** The fence's language: `ts`, `sh`, or '' for none. */
  readonly lang: string;
  readonly lines: readonly string[];
  /**
   * From `<!-- example: continues, service=postgres -->` on the line before the fence: each
   * word, and each `key=value` as key → value (a bare word maps to '').
   */
  readonly directives: ReadonlyMap<string, string>;
}

const FENCE = /^```(\w*)\s*$/;
const DIRECTIVE = /^<!--\s*example:\s*(.*?)\s*-->\s*$/;

/** Every fenced block of a page, in order. */
export function codeBlocks(path: string): CodeBlock[] {
  const text = readFileSync(path, 'utf8').split('\n');
  const page = relative(ROOT, path);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < text.length; i++) {
    const open = FENCE.exec(text[i]!);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < text.length && !text[end]!.startsWith('```')) end++;
    if (end === text.length) throw new Error(`${page}:${i + 1}: a code fence that never closes`);
    blocks.push({ page, line: start + 1, lang: open[1]!, lines: text.slice(start, end), directives: directivesAbove(text[i - 1]) });
    i = end;
  }
  return blocks;
}

function directivesAbove(line: string | undefined): Map<string, string> {
  const directives = new Map<string, string>();
  const match = line === undefined ? null : DIRECTIVE.exec(line);
  if (!match) return directives;
  for (const word of match[1]!.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [key, value = ''] = word.split('=', 2);
    directives.set(key!.trim(), value.trim());
  }
  return directives;
}

/** Where an example's expected text leaves room for anything: `…` in the docs. */
export function matchesWithEllipsis(expected: string, actual: string): boolean {
  const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();
  const pattern = squeeze(expected)
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`, 's').test(squeeze(actual));
}
