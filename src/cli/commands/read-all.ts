import type { Command } from 'commander';
import { collect, parseOptionalInteger } from '../parse.js';
import { withStore } from '../run.js';

interface ReadAllOptions {
  readonly after?: string;
  readonly category?: string;
  readonly type: string[];
  readonly maxCount?: string;
}

export function registerReadAll(program: Command): void {
  program
    .command('read-all')
    .summary('read the whole log in position order')
    .description('Read every stream\'s events in global position order, optionally filtered by category and type.')
    .option('--after <position>', 'start after this position (the last one already seen)')
    .option('--category <name>', 'only streams of this category (the text before the first - of the stream name)')
    .option('--type <type>', 'only events of this type (repeat for several)', collect, [])
    .option('--max-count <n>', 'stop after n events')
    .action(
      withStore<[], ReadAllOptions>(async (context, options) => {
        const readOptions = {
          after: parseOptionalInteger('--after', options.after),
          category: options.category,
          types: options.type.length > 0 ? options.type : undefined,
          maxCount: parseOptionalInteger('--max-count', options.maxCount),
        };
        const store = await context.store({ create: false });
        await context.out.events(store.readAll(readOptions));
      }),
    );
}
