import type { Command } from 'commander';
import { InvalidArgumentError } from '../../core/errors.js';
import type { EventInput } from '../../core/types.js';
import { parseEventList, readSource } from '../input.js';
import { plural } from '../output.js';
import { parseExpectedRevision, parseJson } from '../parse.js';
import { withStore } from '../run.js';

interface AppendOptions {
  readonly metadata?: string;
  readonly id?: string;
  readonly expectedRevision?: string;
  readonly events?: string;
}

export function registerAppend(program: Command): void {
  program
    .command('append')
    .summary('append events to a stream')
    .description('Append one event (type and JSON data) to a stream, or with --events several in one atomic call.')
    .argument('<stream>', 'stream name, e.g. account-7')
    .argument('[type]', 'event type, e.g. Deposited (not with --events)')
    .argument('[data]', `event data as JSON text, e.g. '{"amount":10}', or - to read it from stdin`)
    .option('--metadata <json>', 'event metadata as a JSON object')
    .option('--id <uuid>', 'event id (generated when absent; a retry with the same id is idempotent)')
    .option('--expected-revision <revision>', 'any, no_stream, stream_exists or the revision of the last event')
    .option('--events <file>', 'a JSON array or NDJSON of {type, data, metadata, id} events; - for stdin')
    .action(
      withStore<[string, string | undefined, string | undefined], AppendOptions>(async (context, options, stream, type, data) => {
        const expectedRevision = parseExpectedRevision(options.expectedRevision);
        const events = await eventsToAppend(options, type, data);
        const store = await context.store();
        const result = await store.append(stream, events as EventInput[], { expectedRevision });
        await context.out.result(
          result,
          `appended ${plural(events.length, 'event')} to ${result.stream} at revision ${result.streamRevision} (position ${result.position})`,
        );
      }),
    );
}

async function eventsToAppend(options: AppendOptions, type: string | undefined, data: string | undefined): Promise<unknown[]> {
  if (options.events !== undefined) {
    if (type !== undefined || options.metadata !== undefined || options.id !== undefined) {
      throw new InvalidArgumentError('--events', options.events, 'either --events or <type> [data] with --metadata/--id, not both');
    }
    return parseEventList(await readSource('--events', options.events));
  }
  if (type === undefined) throw new InvalidArgumentError('type', type, 'an event type after the stream name, or --events <file>');
  const event: Record<string, unknown> = { type };
  if (data !== undefined) event.data = parseJson('data', data === '-' ? await readSource('data', '-') : data);
  if (options.metadata !== undefined) event.metadata = parseJson('--metadata', options.metadata);
  if (options.id !== undefined) event.id = options.id;
  return [event];
}
