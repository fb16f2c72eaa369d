import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type AppendResult, type EventStore, type RecordedEvent } from '../../src/index.js';
import { collect, range } from '../helpers/collect.js';
import { behindTheLock, walCommits } from '../helpers/group-commit.js';
import { createTempDir } from '../helpers/temp-dir.js';

// Appends requested while the write lock is taken queue behind it and commit together, each
// in a savepoint of its own (src/adapters/sqlite/append-groups.ts): each one keeps every rule
// of an append, and its failure is its own.

const dir = createTempDir();
afterAll(() => dir.remove());

let files = 0;

/** A store on a new file; without a time bound to speak of, unless the query sets one, so that on a loaded machine too the appends queued together make one group. */
async function openNew(query = ''): Promise<{ store: EventStore; file: string }> {
  const file = dir.file(`group-${++files}.db`);
  const options = query.includes('groupMaxMs') ? {} : { groupMaxMs: 60_000 };
  return { store: await openStore(`sqlite:${file}${query}`, options), file };
}

const event = (type = 'Happened', data: Record<string, number> = {}) => ({ id: randomUUID(), type, data });

function outcome(settled: PromiseSettledResult<unknown>): unknown {
  return settled.status === 'fulfilled' ? settled.value : settled.reason;
}

async function typesOf(store: EventStore, stream: string): Promise<string[]> {
  return (await collect(store.readStream(stream))).map((e) => e.type);
}

describe('SQLite group commit', () => {
  it('commits the appends requested while the lock is taken in one transaction, positions in call order', async () => {
    const { store, file } = await openNew();
    await store.append('seed-1', [event()]);
    const before = walCommits(file);
    const settled = await behindTheLock(file, () => range(5).map((i) => store.append(`account-${i}`, [event('Opened'), event('Deposited')])));

    expect(walCommits(file) - before).toBe(1);
    const results = settled.map((s) => outcome(s) as AppendResult);
    expect(results.map((r) => r.stream)).toEqual(range(5).map((i) => `account-${i}`));
    expect(results.map((r) => r.streamRevision)).toEqual([1, 1, 1, 1, 1]);
    const positions = results.map((r) => r.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const log = await collect(store.readAll());
    expect(log.map((e) => e.position)).toEqual(range(11).map((i) => i + 1));
    await store.close();
  });

  it('gives an append whose expected revision fails its own typed error, with the actual revision, and commits the others', async () => {
    const { store, file } = await openNew();
    await store.append('order-1', [event('Placed')]);
    const settled = await behindTheLock<unknown>(file, () => [
      store.append('order-1', [event('Paid')], { expectedRevision: 0 }),
      store.append('order-1', [event('Cancelled')], { expectedRevision: 0 }),
      store.append('invoice-1', [event('Issued')], { expectedRevision: 'no_stream' }),
      store.append('order-1', [event('Shipped')], { expectedRevision: 1 }),
    ]);

    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(outcome(settled[1]!)).toMatchObject({ code: 'ANNALS_WRONG_EXPECTED_REVISION', stream: 'order-1', expected: 0, actual: 1 });
    expect(await typesOf(store, 'order-1')).toEqual(['Placed', 'Paid', 'Shipped']);
    expect(await typesOf(store, 'invoice-1')).toEqual(['Issued']);
    await store.close();
  });

  it('treats an append repeated with the same ids in one group as a retry: it returns the first result and writes nothing', async () => {
    const { store, file } = await openNew();
    const events = [event('A'), event('B')];
    const settled = await behindTheLock<unknown>(file, () => [
      store.append('retry-1', events, { expectedRevision: 'no_stream' }),
      store.append('retry-1', events, { expectedRevision: 'no_stream' }),
      store.append('retry-1', [event('C')], { expectedRevision: 1 }),
    ]);

    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(outcome(settled[1]!)).toEqual(outcome(settled[0]!));
    expect(await typesOf(store, 'retry-1')).toEqual(['A', 'B', 'C']);
    await store.close();
  });

  it('refuses an id that an earlier append of the group wrote elsewhere with ANNALS_DUPLICATE_EVENT_ID, and commits the rest', async () => {
    const { store, file } = await openNew();
    const shared = event('Shared');
    const settled = await behindTheLock<unknown>(file, () => [
      store.append('left-1', [shared]),
      store.append('right-1', [event('Mine'), shared]),
      store.append('right-1', [event('Other')]),
    ]);

    const first = outcome(settled[0]!) as AppendResult;
    expect(outcome(settled[1]!)).toMatchObject({
      code: 'ANNALS_DUPLICATE_EVENT_ID',
      eventId: shared.id,
      stream: 'right-1',
      existing: { stream: 'left-1', revision: 0, position: first.position },
    });
    expect(settled[2]!.status).toBe('fulfilled');
    expect(await typesOf(store, 'right-1')).toEqual(['Other']);
    await store.close();
  });

  it('keeps an appendMany all or nothing inside a group', async () => {
    const { store, file } = await openNew();
    const settled = await behindTheLock<unknown>(file, () => [
      store.appendMany([
        { stream: 'from-1', events: [event('Debited')], expectedRevision: 'no_stream' },
        { stream: 'to-1', events: [event('Credited')], expectedRevision: 5 },
      ]),
      store.append('audit-1', [event('Noted')]),
      store.appendMany([
        { stream: 'from-2', events: [event('Debited')], expectedRevision: 'no_stream' },
        { stream: 'to-2', events: [event('Credited')], expectedRevision: 'no_stream' },
      ]),
    ]);

    expect(outcome(settled[0]!)).toMatchObject({ code: 'ANNALS_WRONG_EXPECTED_REVISION', stream: 'to-1' });
    expect(await typesOf(store, 'from-1')).toEqual([]);
    expect((await store.streamInfo('from-1')).exists).toBe(false);
    expect(await typesOf(store, 'audit-1')).toEqual(['Noted']);
    expect(await typesOf(store, 'from-2')).toEqual(['Debited']);
    expect(await typesOf(store, 'to-2')).toEqual(['Credited']);
    await store.close();
  });

  it('fails an append to a hard-deleted stream alone', async () => {
    const { store, file } = await openNew();
    await store.append('gone-1', [event()]);
    await store.deleteStream('gone-1', { mode: 'hard' });
    const settled = await behindTheLock(file, () => [store.append('here-1', [event()]), store.append('gone-1', [event()]), store.append('here-2', [event()])]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcome(settled[1]!)).toMatchObject({ code: 'ANNALS_STREAM_DELETED', stream: 'gone-1' });
    await store.close();
  });

  it("wakes the store's live subscribers with every event of the group, in position order", async () => {
    const { store, file } = await openNew();
    const controller = new AbortController();
    const seen: RecordedEvent[] = [];
    const subscribed = (async () => {
      for await (const e of store.subscribe({ signal: controller.signal })) {
        seen.push(e);
        if (seen.length === 6) controller.abort();
      }
    })();
    await behindTheLock(file, () => range(6).map((i) => store.append(`live-${i % 2}`, [event('Live', { i })])));
    await subscribed;
    expect(seen.map((e) => (e.data as { i: number }).i)).toEqual(range(6));
    expect(seen.map((e) => e.position)).toEqual([...seen.map((e) => e.position)].sort((a, b) => a - b));
    await store.close();
  });

  it('groups appends started together by concurrent callers, with no lock held', async () => {
    const { store, file } = await openNew();
    await store.append('seed-1', [event()]);
    const before = walCommits(file);
    const results = await Promise.all(range(20).map((i) => store.append(`together-${i}`, [event()])));
    // The first commits at once; the others, requested before it returned, as one group.
    expect(walCommits(file) - before).toBe(2);
    expect(results.map((r) => r.stream)).toEqual(range(20).map((i) => `together-${i}`));
    await store.close();
  });

  it('finds company for appends made by separate events (here timers), and groups them', async () => {
    const { store, file } = await openNew();
    await store.append('seed-1', [event()]);
    const before = walCommits(file);
    const calls = range(64).map((i) => new Promise((resolve, reject) => setTimeout(() => store.append(`timer-${i}`, [event()]).then(resolve, reject), 0)));
    await Promise.all(calls);
    // Each callback finds the store idle and commits alone, until a probe waits for the turn's end.
    expect(walCommits(file) - before).toBeLessThanOrEqual(32);
    expect((await collect(store.readAll())).length).toBe(65);
    await store.close();
  });

  it('commits at most groupMaxAppends appends per transaction', async () => {
    const { store, file } = await openNew('?groupMaxAppends=2');
    await store.append('seed-1', [event()]);
    const before = walCommits(file);
    const settled = await behindTheLock(file, () => range(5).map((i) => store.append(`split-${i}`, [event()])));
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
    expect(walCommits(file) - before).toBe(3);
    await store.close();
  });

  it('takes no further append into a group once it has held the lock for groupMaxMs', async () => {
    // Each append writes 3,000 events: far longer than 1 ms, so every group ends after its first.
    const { store, file } = await openNew('?groupMaxMs=1');
    await store.append('seed-1', [event()]);
    const before = walCommits(file);
    const big = () => range(3000).map((i) => event('Bulk', { i }));
    const settled = await behindTheLock(file, () => range(3).map((i) => store.append(`bulk-${i}`, big())));
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
    expect(walCommits(file) - before).toBe(3);
    expect((await store.streamInfo('bulk-2')).revision).toBe(2999);
    await store.close();
  });

  it('with groupCommit=false, commits every append in a transaction of its own', async () => {
    const { store, file } = await openNew('?groupCommit=false');
    await store.append('seed-1', [event()]);
    const before = walCommits(file);
    const settled = await behindTheLock(file, () => range(4).map((i) => store.append(`alone-${i}`, [event()])));
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
    expect(walCommits(file) - before).toBe(4);
    await store.close();
  });

  it('fails every append still waiting when the lock is held past busyTimeoutMs, writing nothing', async () => {
    const { store, file } = await openNew('?busyTimeoutMs=50');
    const settled = await behindTheLock(file, () => range(3).map((i) => store.append(`late-${i}`, [event()])), 200);
    for (const s of settled) expect(outcome(s)).toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE', retryable: true });
    expect(await collect(store.readAll())).toEqual([]);
    await store.close();
  });

  it('commits the appends requested before close, then closes', async () => {
    const file = dir.file(`group-${++files}.db`);
    const store = await openStore(`sqlite:${file}`);
    let closed: Promise<void> | undefined;
    const settled = await behindTheLock(file, () => {
      const calls = range(3).map((i) => store.append(`closing-${i}`, [event()]));
      closed = store.close();
      return calls;
    });
    await closed;
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
    const reopened = await openStore(`sqlite:${file}`);
    expect(await collect(reopened.readAll())).toHaveLength(3);
    await reopened.close();
  });
});
