import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../core/errors.js';
import { parseJson } from './parse.js';

/** The text of a file, or of stdin when `source` is `-`. */
export async function readSource(option: string, source: string): Promise<string> {
  if (source === '-') return readStdin();
  try {
    return await readFile(source, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new InvalidArgumentError(option, source, `a readable file, or - for stdin (${reason})`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Events for `append --events`: a JSON array, a single JSON object, or NDJSON (one event per
 * line; blank lines are skipped). The store validates each event's fields.
 */
export function parseEventList(text: string): unknown[] {
  try {
    const whole: unknown = JSON.parse(text);
    if (Array.isArray(whole)) return whole;
    if (typeof whole === 'object' && whole !== null) return [whole];
  } catch {
    // Not one JSON document: read it as NDJSON below.
  }
  const events: unknown[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    events.push(parseJson(`--events (line ${index + 1})`, line));
  }
  if (events.length === 0) {
    throw new InvalidArgumentError('--events', text, 'a JSON array of events, or NDJSON with one {type, data, metadata, id} per line');
  }
  return events;
}
