import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import type { PostgresReadModels } from '../../src/adapters/postgres/index.js';
import { indexName } from '../../src/adapters/postgres/read-model-sql.js';
import type { StoredFilter, StoredFind } from '../../src/readmodel/types.js';
import { literal, planNodes, recordStatements, type PlanNode, type Statement } from '../helpers/pg-statements.js';
import { ACCOUNTS, batch, put, useReadModels } from '../helpers/postgres-read-models.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

const DOCUMENTS = 5_000;

const OWNER = indexName(ACCOUNTS, 'owner', 'string');
const BALANCE = indexName(ACCOUNTS, 'balance', 'number');
const PRIMARY_KEY = `rm:${ACCOUNTS.key}_pkey`;

type Read = (store: PostgresReadModels) => Promise<unknown>;
const find = (query: Omit<StoredFind, 'direction' | 'limit'> & Partial<StoredFind>): Read => (store) => store.find(ACCOUNTS, { direction: 'asc', limit: 20, ...query });
const count = (filter: StoredFilter): Read => (store) => store.count(ACCOUNTS, filter);

/** Each read and the index its plan must use: a fifth of the documents have the fields, one owner in a hundred of those. */
const READS: readonly { read: string; run: Read; index: string }[] = [
  { read: 'find by an owner', run: find({ field: 'owner', kind: 'string', eq: 'owner-42' }), index: OWNER },
  { read: 'find by an owner, the next page', run: find({ field: 'owner', kind: 'string', eq: 'owner-42', after: { value: 'owner-42', id: 'doc-00042' } }), index: OWNER },
  { read: 'find a range of owners, falling', run: find({ field: 'owner', kind: 'string', gte: 'owner-1', lt: 'owner-2', direction: 'desc' }), index: OWNER },
  { read: 'find ordered by owner, from a cursor', run: find({ field: 'owner', kind: 'string', after: { value: 'owner-50', id: 'doc-00050' } }), index: OWNER },
  { read: 'find the highest balances', run: find({ field: 'balance', kind: 'number', direction: 'desc', limit: 10 }), index: BALANCE },
  { read: 'find a range of balances', run: find({ field: 'balance', kind: 'number', gt: 100.5, lte: 120 }), index: BALANCE },
  { read: 'count an owner', run: count({ field: 'owner', kind: 'string', eq: 'owner-7' }), index: OWNER },
  { read: 'count a range of balances', run: count({ field: 'balance', kind: 'number', gte: 10, lt: 20 }), index: BALANCE },
  { read: 'find by id, from a cursor', run: find({ after: { id: 'doc-02500' } }), index: PRIMARY_KEY },
];

describeWithService(service, 'PostgreSQL read-model indexes', () => {
  const ctx = usePostgres(service.url);
  const stores = useReadModels(ctx);
  let admin: pg.Client;
  let table: string;
  const statements = new Map<string, Statement>();

  beforeAll(async () => {
    const { store, schema } = await stores.backend();
    table = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(`rm:${ACCOUNTS.key}`)}`;
    admin = await ctx.client();
    await store.prepare([ACCOUNTS]);
    // Written as a projection would, in batches: four documents in five without the indexed fields.
    for (let from = 0; from < DOCUMENTS; from += 500) {
      const writes = Array.from({ length: 500 }, (_, i) => {
        const n = from + i;
        const id = `doc-${String(n).padStart(5, '0')}`;
        return put(ACCOUNTS, id, n % 5 === 0 ? { owner: `owner-${(n / 5) % 100}`, balance: (n * 7919) % 1000 + 0.5, n } : { note: `unrelated ${n}`, n });
      });
      await store.commit(batch(from, from + 500, writes));
    }
    for (const { read, run } of READS) {
      const recorder = recordStatements();
      try {
        await run(store);
      } finally {
        recorder.stop();
      }
      expect(recorder.statements.size, read).toBe(1);
      statements.set(read, [...recorder.statements.values()][0]!);
    }
  }, 120_000);

  for (const analyzed of [false, true]) {
    for (const { read, index } of READS) {
      it(`plans "${read}" over ${DOCUMENTS} documents with ${index}, ${analyzed ? 'after ANALYZE' : 'as first planned'}`, async () => {
        if (analyzed) await admin.query(`ANALYZE ${table}`);
        const { text, values } = statements.get(read)!;
        const custom = await admin.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
        await admin.query(`PREPARE rm_explained AS ${text}`);
        let generic: typeof custom;
        try {
          await admin.query(`SET plan_cache_mode = force_generic_plan`);
          generic = await admin.query(`EXPLAIN (FORMAT JSON) EXECUTE rm_explained(${values.map(literal).join(', ')})`);
        } finally {
          await admin.query('RESET plan_cache_mode');
          await admin.query('DEALLOCATE rm_explained');
        }
        for (const [kind, result] of [['custom', custom], ['generic', generic]] as const) {
          const plan = planNodes(result.rows[0]!['QUERY PLAN'][0].Plan);
          const summary = plan.map((node) => `${node['Node Type']}${node['Index Name'] ? ` on ${node['Index Name']}` : ''}`).join(' > ');
          if (process.env.SHOW_PLANS) console.log(`${read} (${kind}${analyzed ? ', analyzed' : ''}): ${summary}`);
          expect(plan.some((node) => node['Node Type'] === 'Seq Scan'), `${kind} plan: ${summary}`).toBe(false);
          expect(plan.some((node) => node['Index Name'] === index), `${kind} plan: ${summary}`).toBe(true);
        }
      });
    }
  }
});
