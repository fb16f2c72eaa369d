import { codeBlocks, type CodeBlock } from './markdown.js';

/**
 * The command-line examples of the docs: every ```sh block, read as a session at a terminal.
 * A line is a command (a trailing `\` joins the next line); the `# ` lines right under it are
 * what it prints:
 * - `# text` is a line of its stdout (`…` stands for anything; timestamps and UUIDs may
 *   differ from the run's, but not be missing);
 * - `# text      ← on stderr` or `# stderr: text` is a line of its stderr;
 * - `# exit code N` is its exit code (0 when not stated).
 * When a command states stdout lines, its stdout must be exactly those lines. A command that
 * runs until it is stopped (its comment says `until Ctrl-C`, or it ends with `&`) runs in the
 * background while the rest of its block runs ("in another terminal"), and is then stopped as
 * Ctrl-C stops it (SIGINT, exit code 130); its stated output is checked then. `export NAME=value` sets a
 * variable for the page's later commands.
 */
export interface ShellCommand {
  readonly page: string;
  readonly line: number;
  readonly text: string;
  readonly background: boolean;
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  readonly exitCode: number | undefined;
  readonly block: CodeBlock;
}

const ON_STDERR = /\s+← on stderr$/;

export function shellCommands(path: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  for (const block of codeBlocks(path).filter((b) => b.lang === 'sh')) {
    let current: { text: string; untilStopped: boolean; line: number; stdout: string[]; stderr: string[]; exitCode?: number } | undefined;
    const finish = () => {
      if (!current) return;
      const background = current.text.endsWith('&') || current.untilStopped;
      commands.push({
        page: block.page,
        line: current.line,
        text: current.text.replace(/&$/, '').trim(),
        background,
        stdout: current.stdout,
        stderr: current.stderr,
        exitCode: current.exitCode,
        block,
      });
      current = undefined;
    };
    for (let i = 0; i < block.lines.length; i++) {
      const raw = block.lines[i]!;
      if (raw.trim() === '') {
        finish();
        continue;
      }
      if (raw.startsWith('#')) {
        if (!current) continue; // a comment of its own
        const said = raw.replace(/^#\s?/, '');
        const exit = /^exit code (\d+)$/.exec(said);
        if (exit) current.exitCode = Number(exit[1]);
        else if (said.startsWith('stderr: ')) current.stderr.push(said.slice('stderr: '.length));
        else if (ON_STDERR.test(said)) current.stderr.push(said.replace(ON_STDERR, ''));
        else current.stdout.push(said);
        continue;
      }
      finish();
      let text = raw;
      const line = block.line + i;
      while (text.endsWith('\\') && i + 1 < block.lines.length) text = `${text.slice(0, -1)}${block.lines[++i]!.trim()}`;
      const command = stripComment(text);
      current = { text: command.trim(), untilStopped: text.slice(command.length).includes('until Ctrl-C'), line, stdout: [], stderr: [] };
    }
    finish();
  }
  return commands;
}

/** A command without its trailing `# comment` (one outside quotes). */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i);
  }
  return text;
}

const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** A printed line with what differs from run to run (times, ids) replaced by placeholders. */
export function normalize(line: string): string {
  return line.replace(TIME, '<time>').replace(UUID, '<uuid>').trimEnd();
}
