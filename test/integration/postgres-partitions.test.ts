import fc from 'fast-check';
import pg from 'pg';
import { expect, it } from 'vitest';
import { keyHash } from '../../src/core/partition.js';
import { recordStatements } from '../helpers/pg-statements.js';
import { collect } from '../helpers/collect.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

/** The partition indexes of `count` in the schema, with their validity and definition. */
async function partitionIndexes(client: pg.Client, schema: string, count: number) {
  const { rows } = await client.query<{ valid: boolean; definition: string }>(
    `SELECT i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, `events_partition_${count}`],
  );
  return rows;
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

  it('inlines partition_hash in a partition read, so that the read matches the index on its expression', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    await store.append('order-1', [{ type: 'Placed' }]);
    await store.preparePartitions(8);
    const recorder = recordStatements();
    try {
      await collect(store.readAll({ partition: { index: 1, count: 8 } }));
    } finally {
      recorder.stop();
    }
    const { text, values } = recorder.statements.get('read-all-p8')!;
    const client = await ctx.client();
    await client.query('SET enable_seqscan = off'); // a one-row table: only the index may show the match
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (VERBOSE) ${text}`, values);
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/md5\(/);
    expect(plan).not.toMatch(/partition_hash/);
    expect(plan).toMatch(/Index Cond: .*md5\(.*% '8'::bigint\) = /);
    expect(plan).toContain('events_partition_8');
  });

  it('builds a partition index once, valid, when several stores prepare it at the same time', async () => {
    const schema = ctx.schema();
    const stores = [await ctx.open({ schema }), await ctx.open({ schema }), await ctx.open({ schema })];
    await stores[0]!.append('order-1', [{ type: 'Placed' }]);
    await Promise.all(stores.flatMap((store) => [store.preparePartitions(8), store.preparePartitions(8)]));
    const client = await ctx.client();
    const indexes = await partitionIndexes(client, schema, 8);
    expect(indexes).toHaveLength(1);
    expect(indexes[0]!.valid).toBe(true);
    expect(indexes[0]!.definition).toMatch(/\(\(.*\.partition_hash\(stream\) % \(8\)::bigint\)\), "position"\)$/);
  });

  it('drops and builds again a partition index that an interrupted build left invalid', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    await store.append('order-1', [{ type: 'Placed' }]);
    await store.append('order-2', [{ type: 'Placed' }]);
    const client = await ctx.client();
    // A concurrent build that fails half-way leaves its index behind, INVALID, under the name.
    await expect(client.query(`CREATE UNIQUE INDEX CONCURRENTLY events_partition_8 ON ${pg.escapeIdentifier(schema)}.events (category)`)).rejects.toThrow();
    expect((await partitionIndexes(client, schema, 8)).map((index) => index.valid)).toEqual([false]);

    await store.preparePartitions(8);
    const [index] = await partitionIndexes(client, schema, 8);
    expect(index!.valid).toBe(true);
    expect(index!.definition).toContain('partition_hash(stream)');
    expect(await collect(store.readAll({ partition: { index: keyHash('order-2') % 8, count: 8 } }))).toContainEqual(expect.objectContaining({ stream: 'order-2' }));
  });
});
