import type { EventInput } from '../../src/index.js';
import { BENCH_METADATA } from '../lib/workload.js';
import type { RawSqlite } from '../sqlite/raw-sqlite.js';
import type { Deposit, Deposited, Ledger, LedgerDecider } from './ledger.js';

export interface RawResult {
  readonly state: Ledger;
  readonly revision: number;
}

/**
 * What handleCommand does, written by hand on better-sqlite3 (the baseline of `command-10k`):
 * the snapshot row this side keeps itself (when the decider has a snapshot policy), the
 * stream's rows after it, `pageSize` per SELECT, decoded (JSON.parse of data and metadata) and
 * folded with the decider's own `evolve`; `decide`; then one IMMEDIATE transaction that checks
 * the stream's last revision and inserts the new row; the state after the new event; and, when
 * `every` events have passed since the snapshot, an upsert of the snapshot row after the commit,
 * as Annals saves it. No validation, no retries, no staleness checks.
 */
export function rawHandleCommand(raw: RawSqlite, decider: LedgerDecider, stream: string, command: Deposit, pageSize: number): RawResult {
  const policy = 'snapshot' in decider ? decider.snapshot : undefined;
  const version = policy && String(policy.version);
  let state = decider.initialState();
  let revision = -1;
  let snapshotRevision = -1;
  const snapshot = version === undefined ? undefined : raw.loadSnapshot(stream);
  if (snapshot !== undefined && snapshot.version === version) {
    state = JSON.parse(snapshot.state) as Ledger;
    revision = snapshotRevision = snapshot.revision;
  }
  raw.readStream(
    stream,
    pageSize,
    (event) => {
      state = decider.evolve(state, event as unknown as Deposited);
      revision = event.revision;
    },
    revision + 1,
  );
  const decided = decider.decide(command, state);
  const inputs: EventInput[] = decided.map((event) => ({ type: event.type, data: event.data, metadata: BENCH_METADATA }));
  raw.appendExpecting(stream, inputs, revision);
  for (const event of decided) state = decider.evolve(state, event);
  revision += decided.length;
  if (policy && version !== undefined && revision - snapshotRevision >= policy.every) {
    raw.saveSnapshot(stream, { revision, version, state: JSON.stringify(state) });
  }
  return { state, revision };
}
