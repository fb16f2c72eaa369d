import { runProjections } from '../../src/index.js';
import { formatDuration } from '../lib/format.js';
import { overlappingMeasurement } from '../lib/stats.js';
import { now, since } from '../lib/timer.js';
import { makeEvents } from '../lib/workload.js';
import type { ProjectionsCase } from './cases.js';
import { paced } from './paced.js';
import { RawProjector } from './raw-projector.js';
import { countingProjection, STREAMS } from './workload.js';

/** Appends per second while the latency is measured. */
const RATE = 500;
/** Length of one side's block of paced appends, in ms (the sides take turns: ABBA …). */
const BLOCK_MS = 1000;
/** The p99 each backend must keep, commit → visible, in one process. */
const MAX_P99_NS = { sqlite: 20e6, postgres: 50e6 } as const;

/**
 * `live-latency`: single-event appends at 500/s while a projection follows the log live; for
 * each append, the time from its commit (the append resolved) to the read model showing it.
 * Annals: the async runner (counting projection), and `readModels.waitFor(projection,
 * { minPosition })`, woken by the runner's commits, never polling. Raw: an appender and a
 * projector on connections of their own; each append wakes the projector in-process, which reads
 * the new page, commits documents and checkpoint, and releases the waiters it passed. Each side
 * has a database of its own; they take turns in blocks of a second.
 */
export const liveLatencyCase: ProjectionsCase = {
  name: 'live-latency',
  backends: ['sqlite', 'postgres'],
  async run({ options, backend, onProgress }) {
    const annalsDb = await backend.open('live_annals');
    const rawDb = await backend.open('live_raw');
    const projection = countingProjection('live');
    const running = await runProjections(annalsDb.store, [projection], { batchSize: options.pageSize });
    const appender = await rawDb.raw();
    const projector = new RawProjector(await rawDb.raw(), 'counting', 'live', options.pageSize);
    await projector.prepare();
    projector.startLive();
    try {
      await running.caughtUp();
      const revisions = new Array<number>(STREAMS).fill(0);
      const annalsBlock = (ms: number) =>
        paced(RATE, ms, async (i) => {
          const { position } = await annalsDb.store.append(`account-${i % STREAMS}`, makeEvents(1, i));
          const committed = now();
          await running.readModels.waitFor(projection, { minPosition: position, timeoutMs: 30_000 });
          return since(committed);
        });
      const rawBlock = (ms: number) =>
        paced(RATE, ms, async (i) => {
          const stream = i % STREAMS;
          const [event] = makeEvents(1, i);
          const position = await appender.append(`account-${stream}`, revisions[stream]!++, event!);
          const committed = now();
          projector.wake();
          await projector.waitFor(position);
          return since(committed);
        });
      const warmupMs = Math.max(200, options.warmupSeconds * 1000);
      await annalsBlock(warmupMs);
      await rawBlock(warmupMs);
      const measured = { annals: { latencies: [] as number[], wallNs: 0 }, raw: { latencies: [] as number[], wallNs: 0 } };
      const pairRatios: number[] = [];
      const measureMs = options.seconds * 1000;
      for (let pair = 0; pair % 2 === 1 || measured.annals.wallNs < measureMs * 1e6; pair++) {
        const order = [['annals', annalsBlock], ['raw', rawBlock]] as const;
        const p50s: Record<string, number> = {};
        for (const [side, block] of pair % 2 === 0 ? order : [...order].reverse()) {
          const { results, wallNs } = await block(BLOCK_MS);
          measured[side].latencies.push(...results);
          measured[side].wallNs += wallNs;
          p50s[side] = overlappingMeasurement(results, results.length, wallNs).p50Ns;
        }
        pairRatios.push(p50s.annals! / p50s.raw!);
        onProgress(Math.min(1, measured.annals.wallNs / (measureMs * 1e6)), `${measured.annals.latencies.length} appends per side`);
      }
      const annals = overlappingMeasurement(measured.annals.latencies, measured.annals.latencies.length, measured.annals.wallNs);
      const raw = overlappingMeasurement(measured.raw.latencies, measured.raw.latencies.length, measured.raw.wallNs);
      const limit = MAX_P99_NS[backend.name];
      return [
        {
          name: 'live-latency',
          label: `live ${RATE} appends/s, commit → visible: p50 ${formatDuration(annals.p50Ns)}, p99 ${formatDuration(annals.p99Ns)}`,
          description:
            `single-event appends at ${RATE}/s; per append, commit → the read model's checkpoint past it (Annals: readModels.waitFor, woken by the runner's commit; ` +
            `raw: a projector woken in-process by the appender); ev/s = appends/s achieved; ratio = annals p50 ÷ raw p50 (lower is better)`,
          annals,
          raw,
          ratio: annals.p50Ns / raw.p50Ns,
          pairRatios,
          target: { maxP99Ns: limit },
        },
      ];
    } finally {
      await running.stop();
      await projector.stop();
    }
  },
};
