import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import type { EventStore } from '../../src/index.js';
import { collect } from '../helpers/collect.js';
import { literal, planNodes, recordStatements, type PlanNode, type Statement } from '../helpers/pg-statements.js';
import { appendEventsQuery, postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

const EVENTS = 100_000;

type Read = (store: EventStore, anId: string) => Promise<unknown>;

/**
 * Each read, the index its plan for these values must use (when only one will do), and the
 * table it reads. 'cat3' holds a tenth of the log; 'rare' a thousandth, so that reading it by
 * position would walk the whole log.
 */
const READS: readonly { read: string; run: Read; statement: string; table: 'events' | 'streams'; index?: string }[] = [
  { read: 'readAll', run: (s) => collect(s.readAll({ after: 50_000, maxCount: 100, pageSize: 100 })), statement: 'read-all', table: 'events', index: 'events_pkey' },
  { read: 'readAll by a common category', run: (s) => collect(s.readAll({ category: 'cat3', maxCount: 100, pageSize: 100 })), statement: 'read-all-category', table: 'events' },
  {
    read: 'readAll by a rare category',
    run: (s) => collect(s.readAll({ category: 'rare', maxCount: 100, pageSize: 100 })),
    statement: 'read-all-category',
    table: 'events',
    index: 'events_category_position',
  },
  { read: 'readAll by types', run: (s) => collect(s.readAll({ types: ['Type3', 'Type7'], maxCount: 100, pageSize: 100 })), statement: 'read-all-types', table: 'events' },
  {
    read: 'readAll by a rare category and types',
    run: (s) => collect(s.readAll({ category: 'rare', types: ['Rare', 'Type3'], maxCount: 100, pageSize: 100 })),
    statement: 'read-all-category-types',
    table: 'events',
    index: 'events_category_position',
  },
  {
    read: 'readAll by a partition',
    run: (s) => collect(s.readAll({ partition: { index: 5, count: 16 }, maxCount: 100, pageSize: 100 })),
    statement: 'read-all-p16',
    table: 'events',
    index: 'partition_entries_pkey',
  },
  {
    read: 'readAll by a partition of many (holding cat5-15), a category and types',
    run: (s) => collect(s.readAll({ partition: { index: 683, count: 1024 }, category: 'cat5', types: ['Type5', 'Type15'], maxCount: 100, pageSize: 100 })),
    statement: 'read-all-category-types-p1024',
    table: 'events',
    index: 'partition_entries_pkey',
  },
  {
    read: 'readStream forwards',
    run: (s) => collect(s.readStream('cat3-123', { fromRevision: 40, maxCount: 20 })),
    statement: 'read-forwards',
    table: 'events',
    index: 'events_stream_revision_unique',
  },
  {
    read: 'readStream backwards',
    run: (s) => collect(s.readStream('cat3-123', { direction: 'backwards', maxCount: 20 })),
    statement: 'read-backwards',
    table: 'events',
    index: 'events_stream_revision_unique',
  },
  { read: 'getEvent', run: (s, id) => s.getEvent(id), statement: 'get', table: 'events', index: 'events_id_unique' },
  // With an append in flight, the head is settled by contiguity: a walk of the key.
  { read: 'headPosition', run: (s) => s.headPosition(), statement: 'settle-walk', table: 'events', index: 'events_pkey' },
  { read: 'streamInfo', run: (s) => s.streamInfo('cat3-123'), statement: 'info', table: 'streams', index: 'streams_pkey' },
];

describeWithService(service, 'PostgreSQL indexes', () => {
  const ctx = usePostgres(service.url);
  const schema = ctx.schema();
  const s = pg.escapeIdentifier(schema);
  let admin: pg.Client;
  const statements = new Map<string, Statement>();

  beforeAll(async () => {
    const store = await ctx.open({ schema });
    admin = await ctx.client();
    // 100k valid events in one statement: 1,000 streams in 10 categories and 20 types, and
    // one stream of 100 events in category 'rare' (type 'Rare').
    await admin.query(`
      INSERT INTO ${s}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
      SELECT g, gen_random_uuid(),
             CASE WHEN g % 1000 = 500 THEN 'rare-1' ELSE 'cat' || (g % 10) || '-' || (g % 1000) END,
             CASE WHEN g % 1000 = 500 THEN 'rare' ELSE 'cat' || (g % 10) END,
             (g - 1) / 1000,
             CASE WHEN g % 1000 = 500 THEN 'Rare' ELSE 'Type' || (g % 20) END,
             json_build_object('g', g), '{}', now()
        FROM generate_series(1, ${EVENTS}) AS g`);
    await admin.query(`INSERT INTO ${s}.streams (stream, revision) SELECT stream, max(revision) FROM ${s}.events GROUP BY stream`);
    await admin.query(`SELECT setval('${s}.positions', ${EVENTS})`);
    await store.preparePartitions(16);
    await store.preparePartitions(1024);
    await admin.query(`ANALYZE ${s}.events`);
    await admin.query(`ANALYZE ${s}.streams`);
    const anId = (await admin.query<{ id: string }>(`SELECT id FROM ${s}.events WHERE position = 54321`)).rows[0]!.id;

    // Every read once, recording its statement; an append held open meanwhile, as under load.
    const appender = await ctx.client();
    await appender.query('BEGIN');
    await appender.query(appendEventsQuery(schema, 'cat1-in-flight', [{ id: randomUUID(), type: 'Type1', data: null }]));
    try {
      for (const { read, run, statement } of READS) {
        const recorder = recordStatements();
        try {
          expect(await run(store, anId), read).toBeTruthy();
        } finally {
          recorder.stop();
        }
        expect([...recorder.statements.keys()], `the statements of ${read}`).toContain(statement);
        statements.set(read, recorder.statements.get(statement)!);
      }
    } finally {
      await appender.query('ROLLBACK');
    }
  }, 120_000);

  for (const { read, table, index } of READS) {
    it(`plans ${read} over 100k events with an index${index ? ` (${index})` : ''}, never a sequential scan`, async () => {
      const { text, values } = statements.get(read)!;
      // The plan for these values, and the generic plan a prepared statement may switch to.
      const custom = await admin.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
      await admin.query(`PREPARE annals_explained AS ${text}`);
      let generic: typeof custom;
      try {
        await admin.query(`SET plan_cache_mode = force_generic_plan`);
        const args = values.length > 0 ? `(${values.map(literal).join(', ')})` : '';
        generic = await admin.query(`EXPLAIN (FORMAT JSON) EXECUTE annals_explained${args}`);
      } finally {
        await admin.query('RESET plan_cache_mode');
        await admin.query('DEALLOCATE annals_explained');
      }
      for (const [kind, result] of [['custom', custom], ['generic', generic]] as const) {
        const all = planNodes(result.rows[0]!['QUERY PLAN'][0].Plan);
        const summary = all
          .map((n) => `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`)
          .join(' > ');
        const seqScans = all.filter((n) => n['Node Type'] === 'Seq Scan' && (n['Relation Name'] === 'events' || n['Relation Name'] === 'streams'));
        expect(seqScans, `${kind} plan: ${summary}`).toEqual([]);
        expect(all.some((n) => n['Relation Name'] === table && /Index|Bitmap Heap/.test(n['Node Type'])), `${kind} plan reads ${table} by an index: ${summary}`).toBe(true);
        // The values' own plan must take the one index that fits (a generic plan cannot know a category is rare).
        if (index && kind === 'custom') expect(all.map((n) => n['Index Name']), summary).toContain(index);
      }
    });
  }
});
