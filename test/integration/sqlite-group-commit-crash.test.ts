import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import { withRawDatabase } from '../helpers/raw-sqlite.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, Worker } from '../helpers/worker.js';

const CYCLES = 10;
const APPENDERS = 16;

interface Ack {
  readonly ack: number;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly ids: readonly string[];
}

interface Row {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly data: string;
}

const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

describe('SQLite group commit: a process killed while appending in groups', () => {
  it(`keeps every acknowledged append, and no part of any other, over ${CYCLES} kills with synchronous=full`, async () => {
    const file = dir.file('killed-groups.db');
    const url = `sqlite:${file}?synchronous=full`;
    await (await openStore(url)).close();
    const acknowledged: Ack[] = [];

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const worker = new Worker('group-appender.mjs', { url, appenders: APPENDERS, cycle });
      await worker.waitForLine('ready');
      // Killed after a different number of acknowledgements each cycle, mid-flight.
      const killAfter = 40 + 37 * cycle;
      await worker.waitForLine((line) => line.startsWith('{"ack":') && (JSON.parse(line) as Ack).ack >= killAfter);
      worker.kill('SIGKILL');
      const exit = await worker.exited;
      expect(exit.signal, exit.stdout.split('\n').find((l) => l.includes('"error"')) ?? exit.stderr).toBe('SIGKILL');
      acknowledged.push(...exit.stdout.split('\n').filter((l) => l.startsWith('{"ack":')).map((l) => JSON.parse(l) as Ack));

      // A plain connection recovers the file as any opener would.
      const { integrity, rows } = withRawDatabase(file, (db) => ({
        integrity: db.pragma('integrity_check', { simple: true }),
        rows: db.prepare(`SELECT id, stream, revision, position, data FROM annals_events ORDER BY position`).all() as Row[],
      }));
      expect(integrity).toBe('ok');
      const byId = new Map(rows.map((r) => [r.id, r]));

      // Every acknowledged append is there, whole, where it was told it is.
      for (const ack of acknowledged) {
        const stored = ack.ids.map((id) => byId.get(id));
        expect(stored.map((r) => r && [r.stream, r.revision]), `acknowledged append ${ack.ack} of cycle ${cycle}`).toEqual(
          [2, 1, 0].map((back) => [ack.stream, ack.revision - back]),
        );
        expect(stored[2]!.position).toBe(ack.position);
      }

      // No append is there in part: each stream is whole appends of three parts, revisions without a gap.
      const streams = new Map<string, Row[]>();
      for (const row of rows) streams.set(row.stream, [...(streams.get(row.stream) ?? []), row]);
      for (const [stream, events] of streams) {
        expect(events.map((e) => e.revision), stream).toEqual(events.map((_, i) => i));
        const parts = events.map((e) => JSON.parse(e.data) as { cycle: number; n: number; part: number });
        expect(parts.map((p) => p.part), stream).toEqual(parts.map((_, i) => i % 3));
        for (let i = 0; i < parts.length; i += 3) {
          expect(new Set(parts.slice(i, i + 3).map((p) => `${p.cycle}/${p.n}`)).size, `${stream} at revision ${i}`).toBe(1);
        }
      }
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(CYCLES * 40);
  }, 120_000);
});
