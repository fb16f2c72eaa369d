import type { Command } from 'commander';
import { parseFromRevision, parseOptionalInteger } from '../parse.js';
import { withStore } from '../run.js';

interface ReadOptions {
  readonly from?: string;
  readonly backwards?: boolean;
  readonly maxCount?: string;
}

export function registerRead(program: Command): void {
  program
    .command('read')
    .summary("read a stream's events")
    .description("Read a stream's events in revision order (or backwards), one per line.")
    .argument('<stream>', 'stream name')
    .option('--from <revision>', 'first revision to read: a number, start or end (default: start, or end with --backwards)')
    .option('--backwards', 'read from the newest event to the oldest')
    .option('--max-count <n>', 'stop after n events')
    .action(
      withStore<[string], ReadOptions>(async (context, options, stream) => {
        const readOptions = {
          fromRevision: parseFromRevision(options.from),
          direction: options.backwards ? ('backwards' as const) : ('forwards' as const),
          maxCount: parseOptionalInteger('--max-count', options.maxCount),
        };
        const store = await context.store({ create: false });
        await context.out.events(store.readStream(stream, readOptions));
      }),
    );
}
