/**
 * The statement listing the transactions (by virtual id) that hold the lock `nextval` takes on
 * the store's position sequence, other than the connection that runs it: every transaction that
 * took a position and has not ended yet (see settled.ts). Rows: `{ vxid }`.
 */
export function sequenceHolders(quotedSchema: string): string {
  return `SELECT virtualtransaction AS vxid FROM pg_locks
           WHERE locktype = 'relation' AND relation = '${quotedSchema}.positions'::regclass AND mode = 'RowExclusiveLock'
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND pid IS DISTINCT FROM pg_backend_pid()`;
}
