import { CommanderError } from 'commander';
import { AnnalsError } from '../core/errors.js';
import { exitCodeFor } from './exit-codes.js';
import { OutputClosedError } from './line-writer.js';

export interface ErrorMode {
  readonly json: boolean;
  readonly verbose: boolean;
}

/**
 * Prints an error to stderr and returns the exit code. Human mode: `error CODE: problem`
 * and `  hint: …`; JSON mode: `{"error": {...}}` on one line. Stacks only with --verbose.
 */
export function reportError(error: unknown, mode: ErrorMode, stderr: NodeJS.WritableStream = process.stderr): number {
  const exitCode = exitCodeFor(error);
  if (error instanceof OutputClosedError || exitCode === 0) return exitCode;
  const text = mode.json ? JSON.stringify({ error: describeForJson(error, mode.verbose) }) : describeForHuman(error, mode.verbose);
  // Commander has already printed its own usage message in human mode.
  if (text !== '') stderr.write(`${text}\n`);
  return exitCode;
}

function describeForHuman(error: unknown, verbose: boolean): string {
  if (error instanceof CommanderError) return '';
  const lines =
    error instanceof AnnalsError ? [`error ${error.code}: ${error.problem}`, `  hint: ${error.hint}`]
    : [`error: ${error instanceof Error ? error.message : String(error)}`];
  if (verbose) lines.push(...stackOf(error));
  return lines.join('\n');
}

function describeForJson(error: unknown, verbose: boolean): Record<string, unknown> {
  const described =
    error instanceof AnnalsError ? error.toJSON()
    : error instanceof CommanderError ? { name: 'UsageError', code: error.code, message: usageMessage(error) }
    : error instanceof Error ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
  return verbose && error instanceof Error ? { ...described, stack: error.stack } : described;
}

function usageMessage(error: CommanderError): string {
  // Help shown because no command was given carries no message of its own.
  if (error.code === 'commander.help') return 'no command given (run annals --help for the list)';
  return error.message.replace(/^error: /, '');
}

/** The stack, and the stacks of its causes (a few levels: a cause chain may loop). */
function stackOf(error: unknown): string[] {
  const lines: string[] = [];
  let current = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    lines.push((depth === 0 ? '' : 'caused by: ') + (current instanceof Error ? (current.stack ?? current.message) : String(current)));
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}
