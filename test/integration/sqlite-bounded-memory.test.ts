import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import { withRawDatabase } from '../helpers/raw-sqlite.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, Worker } from '../helpers/worker.js';

interface ReaderReport {
  readonly allCount: number;
  readonly positionsIncrease: boolean;
  readonly streamCount: number;
  readonly revisionsInOrder: boolean;
  /** Live heap (after a full GC) in bytes, sampled as the reads went on. */
  readonly samples: readonly number[];
}

const MB = 1024 * 1024;
const TOTAL = 300_000;
const BIG_STREAM = 'big-1';
const BIG_STREAM_EVENTS = 100_000;

const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

/** UUID-shaped ids in ascending order: the id index grows at its end, which keeps seeding fast. */
function sequentialId(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

/**
 * Writes the log straight into annals_events in one transaction (far faster than appends):
 * every third event belongs to one big stream, the rest to 2,000 small ones.
 * Returns the bytes of JSON the log holds.
 */
function seed(file: string): number {
  const note = 'n'.repeat(200);
  return withRawDatabase(file, (db) => {
    const insert = db.prepare(
      `INSERT INTO annals_events (id, stream, category, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, '{}', ?)`,
    );
    const small = new Map<string, number>();
    let bytes = 0;
    db.transaction(() => {
      const now = Date.now();
      for (let i = 0; i < TOTAL; i++) {
        const stream = i % 3 === 0 ? BIG_STREAM : `small-${i % 2000}`;
        const revision = stream === BIG_STREAM ? i / 3 : (small.get(stream) ?? -1) + 1;
        if (stream !== BIG_STREAM) small.set(stream, revision);
        const data = `{"i":${i},"note":"${note}"}`;
        bytes += data.length + 2;
        insert.run(sequentialId(i), stream, stream.split('-')[0], revision, 'Seeded', data, now);
      }
    })();
    return bytes;
  });
}

describe('SQLite: reads hold bounded memory', () => {
  // Seeding and reading take a few seconds; the margin is for a machine busy with other work.
  it('reads a 300k-event log and a 100k-event stream in a 64 MB heap without the heap growing', { timeout: 90_000 }, async () => {
    const file = dir.file('large.db');
    const url = `sqlite:${file}`;
    await (await openStore(url)).close();
    const logBytes = seed(file);

    const reader = new Worker('log-reader.mjs', { url, stream: BIG_STREAM, sampleEvery: 20_000 }, ['--max-old-space-size=64', '--expose-gc']);
    const report = await reader.report<ReaderReport>();

    expect(report).toMatchObject({ allCount: TOTAL, positionsIncrease: true, streamCount: BIG_STREAM_EVENTS, revisionsInOrder: true });
    const first = report.samples[0]!;
    const peak = Math.max(...report.samples);
    const figures = `log ${(logBytes / MB).toFixed(0)} MB of JSON; live heap ${(first / MB).toFixed(1)} MB at start, peak ${(peak / MB).toFixed(1)} MB`;
    // The JSON alone is several times the bound; decoded events would take more still.
    expect(logBytes, figures).toBeGreaterThan(3 * 16 * MB);
    expect(peak, figures).toBeLessThan(16 * MB);
    expect(peak - first, figures).toBeLessThan(4 * MB);
  });
});
