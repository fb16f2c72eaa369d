import type { RecordedEvent, StreamInfo } from '../core/types.js';
import { LineWriter } from './line-writer.js';

/**
 * Where a command's results go. Human mode: concise lines for a terminal. JSON mode
 * (`--json`): one JSON object per line on stdout, for scripts; nothing else on stdout.
 */
export class Output {
  private readonly stdout: LineWriter;

  constructor(
    readonly json: boolean,
    stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    this.stdout = new LineWriter(stdout);
  }

  /** One recorded event (JSON: the RecordedEvent, `recordedAt` as an ISO string). */
  event(event: RecordedEvent): Promise<void> {
    return this.stdout.write(this.json ? JSON.stringify(event) : formatEvent(event).join('\n'));
  }

  /** Writes events as they are read, one at a time: the log is never collected in memory. */
  async events(events: AsyncIterable<RecordedEvent>): Promise<number> {
    let count = 0;
    for await (const event of events) {
      await this.event(event);
      count++;
    }
    if (count === 0) this.note('(no events)');
    return count;
  }

  /** The result of a command: `value` in JSON mode, `human` lines otherwise. */
  result(value: object, human: string | readonly string[]): Promise<void> {
    return this.stdout.write(this.json ? JSON.stringify(value) : typeof human === 'string' ? human : human.join('\n'));
  }

  /**
   * A warning on stderr: `warning: …` for a person, or with --json one line
   * `{"warning": {"message": …, …facts}}`, so that stderr stays machine-readable.
   */
  warning(facts: object, message: string): void {
    this.stderr.write(this.json ? `${JSON.stringify({ warning: { message, ...facts } })}\n` : `warning: ${message}\n`);
  }

  /** A remark for a person at a terminal (stderr, human mode only): never part of the output a script reads. */
  note(text: string): void {
    if (!this.json) this.stderr.write(`${text}\n`);
  }
}

/**
 * `#12  account-7@3  Deposited  2026-11-25T10:00:00.000Z  <id>`, then the data (and metadata, when
 * any) indented. The id is whole, for `annals get`.
 */
export function formatEvent(event: RecordedEvent): string[] {
  const lines = [
    `#${event.position}  ${event.stream}@${event.revision}  ${event.type}  ${event.recordedAt.toISOString()}  ${event.id}`,
    `    ${JSON.stringify(event.data)}`,
  ];
  if (Object.keys(event.metadata).length > 0) lines.push(`    metadata: ${JSON.stringify(event.metadata)}`);
  return lines;
}

export function formatStreamInfo(info: StreamInfo): string[] {
  return formatFields([
    ['stream', info.stream],
    ['exists', info.exists ? 'yes' : 'no'],
    ['revision', info.revision < 0 ? '-1 (no events were ever written)' : String(info.revision)],
    ['deleted', info.deleted === false ? 'no' : info.deleted],
    ['truncated before', String(info.truncatedBefore)],
  ]);
}

/** Aligned `key: value` lines. */
export function formatFields(fields: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...fields.map(([key]) => key.length)) + 1;
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)}  ${value}`);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Rows under a header, each column as wide as its widest cell, two spaces between columns. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
