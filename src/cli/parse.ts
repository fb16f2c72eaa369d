import { InvalidArgumentError } from '../core/errors.js';
import type { ExpectedRevision } from '../core/types.js';

// Parsers for the text of command-line arguments. A bad value is an InvalidArgumentError
// named after the option, so it prints like every other Annals error and exits as a usage error.

const INTEGER = /^\d+$/;

/** A whole number >= 0 (a count, a revision, a position). */
export function parseInteger(option: string, text: string, what = 'an integer >= 0'): number {
  const value = Number(text);
  if (!INTEGER.test(text) || !Number.isSafeInteger(value)) throw new InvalidArgumentError(option, text, what);
  return value;
}

export function parseOptionalInteger(option: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseInteger(option, text);
}

export function parseExpectedRevision(text: string | undefined): ExpectedRevision | undefined {
  if (text === undefined) return undefined;
  if (text === 'any' || text === 'no_stream' || text === 'stream_exists') return text;
  return parseInteger('--expected-revision', text, `any, no_stream, stream_exists or the revision of the stream's last event`);
}

export function parseFromRevision(text: string | undefined): number | 'start' | 'end' | undefined {
  if (text === undefined || text === 'start' || text === 'end') return text;
  return parseInteger('--from', text, 'a revision (an integer >= 0), start or end');
}

/** JSON text given on the command line or read from a file or stdin. */
export function parseJson(argument: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidArgumentError(argument, shorten(text), `JSON text, quoted for the shell, e.g. '{"amount":10}' (${reason})`);
  }
}

/** Keeps error messages readable when the offending text is long (it may be a whole file). */
export function shorten(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Commander argument parser for a repeatable option: `--type A --type B` gives ['A', 'B']. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}
