import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { collectionSpec } from '../../readmodel/names.js';
import type { StoredFilter, StoredFind } from '../../readmodel/types.js';
import { countSql, createCollectionSql, findSql, indexName, tableName } from './read-model-sql.js';

// The planner must answer every find and count on a declared field from its expression index:
// a find's time must not grow with the documents it does not return.

const spec = collectionSpec('balances', 1, 'accounts', { owner: 'string', balance: 'number', Owner: 'string' });
const db = new Database(':memory:');
for (const sql of createCollectionSql(spec)) db.exec(sql);
afterAll(() => db.close());

function plan(sql: string, params: unknown[]): string {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
  return rows.map((row) => row.detail).join('\n');
}

const finds: [string, StoredFind][] = [
  ['eq', { field: 'owner', kind: 'string', eq: 'ann', direction: 'asc', limit: 10 }],
  ['range', { field: 'balance', kind: 'number', gte: 10, lt: 20, direction: 'asc', limit: 10 }],
  ['bound, desc', { field: 'balance', kind: 'number', lte: 100, direction: 'desc', limit: 10 }],
  ['order only, after', { field: 'balance', kind: 'number', direction: 'asc', limit: 10, after: { value: 50, id: 'a-7' } }],
  ['order only, desc, after', { field: 'owner', kind: 'string', direction: 'desc', limit: 10, after: { value: 'bob', id: 'a-7' } }],
  ['eq, after', { field: 'owner', kind: 'string', eq: 'ann', direction: 'asc', limit: 10, after: { value: 'ann', id: 'a-7' } }],
  ['range, desc, after', { field: 'balance', kind: 'number', gt: 0, direction: 'desc', limit: 10, after: { value: 50, id: 'a-7' } }],
];

describe('SQLite read-model SQL', () => {
  it.each(finds)('answers a find (%s) from the field’s index, in its order, without a scan of the table', (_, find) => {
    const { sql, params } = findSql(spec, find);
    const detail = plan(sql, params);
    expect(detail).toMatch(new RegExp(`USING (COVERING )?INDEX ${escape(indexName(spec, find.field!))}`));
    expect(detail).toMatch(/^SEARCH /); // a seek, not a scan of the index from one end
    expect(detail).not.toMatch(/TEMP B-TREE/); // ordered by the index, not sorted afterwards
  });

  it('scans only documents that have the field when a find has no bound', () => {
    const { sql, params } = findSql(spec, { field: 'owner', kind: 'string', direction: 'asc', limit: 10 });
    const detail = plan(sql, params);
    expect(detail).toBe(`SCAN ${tableName(spec).slice(1, -1)} USING INDEX ${indexName(spec, 'owner').slice(1, -1)}`);
    // The index is partial: documents without the field (or with null) are not in it to be skipped.
    expect(db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).pluck().get(indexName(spec, 'owner').slice(1, -1))).toMatch(/WHERE json_extract\(doc, '\$\.owner'\) IS NOT NULL$/);
  });

  it('answers a count on a field from its index', () => {
    const filter: StoredFilter = { field: 'balance', kind: 'number', gt: 5 };
    const { sql, params } = countSql(spec, filter);
    expect(plan(sql, params)).toMatch(new RegExp(`USING COVERING INDEX ${escape(indexName(spec, 'balance'))}`));
  });

  it('answers a find by id from the primary key', () => {
    const { sql, params } = findSql(spec, { direction: 'desc', limit: 5, after: { id: 'm' } });
    const detail = plan(sql, params);
    expect(detail).toMatch(/USING INDEX sqlite_autoindex/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  it('names a table after the collection key, and keeps indexes on fields that differ only in case apart', () => {
    expect(tableName(spec)).toBe('"rm:balances:v1:accounts"');
    expect(indexName(spec, 'owner')).toBe('"rm:balances:v1:accounts:by:owner"');
    expect(indexName(spec, 'Owner')).toBe('"rm:balances:v1:accounts:by:+owner"');
    const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`).pluck().all('rm:balances:v1:accounts');
    expect(indexes).toEqual(['rm:balances:v1:accounts:by:+owner', 'rm:balances:v1:accounts:by:balance', 'rm:balances:v1:accounts:by:owner', 'sqlite_autoindex_rm:balances:v1:accounts_1']);
  });

  it('refuses a key or field that could reach SQL text unchecked', () => {
    expect(() => tableName({ ...spec, key: 'x"; DROP TABLE annals_events; --' })).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT' }));
    expect(() => findSql(spec, { field: "a') OR 1=1 --", direction: 'asc', limit: 1 })).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT' }));
  });
});

/** A quoted name as a pattern matching it as the plan prints it (without quotes). */
function escape(name: string): string {
  return name.slice(1, -1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
