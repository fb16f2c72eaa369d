import { describe, expect } from 'vitest';
import { AnnalsError } from '../../core/errors.js';
import type { AppendResult } from '../../core/types.js';
import type { EventStore } from '../../core/event-store.js';
import { anEvent, collect, resultOf } from './helpers.js';
import type { Suite } from './suite.js';

const STREAM = 'race-1';
const APPENDERS = 4;
const WINS_EACH = 8;

interface Win {
  readonly id: string;
  readonly result: AppendResult;
}

/** Resolves once `parties` callers have arrived: every appender reads before any appends. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived === parties) open();
    return opened;
  };
}

/**
 * One appender: read the stream's revision, append at exactly that revision, and on the
 * typed conflict read again and retry, until it has won `WINS_EACH` revisions.
 */
async function appender(store: EventStore, name: number, start: () => Promise<void>, conflicts: unknown[]): Promise<Win[]> {
  const wins: Win[] = [];
  let first = true;
  while (wins.length < WINS_EACH) {
    const { revision } = await store.streamInfo(STREAM);
    if (first) {
      first = false;
      await start();
    }
    const event = anEvent('Won', { appender: name, read: revision });
    try {
      wins.push({ id: event.id, result: await store.append(STREAM, [event], { expectedRevision: revision }) });
    } catch (error) {
      conflicts.push(error);
      if (!(error instanceof AnnalsError) || error.code !== 'ANNALS_WRONG_EXPECTED_REVISION') throw error;
    }
  }
  return wins;
}

export function raceTests(suite: Suite): void {
  describe('concurrent appends', () => {
    suite.test(
      'gives each revision to exactly one of several appenders with exact expected revisions',
      async (f) => {
        const store = await f.store();
        await store.append(STREAM, [anEvent('Seeded')], { expectedRevision: 'no_stream' });
        const connections = [store];
        for (let i = 1; i < APPENDERS; i++) connections.push(await f.connect(store));
        const start = barrier(APPENDERS);
        const conflicts: unknown[] = [];
        const wins = (await Promise.all(connections.map((connection, i) => appender(connection, i, start, conflicts)))).flat();

        const total = APPENDERS * WINS_EACH;
        const stored = await collect(store.readStream(STREAM));
        // One event per revision 0..total, none duplicated or skipped.
        expect(stored.map((e) => e.revision)).toEqual(Array.from({ length: total + 1 }, (_, i) => i));
        expect(new Set(stored.map((e) => e.id)).size).toBe(total + 1);
        // Every winner's result is what is stored, at a revision nobody else won.
        expect(wins).toHaveLength(total);
        expect(new Set(wins.map((w) => w.result.streamRevision)).size).toBe(total);
        const byId = new Map(stored.map((e) => [e.id, e]));
        for (const win of wins) expect(win.result).toEqual(resultOf(byId.get(win.id)!));
        // Each winner read the revision just before the one it won.
        for (const event of stored.slice(1)) expect((event.data as { read: number }).read).toBe(event.revision - 1);
        // All appenders read the seed's revision before any appended: at least APPENDERS - 1 conflicts.
        expect(conflicts.length).toBeGreaterThanOrEqual(APPENDERS - 1);
        for (const error of conflicts) {
          expect(error).toMatchObject({ code: 'ANNALS_WRONG_EXPECTED_REVISION', stream: STREAM });
          const { expected, actual } = error as { expected: number; actual: number };
          expect(actual).toBeGreaterThan(expected);
        }
        expect(await store.streamInfo(STREAM)).toMatchObject({ revision: total, exists: true });
      },
      { timeout: 60_000 },
    );
  });
}
