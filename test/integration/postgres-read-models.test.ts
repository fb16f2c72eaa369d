import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { expect, it } from 'vitest';
import { LeaseLostError } from '../../src/core/errors.js';
import { MemoryReadModels } from '../../src/adapters/memory/memory-read-models.js';
import { collectionSpec } from '../../src/readmodel/names.js';
import { ACCOUNTS, batch, del, KEY, put, useReadModels } from '../helpers/postgres-read-models.js';
import { transactionOn } from '../../src/adapters/postgres/transaction.js';
import { postgresService, STORE_APPLICATION_NAME, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

async function refusal(action: Promise<unknown>): Promise<LeaseLostError> {
  const error = await action.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(LeaseLostError);
  return error as LeaseLostError;
}

describeWithService(service, 'postgres read models', () => {
  const ctx = usePostgres(service.url);
  const stores = useReadModels(ctx);

  it('commits documents and the checkpoint together, the first one without a state row', async () => {
    const { store } = await stores.backend();
    await store.prepare([ACCOUNTS]);
    await store.commit(batch(0, 5, [put(ACCOUNTS, 'a', { owner: 'ann', balance: 10 }), put(ACCOUNTS, 'b', { owner: 'bob' }), put(ACCOUNTS, 'a', { owner: 'ann', balance: 12 }), del(ACCOUNTS, 'b')]));
    expect((await store.get(ACCOUNTS, ['a', 'b', 'c'])).map((json) => json && JSON.parse(json))).toEqual([{ owner: 'ann', balance: 12 }, undefined, undefined]);
    const state = await store.state(KEY);
    expect(state).toMatchObject({ checkpoint: 5, owner: undefined, epoch: 0, leaseExpiresAt: 0 });
    expect(state!.updatedAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses a commit from another checkpoint, or with another lease, and writes nothing of it', async () => {
    const { store } = await stores.backend();
    await expect(refusal(store.commit(batch(3, 4)))).resolves.toMatchObject({ found: undefined, from: 3 });
    await store.commit(batch(0, 2, [put(ACCOUNTS, 'a', { balance: 1 })]));
    const stale = await refusal(store.commit(batch(0, 3, [put(ACCOUNTS, 'a', { balance: 2 }), put(ACCOUNTS, 'z', {})], { park: [letter(1)] })));
    expect(stale.found).toEqual({ checkpoint: 2, owner: undefined, epoch: 0 });
    const lease = await store.lease(KEY, 'runner-1', 10_000);
    expect(lease).toMatchObject({ held: true, state: { owner: 'runner-1', epoch: 1, checkpoint: 2 } });
    const other = await refusal(store.commit(batch(2, 3, [put(ACCOUNTS, 'z', {})], { lease: { owner: 'runner-2', epoch: 1 } })));
    expect(other.found).toEqual({ checkpoint: 2, owner: 'runner-1', epoch: 1 });
    await refusal(store.commit(batch(2, 3, [], { lease: { owner: 'runner-1', epoch: 2 } })));
    expect(await store.get(ACCOUNTS, ['a', 'z'])).toEqual([JSON.stringify({ balance: 1 }), undefined]); // as written
    expect(await store.deadLetters(KEY, 0, 10)).toEqual([]);
    // The holder commits, and renews its lease from the database's clock.
    await store.commit(batch(2, 3, [put(ACCOUNTS, 'z', {})], { lease: { owner: 'runner-1', epoch: 1 }, ttlMs: 60_000 }));
    const state = (await store.state(KEY))!;
    expect(state).toMatchObject({ checkpoint: 3, owner: 'runner-1', epoch: 1 });
    expect(state.leaseExpiresAt).toBe(state.updatedAt + 60_000);
  });

  it('takes, refuses, renews, releases and retakes leases on the database clock', async () => {
    const { store } = await stores.backend();
    const first = await store.lease(KEY, 'one', 200);
    expect(first.held).toBe(true);
    expect(first.state).toMatchObject({ checkpoint: 0, owner: 'one', epoch: 1, leaseExpiresAt: first.now + 200, updatedAt: 0 });
    expect(Math.abs(first.now - Date.now())).toBeLessThan(5_000);
    const refused = await store.lease(KEY, 'two', 200);
    expect(refused).toMatchObject({ held: false, state: { owner: 'one', epoch: 1 } });
    // Renewing needs the epoch; without it the holder is refused like anyone else.
    expect((await store.lease(KEY, 'one', 200)).held).toBe(false);
    const renewed = await store.lease(KEY, 'one', 300, 1);
    expect(renewed).toMatchObject({ held: true, state: { owner: 'one', epoch: 1, leaseExpiresAt: renewed.now + 300 } });
    await new Promise((resolve) => setTimeout(resolve, 350));
    const taken = await store.lease(KEY, 'two', 1_000);
    expect(taken).toMatchObject({ held: true, state: { owner: 'two', epoch: 2 } });
    await store.release(KEY, 'one', 1); // not the holder: nothing
    expect((await store.state(KEY))!.owner).toBe('two');
    await store.release(KEY, 'two', 2);
    expect(await store.state(KEY)).toMatchObject({ owner: undefined, epoch: 2, leaseExpiresAt: 0 });
    expect(await store.lease(KEY, 'three', 1_000)).toMatchObject({ held: true, state: { owner: 'three', epoch: 3 } });
  });

  it('lists every state row of a projection by version and partition', async () => {
    const { store } = await stores.backend();
    for (const [version, partition] of [[2, 1], [1, 0], [2, 0], [10, 0]] as const) await store.lease({ projection: 'balances', version, partition }, 'r', 1_000);
    await store.lease({ projection: 'other', version: 1, partition: 0 }, 'r', 1_000);
    expect((await store.states('balances')).map(({ key }) => [key.version, key.partition])).toEqual([[1, 0], [2, 0], [2, 1], [10, 0]]);
  });

  it('parks dead letters with a commit, lists them in position order after a position, removes them', async () => {
    const { store } = await stores.backend();
    await store.commit(batch(0, 9, [], { park: [letter(7), letter(3), letter(5)] }));
    expect((await store.deadLetters(KEY, 0, 10)).map((l) => l.position)).toEqual([3, 5, 7]);
    expect(await store.deadLetters(KEY, 3, 1)).toEqual([letter(5)]);
    expect(await store.removeDeadLetters(KEY, [3, 7, 8])).toBe(2);
    expect(await store.deadLetters(KEY, 0, 10)).toEqual([letter(5)]);
  });

  it('promotes a version when the live one is still the expected one', async () => {
    const { store } = await stores.backend();
    expect(await store.liveVersion('balances')).toBeUndefined();
    expect(await store.promote('balances', 1, 2)).toBe(false);
    expect(await store.promote('balances', 1, undefined)).toBe(true);
    expect(await store.promote('balances', 2, undefined)).toBe(false);
    expect(await store.promote('balances', 2, 1)).toBe(true);
    expect(await store.liveVersion('balances')).toBe(2);
  });

  it('reads nothing from a collection never prepared, and drops a collection with its documents', async () => {
    const { store, schema } = await stores.backend();
    const never = collectionSpec('balances', 1, 'never', { owner: 'string' });
    expect(await store.get(never, ['a'])).toEqual([undefined]);
    expect(await store.find(never, { field: 'owner', kind: 'string', direction: 'asc', limit: 10 })).toEqual([]);
    expect(await store.count(never, {})).toBe(0);
    // A commit prepares what it writes to.
    await store.commit(batch(0, 1, [put(never, 'a', { owner: 'x' })]));
    expect(await store.count(never, { field: 'owner', kind: 'string', eq: 'x' })).toBe(1);
    await store.drop([never, ACCOUNTS]);
    expect(await store.count(never, {})).toBe(0);
    const { rowCount } = await ctx.admin((client) => client.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'rm:%'`, [schema]));
    expect(rowCount).toBe(0);
    // Dropped elsewhere: the next commit makes it again.
    await store.commit(batch(1, 2, [put(never, 'b', { owner: 'y' })]));
    expect(await store.get(never, ['a', 'b'])).toEqual([undefined, JSON.stringify({ owner: 'y' })]);
  });

  it('queues no notice with a commit inside an inline append (commitIn): committedInline sends it, after COMMIT', async () => {
    const { store, schema } = await stores.backend();
    // Another store's listener, as the announcer looks for one (a store connection whose last statement is the LISTEN).
    const listener = await ctx.client(STORE_APPLICATION_NAME);
    let notices = 0;
    listener.on('notification', () => notices++);
    await listener.query(`LISTEN ${pg.escapeIdentifier(`annals:rm:${schema}`.slice(0, 63))}`);
    const appender = await ctx.client();
    await appender.query('BEGIN');
    await store.commitIn(transactionOn(appender), batch(0, 5, [put(ACCOUNTS, 'a', { owner: 'ann' })]));
    await appender.query('COMMIT');
    expect(await store.state(KEY)).toMatchObject({ checkpoint: 5 });
    await sleep(300); // a notice queued by the transaction arrives at its COMMIT: well within this
    expect(notices, 'notices sent by the commit itself').toBe(0);
    store.committedInline();
    for (const deadline = Date.now() + 10_000; notices === 0 && Date.now() < deadline; ) await sleep(10);
    expect(notices).toBe(1);
  });

  it('names tables and indexes within 63 bytes for the longest names', async () => {
    const { store, schema } = await stores.backend();
    const projection = 'p'.repeat(32);
    const specs = ['a', 'b'].map((last) => collectionSpec(projection, 9999, 'c'.repeat(19) + last, { ['f'.repeat(40)]: 'string', ['g'.repeat(40)]: 'number' }));
    expect(specs[0]!.key).toHaveLength(59);
    await store.prepare(specs);
    await store.prepare(specs);
    const { rows } = await ctx.admin((client) => client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1 AND tablename LIKE 'rm:%'`, [schema]));
    expect(rows[0]!.n).toBe(6); // two primary keys, four declared indexes
  });

  it('gives documents back exactly as written', async () => {
    const { store } = await stores.backend();
    const plain = collectionSpec('balances', 1, 'plain', {});
    const written = put(ACCOUNTS, 'a', { zeta: 'x', owner: 'ann', alpha: [1.5, { b: null }], escaped: '\\u0000', big: 1e21, tiny: 5e-324 });
    const other = put(plain, 'a', { z: 1, a: 2, 'a b': '😀' });
    await store.commit(batch(0, 1, [written, other]));
    const json = (write: typeof written) => (write.op === 'put' ? write.json : undefined);
    expect(await store.get(ACCOUNTS, ['a'])).toEqual([json(written)]);
    expect(await store.get(plain, ['a'])).toEqual([json(other)]);
    expect(await store.find(ACCOUNTS, { field: 'owner', kind: 'string', eq: 'ann', direction: 'asc', limit: 1 })).toEqual([{ id: 'a', json: json(written) }]);
  });

  it('maps a server refusal to a typed error', async () => {
    const { store, schema } = await stores.backend();
    await ctx.admin((client) => client.query(`DROP TABLE ${pg.escapeIdentifier(schema)}.live_versions`));
    await expect(store.liveVersion('balances')).rejects.toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE' });
  });

  it('wakes a watcher when another process commits, by NOTIFY (not the poll)', async () => {
    const { store, schema } = await stores.backend(undefined, { pollIntervalMs: 600_000 });
    const other = await stores.own(schema);
    let wakes = 0;
    let woken: () => void = () => undefined;
    const unwatch = store.watch((() => {
      wakes++;
      woken();
    }));
    const wake = () => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no wake-up within 5 s')), 5_000);
      woken = () => { clearTimeout(timer); resolve(); };
    });
    // The first wake-up says the LISTEN connection is up.
    if (wakes === 0) await wake();
    const next = wake();
    await other.commit(batch(0, 1, [put(ACCOUNTS, 'a', {})]));
    await next;
    unwatch();
  });

  it('keeps read models in another database, with a pool of their own', async () => {
    const url = await ctx.database();
    const store = await stores.own('read_side', url);
    await store.commit(batch(0, 4, [put(ACCOUNTS, 'a', { owner: 'ann' })]));
    const again = await stores.own('read_side', url, { migrate: false });
    expect(await again.find(ACCOUNTS, { field: 'owner', kind: 'string', direction: 'asc', limit: 5 })).toEqual([{ id: 'a', json: JSON.stringify({ owner: 'ann' }) }]);
    expect(await again.state(KEY)).toMatchObject({ checkpoint: 4 });
    await store.close();
    await expect(store.state(KEY)).rejects.toMatchObject({ code: 'ANNALS_STORE_CLOSED' });
  });

  it('finds and counts exactly as the memory store does', async () => {
    const { store } = await stores.backend();
    const memory = new MemoryReadModels();
    const random = seeded(42);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const owners = ['', 'a', 'B', 'b', 'ab', 'é', 'e\u0301', '\uFFFF', '😀', '😀a', 'z', 'Z z'];
    const balances = [-1e21, -2.5, -0, 0, 1e-7, 1, 2, 2.000001, 1e21, 9007199254740993];
    const ids = Array.from({ length: 40 }, (_, i) => pick(['', 'x', 'é', '😀']) + String(i % 17) + (i % 3 ? 'b' : 'B'));
    let checkpoint = 0;
    for (let round = 0; round < 8; round++) {
      const writes = Array.from({ length: 30 }, () => {
        const id = pick(ids);
        if (random() < 0.2) return del(ACCOUNTS, id);
        const doc: Record<string, unknown> = { n: round };
        if (random() < 0.8) doc.owner = random() < 0.1 ? null : pick(owners);
        if (random() < 0.8) doc.balance = random() < 0.1 ? null : pick(balances);
        return put(ACCOUNTS, id, doc);
      });
      const commit = batch(checkpoint, ++checkpoint, writes);
      await store.commit(commit);
      await memory.commit(commit);
      for (let query = 0; query < 25; query++) {
        const field = pick([undefined, 'owner', 'balance'] as const);
        const kind = field === undefined ? undefined : ACCOUNTS.indexes[field]!;
        const values: readonly (string | number)[] = field === 'owner' ? owners : balances;
        const filter = field === undefined ? {} : { field, kind, ...(random() < 0.3 ? { eq: pick(values) } : { ...(random() < 0.5 ? { [pick(['gt', 'gte'])]: pick(values) } : {}), ...(random() < 0.5 ? { [pick(['lt', 'lte'])]: pick(values) } : {}) }) };
        expect(await store.count(ACCOUNTS, filter), JSON.stringify(filter)).toBe(await memory.count(ACCOUNTS, filter));
        const find = { ...filter, direction: pick(['asc', 'desc'] as const), limit: 1 + Math.floor(random() * 7) };
        // Page through the whole result with keyset cursors: each page as memory gives it.
        let after: { value?: string | number; id: string } | undefined;
        for (let page = 0; page < 20; page++) {
          const paged = { ...find, ...(after ? { after } : {}) };
          const [got, expected] = [await store.find(ACCOUNTS, paged), await memory.find(ACCOUNTS, paged)];
          expect(got.map((d) => [d.id, JSON.parse(d.json)]), JSON.stringify(paged)).toEqual(expected.map((d) => [d.id, JSON.parse(d.json)]));
          if (got.length < find.limit) break;
          const last = got[got.length - 1]!;
          after = field === undefined ? { id: last.id } : { value: (JSON.parse(last.json) as Record<string, string | number>)[field]!, id: last.id };
        }
      }
      const parse = (json: string | undefined) => json && JSON.parse(json);
      expect((await store.get(ACCOUNTS, ids)).map(parse)).toEqual((await memory.get(ACCOUNTS, ids)).map(parse));
    }
  });
});

function letter(position: number) {
  return { position, eventId: `00000000-0000-4000-8000-00000000000${position}`, stream: 'account-1', type: 'Deposited', error: `failed ${position}`, parkedAt: 1_700_000_000_123 + position };
}

/** A small deterministic generator (mulberry32). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
