import type { Command } from 'commander';
import { InvalidArgumentError } from '../../core/errors.js';
import { dropDeadLetters, listDeadLetters, retryDeadLetters } from '../../projection/dead-letters.js';
import type { DeadLetter } from '../../readmodel/types.js';
import { EXIT } from '../exit-codes.js';
import { plural } from '../output.js';
import { collect, parseInteger, parseOptionalInteger } from '../parse.js';
import { projectionNamed } from '../projections-module.js';
import { withStore, type CommandContext } from '../run.js';

interface ListOptions {
  readonly after?: string;
  readonly limit?: string;
}

interface RetryOptions {
  readonly stream: readonly string[];
}

interface DropOptions {
  readonly stream: readonly string[];
  readonly position: readonly string[];
  readonly all?: boolean;
}

export function registerDlq(program: Command): void {
  const dlq = program
    .command('dlq')
    .summary("list, retry or drop a projection's dead letters")
    .description(
      "Commands on a projection's dead letters: events its apply failed on (after its retries), each parked with the later events of its stream. " +
        'Retry and drop hold the projection\'s lease: they fail with ANNALS_PROJECTION_BUSY while a runner in another process runs it.',
    );

  dlq
    .command('list')
    .summary("list a projection's parked events")
    .description(
      "List a projection's parked events in position order: position, stream, type, when parked, event id, who parked it (the runner " +
        'whose lease the commit held; none for an inline projection), and the error.',
    )
    .argument('<projection>', 'the projection, by name (from --projections)')
    .option('--after <position>', 'only those after this position (the last one of the previous page)')
    .option('--limit <n>', 'at most n (default 100, at most 10000)')
    .action(
      withStore<[string], ListOptions>(async (context, options, name) => {
        const after = parseOptionalInteger('--after', options.after);
        const limit = options.limit === undefined ? undefined : parseInteger('--limit', options.limit, 'an integer from 1 to 10000');
        const { store, projection } = await open(context, name);
        const letters = await listDeadLetters(store.readModelStore(), projection, { after, limit });
        for (const letter of letters) await context.out.result({ ...letterJson(letter), owner: letter.owner ?? null }, formatLetter(letter));
        if (letters.length === 0) context.out.note('(no dead letters)');
      }),
    );

  dlq
    .command('retry')
    .summary('apply parked events again (after the projection was fixed)')
    .description(
      'Apply the parked events again with the projection of --projections, each stream in order, and un-park those that apply ' +
        'in the same commit as their documents. An event that fails again stays parked with its new error, and the later ones of ' +
        'its stream with it; the exit code is then 1.',
    )
    .argument('<projection>', 'the projection, by name (from --projections)')
    .option('--stream <name>', 'only the parked events of this stream; repeat for several', collect, [])
    .action(
      withStore<[string], RetryOptions>(async (context, options, name) => {
        const { store, projection } = await open(context, name);
        const result = await retryDeadLetters(store, projection, options.stream.length > 0 ? { streams: options.stream } : {});
        const lines = [
          `retried ${plural(result.applied + result.stillParked, 'parked event')} of ${name}: ${result.applied} applied, ${result.stillParked} still parked` +
            (result.missing > 0 ? `, ${result.missing} no longer in the log (un-parked)` : ''),
        ];
        if (result.streams.length > 0) lines.push(`flowing again: ${result.streams.join(', ')}`);
        for (const letter of result.failed) lines.push(`still parked: ${letter.stream} at #${letter.position} (${letter.type}): ${letter.error}`);
        await context.out.result({ ...result, failed: result.failed.map(letterJson) }, lines);
        if (result.stillParked > 0) process.exitCode = EXIT.failure;
      }),
    );

  dlq
    .command('drop')
    .summary('remove parked events without applying them')
    .description(
      'Remove parked events without applying them: the projection never applies them (until it is rebuilt), and a stream ' +
        'left with none flows again from its next event. Name what to drop: --stream, --position or --all.',
    )
    .argument('<projection>', 'the projection, by name (from --projections)')
    .option('--stream <name>', 'every parked event of this stream; repeat for several', collect, [])
    .option('--position <p>', 'the parked event at this position; repeat for several', collect, [])
    .option('--all', 'every parked event of the projection')
    .action(
      withStore<[string], DropOptions>(async (context, options, name) => {
        const positions = options.position.map((text) => parseInteger('--position', text, 'a position (an integer >= 1)'));
        if (options.all && (options.stream.length > 0 || positions.length > 0)) throw new InvalidArgumentError('--all', true, '--all alone, without --stream or --position');
        if (!options.all && options.stream.length === 0 && positions.length === 0) {
          throw new InvalidArgumentError('dlq drop', 'no selection', 'what to drop: --stream <name>, --position <p> or --all');
        }
        const { store, projection } = await open(context, name);
        const selection = options.all ? { all: true } : { ...(options.stream.length > 0 ? { streams: options.stream } : {}), ...(positions.length > 0 ? { positions } : {}) };
        const result = await dropDeadLetters(store, projection, selection);
        const lines = [`dropped ${plural(result.dropped, 'parked event')} of ${name}`];
        if (result.streams.length > 0) lines.push(`flowing again from their next event: ${result.streams.join(', ')}`);
        await context.out.result(result, lines);
      }),
    );
}

async function open(context: CommandContext, name: string) {
  const projection = projectionNamed(await context.projections(), name);
  const store = await context.store({ create: false });
  return { store, projection };
}

function letterJson(letter: DeadLetter): object {
  return { ...letter, parkedAt: new Date(letter.parkedAt).toISOString() };
}

/**
 * `#4  acct-2  Added  parked 2026-…Z  <event id>  by <owner>  partition 3` (no `by` without an
 * owner, no partition for a projection that is not partitioned), then the error indented.
 */
function formatLetter(letter: DeadLetter): string[] {
  const by = letter.owner === undefined ? '' : `  by ${letter.owner}`;
  const partition = letter.partition === undefined ? '' : `  partition ${letter.partition}`;
  return [
    `#${letter.position}  ${letter.stream}  ${letter.type}  parked ${new Date(letter.parkedAt).toISOString()}  ${letter.eventId}${by}${partition}`,
    ...letter.error.split('\n').map((line) => `    ${line}`),
  ];
}
