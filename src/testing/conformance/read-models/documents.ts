import { describe, expect } from 'vitest';
import { ACCOUNTS, ACCOUNTS_V2, commitOf, del, NOTES, put, withAccounts, type ReadModelSuite } from './suite.js';

export function documentTests(suite: ReadModelSuite): void {
  describe('documents', () => {
    suite.test('gets documents by id in the order asked, undefined where there is none', async (f) => {
      const store = await withAccounts(f, { a: { owner: 'ann', balance: 5 }, b: { owner: 'bob', balance: 7, tags: ['x'], nested: { ok: true } } });
      const [b, missing, a] = await store.get(ACCOUNTS, ['b', 'zz', 'a']);
      expect(JSON.parse(b!)).toEqual({ owner: 'bob', balance: 7, tags: ['x'], nested: { ok: true } });
      expect(missing).toBeUndefined();
      expect(JSON.parse(a!)).toEqual({ owner: 'ann', balance: 5 });
      expect(await store.get(ACCOUNTS, [])).toEqual([]);
    });

    suite.test('a put replaces the whole document, a delete removes it', async (f) => {
      const store = await withAccounts(f, { a: { owner: 'ann', balance: 5, note: 'old' } });
      await store.commit(commitOf([put(ACCOUNTS, 'a', { owner: 'ann', balance: 6 }), put(ACCOUNTS, 'b', { owner: 'bob' })], 1, 2));
      expect((await store.get(ACCOUNTS, ['a'])).map((json) => JSON.parse(json!))).toEqual([{ owner: 'ann', balance: 6 }]);
      await store.commit(commitOf([del(ACCOUNTS, 'a'), del(ACCOUNTS, 'never-there')], 2, 3));
      expect(await store.get(ACCOUNTS, ['a', 'b'])).toEqual([undefined, expect.any(String)]);
      expect(await store.count(ACCOUNTS, {})).toBe(1);
    });

    suite.test('applies the writes of one commit in order: the last write to an id wins', async (f) => {
      const store = await withAccounts(f);
      await store.commit(
        commitOf(
          [
            put(ACCOUNTS, 'a', { owner: 'ann', balance: 1 }),
            put(ACCOUNTS, 'a', { owner: 'amy', balance: 2 }),
            put(ACCOUNTS, 'b', { owner: 'bob', balance: 3 }),
            del(ACCOUNTS, 'b'),
            del(ACCOUNTS, 'c'),
            put(ACCOUNTS, 'c', { owner: 'cat', balance: 4 }),
          ],
          0,
          9,
        ),
      );
      const docs = await store.get(ACCOUNTS, ['a', 'b', 'c']);
      expect(docs.map((json) => json && JSON.parse(json))).toEqual([{ owner: 'amy', balance: 2 }, undefined, { owner: 'cat', balance: 4 }]);
      // The indexes follow the last write too.
      expect(await store.count(ACCOUNTS, { field: 'owner', kind: 'string', eq: 'ann' })).toBe(0);
      expect(await store.count(ACCOUNTS, { field: 'owner', kind: 'string', eq: 'amy' })).toBe(1);
      expect(await store.count(ACCOUNTS, { field: 'owner', kind: 'string', eq: 'bob' })).toBe(0);
    });

    suite.test('keeps collections apart, and each version of a projection apart', async (f) => {
      const store = await withAccounts(f);
      await store.prepare([ACCOUNTS_V2]);
      await store.commit(commitOf([put(ACCOUNTS, 'x', { owner: 'v1' }), put(NOTES, 'x', { text: 'note' }), put(ACCOUNTS_V2, 'x', { owner: 'v2' })], 0, 1));
      expect(JSON.parse((await store.get(ACCOUNTS, ['x']))[0]!)).toEqual({ owner: 'v1' });
      expect(JSON.parse((await store.get(NOTES, ['x']))[0]!)).toEqual({ text: 'note' });
      expect(JSON.parse((await store.get(ACCOUNTS_V2, ['x']))[0]!)).toEqual({ owner: 'v2' });
      expect(await store.count(ACCOUNTS_V2, { field: 'owner', kind: 'string', eq: 'v1' })).toBe(0);
    });

    suite.test('keeps ids and text exactly: case, spaces, quotes, Unicode beyond the BMP', async (f) => {
      const weird = ['A', 'a', ' a', "o'brien", 'x"y', 'ä', '😀', 'a:b:c', 'line\nbreak', '%_*?[]'];
      const store = await withAccounts(f, Object.fromEntries(weird.map((id) => [id, { owner: id, text: `${id}\u0001end` }])));
      const found = await store.get(ACCOUNTS, weird);
      expect(found.map((json) => JSON.parse(json!))).toEqual(weird.map((id) => ({ owner: id, text: `${id}\u0001end` })));
      for (const id of weird) expect(await store.count(ACCOUNTS, { field: 'owner', kind: 'string', eq: id })).toBe(1);
    });

    suite.test('prepare is idempotent and keeps the documents; drop removes a collection and its documents only', async (f) => {
      const store = await withAccounts(f, { a: { owner: 'ann' } });
      await store.prepare([ACCOUNTS, NOTES]);
      await store.prepare([ACCOUNTS_V2]);
      await store.commit(commitOf([put(ACCOUNTS_V2, 'a', { owner: 'v2' })], 1, 2));
      expect(await store.count(ACCOUNTS, {})).toBe(1);
      await store.drop([ACCOUNTS]);
      await store.drop([ACCOUNTS]); // twice is fine
      await store.prepare([ACCOUNTS]);
      expect(await store.get(ACCOUNTS, ['a'])).toEqual([undefined]);
      expect(await store.count(ACCOUNTS, { field: 'owner', kind: 'string', eq: 'ann' })).toBe(0);
      expect(await store.count(ACCOUNTS_V2, {})).toBe(1);
    });

    suite.test('two connections preparing the same collections at once both succeed', async (f) => {
      const store = await f.store();
      const other = await f.connect(store);
      await Promise.all([store.prepare([ACCOUNTS, NOTES]), other.prepare([ACCOUNTS, NOTES]), store.prepare([ACCOUNTS_V2]), other.prepare([ACCOUNTS_V2])]);
      await store.commit(commitOf([put(ACCOUNTS, 'a', { owner: 'ann' })], 0, 1));
      expect(await other.count(ACCOUNTS, {})).toBe(1);
    });

    suite.test('a commit of thousands of writes lands whole', async (f) => {
      const store = await withAccounts(f);
      const writes = Array.from({ length: 3000 }, (_, i) => put(ACCOUNTS, `acc-${i}`, { owner: `o${i % 7}`, balance: i, pad: 'x'.repeat(100) }));
      await store.commit(commitOf(writes, 0, 3000));
      expect(await store.count(ACCOUNTS, {})).toBe(3000);
      expect(await store.count(ACCOUNTS, { field: 'owner', kind: 'string', eq: 'o3' })).toBe(429);
      expect((await store.state({ projection: 'bank', version: 1, partition: 0 }))?.checkpoint).toBe(3000);
    });
  });
}
