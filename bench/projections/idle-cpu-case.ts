import { setTimeout as sleep } from 'node:timers/promises';
import { runProjections } from '../../src/index.js';
import type { Measurement } from '../lib/types.js';
import type { ProjectionsCase } from './cases.js';
import { RawProjector } from './raw-projector.js';
import { countingProjection, writeLog } from './workload.js';

/** Idle projections, caught up, in one process. */
const PROJECTIONS = 10;
/** The share of one core they may use while nothing is appended. */
const MAX_CPU = 0.01;

/**
 * `idle-cpu`: 10 async projections caught up with a log of 1,000 events, then nothing appended
 * for max(3 s, --seconds): the process's CPU time (process.cpuUsage, user + system) over the wall
 * time. What they do meanwhile is their own (lease renewals, listening for commits). Raw: 10
 * RawProjectors waiting for an in-process wake-up, measured the same way after Annals' stopped.
 * The ratio is Annals' CPU share of one core ÷ 1 % (target ≤ 1).
 */
export const idleCpuCase: ProjectionsCase = {
  name: 'idle-cpu',
  backends: ['sqlite', 'postgres'],
  async run({ options, backend, onProgress }) {
    const db = await backend.open('idle');
    await writeLog(db.store, 1000);
    const seconds = Math.max(3, options.seconds);
    const projections = Array.from({ length: PROJECTIONS }, (_, i) => countingProjection(`idle-${i}`));
    const running = await runProjections(db.store, projections, { batchSize: options.pageSize });
    let annals: number;
    try {
      await running.caughtUp();
      onProgress(0.1, `${PROJECTIONS} projections idle`);
      annals = await cpuShare(seconds);
    } finally {
      await running.stop();
    }
    const raw = await db.raw();
    const projectors = projections.map((p) => new RawProjector(raw, 'counting', p.name.replace('-', '_'), options.pageSize));
    for (const projector of projectors) {
      await projector.prepare();
      await projector.catchUp();
      projector.startLive();
    }
    onProgress(0.6, `${PROJECTIONS} raw projectors idle`);
    const rawShare = await cpuShare(seconds);
    for (const projector of projectors) await projector.stop();
    const percent = (share: number) => `${(share * 100).toFixed(2)} %`;
    return [
      {
        name: 'idle-cpu',
        label: `${PROJECTIONS} idle projections, CPU: ${percent(annals)} of a core (raw ${percent(rawShare)})`,
        description: `${PROJECTIONS} caught-up async projections, nothing appended for ${seconds} s: process CPU time ÷ wall time; ratio = Annals' share of one core ÷ ${percent(MAX_CPU)} (target ≤ 1)`,
        annals: cpuMeasurement(seconds),
        raw: cpuMeasurement(seconds),
        ratio: annals / MAX_CPU,
        pairRatios: [],
        target: { maxRatio: 1 },
      },
    ];
  },
};

/** The process's CPU time over `seconds` of wall time, as a share of one core. */
async function cpuShare(seconds: number): Promise<number> {
  const before = process.cpuUsage();
  const start = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const used = process.cpuUsage(before);
  const wallUs = Number(process.hrtime.bigint() - start) / 1000;
  return (used.user + used.system) / wallUs;
}

function cpuMeasurement(seconds: number): Measurement {
  return { operations: 1, events: 0, totalNs: seconds * 1e9, eventsPerSecond: Number.NaN, p50Ns: Number.NaN, p99Ns: Number.NaN };
}
