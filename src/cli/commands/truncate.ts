import type { Command } from 'commander';
import { parseInteger } from '../parse.js';
import { withStore } from '../run.js';

interface TruncateOptions {
  readonly before: string;
}

export function registerTruncate(program: Command): void {
  program
    .command('truncate')
    .summary("remove a stream's events before a revision")
    .description("Remove a stream's events with revisions below --before (for retention). Its revision counter is unchanged.")
    .argument('<stream>', 'stream name')
    .requiredOption('--before <revision>', 'the first revision to keep')
    .action(
      withStore<[string], TruncateOptions>(async (context, options, stream) => {
        const before = parseInteger('--before', options.before);
        const store = await context.store();
        await store.truncateStream(stream, { before });
        await context.out.result({ stream, before }, `truncated ${stream}: revisions before ${before} removed`);
      }),
    );
}
