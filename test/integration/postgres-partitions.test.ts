import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { expect, it } from 'vitest';
import { ENTRIES_BATCH } from '../../src/adapters/postgres/partition-entries.js';
import { PARTITION_ENTRIES_LAG as ENTRIES_LAG } from '../../src/backend/parts.js';
import { migrations } from '../../src/adapters/postgres/migrations/index.js';
import { keyHash } from '../../src/core/partition.js';
import type { EventStore } from '../../src/index.js';
import { collect } from '../helpers/collect.js';
import { appendEventsQuery, postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

/** The counts' progress rows, and how many entries each count has and how many of them name a wrong partition. */
async function entries(client: pg.Client, schema: string) {
  const s = pg.escapeIdentifier(schema);
  const { rows } = await client.query<{ count: number; through: string; entries: string; wrong: string }>(
    `SELECT p.partition_count AS count, p.through,
            (SELECT count(*) FROM ${s}.partition_entries x WHERE x.partition_count = p.partition_count) AS entries,
            (SELECT count(*) FROM ${s}.partition_entries x JOIN ${s}.events e USING (position)
              WHERE x.partition_count = p.partition_count AND x.part <> ${s}.partition_hash(e.stream) % p.partition_count) AS wrong
       FROM ${s}.partition_progress p ORDER BY 1`,
  );
  return rows.map((row) => ({ count: row.count, through: Number(row.through), entries: Number(row.entries), wrong: Number(row.wrong) }));
}

/** Every partition of `count`, read page by page, against the log filtered by keyHash. */
async function expectPartitionsRight(store: EventStore, count: number) {
  const all = await collect(store.readAll());
  for (let index = 0; index < count; index++) {
    const part = await collect(store.readAll({ partition: { index, count }, pageSize: 37 }));
    expect(part.map((e) => e.position)).toEqual(all.filter((e) => keyHash(e.stream) % count === index).map((e) => e.position));
  }
}

describeWithService(service, 'postgres log partitions', () => {
  const ctx = usePostgres(service.url);

  it('computes partition_hash in SQL as keyHash computes it, for any text PostgreSQL stores', async () => {
    const schema = ctx.schema();
    await ctx.open({ schema });
    const client = await ctx.client();
    const fn = `${pg.escapeIdentifier(schema)}.partition_hash`;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000')), async (key) => {
        const { rows } = await client.query<{ hash: string }>(`SELECT ${fn}($1)::text AS hash`, [key]);
        expect(Number(rows[0]!.hash)).toBe(keyHash(key));
      }),
      { numRuns: 300 },
    );
  });

  it('reads a partition from its entries, then the tail, brought on by reads and never by appends', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    await store.append('order-0', [{ type: 'Placed' }]);
    await store.preparePartitions(8);
    const client = await ctx.client();
    expect(await entries(client, schema)).toEqual([{ count: 8, through: 1, entries: 1, wrong: 0 }]);
    const streams = Array.from({ length: 50 }, (_, n) => `order-${n}`);
    for (let n = 0; n < ENTRIES_LAG * 3; n += 10) {
      await store.appendMany(streams.slice(n % 50, (n % 50) + 10).map((stream) => ({ stream, events: [{ type: 'Placed' }, { type: 'Paid' }] })));
    }
    const head = await store.headPosition();
    expect(await entries(client, schema)).toEqual([{ count: 8, through: 1, entries: 1, wrong: 0 }]); // appends write no entries
    await expectPartitionsRight(store, 8);
    expect(await entries(client, schema)).toEqual([{ count: 8, through: head, entries: head, wrong: 0 }]);
    // An event deleted since it was indexed leaves an entry that joins to nothing.
    await store.deleteStream('order-7', { mode: 'hard' });
    await store.append('order-99', [{ type: 'Placed' }]);
    await expectPartitionsRight(store, 8);
    // A count never prepared is read from the log alone.
    await expectPartitionsRight(store, 3);
    expect((await entries(client, schema)).map((row) => row.count)).toEqual([8]);
  });

  it('adds entries only up to the settled position: an append in flight below the head is read once it commits', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    await store.preparePartitions(4);
    const streams = Array.from({ length: 50 }, (_, n) => `order-${n}`);
    let appended = 0;
    const appendSome = async (events: number) => {
      for (let n = 0; n < events; n += 10) {
        await store.appendMany(streams.slice(n % 50, (n % 50) + 10).map((stream) => ({ stream, events: [{ type: 'Placed' }] })));
        appended += 10;
      }
    };
    await appendSome(ENTRIES_LAG * 2);
    const slow = await ctx.client('annals-test-slow-appender');
    await slow.query('BEGIN');
    const held = await slow.query<{ out_position: number }>(appendEventsQuery(schema, 'order-held', [{ id: randomUUID(), type: 'Placed', data: null }]));
    const heldAt = held.rows[0]!.out_position;
    appended++;
    await appendSome(ENTRIES_LAG * 2);
    const client = await ctx.client();
    const heldPartition = { index: keyHash('order-held') % 4, count: 4 };
    // Reads cut at the held position, and the entries, brought on by them, end below it.
    expect((await collect(store.readAll({ partition: heldPartition }))).every((e) => e.position < heldAt)).toBe(true);
    const { through } = (await entries(client, schema))[0]!;
    expect(through).toBeGreaterThan(ENTRIES_LAG);
    expect(through).toBeLessThan(heldAt);
    await slow.query('COMMIT');
    await expectPartitionsRight(store, 4);
    expect((await entries(client, schema))[0]).toEqual({ count: 4, through: await store.headPosition(), entries: appended, wrong: 0 });
    expect((await collect(store.readAll({ partition: heldPartition }))).map((e) => e.stream)).toContain('order-held');
  });

  it('reads on from the tail when the entries cannot be brought on', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    await store.preparePartitions(4);
    const client = await ctx.client();
    // Every batch fails, as for a role that may read the log but not write the entries.
    await client.query(`ALTER FUNCTION ${pg.escapeIdentifier(schema)}.index_partitions(int, bigint, int) RENAME TO index_partitions_gone`);
    for (let n = 0; n < ENTRIES_LAG * 2; n += 10) {
      await store.appendMany(Array.from({ length: 10 }, (_, k) => ({ stream: `order-${n + k}`, events: [{ type: 'Placed' }] })));
    }
    await expectPartitionsRight(store, 4);
    expect((await entries(client, schema))[0]!.through).toBe(0);
  });

  it('adds each event’s entry once when several stores prepare a count and read it at the same time', async () => {
    const schema = ctx.schema();
    const stores = [await ctx.open({ schema }), await ctx.open({ schema }), await ctx.open({ schema })];
    const s = pg.escapeIdentifier(schema);
    const client = await ctx.client();
    // More than two batches of events, in one statement.
    const events = ENTRIES_BATCH * 2 + 500;
    await client.query(`
      INSERT INTO ${s}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
      SELECT g, gen_random_uuid(), 'order-' || g, 'order', 0, 'Placed', 'null', '{}', now() FROM generate_series(1, ${events}) AS g`);
    await client.query(`INSERT INTO ${s}.streams (stream, revision) SELECT stream, revision FROM ${s}.events`);
    await client.query(`SELECT setval('${s}.positions', ${events})`);
    await Promise.all(stores.flatMap((store) => [store.preparePartitions(16), store.preparePartitions(16), collect(store.readAll({ partition: { index: 3, count: 16 } }))]));
    expect(await entries(client, schema)).toEqual([{ count: 16, through: events, entries: events, wrong: 0 }]);
    await expectPartitionsRight(stores[0]!, 16);
  });

  it('drops the partition indexes of version 5 when it migrates to version 6, keeping their counts', async () => {
    const schema = ctx.schema();
    const s = pg.escapeIdentifier(schema);
    const client = await ctx.client();
    await client.query(`CREATE SCHEMA ${s}`);
    await client.query(`CREATE TABLE ${s}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const { version, sql } of migrations(s).filter((m) => m.version <= 5)) {
      await client.query(sql);
      await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [version]);
    }
    await client.query(`
      INSERT INTO ${s}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
      SELECT g, gen_random_uuid(), 'order-' || g, 'order', 0, 'Placed', 'null', '{}', now() FROM generate_series(1, 40) AS g`);
    await client.query(`INSERT INTO ${s}.streams (stream, revision) SELECT stream, revision FROM ${s}.events`);
    await client.query(`SELECT setval('${s}.positions', 40)`);
    // As version 5's preparePartitions made them.
    for (const count of [8, 16]) await client.query(`CREATE INDEX events_partition_${count} ON ${s}.events ((${s}.partition_hash(stream) % ${count}), position)`);

    const store = await ctx.open({ schema });
    expect(store.schema).toEqual({ version: 6, migratedFrom: 5 });
    const { rows } = await client.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'events_partition%'`, [schema]);
    expect(rows).toEqual([]);
    expect(await entries(client, schema)).toEqual([
      { count: 8, through: 0, entries: 0, wrong: 0 },
      { count: 16, through: 0, entries: 0, wrong: 0 },
    ]);
    await store.preparePartitions(8);
    expect((await entries(client, schema))[0]).toEqual({ count: 8, through: 40, entries: 40, wrong: 0 });
    await expectPartitionsRight(store, 8);
    await expectPartitionsRight(store, 16);
  });
});
