import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { handleCommand, openStore, type EventStore } from '../../src/index.js';
import { compare, timingOf, type Comparison, type Side } from '../lib/compare.js';
import { formatCount, formatShortCount } from '../lib/format.js';
import type { CaseRow } from '../lib/verdict.js';
import { BENCH_METADATA } from '../lib/workload.js';
import { RawSqlite } from '../sqlite/raw-sqlite.js';
import type { MeasureContext, PrepareContext, PreparedCase } from './cases.js';
import { appendEvents, copyDatabase, writeFixture } from './fixture.js';
import { depositCommand, ledger, snapshottedLedger, type Ledger, type LedgerDecider } from './ledger.js';
import { rawHandleCommand } from './raw-command.js';

export const COMMAND_STREAM = 'ledger-main';

/**
 * `command-10k`: commands/s of handleCommand on a stream that holds `--stream-events` events,
 * without snapshots (each command folds the whole stream) and with a snapshot every 100 events,
 * each against the same work done by hand on raw better-sqlite3 (raw-command.ts). Each side works
 * on its own copy of one fixture file, and both run the same commands, so their streams grow alike.
 */
export async function prepareCommandCase({ options, dir, onProgress }: PrepareContext): Promise<PreparedCase> {
  const fixture = path.join(dir, 'stream.db');
  const events = options.streamEvents;
  await writeFixture(fixture, (store) => appendEvents(store, COMMAND_STREAM, events, (n) => onProgress(n / events, `${formatCount(n)} events`)));
  const size = formatShortCount(events);
  return {
    fixture: `${formatCount(events)} events in ${COMMAND_STREAM}`,
    measure: async (context) => {
      const half = (offset: number, what: string) => (f: number, s: string) => context.onProgress(offset + f / 2, `${what}: ${s}`);
      const full = await commandComparison({ ...context, onProgress: half(0, 'no snapshots') }, fixture, events, ledger);
      const snapshotted = await commandComparison({ ...context, onProgress: half(0.5, 'snapshots') }, fixture, events, snapshottedLedger);
      const every = snapshottedLedger.snapshot.every;
      return [
        {
          name: 'command-10k',
          label: `command on ${size}, no snapshots`,
          description: `handleCommand on a ${formatCount(events)}-event stream, each command folds the whole stream; raw: the same by hand`,
          target: undefined,
          ...full,
        },
        {
          name: 'command-10k-snapshots',
          label: `command on ${size}, snapshot every ${every}`,
          description: `handleCommand on a ${formatCount(events)}-event stream with a snapshot every ${every} events; raw: the same by hand with its own snapshot row`,
          target: undefined,
          ...snapshotted,
        },
      ];
    },
  };
}

async function commandComparison(context: MeasureContext, fixture: string, events: number, decider: LedgerDecider): Promise<Comparison> {
  const { options, synchronous, dir, onProgress } = context;
  const tag = 'snapshot' in decider ? 'snapshots' : 'full';
  const annalsPath = path.join(dir, `annals-${tag}.db`);
  const rawPath = path.join(dir, `raw-${tag}.db`);
  copyDatabase(fixture, annalsPath);
  copyDatabase(fixture, rawPath);
  const store = await openStore(`sqlite:${annalsPath}`, { synchronous, pageSize: options.pageSize });
  const raw = await RawSqlite.open(rawPath, synchronous);
  const annals = { commands: 0, state: ledger.initialState(), revision: -1 };
  const bare = { commands: 0, state: ledger.initialState(), revision: -1 };
  const annalsSide: Side = {
    next() {
      const command = depositCommand(annals.commands++);
      return async () => {
        const result = await handleCommand(store, decider, COMMAND_STREAM, command, { metadata: BENCH_METADATA });
        annals.state = result.state;
        annals.revision = result.streamRevision;
        return 1;
      };
    },
  };
  const rawSide: Side = {
    next() {
      const command = depositCommand(bare.commands++);
      return () => {
        ({ state: bare.state, revision: bare.revision } = rawHandleCommand(raw, decider, COMMAND_STREAM, command, options.pageSize));
        return 1;
      };
    },
  };
  try {
    const comparison = await compare({ annals: annalsSide, raw: rawSide, ...timingOf(options), onProgress });
    await checkSides(store, raw, events, annals, bare, 'snapshot' in decider);
    return comparison;
  } finally {
    await store.close();
    raw.close();
  }
}

/** Both sides ran the same commands: same count, same state, the stream grown by one event each, and (with snapshots) a snapshot kept. */
async function checkSides(
  store: EventStore,
  raw: RawSqlite,
  events: number,
  annals: { commands: number; state: Ledger; revision: number },
  bare: { commands: number; state: Ledger; revision: number },
  snapshots: boolean,
): Promise<void> {
  const expected = { commands: annals.commands, state: annals.state, revision: events - 1 + annals.commands };
  if (!isDeepStrictEqual(annals, expected) || !isDeepStrictEqual(bare, expected) || annals.state.deposits !== events + annals.commands) {
    throw new Error(`the sides disagree: annals ${JSON.stringify(annals)}, raw ${JSON.stringify(bare)}`);
  }
  if (snapshots && ((await store.loadSnapshot(COMMAND_STREAM)) === undefined || raw.loadSnapshot(COMMAND_STREAM) === undefined)) {
    throw new Error('a side with snapshots kept none');
  }
}
