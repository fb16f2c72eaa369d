import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, type EventStore } from '../../src/index.js';
import { runProjections, type RunningProjections } from '../../src/projection/run-projections.js';
import { ReadModels } from '../../src/readmodel/read-models.js';
import { balances, deposit, type Balance } from '../../src/testing/conformance/projections/suite.js';
import { SOAK } from '../helpers/projector.js';
import { createTempDir } from '../helpers/temp-dir.js';

// Read-your-writes on SQLite, pair after pair: each append is followed by a query that must see
// it — at once with an inline projection, after a wait for its position with an async one — and,
// with no runner applying, by the typed timeout.

const PAIRS = SOAK ? 10_000 : 1000;

const dir = createTempDir();
afterAll(() => dir.remove());
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

let count = 0;
async function setUp(registration: Parameters<typeof runProjections>[1]): Promise<{ events: EventStore; running: RunningProjections }> {
  const events = await openStore(`sqlite:${dir.file(`ryw-${++count}.db`)}`);
  cleanup.push(() => events.close());
  const running = await runProjections(events, registration, { leaseTtlMs: 2000 });
  cleanup.push(() => running.stop());
  return { events, running };
}

/** Appends one deposit per pair and checks that `read` returns the stream's document with it. */
async function pairs(events: EventStore, read: (stream: string, position: number) => Promise<Balance | undefined>): Promise<void> {
  const expected = new Map<string, Balance>();
  for (let i = 1; i <= PAIRS; i++) {
    const stream = `account-${i % 17}`;
    const before = expected.get(stream) ?? { balance: 0, events: 0 };
    const after = { balance: before.balance + i, events: before.events + 1 };
    expected.set(stream, after);
    const { position } = await events.append(stream, [deposit(i)]);
    const seen = await read(stream, position);
    // One check per pair, with the pair named when it fails.
    if (seen?.balance !== after.balance || seen.events !== after.events) expect(seen, `pair ${i}, position ${position}`).toEqual(after);
  }
}

describe('SQLite read-your-writes', () => {
  it(`an inline projection: ${PAIRS} append → query pairs each see their own write, without waiting`, async () => {
    const { events } = await setUp({ inline: [balances] });
    const accounts = new ReadModels(events.readModelStore()).collection<Balance>(balances, 'state');
    await pairs(events, (stream) => accounts.get(stream));
  }, 120_000);

  it(`an async projection: ${PAIRS} append → query pairs each see their own write, waiting for its position`, async () => {
    const { events, running } = await setUp([balances]);
    const accounts = running.readModels.collection<Balance>(balances, 'state');
    await pairs(events, (stream, position) => accounts.get(stream, { minPosition: position, timeoutMs: 5000 }));
  }, 120_000);

  it('an async projection whose runner is stopped: the query gets the typed timeout, with the checkpoint it reached', async () => {
    const { events, running } = await setUp([balances]);
    const accounts = running.readModels.collection<Balance>(balances, 'state');
    const first = await events.append('account-1', [deposit(1)]);
    expect(await accounts.get('account-1', { minPosition: first.position, timeoutMs: 5000 })).toEqual({ balance: 1, events: 1 });
    await running.stop();
    for (let i = 0; i < 5; i++) {
      const { position } = await events.append('account-1', [deposit(1)]);
      const error = await accounts.get('account-1', { minPosition: position, timeoutMs: 100 }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'ANNALS_CONSISTENCY_TIMEOUT', projection: 'balances', minPosition: position, checkpoint: first.position, timeoutMs: 100 });
    }
  });
});
