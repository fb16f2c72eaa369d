import { Option, type Command } from 'commander';
import { collect, parseOptionalInteger } from '../parse.js';
import { withStore } from '../run.js';

interface TailOptions {
  readonly after?: string;
  readonly fromStart?: boolean;
  readonly category?: string;
  readonly type: string[];
}

export function registerTail(program: Command): void {
  program
    .command('tail')
    .summary('follow the log live')
    .description(
      'Print events as they are appended, until stopped (Ctrl-C: exit code 130, as for any interrupted command; SIGTERM: 0). ' +
        'By default only new events; --from-start replays the log first, --after resumes after a position.',
    )
    .option('--after <position>', 'start after this position (the last one already seen)')
    .addOption(new Option('--from-start', 'replay the whole log first').conflicts('after'))
    .option('--category <name>', 'only streams of this category')
    .option('--type <type>', 'only events of this type (repeat for several)', collect, [])
    .action(
      withStore<[], TailOptions>(async (context, options) => {
        const explicitAfter = parseOptionalInteger('--after', options.after);
        const filter = { category: options.category, types: options.type.length > 0 ? options.type : undefined };
        const stop = new AbortController();
        let interrupted = false;
        const onInterrupt = () => {
          interrupted = true;
          stop.abort();
        };
        const onTerminate = () => stop.abort();
        process.once('SIGINT', onInterrupt);
        process.once('SIGTERM', onTerminate);
        try {
          const store = await context.store({ create: false });
          const after = explicitAfter ?? (options.fromStart ? 0 : await store.headPosition());
          context.out.note(`following the log after position ${after} (Ctrl-C to stop)`);
          // The subscription ends (no error) when the signal aborts; the wrapper then closes the store.
          for await (const event of store.subscribe({ ...filter, after, signal: stop.signal })) {
            await context.out.event(event);
          }
          // Ctrl-C ends it as the shell (and npx) report any interrupted command: 128 + SIGINT.
          if (interrupted) process.exitCode = 130;
        } finally {
          process.off('SIGINT', onInterrupt);
          process.off('SIGTERM', onTerminate);
        }
      }),
    );
}
