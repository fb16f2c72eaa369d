import { LeaseLostError } from '../../core/errors.js';
import type { CollectionSpec, DocumentWrite, ProjectionCommit } from '../../readmodel/types.js';
import { KEY_MATCHES, keyValues, type StateRow } from './projection-states.js';
import { collectionTable, NOW } from './read-model-sql.js';
import type { Statement } from './pipeline.js';
import { statementName, type Transaction } from './transaction.js';

/** One collection's part of a batch, once each document's writes are reduced to its last. */
export interface CollectionChanges {
  readonly spec: CollectionSpec;
  readonly putIds: string[];
  readonly putJson: string[];
  readonly deleteIds: string[];
}

/**
 * The batch's writes, by collection: the last write of each document only. A put replaces the
 * whole document and a delete removes it, so a document's final state is its last write, and
 * documents do not depend on each other: applying these is the same as applying the batch in
 * order. One upsert and one delete per collection then carry the whole batch.
 */
export function collapseWrites(writes: readonly DocumentWrite[]): CollectionChanges[] {
  const last = new Map<string, Map<string, DocumentWrite>>();
  for (const write of writes) {
    let documents = last.get(write.collection.key);
    if (documents === undefined) last.set(write.collection.key, (documents = new Map()));
    documents.set(write.id, write);
  }
  // In the order of keys and ids, so that two commits writing the same documents (partitions of
  // one projection) lock their rows in the same order and cannot deadlock.
  const byKey = <T,>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
  return byKey(last.entries()).map((documents) => {
    const changes: CollectionChanges = { spec: documents.values().next().value!.collection, putIds: [], putJson: [], deleteIds: [] };
    for (const write of byKey(documents.entries())) {
      if (write.op === 'put') {
        changes.putIds.push(write.id);
        changes.putJson.push(write.json);
      } else changes.deleteIds.push(write.id);
    }
    return changes;
  });
}

/**
 * Compare-and-sets the state row and writes the documents, in one statement (one round trip):
 * see commitStatement; it queues the commit's notice on `channel`. The transaction then holds the
 * row's lock until it ends: a second commit from the same checkpoint waits, then finds the
 * checkpoint moved and updates nothing.
 * @throws LeaseLostError with the stored row (or none) when the CAS fails.
 */
export async function writeCommit(tx: Transaction, quotedSchema: string, commit: ProjectionCommit, changes: readonly CollectionChanges[], channel: string | undefined): Promise<void> {
  const { text, values } = commitStatement(quotedSchema, commit, changes, { channel, strict: false });
  const result = await tx.query<{ done: number }>(text, values as unknown[]);
  if (result.rows[0]!.done === 1) return;
  const { key, lease, from } = commit;
  const found = (await tx.query<StateRow>(`SELECT checkpoint, owner, epoch FROM ${quotedSchema}.projection_states WHERE ${KEY_MATCHES}`, keyValues(key))).rows[0];
  throw new LeaseLostError(key, lease, from, found && { checkpoint: found.checkpoint, owner: found.owner ?? undefined, epoch: found.epoch });
}

/** The SQLSTATE of a `strict` commit statement whose compare-and-set failed (division by zero: see commitStatement). */
export const REFUSED_STRICT = '22012';

/**
 * The statement of a commit: the compare-and-set is a CTE that every document write depends on
 * (`EXISTS (SELECT FROM cas)`), so it runs first and takes the row's lock before any document is
 * touched, and a refused commit writes no document. The first commit of a writer without a lease
 * (an inline projection) may find no row: from 0 and without a lease, the row is inserted. With
 * a `channel`, the same statement queues the commit's notice on it (pg_notify, sent at COMMIT,
 * never for a refused commit). Each collection's changes are one upsert and one delete (see
 * collapseWrites), in the order given. It answers `done`, 1 when the compare-and-set held, else 0;
 * `strict`, it fails instead (REFUSED_STRICT), which aborts the transaction: for a statement sent
 * together with its COMMIT, which then rolls back.
 */
export function commitStatement(
  quotedSchema: string,
  commit: ProjectionCommit,
  changes: readonly CollectionChanges[],
  { channel, strict }: { channel: string | undefined; strict: boolean },
): Statement {
  const table = `${quotedSchema}.projection_states`;
  const { key, lease, from, checkpoint, ttlMs } = commit;
  const values: unknown[] = [...keyValues(key), checkpoint];
  const returning = channel === undefined ? 'RETURNING 1' : `RETURNING pg_notify($${values.push(channel)}, '')`;
  let cas;
  if (from === 0 && lease === undefined) {
    cas = `INSERT INTO ${table} AS p (projection, version, partition, checkpoint, updated_at) VALUES ($1, $2, $3, $4, ${NOW})
       ON CONFLICT (projection, version, partition) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at
       WHERE p.checkpoint = 0
       ${returning}`;
  } else {
    const renewFor = lease !== undefined && ttlMs !== undefined ? ttlMs : null;
    const [f, r, o, e] = [from, renewFor, lease?.owner ?? null, lease?.epoch ?? null].map((value) => `$${values.push(value)}`);
    cas = `UPDATE ${table} SET checkpoint = $4, updated_at = ${NOW},
         lease_expires_at = CASE WHEN ${r}::float8 IS NULL THEN lease_expires_at ELSE ${NOW} + ${r}::float8 * interval '1 millisecond' END
       WHERE ${KEY_MATCHES} AND checkpoint = ${f} AND (${o}::text IS NULL OR (owner = ${o} AND epoch = ${e}::bigint))
       ${returning}`;
  }
  const writes: string[] = [];
  changes.forEach((change, c) => {
    const documents = collectionTable(quotedSchema, change.spec);
    if (change.putIds.length > 0) {
      const ids = values.push(change.putIds);
      const json = values.push(change.putJson);
      writes.push(
        `put${c} AS (INSERT INTO ${documents} (id, doc) SELECT id, doc::json FROM unnest($${ids}::text[], $${json}::text[]) AS w(id, doc)
           WHERE EXISTS (SELECT FROM cas) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc)`,
      );
    }
    if (change.deleteIds.length > 0) {
      writes.push(`delete${c} AS (DELETE FROM ${documents} WHERE id = ANY($${values.push(change.deleteIds)}::text[]) AND EXISTS (SELECT FROM cas))`);
    }
  });
  // Strict: 1 / 0 when the compare-and-set found nothing (count(*) is not a constant, so the
  // planner cannot fold it into an error of every run).
  const done = strict ? `1 / count(*)::int` : `count(*)::int`;
  const text = `WITH cas AS (${cas})${writes.map((write) => `, ${write}`).join('')} SELECT ${done} AS done FROM cas`;
  return { name: statementName(text), text, values };
}
