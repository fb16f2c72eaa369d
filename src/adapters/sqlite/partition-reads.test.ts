import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { keyHash } from '../../core/partition.js';
import { migrate } from './migrations.js';
import { partitionIndexName, partitionIndexSql, partitionPageSql } from './partition-reads.js';

// A read of one partition must seek its partition index and walk it in position order: its time
// must not grow with the events of the other partitions.

const db = new Database(':memory:');
migrate(db, ':memory:', { migrate: true, readonly: false });
const insert = db.prepare(
  `INSERT INTO annals_events (id, stream, category, stream_hash, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, 'null', '{}', 0)`,
);
db.transaction(() => {
  for (let n = 0; n < 20_000; n++) {
    const stream = `cat${n % 10}-${n % 1000}`;
    insert.run(randomUUID(), stream, `cat${n % 10}`, keyHash(stream), Math.floor(n / 1000), `Type${n % 20}`);
  }
})();
db.exec(partitionIndexSql(16));
db.exec(partitionIndexSql(16)); // idempotent
db.exec('ANALYZE');
afterAll(() => db.close());

function plan(count: number, byCategory: boolean, byTypes: boolean): string {
  const params = [5, ...(byCategory ? ['cat3'] : []), 0, ...(byTypes ? ['["Type3","Type7"]'] : []), 100];
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${partitionPageSql('id, position', count, byCategory, byTypes)}`).all(...params) as { detail: string }[];
  return rows.map((row) => row.detail).join('\n');
}

describe('SQLite partition reads', () => {
  it.each([
    ['alone', false, false],
    ['with a category', true, false],
    ['with types', false, true],
    ['with a category and types', true, true],
  ])('reads a partition (%s) from its partition index, in position order, without a scan of the table', (_, byCategory, byTypes) => {
    const detail = plan(16, byCategory, byTypes);
    expect(detail).toMatch(new RegExp(`^SEARCH annals_events USING (COVERING )?INDEX ${partitionIndexName(16)} \\(<expr>=\\? AND position>\\?\\)`));
    expect(detail).not.toMatch(/SCAN annals_events/);
    expect(detail).not.toMatch(/TEMP B-TREE/); // ordered by the index, not sorted afterwards
  });

  it('reads a count without its index by position, never sorting the table', () => {
    const detail = plan(4, false, false);
    expect(detail).not.toMatch(/partition/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  it('returns the partition’s events, the same as filtering the log by keyHash', () => {
    const all = db.prepare(`SELECT stream, position FROM annals_events ORDER BY position`).all() as { stream: string; position: number }[];
    const page = db.prepare(partitionPageSql('stream, position', 16, false, false)).all(5, 0, 50_000) as { stream: string; position: number }[];
    expect(page).toEqual(all.filter((row) => keyHash(row.stream) % 16 === 5));
    expect(page.length).toBeGreaterThan(0);
  });
});
