import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../core/errors.js';
import { MemoryReadModels } from '../memory/memory-read-models.js';
import { encodeDocument } from '../../readmodel/documents.js';
import { collectionSpec } from '../../readmodel/names.js';
import type { ReadModelStore } from '../../readmodel/read-model-store.js';
import type { DocumentWrite, ProjectionCommit, ProjectionKey, StoredFind } from '../../readmodel/types.js';
import { openSqliteReadModels } from './open-read-models.js';
import { openSqlite } from './open.js';
import type { SqliteReadModels } from './sqlite-read-models.js';

const dir = mkdtempSync(join(tmpdir(), 'annals-rm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const opened: ReadModelStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0).reverse()) await store.close();
});

/** A store on a new file, and a second connection to the same file. */
async function twoConnections(): Promise<[ReadModelStore, ReadModelStore, string]> {
  const file = join(dir, `rm-${++files}.db`);
  const first = await openSqliteReadModels(file);
  const second = await openSqliteReadModels(file);
  opened.push(first, second);
  return [first, second, file];
}

const accounts = collectionSpec('balances', 1, 'accounts', { name: 'string', score: 'number' });
const key: ProjectionKey = { projection: 'balances', version: 1, partition: 0 };
const put = (id: string, document: object): DocumentWrite => ({ op: 'put', collection: accounts, id, ...encodeDocument(accounts, id, document) });
const batch = (from: number, checkpoint: number, writes: DocumentWrite[], extra: Partial<ProjectionCommit> = {}): ProjectionCommit => ({ key, from, checkpoint, writes, ...extra });

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * n); // the high bits: an LCG's low bits repeat quickly
  };
}

const NAMES = ['', 'a', 'B', 'ab', 'é', '\u{1F600}', '\uFFFF', 'z', 'Z9', null, undefined];
const SCORES = [-3, -1.5, 0, 2, 2, 10, 1e20, 0.25, null, undefined];

describe('SQLite read models', () => {
  it('finds and counts exactly as the memory reference does, over strings beyond U+FFFF, numbers, missing and null fields', async () => {
    const [sqlite] = await twoConnections();
    const memory = new MemoryReadModels();
    const pick = random(7);
    await sqlite.prepare([accounts]);
    let checkpoint = 0;
    for (let round = 0; round < 8; round++) {
      const writes: DocumentWrite[] = [];
      for (let i = 0; i < 40; i++) {
        const id = `acc-${pick(120)}`;
        if (pick(6) === 0) writes.push({ op: 'delete', collection: accounts, id });
        else writes.push(put(id, { name: NAMES[pick(NAMES.length)], score: SCORES[pick(SCORES.length)], n: i }));
      }
      for (const store of [sqlite, memory]) await store.commit(batch(checkpoint, checkpoint + 1, writes));
      checkpoint++;
    }
    expect(await sqlite.count(accounts, {})).toBeGreaterThan(60);
    expect(await sqlite.count(accounts, {})).toBe(await memory.count(accounts, {}));
    const bound = (field: 'name' | 'score') => (field === 'name' ? NAMES : SCORES)[pick(8)]!;
    for (let i = 0; i < 300; i++) {
      const field = (['name', 'score', undefined] as const)[pick(3)];
      let find: StoredFind = { direction: pick(2) === 0 ? 'asc' : 'desc', limit: 1 + pick(30) };
      if (field !== undefined) {
        find = { ...find, field, kind: field === 'name' ? 'string' : 'number' };
        const shape = pick(4);
        if (shape === 1) find = { ...find, eq: bound(field) };
        if (shape === 2) find = { ...find, gt: bound(field), lte: bound(field) };
        if (shape === 3) find = { ...find, gte: bound(field) };
      }
      const expected = await memory.find(accounts, find);
      expect(await sqlite.find(accounts, find), JSON.stringify(find)).toEqual(expected);
      expect(await sqlite.count(accounts, find)).toBe(await memory.count(accounts, find));
      // The next page, from the last document of this one.
      const last = expected.at(-1);
      if (last === undefined) continue;
      const value = field === undefined ? undefined : (JSON.parse(last.json) as Record<string, string | number>)[field];
      const next = { ...find, after: { id: last.id, ...(value === undefined ? {} : { value }) } };
      expect(await sqlite.find(accounts, next), JSON.stringify(next)).toEqual(await memory.find(accounts, next));
    }
    const ids = ['acc-1', 'nobody', 'acc-2', 'acc-1'];
    expect(await sqlite.get(accounts, ids)).toEqual(await memory.get(accounts, ids));
  });

  it('refuses a commit from a moved checkpoint or a lost lease, writing nothing, and names what it found', async () => {
    const [store] = await twoConnections();
    const refused = await store.commit(batch(3, 4, [put('a', { name: 'x' })])).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LeaseLostError);
    expect(refused).toMatchObject({ code: 'ANNALS_LEASE_LOST', found: undefined });

    const lease = await store.lease(key, 'runner-1', 10_000);
    expect(lease).toMatchObject({ held: true, state: { checkpoint: 0, owner: 'runner-1', epoch: 1 } });
    await store.commit(batch(0, 5, [put('a', { name: 'x' })], { lease: { owner: 'runner-1', epoch: 1 }, ttlMs: 60_000 }));
    const state = (await store.state(key))!;
    expect(state).toMatchObject({ checkpoint: 5, owner: 'runner-1', epoch: 1 });
    expect(state.leaseExpiresAt).toBe(state.updatedAt + 60_000);
    expect(Math.abs(state.updatedAt - Date.now())).toBeLessThan(5_000);

    const stale = batch(5, 6, [put('a', { name: 'y' }), put('b', { name: 'y' })], { lease: { owner: 'runner-1', epoch: 0 }, park: [letter(6)] });
    await expect(store.commit(stale)).rejects.toMatchObject({ code: 'ANNALS_LEASE_LOST', found: { checkpoint: 5, owner: 'runner-1', epoch: 1 } });
    await expect(store.commit({ ...stale, from: 4, lease: undefined })).rejects.toMatchObject({ code: 'ANNALS_LEASE_LOST' });
    expect(await store.get(accounts, ['a', 'b'])).toEqual(['{"name":"x"}', undefined]);
    expect(await store.deadLetters(key, 0, 10)).toEqual([]);
    expect((await store.state(key))!.checkpoint).toBe(5);
  });

  it('decides leases on the database clock: held by one owner until it expires or is released, the epoch raised on each change of hands', async () => {
    const [store, other] = await twoConnections();
    const first = await store.lease(key, 'a', 60_000);
    expect(first.held).toBe(true);
    expect(first.state.leaseExpiresAt).toBe(first.now + 60_000);
    expect(await other.lease(key, 'b', 60_000)).toMatchObject({ held: false, state: { owner: 'a', epoch: 1 } });
    expect(await store.lease(key, 'a', 60_000, 1)).toMatchObject({ held: true, state: { owner: 'a', epoch: 1 } });
    expect(await store.lease(key, 'a', 60_000, 0)).toMatchObject({ held: false, state: { owner: 'a', epoch: 1 } });
    await other.release(key, 'b', 1); // not the holder: nothing
    expect(await other.lease(key, 'b', 60_000)).toMatchObject({ held: false });
    await store.release(key, 'a', 1);
    expect(await store.state(key)).toMatchObject({ owner: undefined, epoch: 1, leaseExpiresAt: 0 });
    expect(await other.lease(key, 'b', 1)).toMatchObject({ held: true, state: { owner: 'b', epoch: 2 } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.lease(key, 'a', 60_000)).toMatchObject({ held: true, state: { owner: 'a', epoch: 3, checkpoint: 0 } });
  });

  it('gives a free lease to exactly one of two connections, and a checkpoint move to exactly one of two commits', async () => {
    const [store, other] = await twoConnections();
    const answers = await Promise.all([store.lease(key, 'a', 60_000), other.lease(key, 'b', 60_000)]);
    expect(answers.filter((answer) => answer.held)).toHaveLength(1);
    const outcomes = await Promise.allSettled([store.commit(batch(0, 1, [put('a', { name: 'a' })])), other.commit(batch(0, 2, [put('a', { name: 'b' })]))]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('keeps dead letters in position order, states by version and partition, and switches the live version by compare-and-set', async () => {
    const [store] = await twoConnections();
    await store.commit(batch(0, 9, [], { park: [letter(7), letter(3), letter(9)] }));
    expect((await store.deadLetters(key, 0, 10)).map((l) => l.position)).toEqual([3, 7, 9]);
    expect(await store.deadLetters(key, 3, 1)).toEqual([letter(7)]);
    expect(await store.removeDeadLetters(key, [3, 9, 100])).toBe(2);
    expect((await store.deadLetters(key, 0, 10)).map((l) => l.position)).toEqual([7]);

    await store.lease({ ...key, version: 2, partition: 1 }, 'x', 1000);
    await store.lease({ ...key, version: 2, partition: 0 }, 'x', 1000);
    expect((await store.states('balances')).map((s) => [s.key.version, s.key.partition, s.state.checkpoint])).toEqual([[1, 0, 9], [2, 0, 0], [2, 1, 0]]);
    expect(await store.states('other')).toEqual([]);

    expect(await store.liveVersion('balances')).toBeUndefined();
    expect(await store.promote('balances', 2, 1)).toBe(false);
    expect(await Promise.all([store.promote('balances', 1, undefined), store.promote('balances', 2, undefined)])).toEqual([true, false]);
    expect(await store.promote('balances', 2, 1)).toBe(true);
    expect(await store.liveVersion('balances')).toBe(2);
  });

  it('reads an unprepared or dropped collection as empty, and creates it on a write', async () => {
    const [store, other] = await twoConnections();
    expect(await store.find(accounts, { direction: 'asc', limit: 10 })).toEqual([]);
    expect(await store.count(accounts, { field: 'score', kind: 'number' })).toBe(0);
    await store.commit(batch(0, 1, [put('a', { score: 1 })]));
    expect(await other.count(accounts, { field: 'score', kind: 'number' })).toBe(1);
    await other.drop([accounts]);
    expect(await store.get(accounts, ['a'])).toEqual([undefined]); // its cached statements are stale now
    await store.commit(batch(1, 2, [put('b', { score: 2 })]));
    expect(await other.find(accounts, { field: 'score', kind: 'number', direction: 'asc', limit: 5 })).toEqual([{ id: 'b', json: '{"score":2}' }]);
    await Promise.all([store.prepare([accounts]), other.prepare([accounts])]); // idempotent
  });

  it('runs commitSync inside a transaction already open on the connection, which decides whether it stays', async () => {
    const backend = await openSqlite(join(dir, `rm-${++files}.db`));
    try {
      const readModels = backend.parts.readModels as SqliteReadModels;
      const db = (readModels as unknown as { db: Database.Database }).db;
      db.transaction(() => {
        readModels.commitSync(batch(0, 1, [put('a', { name: 'kept' })]));
        expect(readModels.getSync(accounts, ['a'])).toEqual(['{"name":"kept"}']);
      }).immediate();
      expect(() =>
        db.transaction(() => {
          readModels.commitSync(batch(1, 2, [put('a', { name: 'undone' })]));
          throw new Error('the append failed');
        }).immediate(),
      ).toThrow('the append failed');
      expect(await readModels.get(accounts, ['a'])).toEqual(['{"name":"kept"}']);
      expect((await readModels.state(key))!.checkpoint).toBe(1);
      // A refused commit inside the transaction leaves the transaction's other writes to the caller.
      expect(() => db.transaction(() => readModels.commitSync(batch(0, 3, [])))()).toThrow(LeaseLostError);
    } finally {
      await backend.close();
    }
  });

  it('wakes a watcher when another connection commits, and reads but refuses writes when read-only', async () => {
    const [store, other, file] = await twoConnections();
    await store.prepare([accounts]);
    let woken = 0;
    const stop = other.watch!(() => woken++);
    await store.commit(batch(0, 1, [put('a', { name: 'a' })]));
    await expect.poll(() => woken, { timeout: 2000 }).toBeGreaterThan(0);
    stop();

    const reader = await openSqliteReadModels(`sqlite:${file}?readonly=true`);
    opened.push(reader);
    expect(await reader.get(accounts, ['a'])).toEqual(['{"name":"a"}']);
    await expect(reader.commit(batch(1, 2, []))).rejects.toMatchObject({ code: 'ANNALS_STORE_READ_ONLY' });
    await expect(reader.lease(key, 'r', 1000)).rejects.toMatchObject({ code: 'ANNALS_STORE_READ_ONLY' });
    await expect(reader.prepare([accounts])).rejects.toMatchObject({ code: 'ANNALS_STORE_READ_ONLY' });

    const closed = await openSqliteReadModels(file);
    await closed.close();
    await expect(closed.get(accounts, ['a'])).rejects.toMatchObject({ code: 'ANNALS_STORE_CLOSED' });
  });
});

describe('SQLite read models under another connection’s lock', () => {
  it('waits for the write lock, and fails with ANNALS_STORE_UNAVAILABLE, never a raw SQLITE_BUSY, when it stays held', async () => {
    const file = join(dir, `rm-${++files}.db`);
    const store = await openSqliteReadModels(file, { busyTimeoutMs: 100 });
    opened.push(store);
    const holder = new Database(file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      await expect(store.commit(batch(0, 1, []))).rejects.toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE' });
      const waiting = store.lease(key, 'a', 1000);
      setTimeout(() => holder.exec('COMMIT'), 30);
      expect(await waiting).toMatchObject({ held: true });
      expect(await store.state(key)).toMatchObject({ owner: 'a', checkpoint: 0 });
    } finally {
      holder.close();
    }
  });
});

function letter(position: number) {
  return { position, eventId: `00000000-0000-4000-8000-00000000000${position % 10}`, stream: 'account-1', type: 'Opened', error: 'boom', parkedAt: 1000 + position };
}
