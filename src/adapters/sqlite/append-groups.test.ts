import Database from 'better-sqlite3';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { PreparedAppend } from '../../backend/parts.js';
import type { AppendResult } from '../../core/types.js';
import { AppendGroups, GroupAborted, PROBE_MAX, PROBE_MIN, type GroupWriter, type Outcome } from './append-groups.js';

// The scheduling of group commit, against a writer that records its transactions: which
// appends each one held. What SQLite does inside them is tested in test/integration/sqlite-group-commit.test.ts.

type Batch = readonly PreparedAppend[];

const batch = (stream: string): Batch => [{ stream, category: stream, events: [], expectedRevision: 'any' }];
const nameOf = (b: Batch) => b[0]!.stream;
const resultsOf = (b: Batch): AppendResult[] => [{ stream: nameOf(b), streamRevision: 0, position: 1 }];
const busy = () => new Database.SqliteError('database is locked', 'SQLITE_BUSY');

class RecordingWriter implements GroupWriter {
  /** The appends of each committed transaction, by stream name. */
  readonly transactions: string[][] = [];
  locked = false;
  /** Appends that fail alone (their savepoint). */
  readonly failing = new Set<string>();
  /** An append whose error ends the whole transaction. */
  ending: string | undefined;
  /** How many appends a group takes before its time is up. */
  timeUpAfter = Infinity;
  failCommit = false;

  one(b: Batch): AppendResult[] {
    if (this.locked) throw busy();
    if (this.failing.has(nameOf(b)) || this.ending === nameOf(b)) throw new Error(`refused ${nameOf(b)}`);
    this.transactions.push([nameOf(b)]);
    return resultsOf(b);
  }

  group(batches: readonly Batch[]): Outcome[] {
    if (this.locked) throw busy();
    const taken = batches.slice(0, this.timeUpAfter);
    const ending = taken.findIndex((b) => nameOf(b) === this.ending);
    if (ending >= 0) throw new GroupAborted(ending, new Error(`disk full at ${this.ending}`));
    if (this.failCommit) throw new Error('commit failed');
    this.transactions.push(taken.filter((b) => !this.failing.has(nameOf(b))).map(nameOf));
    return taken.map((b) => (this.failing.has(nameOf(b)) ? { error: new Error(`refused ${nameOf(b)}`) } : { results: resultsOf(b) }));
  }

  translate(error: unknown): unknown {
    return error instanceof Database.SqliteError ? new Error(`translated ${error.code}`) : error;
  }
}

function setUp(options: { maxAppends?: number; busyTimeoutMs?: number } = {}) {
  const writer = new RecordingWriter();
  const groups = new AppendGroups(writer, { maxAppends: options.maxAppends ?? 64, maxMs: 10 }, options.busyTimeoutMs ?? 5000);
  const append = (stream: string) => groups.append(batch(stream));
  return { writer, groups, append };
}

/** Starts appends while the lock is taken, so that they queue; then frees it. They commit as one group. */
async function queuedBehindLock(setup: ReturnType<typeof setUp>, streams: readonly string[]): Promise<PromiseSettledResult<AppendResult[]>[]> {
  setup.writer.locked = true;
  const calls = streams.map((s) => setup.append(s));
  await nextTurn();
  setup.writer.locked = false;
  return Promise.allSettled(calls);
}

describe('AppendGroups', () => {
  it('commits a lone append in the call, in a transaction of its own', async () => {
    const { writer, append } = setUp();
    const pending = append('a-1');
    expect(writer.transactions).toEqual([['a-1']]);
    expect(await pending).toEqual(resultsOf(batch('a-1')));
  });

  it('queues the appends requested while it waits for the lock, and commits them as one group in call order', async () => {
    const setup = setUp();
    const settled = await queuedBehindLock(setup, ['a-1', 'b-1', 'c-1']);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(setup.writer.transactions).toEqual([['a-1', 'b-1', 'c-1']]);
  });

  it('after a group with company, gathers the appends of one turn into the next group', async () => {
    const setup = setUp();
    await queuedBehindLock(setup, ['a-1', 'b-1']);
    const next = ['a-2', 'b-2', 'c-2'].map((s) => setup.append(s));
    expect(setup.writer.transactions).toHaveLength(1); // nothing committed in the call
    await Promise.all(next);
    expect(setup.writer.transactions).toEqual([['a-1', 'b-1'], ['a-2', 'b-2', 'c-2']]);
  });

  it('goes back to committing at once after a group of one', async () => {
    const setup = setUp();
    await queuedBehindLock(setup, ['a-1', 'b-1']);
    await setup.append('a-2'); // gathered, alone
    void setup.append('a-3');
    expect(setup.writer.transactions.at(-1)).toEqual(['a-3']);
  });

  it('gathers an append requested before the previous lone one could reach its caller, with those that follow', async () => {
    const { writer, append } = setUp();
    const calls = ['a-1', 'b-1', 'c-1'].map((s) => append(s)); // one run of code, as Promise.all of callers starts
    expect(writer.transactions).toEqual([['a-1']]);
    await Promise.all(calls);
    expect(writer.transactions).toEqual([['a-1'], ['b-1', 'c-1']]);
  });

  it('commits the appends of one caller that awaits each at once, one by one', async () => {
    const { writer, append } = setUp();
    for (let i = 1; i < PROBE_MIN; i++) {
      const pending = append(`a-${i}`);
      expect(writer.transactions).toHaveLength(i);
      await pending;
    }
  });

  it(`probes after ${PROBE_MIN} lone appends: that one waits for the turn, and others join it`, async () => {
    const { writer, append } = setUp();
    for (let i = 1; i < PROBE_MIN; i++) await append(`a-${i}`);
    expect(writer.transactions).toHaveLength(PROBE_MIN - 1);
    const probe = append('probe-1');
    expect(writer.transactions).toHaveLength(PROBE_MIN - 1);
    await Promise.resolve(); // another caller's append, before the turn comes
    const joined = append('b-1');
    await Promise.all([probe, joined]);
    expect(writer.transactions.at(-1)).toEqual(['probe-1', 'b-1']);
  });

  it(`probes less and less often while it finds no company, at least once in ${PROBE_MAX} lone appends`, async () => {
    const { writer, append } = setUp();
    const probes: number[] = [];
    for (let i = 1; i <= 2000; i++) {
      const pending = append(`a-${i}`);
      if (writer.transactions.length < i) probes.push(i);
      await pending;
    }
    const gaps = probes.map((p, i) => p - (probes[i - 1] ?? 0));
    expect(gaps.slice(0, 6)).toEqual([16, 32, 64, 128, 256, 256]);
    expect(Math.max(...gaps)).toBe(PROBE_MAX);
  });

  it('gives each append of a group its own outcome: one that fails does not fail the others', async () => {
    const setup = setUp();
    setup.writer.failing.add('b-1');
    const settled = await queuedBehindLock(setup, ['a-1', 'b-1', 'c-1']);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('refused b-1'));
    expect(setup.writer.transactions).toEqual([['a-1', 'c-1']]);
  });

  it('when one append ends the whole transaction, fails that one and commits the others in the next group', async () => {
    const setup = setUp();
    setup.writer.ending = 'b-1';
    const settled = await queuedBehindLock(setup, ['a-1', 'b-1', 'c-1']);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('disk full at b-1'));
    expect(setup.writer.transactions).toEqual([['a-1', 'c-1']]);
  });

  it('fails every append of a group whose transaction fails as a whole', async () => {
    const setup = setUp();
    setup.writer.failCommit = true;
    const settled = await queuedBehindLock(setup, ['a-1', 'b-1']);
    expect(settled).toEqual([
      { status: 'rejected', reason: new Error('commit failed') },
      { status: 'rejected', reason: new Error('commit failed') },
    ]);
  });

  it('takes at most maxAppends appends into one group; the rest commit in the next, in order', async () => {
    const setup = setUp({ maxAppends: 2 });
    await queuedBehindLock(setup, ['a-1', 'b-1', 'c-1', 'd-1', 'e-1']);
    expect(setup.writer.transactions).toEqual([['a-1', 'b-1'], ['c-1', 'd-1'], ['e-1']]);
  });

  it('puts the appends a group had no time for first in the next group', async () => {
    const setup = setUp();
    setup.writer.timeUpAfter = 2;
    setup.writer.locked = true;
    const first = ['a-1', 'b-1', 'c-1'].map((s) => setup.append(s));
    await nextTurn();
    setup.writer.locked = false;
    await Promise.all(first);
    expect(setup.writer.transactions).toEqual([['a-1', 'b-1'], ['c-1']]);
  });

  it('fails the appends that waited for the lock longer than busyTimeoutMs, with the translated error', async () => {
    const { writer, append } = setUp({ busyTimeoutMs: 20 });
    writer.locked = true;
    const settled = await Promise.allSettled([append('a-1'), append('b-1')]);
    expect(settled).toEqual([
      { status: 'rejected', reason: new Error('translated SQLITE_BUSY') },
      { status: 'rejected', reason: new Error('translated SQLITE_BUSY') },
    ]);
    writer.locked = false;
    expect(await append('a-1')).toEqual(resultsOf(batch('a-1')));
  });

  it('passes the error of a lone append to its caller', async () => {
    const { writer, append } = setUp();
    writer.failing.add('a-1');
    await expect(append('a-1')).rejects.toThrow('refused a-1');
    expect(await append('b-1')).toEqual(resultsOf(batch('b-1')));
  });

  it('tells when every append requested so far is settled', async () => {
    const { writer, groups, append } = setUp();
    expect(await Promise.race([groups.whenIdle().then(() => 'idle'), nextTurn().then(() => 'waiting')])).toBe('idle');
    writer.locked = true;
    const pending = append('a-1');
    const idle = groups.whenIdle();
    await nextTurn();
    expect(writer.transactions).toEqual([]);
    writer.locked = false;
    await idle;
    expect(writer.transactions).toEqual([['a-1']]);
    await pending;
  });
});
