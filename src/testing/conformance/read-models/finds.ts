import { describe, expect } from 'vitest';
import { compareCodePoints } from '../../../readmodel/documents.js';
import type { StoredFind } from '../../../readmodel/types.js';
import type { ReadModelStore } from '../../../readmodel/read-model-store.js';
import { ACCOUNTS, commitOf, ids, put, withAccounts, type ReadModelSuite } from './suite.js';

const PEOPLE = {
  a1: { owner: 'ann', balance: 30 },
  a2: { owner: 'ann', balance: -5.5 },
  b1: { owner: 'bob', balance: 30 },
  c1: { owner: 'cy', balance: 1e12 },
  n1: { owner: null, balance: null },
  n2: { note: 'no owner, no balance' },
  z1: { owner: 'Zed', balance: 0 },
};

const byOwner = (more: Partial<StoredFind> = {}): StoredFind => ({ field: 'owner', kind: 'string', direction: 'asc', limit: 100, ...more });
const byBalance = (more: Partial<StoredFind> = {}): StoredFind => ({ field: 'balance', kind: 'number', direction: 'asc', limit: 100, ...more });

/** Every page of a find, following keyset cursors made from each page's last document. */
async function allPages(store: ReadModelStore, find: StoredFind): Promise<string[]> {
  const seen: string[] = [];
  let after: StoredFind['after'];
  for (;;) {
    const page = await store.find(ACCOUNTS, { ...find, ...(after ? { after } : {}) });
    seen.push(...ids(page));
    if (page.length < find.limit) return seen;
    const last = page[page.length - 1]!;
    after = find.field === undefined ? { id: last.id } : { value: JSON.parse(last.json)[find.field], id: last.id };
  }
}

export function findTests(suite: ReadModelSuite): void {
  describe('finds', () => {
    suite.test('finds by equality on a string index, ordered by id, with the documents as stored', async (f) => {
      const store = await withAccounts(f, PEOPLE);
      const found = await store.find(ACCOUNTS, byOwner({ eq: 'ann' }));
      expect(ids(found)).toEqual(['a1', 'a2']);
      expect(JSON.parse(found[1]!.json)).toEqual({ owner: 'ann', balance: -5.5 });
      expect(ids(await store.find(ACCOUNTS, byOwner({ eq: 'ann', direction: 'desc' })))).toEqual(['a2', 'a1']);
      expect(await store.find(ACCOUNTS, byOwner({ eq: 'nobody' }))).toEqual([]);
      expect(ids(await store.find(ACCOUNTS, byOwner({ eq: 'Zed' })))).toEqual(['z1']);
    });

    suite.test('orders by a field then by id, and leaves out documents where the field is missing or null', async (f) => {
      const store = await withAccounts(f, PEOPLE);
      expect(ids(await store.find(ACCOUNTS, byOwner()))).toEqual(['z1', 'a1', 'a2', 'b1', 'c1']);
      expect(ids(await store.find(ACCOUNTS, byOwner({ direction: 'desc' })))).toEqual(['c1', 'b1', 'a2', 'a1', 'z1']);
      expect(ids(await store.find(ACCOUNTS, byBalance()))).toEqual(['a2', 'z1', 'a1', 'b1', 'c1']);
      expect(ids(await store.find(ACCOUNTS, byBalance({ direction: 'desc' })))).toEqual(['c1', 'b1', 'a1', 'z1', 'a2']);
      expect(await store.count(ACCOUNTS, { field: 'balance', kind: 'number' })).toBe(5);
    });

    suite.test('without a field, finds every document ordered by id', async (f) => {
      const store = await withAccounts(f, PEOPLE);
      expect(ids(await store.find(ACCOUNTS, { direction: 'asc', limit: 100 }))).toEqual(['a1', 'a2', 'b1', 'c1', 'n1', 'n2', 'z1']);
      expect(ids(await store.find(ACCOUNTS, { direction: 'desc', limit: 3 }))).toEqual(['z1', 'n2', 'n1']);
      expect(ids(await store.find(ACCOUNTS, { direction: 'asc', limit: 2, after: { id: 'b1' } }))).toEqual(['c1', 'n1']);
      expect(ids(await store.find(ACCOUNTS, { direction: 'desc', limit: 2, after: { id: 'b1' } }))).toEqual(['a2', 'a1']);
      expect(await store.count(ACCOUNTS, {})).toBe(7);
    });

    suite.test('finds number ranges with each kind of bound, numerically', async (f) => {
      const store = await withAccounts(f, PEOPLE);
      expect(ids(await store.find(ACCOUNTS, byBalance({ gt: 0 })))).toEqual(['a1', 'b1', 'c1']);
      expect(ids(await store.find(ACCOUNTS, byBalance({ gte: 0 })))).toEqual(['z1', 'a1', 'b1', 'c1']);
      expect(ids(await store.find(ACCOUNTS, byBalance({ lt: 30 })))).toEqual(['a2', 'z1']);
      expect(ids(await store.find(ACCOUNTS, byBalance({ lte: 30 })))).toEqual(['a2', 'z1', 'a1', 'b1']);
      expect(ids(await store.find(ACCOUNTS, byBalance({ gt: -5.5, lt: 1e12 })))).toEqual(['z1', 'a1', 'b1']);
      expect(ids(await store.find(ACCOUNTS, byBalance({ gte: 30, lte: 30, direction: 'desc' })))).toEqual(['b1', 'a1']);
      expect(ids(await store.find(ACCOUNTS, byBalance({ eq: 30 })))).toEqual(['a1', 'b1']);
      expect(ids(await store.find(ACCOUNTS, byBalance({ gt: 9 * 1e11 })))).toEqual(['c1']);
      expect(await store.find(ACCOUNTS, byBalance({ gt: 1e12 }))).toEqual([]);
      expect(await store.count(ACCOUNTS, { field: 'balance', kind: 'number', gte: 0, lt: 31 })).toBe(3);
      expect(await store.count(ACCOUNTS, { field: 'owner', kind: 'string', eq: 'ann' })).toBe(2);
    });

    suite.test('finds string ranges by Unicode code point', async (f) => {
      const names = ['B', 'a', 'ab', 'b', 'é', '\uffff', '😀', 'a b', 'A'];
      const store = await withAccounts(f, Object.fromEntries(names.map((owner, i) => [`d${i}`, { owner }])));
      const sorted = [...names].sort(compareCodePoints);
      expect(sorted).toEqual(['A', 'B', 'a', 'a b', 'ab', 'b', 'é', '\uffff', '😀']);
      const owners = async (find: StoredFind) => (await store.find(ACCOUNTS, find)).map((doc) => JSON.parse(doc.json).owner as string);
      expect(await owners(byOwner())).toEqual(sorted);
      expect(await owners(byOwner({ direction: 'desc' }))).toEqual([...sorted].reverse());
      expect(await owners(byOwner({ gte: 'a', lt: 'b' }))).toEqual(['a', 'a b', 'ab']);
      expect(await owners(byOwner({ gt: 'b' }))).toEqual(['é', '\uffff', '😀']);
      expect(await owners(byOwner({ gt: '\uffff' }))).toEqual(['😀']);
      expect(await owners(byOwner({ lte: 'B' }))).toEqual(['A', 'B']);
    });

    suite.test('pages with keyset cursors through equal values, in both directions, without gap or repeat', async (f) => {
      const documents: Record<string, Record<string, unknown>> = {};
      for (let i = 0; i < 57; i++) documents[`id-${String(i).padStart(3, '0')}`] = { owner: ['x', 'y', 'xy'][i % 3], balance: i % 4 };
      const store = await withAccounts(f, documents);
      const all = Object.keys(documents);
      for (const limit of [1, 4, 7, 57, 100]) {
        for (const direction of ['asc', 'desc'] as const) {
          const numbers = await allPages(store, byBalance({ limit, direction }));
          expect(numbers).toEqual(await allPages(store, byBalance({ limit: 100, direction })));
          expect([...numbers].sort()).toEqual(all);
          const inRange = await allPages(store, byBalance({ limit, direction, gte: 1, lt: 3 }));
          expect(inRange).toHaveLength(all.filter((id) => [1, 2].includes(documents[id]!.balance as number)).length);
          expect(inRange).toEqual(await allPages(store, byBalance({ limit: 100, direction, gte: 1, lt: 3 })));
          const strings = await allPages(store, byOwner({ limit, direction }));
          expect([...strings].sort()).toEqual(all);
          const xs = await allPages(store, byOwner({ limit, direction, eq: 'x' }));
          expect(xs).toEqual(all.filter((id) => documents[id]!.owner === 'x').sort().map(String)[direction === 'asc' ? 'slice' : 'reverse']());
          const ordered = await allPages(store, { direction, limit });
          expect(ordered).toEqual(direction === 'asc' ? [...all].sort() : [...all].sort().reverse());
        }
      }
    });

    suite.test('a cursor stays valid while documents change: later pages see the documents as they are then', async (f) => {
      const store = await withAccounts(f, { a: { balance: 1 }, b: { balance: 2 }, c: { balance: 3 }, d: { balance: 4 } });
      const first = await store.find(ACCOUNTS, byBalance({ limit: 2 }));
      expect(ids(first)).toEqual(['a', 'b']);
      await store.commit(commitOf([put(ACCOUNTS, 'a', { balance: 10 }), put(ACCOUNTS, 'c', { balance: 0 }), put(ACCOUNTS, 'e', { balance: 2.5 })], 1, 2));
      // After (2, 'b'): e (2.5), d (4), a (10); c moved behind the cursor.
      expect(ids(await store.find(ACCOUNTS, byBalance({ limit: 10, after: { value: 2, id: 'b' } })))).toEqual(['e', 'd', 'a']);
    });

    suite.test('moves a document between index entries when its field changes, and out of the index when it goes', async (f) => {
      const store = await withAccounts(f, { a: { owner: 'ann', balance: 1 } });
      await store.commit(commitOf([put(ACCOUNTS, 'a', { owner: 'amy', balance: 2 })], 1, 2));
      expect(ids(await store.find(ACCOUNTS, byOwner({ eq: 'ann' })))).toEqual([]);
      expect(ids(await store.find(ACCOUNTS, byOwner({ eq: 'amy' })))).toEqual(['a']);
      expect(ids(await store.find(ACCOUNTS, byBalance({ lt: 2 })))).toEqual([]);
      await store.commit(commitOf([put(ACCOUNTS, 'a', { balance: 3 })], 2, 3));
      expect(await store.count(ACCOUNTS, { field: 'owner', kind: 'string' })).toBe(0);
      expect(ids(await store.find(ACCOUNTS, byBalance({ eq: 3 })))).toEqual(['a']);
      await store.commit(commitOf([{ op: 'delete', collection: ACCOUNTS, id: 'a' }], 3, 4));
      expect(await store.count(ACCOUNTS, { field: 'balance', kind: 'number' })).toBe(0);
      expect(await store.find(ACCOUNTS, { direction: 'asc', limit: 10 })).toEqual([]);
    });

    suite.test('finds in a collection that was never written return nothing', async (f) => {
      const store = await withAccounts(f);
      expect(await store.find(ACCOUNTS, byOwner({ eq: 'ann' }))).toEqual([]);
      expect(await store.count(ACCOUNTS, {})).toBe(0);
      expect(await store.get(ACCOUNTS, ['a'])).toEqual([undefined]);
    });
  });
}
