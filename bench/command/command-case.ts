import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { handleCommand, openStore } from '../../src/index.js';
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
  const db = await RawSqlite.open(rawPath, synchronous);
  const annals = tally();
  const raw = tally();
  const annalsSide: Side = {
    next() {
      const command = depositCommand(annals.commands++);
      return async () => {
        const result = await handleCommand(store, decider, COMMAND_STREAM, command, { metadata: BENCH_METADATA });
        annals.last = { state: result.state, revision: result.streamRevision };
        return 1;
      };
    },
  };
  const rawSide: Side = {
    next() {
      const command = depositCommand(raw.commands++);
      return () => {
        raw.last = rawHandleCommand(db, decider, COMMAND_STREAM, command, options.pageSize);
        return 1;
      };
    },
  };
  try {
    const comparison = await compare({ annals: annalsSide, raw: rawSide, ...timingOf(options), onProgress });
    checkSides(events, annals, raw);
    if ('snapshot' in decider && ((await store.loadSnapshot(COMMAND_STREAM)) === undefined || db.loadSnapshot(COMMAND_STREAM) === undefined)) {
      throw new Error('a side with snapshots kept none');
    }
    return comparison;
  } finally {
    await store.close();
    db.close();
  }
}

/** The commands a side ran, and the state and revision after its last one. */
interface Tally {
  commands: number;
  last: { readonly state: Ledger; readonly revision: number } | undefined;
}

function tally(): Tally {
  return { commands: 0, last: undefined };
}

/** Both sides ran the same commands: as many, to the same state, each growing the stream by one event. */
function checkSides(events: number, annals: Tally, raw: Tally): void {
  const expected = { state: annals.last?.state, revision: events - 1 + annals.commands };
  const agree = raw.commands === annals.commands && isDeepStrictEqual(annals.last, expected) && isDeepStrictEqual(raw.last, expected);
  if (!agree || annals.last?.state.deposits !== events + annals.commands) {
    throw new Error(`the sides disagree: annals ${JSON.stringify(annals)}, raw ${JSON.stringify(raw)}`);
  }
}
