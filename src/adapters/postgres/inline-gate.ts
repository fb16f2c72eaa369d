import { setTimeout as sleep } from 'node:timers/promises';
import { keyString } from '../../readmodel/key.js';
import type { ProjectionKey, ProjectionState } from '../../readmodel/types.js';
import { STATE_COLUMNS, toState, type StateRow } from './projection-states.js';
import { sequenceHolders } from './sequence-holders.js';
import type { Transaction } from './transaction.js';

/** How long an inline append waits, at most, for appenders that took positions before it (each usually ends within a millisecond). */
const OTHERS_WAIT_MS = 10;

/**
 * `headBefore` of an inline append on PostgreSQL (see InlineApply): the largest committed
 * position below the append's first event, when nothing else can still commit below its last;
 * Infinity (no checkpoint is at or past it: every projection leaves the append to its catch-up
 * runner) when that cannot be vouched for.
 *
 * What can go wrong: positions come from a sequence and transactions commit in any order (see
 * settled.ts). An append at p1…pn that moved a projection's checkpoint from c to pn would skip
 * for ever an event of another transaction at a position in (c, pn] that is committed but not yet
 * applied (the runner has not reached it), or still in flight (it commits below the checkpoint).
 *
 * The rule, run by the append's own transaction after it has written its events:
 * 1. Inline appenders of a store are serialised by an advisory lock taken first (inline-host.ts),
 *    so no other one holds a position; only appenders without inline functions can (the CLI,
 *    another service, a process that did not register the projections). The rule does not
 *    depend on it (two inline appenders would each see the other in step 2); it keeps them from
 *    making each other wait and skip.
 * 2. Look at the holders of the lock `nextval` takes on the sequence, other than this connection
 *    (the first look is made by the statement that reads the append's events back: `firstLook`).
 *    Every position up to pn was taken before the look (it follows the insert), by a transaction
 *    that has ended or is on the list. Listed ones are waited for, briefly: a later look that
 *    finds none of them settles it (one that appears only later took its lock, and so its
 *    positions, after the first look, hence above pn: values come out in time order, CACHE 1).
 *    Still there after OTHERS_WAIT_MS: Infinity.
 * 3. In a later statement, so with a snapshot taken after the look (a holder releases its lock
 *    only once its commit is visible to new snapshots), read m, the largest committed position
 *    below p1, and how many committed events lie in [p1, pn]. More than the append's own (another
 *    transaction's value fell among ours): Infinity. Else headBefore = m.
 * 4. The same statement as step 3 reads each state row FOR UPDATE (a row locked after a wait comes
 *    at its latest version, never older than step 3's snapshot), so no runner commit moves it until the append
 *    commits. A checkpoint c at or past m (c < p1 always: a checkpoint is a page's readThrough,
 *    which is settled, and p1 is not while this transaction holds the sequence's lock) has applied
 *    every committed event below p1; positions in (c, p1) will never commit (step 2); [p1, pn]
 *    holds the append's events only (step 3). Applying them and moving the checkpoint to pn, in
 *    this transaction, leaves nothing out and applies nothing twice.
 *
 * The state rows named by `keys` come back with the answer (`states`): locked, unless the look
 * timed out (Infinity: nothing will be applied inline). A missing row is created, then locked.
 * The documents are read in a later statement (inline-scope.ts): after the lock, so that no
 * runner commit can change them before this transaction ends.
 *
 * Answering Infinity is always safe: the catch-up runner applies the events in log order, once,
 * as for appends made without the projection. Why the look is airtight (subtransactions, virtual
 * ids, prepared transactions) is in settled.ts; postgres-inline-projections.test.ts holds a
 * transaction open on a position below an inline append and checks its event is applied once.
 */
export async function inlineHeadBefore(
  tx: Transaction,
  quotedSchema: string,
  positions: readonly number[],
  firstLook: readonly string[],
  keys: readonly ProjectionKey[],
): Promise<{ headBefore: number; states: Map<string, ProjectionState | undefined> }> {
  const states = new Map<string, ProjectionState | undefined>(keys.map((key) => [keyString(key), undefined]));
  const table = `${quotedSchema}.projection_states`;
  const values = [keys.map((k) => k.projection), keys.map((k) => k.version), keys.map((k) => k.partition)];
  const wanted = `(projection, version, partition) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::int[]))`;
  const select = (lock: boolean) => `SELECT projection, version, partition, ${STATE_COLUMNS} FROM ${table} WHERE ${wanted} ORDER BY projection, version, partition${lock ? ' FOR UPDATE' : ''}`;
  const found = (rows: readonly (StateRow & ProjectionKey)[]) => {
    for (const row of rows) states.set(keyString(row), toState(row));
  };
  if (!(await othersEnded(tx, quotedSchema, firstLook))) {
    if (keys.length > 0) found((await tx.query<StateRow & ProjectionKey>(select(false), values)).rows);
    return { headBefore: Infinity, states };
  }
  // Step 3 and step 4 in one statement: the state rows come locked, at their latest versions.
  const { rows } = await tx.query<{ below: number; within: number } & Partial<StateRow & ProjectionKey>>(
    `SELECT g.below, g.within, s.* FROM
       (SELECT coalesce((SELECT max(position) FROM ${quotedSchema}.events WHERE position < $4), 0) AS below,
               (SELECT count(*)::int FROM ${quotedSchema}.events WHERE position >= $4 AND position <= $5) AS within) AS g
       LEFT JOIN LATERAL (${select(true)}) AS s ON true`,
    [...values, positions[0]!, positions[positions.length - 1]!],
  );
  const locked = rows.filter((row) => row.projection != null) as (StateRow & ProjectionKey)[];
  found(locked);
  if (keys.length > 0 && locked.length < keys.length) {
    // A missing row is created first, so that there is a row to lock (once per key).
    await tx.query(`INSERT INTO ${table} (projection, version, partition) SELECT * FROM unnest($1::text[], $2::int[], $3::int[]) ON CONFLICT DO NOTHING`, values);
    found((await tx.query<StateRow & ProjectionKey>(select(true), values)).rows);
  }
  return { headBefore: rows[0]!.within === positions.length ? rows[0]!.below : Infinity, states };
}

/**
 * Whether every transaction holding the sequence's lock at the first look (`firstLook`, made by
 * the statement that read the append's events back, after its insert; other than this one) has
 * ended, within OTHERS_WAIT_MS.
 */
async function othersEnded(tx: Transaction, quotedSchema: string, firstLook: readonly string[]): Promise<boolean> {
  const look = async () => new Set((await tx.query<{ vxid: string }>(sequenceHolders(quotedSchema))).rows.map((row) => row.vxid));
  const waitingFor = new Set(firstLook);
  for (let waited = 0, delay = 1; waitingFor.size > 0; waited += delay, delay *= 2) {
    if (waited + delay > OTHERS_WAIT_MS) return false;
    await sleep(delay);
    const holders = await look();
    for (const vxid of waitingFor) if (!holders.has(vxid)) waitingFor.delete(vxid);
  }
  return true;
}
