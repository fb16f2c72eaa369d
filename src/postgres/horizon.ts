/**
 * Which events a reader may hand out without ever skipping one that commits later.
 *
 * An appender takes its transaction id, then its positions (nextval, which locks the positions
 * sequence until the transaction ends), and records on its events a `horizon` above the ids of
 * every other appender still running (schema.ts): every transaction that took a smaller
 * position has ended, or has an id below the horizon. An event is final once none of those can
 * still commit. In the reader's snapshot, the candidates are the in-progress ids below the
 * horizon (none when the horizon is at or below the snapshot's xmin, the common case). A
 * candidate is harmless when it is still running without the sequence's lock: it has taken no
 * position yet, and any it takes will be larger than every position already handed out.
 * Anything else (an appender, or a transaction that ended between the read and this check)
 * holds the event back until a later read, with a fresh snapshot, decides again.
 */

/**
 * The SQL for a row's blockers: null when final by xmin alone, else the in-progress ids below
 * its horizon. Ids from the snapshot's xmax up are not listed, running or not; a horizon above
 * the xmax means the appender just below it (the largest id the horizon counted) was still
 * running when the snapshot was taken, so that id stands in for them and holds the row back.
 */
export const BLOCKERS_COLUMN = `CASE WHEN horizon <= pg_snapshot_xmin(pg_current_snapshot()) THEN NULL
  ELSE ARRAY(SELECT x::text FROM pg_snapshot_xip(pg_current_snapshot()) AS x WHERE x < horizon
             UNION ALL
             SELECT (horizon::text::numeric - 1)::text WHERE horizon > pg_snapshot_xmax(pg_current_snapshot())) END AS blockers`;

/**
 * The statement that names, among the given 32-bit ids, those still running without a lock on
 * the store's positions sequence. One look at pg_locks, joined by transaction (by backend, a
 * transaction that ended between two looks would leave its backend, already in its next
 * transaction, answering for it). A transaction releases its locks only after it has ended, in
 * no set order, so an id whose own lock is still listed without the sequence lock may have ended
 * a moment ago: it counts as running only if it is still in progress *after* the look at the
 * locks. pg_xact_status wants the 64-bit id: the 32-bit one is taken nearest the snapshot's xmax.
 */
export function harmlessQuery(quotedSchema: string): string {
  const sequence = `'${quotedSchema.replace(/'/g, "''")}.positions'`;
  return `WITH l AS MATERIALIZED (
            SELECT locktype, relation, database, virtualtransaction, transactionid, mode, granted FROM pg_locks
             WHERE locktype IN ('relation', 'transactionid')),
          running AS MATERIALIZED (
            SELECT x.transactionid FROM l AS x
             WHERE x.locktype = 'transactionid' AND x.mode = 'ExclusiveLock' AND x.granted
               AND x.transactionid::text = ANY ($1::text[])
               AND NOT EXISTS (SELECT 1 FROM l AS seq
                                WHERE seq.virtualtransaction = x.virtualtransaction AND seq.locktype = 'relation'
                                  AND seq.relation = ${sequence}::regclass
                                  AND seq.database = (SELECT oid FROM pg_database WHERE datname = current_database())))
          SELECT r.transactionid::text AS xid
            FROM running AS r, (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS ref) AS s
           WHERE pg_xact_status((s.ref + (r.transactionid::text::bigint - s.ref % 4294967296 + 6442450944) % 4294967296 - 2147483648)::text::xid8) = 'in progress'`;
}

export interface HorizonRow {
  blockers?: string[] | null;
}

/** pg_stat_activity shows 32-bit ids; the snapshot shows 64-bit ones (epoch and id). */
export function shortXid(xid8: string): string {
  return String(BigInt(xid8) & 0xffffffffn);
}

/**
 * The rows that are final. `harmless` asks the database which candidate ids (32-bit, as text)
 * are harmless; it is called only when some row is not final by xmin alone.
 */
export async function finalRows<R extends HorizonRow>(
  rows: R[],
  harmless: (candidates: string[]) => Promise<Set<string>>,
): Promise<{ rows: R[]; heldBack: boolean }> {
  const candidates = new Set(rows.flatMap((row) => row.blockers ?? []).map(shortXid));
  if (candidates.size === 0) return { rows, heldBack: false };
  const cleared = await harmless([...candidates]);
  const isFinal = (row: R) => (row.blockers ?? []).every((xid) => cleared.has(shortXid(xid)));
  // A final row means every smaller position is final too, so the page ends at the last final row.
  let end = rows.length;
  while (end > 0 && !isFinal(rows[end - 1]!)) end--;
  return { rows: end === rows.length ? rows : rows.slice(0, end), heldBack: end < rows.length };
}
