import { afterEach, expect, it } from 'vitest';
import { openMemory } from '../adapters/memory/open.js';
import { EventStore } from '../core/event-store.js';
import type { RecordedEvent } from '../core/types.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import { checkRunnerOptions } from './options.js';
import { ProjectionRunner } from './runner.js';
import { streamProjection } from './shapes.js';

type Tally = { total: number; applied: number[] };

const tallies = streamProjection<Tally>({
  name: 'tallies',
  version: 1,
  initialState: () => ({ total: 0, applied: [] }),
  evolve: (state, event: RecordedEvent) => ({ total: state.total + (event.data as { amount: number }).amount, applied: [...state.applied, event.position] }),
});

const stopping: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stopping.splice(0).reverse()) await stop();
});

it("an inline projection's runner applies nothing twice when inline appends move the checkpoint past a page it reads, into the next page", async () => {
  const events = new EventStore(await openMemory());
  stopping.push(() => events.close());
  for (const amount of [1, 10, 100, 1000]) await events.append('tally-1', [{ type: 'Added', data: { amount } }]);
  // The read models inline appends write (as runProjections gets them).
  const attachment = events.attachInline(() => undefined);
  attachment.detach();
  const readModels: ReadModelStore = attachment.readModels;
  let runner!: ProjectionRunner;
  let moved = false;
  // While the runner reads its first page (positions 1 and 2), appends of another process apply
  // positions 1 to 3 inline and move the checkpoint to 3: past that page, into the next (3 and 4).
  const racing = new Proxy(readModels, {
    get(target, property) {
      if (property !== 'state') return Reflect.get(target, property, target);
      return async (...args: Parameters<ReadModelStore['state']>) => {
        if (!moved) {
          moved = true;
          const json = JSON.stringify({ total: 111, applied: [1, 2, 3] } satisfies Tally);
          await target.commit({ key: runner.key, from: 0, checkpoint: 3, writes: [{ op: 'put', collection: runner.specs.get('state')!, id: 'tally-1', json, fields: {} }] });
        }
        return target.state(...args);
      };
    },
  });
  runner = new ProjectionRunner(events, racing, tallies, checkRunnerOptions({ batchSize: 2, leaseTtlMs: 500 }), { inline: true });
  await runner.prepare();
  runner.start();
  stopping.push(() => runner.stop());
  await runner.caughtUp();
  expect(moved).toBe(true);
  expect((await readModels.state(runner.key))?.checkpoint).toBe(4);
  const [json] = await readModels.get(runner.specs.get('state')!, ['tally-1']);
  expect(JSON.parse(json!)).toEqual({ total: 1111, applied: [1, 2, 3, 4] });
});
