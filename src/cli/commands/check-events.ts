import type { Command } from 'commander';
import { InvalidArgumentError } from '../../core/errors.js';
import type { RecordedEvent } from '../../core/types.js';
import { checkEvent, type EventCheck } from '../../schemas/upcast.js';
import { EXIT } from '../exit-codes.js';
import { plural } from '../output.js';
import { createProgress } from '../progress.js';
import { withStore } from '../run.js';

interface CheckEventsOptions {
  readonly strict?: boolean;
}

export function registerCheckEvents(program: Command): void {
  program
    .command('check-events')
    .summary('check that every stored event decodes with today\'s schemas')
    .description(
      'Read the whole log and decode every event of a registered type with the schemas of --schemas: upcast it to the ' +
        'current version, then validate it with the current schema. Prints each event that fails and a summary; ' +
        'exits 1 when any fails. Run it in CI before deploying new schemas or upcasters.',
    )
    .option('--strict', 'count events of types without a schema as failures too')
    .action(
      withStore<[], CheckEventsOptions>(async (context, options) => {
        const schemas = await context.schemas();
        if (!schemas) throw new InvalidArgumentError('--schemas', undefined, 'the module that exports your event schemas, e.g. --schemas ./dist/events.js');
        // The events as stored: this command does the decoding itself, to report every failure.
        const store = await context.store({ schemas: undefined, create: false });
        const { out } = context;
        const head = await store.headPosition();
        const progress = createProgress(!out.json && process.stdout.isTTY ? process.stdout : process.stderr);
        const task = progress.task(`checking events up to position ${head}`);
        const tally = { checked: 0, ok: 0, failed: 0, unregistered: 0 };
        const unregisteredTypes = new Map<string, number>();
        for await (const event of store.readAll()) {
          const check = await checkEvent(schemas, event);
          tally.checked++;
          if (check.status === 'unregistered') {
            tally.unregistered++;
            unregisteredTypes.set(event.type, (unregisteredTypes.get(event.type) ?? 0) + 1);
          }
          const failure = check.status === 'failed' ? check : check.status === 'unregistered' && options.strict ? unregisteredFailure(event) : undefined;
          if (failure) {
            tally.failed++;
            await task.above(() => out.result(describeFailure(event, failure), formatFailure(event, failure)));
          } else if (check.status === 'ok') {
            tally.ok++;
          }
          if (tally.checked % 1000 === 0) task.update(head === 0 ? 1 : Math.min(1, event.position / head), `${plural(tally.checked, 'event')}, ${tally.failed} failed`);
        }
        const summary = { ...tally, unregisteredTypes: Object.fromEntries(unregisteredTypes) };
        const human = [
          `checked ${plural(tally.checked, 'event')}: ${tally.ok} ok, ${tally.failed} failed, ${tally.unregistered} of types without a schema` +
            (unregisteredTypes.size > 0 ? ` (${[...unregisteredTypes].map(([type, count]) => `${type} ×${count}`).join(', ')})` : ''),
        ];
        task.done(`${plural(tally.checked, 'event')}, ${tally.failed} failed`);
        await out.result({ summary }, human);
        if (tally.failed > 0) process.exitCode = EXIT.failure;
      }),
    );
}

type Failure = Extract<EventCheck, { status: 'failed' }>;

function unregisteredFailure(event: RecordedEvent): Failure {
  return { status: 'failed', reason: `the type "${event.type}" has no schema (--strict)` };
}

function describeFailure(event: RecordedEvent, failure: Failure): object {
  const { id, type, stream, revision, position, metadata } = event;
  return { failed: { id, type, stream, revision, position, version: metadata.schemaVersion ?? 1, reason: failure.reason, issues: failure.issues } };
}

function formatFailure(event: RecordedEvent, failure: Failure): string {
  return `FAIL #${event.position}  ${event.stream}@${event.revision}  ${event.type} v${JSON.stringify(event.metadata.schemaVersion ?? 1)}: ${failure.reason}`;
}
