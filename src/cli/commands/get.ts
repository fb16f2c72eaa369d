import type { Command } from 'commander';
import { EventNotFoundError } from '../../core/errors.js';
import { withStore } from '../run.js';

export function registerGet(program: Command): void {
  program
    .command('get')
    .summary('show one event by its id')
    .description('Show one event by its id. An id that is not recorded is an error (exit code 4).')
    .argument('<id>', 'event id (a UUID)')
    .action(
      withStore<[string], object>(async (context, _options, id) => {
        const store = await context.store({ create: false });
        const event = await store.getEvent(id);
        if (event === undefined) throw new EventNotFoundError(id);
        await context.out.event(event);
      }),
    );
}
