import type { Command } from 'commander';
import { parseExpectedRevision } from '../parse.js';
import { withStore } from '../run.js';

interface DeleteOptions {
  readonly hard?: boolean;
  readonly expectedRevision?: string;
}

export function registerDelete(program: Command): void {
  program
    .command('delete')
    .summary('delete a stream (soft by default)')
    .description(
      'Delete a stream. Soft (default): its events are removed and it may be written again, its revisions continuing. ' +
        'Hard (--hard): a tombstone; the stream can never be written again.',
    )
    .argument('<stream>', 'stream name')
    .option('--hard', 'tombstone the stream: it can never be written again')
    .option('--expected-revision <revision>', 'any, no_stream, stream_exists or the revision of the last event')
    .action(
      withStore<[string], DeleteOptions>(async (context, options, stream) => {
        const mode = options.hard ? 'hard' : 'soft';
        const expectedRevision = parseExpectedRevision(options.expectedRevision);
        const store = await context.store();
        await store.deleteStream(stream, { mode, expectedRevision });
        await context.out.result(
          { stream, deleted: mode },
          mode === 'hard' ? `hard-deleted ${stream}: it can never be written again` : `soft-deleted ${stream}`,
        );
      }),
    );
}
