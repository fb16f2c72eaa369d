import { setTimeout as sleep } from 'node:timers/promises';
import { keyString } from '../../readmodel/key.js';
import type { ProjectionKey, ProjectionState } from '../../readmodel/types.js';
import { STATE_COLUMNS, toState, type StateRow } from './projection-states.js';
import { sequenceHolders } from './sequence-holders.js';
import type { Statement } from './pipeline.js';
import { statementName, type Transaction } from './transaction.js';

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
): Promise<GateAnswer> {
  if (!(await othersEnded(tx, quotedSchema, firstLook))) {
    const rows = new StateRows(quotedSchema, keys);
    const found = keys.length > 0 ? (await tx.query<StateRow & ProjectionKey>(rows.select(false), rows.values)).rows : [];
    const states = new Map<string, ProjectionState | undefined>(keys.map((key) => [keyString(key), undefined]));
    for (const row of found) states.set(keyString(row), toState(row));
    return { headBefore: Infinity, states };
  }
  const statement = gateStatement(quotedSchema, keys, { first: positions[0]!, last: positions[positions.length - 1]!, count: positions.length });
  return gateThrough(tx, quotedSchema, keys, statement, positions.length);
}

/**
 * The gate's answer from its statement (run here, unless its rows are given: sent earlier in the
 * same transaction), for an append of `count` events. A missing state row is created first, so
 * that there is a row to lock (once per key), and the statement runs again.
 */
export async function gateThrough(
  tx: Transaction,
  quotedSchema: string,
  keys: readonly ProjectionKey[],
  statement: Statement,
  count: number,
  rows?: readonly GateRow[],
): Promise<GateAnswer> {
  const run = async () => (await tx.query<GateRow>(statement.text, statement.values as unknown[])).rows;
  const answer = gateAnswer(rows ?? (await run()), keys, count);
  if (answer !== undefined) return answer;
  const missing = new StateRows(quotedSchema, keys);
  await tx.query(`INSERT INTO ${missing.table} (projection, version, partition) SELECT * FROM unnest($1::text[], $2::int[], $3::int[]) ON CONFLICT DO NOTHING`, missing.values);
  return gateAnswer(await run(), keys, count)!;
}

/** The answer of the gate: `headBefore`, and the state rows it read (locked, unless headBefore is Infinity). */
export interface GateAnswer {
  readonly headBefore: number;
  readonly states: Map<string, ProjectionState | undefined>;
}

/** A row of the gate's statement: the counts, with one state row (or none: a LEFT JOIN). */
export type GateRow = { below: number; within: number; mine: number } & Partial<StateRow & ProjectionKey>;

/** The statements' view of the state rows named by `keys`. */
class StateRows {
  readonly table: string;
  readonly values: unknown[];
  constructor(quotedSchema: string, keys: readonly ProjectionKey[]) {
    this.table = `${quotedSchema}.projection_states`;
    this.values = [keys.map((k) => k.projection), keys.map((k) => k.version), keys.map((k) => k.partition)];
  }

  /** The rows, in key order; `lock`: FOR UPDATE. Keys are $1–$3. */
  select(lock: boolean): string {
    const wanted = `(projection, version, partition) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::int[]))`;
    return `SELECT projection, version, partition, ${STATE_COLUMNS} FROM ${this.table} WHERE ${wanted} ORDER BY projection, version, partition${lock ? ' FOR UPDATE' : ''}`;
  }
}

/**
 * Steps 3 and 4 in one statement: the state rows come locked, at their latest versions, with m
 * (`below`) and the count of committed events in [p1, pn] (`within`). The append's positions
 * (and their number, `mine`) are given, or found by its events' ids among the rows this
 * transaction inserted (`ids`: for a statement sent before the append's answer is back, see
 * inline-host.ts).
 */
export function gateStatement(quotedSchema: string, keys: readonly ProjectionKey[], append: { first: number; last: number; count: number } | { ids: readonly string[] }): Statement {
  const rows = new StateRows(quotedSchema, keys);
  const events = `${quotedSchema}.events`;
  const mine =
    'ids' in append
      ? `SELECT min(position) AS first, max(position) AS last, count(*)::int AS mine FROM ${events} WHERE id = ANY($4::uuid[]) AND xmin = pg_current_xact_id()::xid`
      : `SELECT $4::bigint AS first, $5::bigint AS last, $6::int AS mine`;
  const text = `SELECT g.below, g.within, g.mine, s.* FROM
       (SELECT coalesce((SELECT max(position) FROM ${events} WHERE position < a.first), 0) AS below,
               (SELECT count(*)::int FROM ${events} WHERE position >= a.first AND position <= a.last) AS within, a.mine
          FROM (${mine}) AS a) AS g
       LEFT JOIN LATERAL (${rows.select(true)}) AS s ON true`;
  return { name: statementName(text), text, values: [...rows.values, ...('ids' in append ? [append.ids] : [append.first, append.last, append.count])] };
}

/**
 * What the gate's statement answered, for an append of `count` events: undefined when a state
 * row it names is missing (create it, then run the statement again).
 */
function gateAnswer(rows: readonly GateRow[], keys: readonly ProjectionKey[], count: number): GateAnswer | undefined {
  const locked = rows.filter((row) => row.projection != null) as (StateRow & ProjectionKey)[];
  if (locked.length < keys.length) return undefined;
  const states = new Map<string, ProjectionState | undefined>(locked.map((row) => [keyString(row), toState(row)]));
  const { within, mine } = rows[0]!;
  return { headBefore: mine === count && within === count ? rows[0]!.below : Infinity, states };
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
