import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatShortCount } from '../lib/format.js';
import type { Measurement } from '../lib/types.js';
import type { ProjectionsCase } from './cases.js';
import { writeLog } from './workload.js';

/** Events projected: the default, and with --full. */
const EVENTS = { quick: 100_000, full: 1_000_000 } as const;
/** Annals' child must stay under this peak resident set. */
const MAX_RSS_MIB = 200;

const CHILD = fileURLToPath(new URL('./rss-child.js', import.meta.url));

interface ChildReport {
  readonly maxRssKib: number;
  readonly events: number;
  readonly seconds: number;
}

/**
 * `peak-rss`: a child process projects a SQLite log of 100k events (1M with --full) from 0 with
 * the counting and the document-per-event projections, and reports its peak resident set
 * (maxRSS); then another child does the same by hand on better-sqlite3. The ratio is Annals' peak
 * ÷ 200 MiB (target ≤ 1: bounded memory, whatever the log's length).
 */
export const peakRssCase: ProjectionsCase = {
  name: 'peak-rss',
  backends: ['sqlite'],
  async run({ options, backend, onProgress, note }) {
    const events = options.full ? EVENTS.full : EVENTS.quick;
    const db = await backend.open('rss');
    await writeLog(db.store, events, (n) => onProgress((0.5 * n) / events, `writing the log: ${formatShortCount(n)}`));
    await db.store.close();
    onProgress(0.5, 'Annals child projecting');
    const annals = await child('annals', db.file!, options.pageSize);
    onProgress(0.75, 'raw child projecting');
    const raw = await child('raw', db.file!, options.pageSize);
    const mib = (r: ChildReport) => r.maxRssKib / 1024;
    note(`projections ${backend.setting} · peak-rss: annals ${mib(annals).toFixed(0)} MiB in ${annals.seconds.toFixed(1)} s, raw ${mib(raw).toFixed(0)} MiB in ${raw.seconds.toFixed(1)} s`);
    return [
      {
        name: 'peak-rss',
        label: `peak RSS projecting ${formatShortCount(events)}: ${mib(annals).toFixed(0)} MiB (raw ${mib(raw).toFixed(0)} MiB)`,
        description: `a child process projects ${events} events with two projections (counting, a document per event); ev/s = both projections' events ÷ the child's time; ratio = Annals' peak RSS ÷ ${MAX_RSS_MIB} MiB`,
        annals: measurement(annals, 2 * events),
        raw: measurement(raw, 2 * events),
        ratio: mib(annals) / MAX_RSS_MIB,
        pairRatios: [],
        target: { maxRatio: 1 },
      },
    ];
  },
};

async function child(mode: 'annals' | 'raw', file: string, pageSize: number): Promise<ChildReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [CHILD, mode, file, String(pageSize)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildReport;
}

function measurement(report: ChildReport, events: number): Measurement {
  return { operations: 1, events, totalNs: report.seconds * 1e9, eventsPerSecond: events / report.seconds, p50Ns: Number.NaN, p99Ns: Number.NaN };
}
