import type { Command } from 'commander';
import { formatStreamInfo } from '../output.js';
import { withStore } from '../run.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .summary("show a stream's state")
    .description("Show a stream's state: whether it exists, its revision, whether it was deleted, where it was truncated.")
    .argument('<stream>', 'stream name')
    .action(
      withStore<[string], object>(async (context, _options, stream) => {
        const store = await context.store({ create: false });
        const info = await store.streamInfo(stream);
        await context.out.result(info, formatStreamInfo(info));
      }),
    );
}
