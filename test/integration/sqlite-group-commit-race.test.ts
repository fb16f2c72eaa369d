import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, WrongExpectedRevisionError, type AppendResult, type EventStore } from '../../src/index.js';
import { collect, range } from '../helpers/collect.js';
import { holdWal, walCommits } from '../helpers/group-commit.js';
import { createTempDir } from '../helpers/temp-dir.js';

const STREAMS = 8;
const APPENDERS = 32;
/** Revisions each stream gets: 0 … REVISIONS - 1. */
const REVISIONS = 40;

interface Win {
  readonly appender: number;
  readonly id: string;
  readonly result: AppendResult;
}

interface Loss {
  readonly stream: string;
  readonly expected: number | 'no_stream';
  readonly error: unknown;
}

const dir = createTempDir();
afterAll(() => dir.remove());

/** Reads its stream's revision and appends at exactly that revision, until the stream is full. */
async function appender(store: EventStore, appender: number, wins: Win[], losses: Loss[]): Promise<void> {
  const stream = `race-${appender % STREAMS}`;
  for (;;) {
    const { revision } = await store.streamInfo(stream);
    if (revision + 1 >= REVISIONS) return;
    const expected = revision < 0 ? 'no_stream' : revision;
    const id = randomUUID();
    try {
      wins.push({ appender, id, result: await store.append(stream, [{ id, type: 'Won', data: { appender } }], { expectedRevision: expected }) });
    } catch (error) {
      losses.push({ stream, expected, error });
      if (!(error instanceof WrongExpectedRevisionError)) return;
    }
  }
}

describe('SQLite group commit: appenders racing in one process', () => {
  it(`gives every revision to exactly one of ${APPENDERS} appenders on ${STREAMS} streams, the others the typed conflict, in shared transactions`, async () => {
    const file = dir.file('race.db');
    const store = await openStore(`sqlite:${file}`);
    const wal = holdWal(file); // every commit stays in the WAL, to be counted
    const wins: Win[] = [];
    const losses: Loss[] = [];
    let commits: number;
    try {
      await Promise.all(range(APPENDERS).map((a) => appender(store, a, wins, losses)));
      commits = walCommits(file);
    } finally {
      wal.release();
    }

    // Losers got the typed error with the facts: their stream, their expectation, a later actual revision.
    for (const { stream, expected, error } of losses) {
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      const { actual } = error as WrongExpectedRevisionError;
      expect(error).toMatchObject({ code: 'ANNALS_WRONG_EXPECTED_REVISION', stream, expected });
      expect(actual).toBeGreaterThan(expected === 'no_stream' ? -1 : expected);
      expect(actual).toBeLessThan(REVISIONS);
    }
    expect(losses.length).toBeGreaterThan(0);

    // Every revision has exactly one winner, and what it was told is what is stored.
    const log = await collect(store.readAll());
    expect(log).toHaveLength(STREAMS * REVISIONS);
    expect(new Set(log.map((e) => e.id)).size).toBe(log.length);
    expect(wins).toHaveLength(log.length);
    const byId = new Map(log.map((e) => [e.id, e]));
    for (const { appender, id, result } of wins) {
      const stored = byId.get(id);
      expect(stored, `the event of a win (appender ${appender})`).toBeDefined();
      expect(result).toEqual({ stream: stored!.stream, streamRevision: stored!.revision, position: stored!.position });
      expect(stored!.data).toEqual({ appender });
    }
    for (const s of range(STREAMS)) {
      const events = await collect(store.readStream(`race-${s}`));
      expect(events.map((e) => e.revision)).toEqual(range(REVISIONS));
      expect(events.map((e) => (e.data as { appender: number }).appender % STREAMS)).toEqual(events.map(() => s));
    }

    // Positions strictly increase in the log; within a stream, revision order is position order.
    const positions = log.map((e) => e.position);
    for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]!);

    // The appends did share transactions: far fewer commits than winning appends.
    expect(commits, `${commits} commits for ${wins.length} winning appends`).toBeLessThanOrEqual(wins.length / 2);
    await store.close();
  });
});
