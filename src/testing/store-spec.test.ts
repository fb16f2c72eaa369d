import { AssertionError } from 'node:assert';
import { afterAll, describe, expect, it } from 'vitest';
import { counter, CounterTooHigh, type CounterEvent } from '../../examples/counter/counter.js';
import { openStore } from '../core/open-store.js';
import { storeSpec } from './store-spec.js';

const store = await openStore('memory:');
afterAll(() => store.close());
const given = storeSpec(store, counter);
const at = (total: number): CounterEvent => ({ type: 'Incremented', data: { by: total, total } });

async function failure(run: () => Promise<unknown>): Promise<AssertionError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AssertionError);
  return error as AssertionError;
}

describe('storeSpec', () => {
  it('appends the given events, handles the command, and checks what was appended', async () => {
    const result = await given([at(5)]).when({ type: 'Increment' }).then([{ type: 'Incremented', data: { by: 1, total: 6 } }]);
    expect(result).toMatchObject({ streamRevision: 1, state: { total: 6 } });
    expect(await store.streamInfo(result.events[0]!.stream)).toMatchObject({ revision: 1 });
    await given([at(5)]).when({ type: 'Reset' }).then([{ type: 'Reset' }]);
    await given().when({ type: 'Check' }).then([]);
  });

  it('compares the metadata keys an expected event gives', async () => {
    await given()
      .when({ type: 'Reset' }, { commandId: 'cmd-1' })
      .then([{ type: 'Reset', metadata: { causationId: 'cmd-1' } }]);
    const error = await failure(() => given().when({ type: 'Reset' }, { commandId: 'cmd-1' }).then([{ type: 'Reset', metadata: { causationId: 'cmd-2' } }]));
    expect(error.message).toContain('"causationId":"cmd-1"');
  });

  it('fails with both lists of events when the appended events differ', async () => {
    const error = await failure(() => given([at(5)]).when({ type: 'Increment' }).then([at(6)]));
    expect(error.message).toContain('expected: [{"type":"Incremented","data":{"by":6,"total":6}}]');
    expect(error.message).toContain('actual:   [{"type":"Incremented","data":{"by":1,"total":6}}]');
  });

  it('passes thenThrows when the command is refused and nothing is appended', async () => {
    const error = await given([at(100)]).when({ type: 'Increment' }).thenThrows(CounterTooHigh);
    expect(error).toBeInstanceOf(CounterTooHigh);
  });

  it('fails thenThrows when the command succeeded, and then when events were expected but it was refused', async () => {
    expect((await failure(() => given().when({ type: 'Increment' }).thenThrows(CounterTooHigh))).message).toContain('but it decided');
    expect((await failure(() => given([at(100)]).when({ type: 'Increment' }).then([]))).message).toContain('but it threw');
  });

  it('refuses to be awaited without then, instead of hanging', async () => {
    await expect(async () => {
      await (given().when({ type: 'Check' }) as unknown as Promise<void>);
    }).rejects.toThrow(/end it with \.then\(expectedEvents\)/);
  });

  it('writes to the stream it is told to', async () => {
    const named = storeSpec(store, counter, { stream: 'counter-named' });
    await named().when({ type: 'Increment' }).then([at(1)].map((e) => ({ ...e, data: { by: 1, total: 1 } })));
    expect((await store.streamInfo('counter-named')).revision).toBe(0);
  });
});
