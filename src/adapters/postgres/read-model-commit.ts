import { LeaseLostError } from '../../core/errors.js';
import type { CollectionSpec, DocumentWrite, ProjectionCommit } from '../../readmodel/types.js';
import { KEY_MATCHES, keyValues, type StateRow } from './projection-states.js';
import { collectionTable, NOW } from './read-model-sql.js';
import type { Transaction } from './transaction.js';

/** One collection's part of a batch, once each document's writes are reduced to its last. */
interface CollectionChanges {
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
 * Compare-and-sets the state row as the first statement of the commit's transaction, which then
 * holds the row's lock until it ends: a second commit from the same checkpoint waits, then finds
 * the checkpoint moved and updates nothing. The first commit of a writer without a lease (an
 * inline projection) may find no row: from 0 and without a lease, the row is inserted. The same
 * statement queues the commit's notice on `channel` (pg_notify, sent at COMMIT, never for a refused
 * commit): one round trip fewer than a NOTIFY of its own.
 * @throws LeaseLostError with the stored row (or none) when the CAS fails.
 */
export async function compareAndSetState(tx: Transaction, table: string, commit: ProjectionCommit, channel: string): Promise<void> {
  const { key, lease, from, checkpoint, ttlMs } = commit;
  const values = [...keyValues(key), checkpoint, channel];
  let result;
  if (from === 0 && lease === undefined) {
    result = await tx.query(
      `INSERT INTO ${table} AS p (projection, version, partition, checkpoint, updated_at) VALUES ($1, $2, $3, $4, ${NOW})
       ON CONFLICT (projection, version, partition) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at
       WHERE p.checkpoint = 0
       RETURNING pg_notify($5, '')`,
      values,
    );
  } else {
    const renewFor = lease !== undefined && ttlMs !== undefined ? ttlMs : null;
    result = await tx.query(
      `UPDATE ${table} SET checkpoint = $4, updated_at = ${NOW},
         lease_expires_at = CASE WHEN $7::float8 IS NULL THEN lease_expires_at ELSE ${NOW} + $7::float8 * interval '1 millisecond' END
       WHERE ${KEY_MATCHES} AND checkpoint = $6 AND ($8::text IS NULL OR (owner = $8 AND epoch = $9::bigint))
       RETURNING pg_notify($5, '')`,
      [...values, from, renewFor, lease?.owner ?? null, lease?.epoch ?? null],
    );
  }
  if (result.rowCount === 1) return;
  const found = (await tx.query<StateRow>(`SELECT checkpoint, owner, epoch FROM ${table} WHERE ${KEY_MATCHES}`, keyValues(key))).rows[0];
  throw new LeaseLostError(key, lease, from, found && { checkpoint: found.checkpoint, owner: found.owner ?? undefined, epoch: found.epoch });
}

/** Writes one collection's changes: all its puts in one upsert, all its deletes in one delete. */
export async function applyChanges(tx: Transaction, quotedSchema: string, changes: CollectionChanges): Promise<void> {
  const table = collectionTable(quotedSchema, changes.spec);
  if (changes.putIds.length > 0) {
    await tx.query(
      `INSERT INTO ${table} (id, doc) SELECT id, doc::json FROM unnest($1::text[], $2::text[]) AS w(id, doc)
       ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`,
      [changes.putIds, changes.putJson],
    );
  }
  if (changes.deleteIds.length > 0) await tx.query(`DELETE FROM ${table} WHERE id = ANY($1::text[])`, [changes.deleteIds]);
}
