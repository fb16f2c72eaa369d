import { handleCommand, WrongExpectedRevisionError, type EventStore } from '../../src/index.js';
import { formatCount } from '../lib/format.js';
import { overlappingMeasurement } from '../lib/stats.js';
import { now, since, yieldToEventLoop } from '../lib/timer.js';
import type { BenchOptions, Measurement } from '../lib/types.js';
import type { CaseRow } from '../lib/verdict.js';
import { BENCH_METADATA } from '../lib/workload.js';
import { depositCommand, snapshottedLedger } from './ledger.js';

/** Concurrent loops on the hot stream. */
export const HOT_LOOPS = 8;
const BLOCK_MS = 1_000;
/** The target: 8 queued loops reach at least this share of one loop's commands/s. */
const MIN_QUEUED_SHARE = 0.8;

/** One way of sending commands to one stream, measured in blocks of wall time. */
interface Variant {
  readonly key: 'queued' | 'racing' | 'one';
  readonly loops: number;
  readonly queue: boolean;
  readonly latencies: number[];
  commands: number;
  wallNs: number;
  conflicts: number;
  /** Commands whose retries ran out (racing) and were sent again. */
  resent: number;
}

/**
 * `hot-stream`: commands on one stream from 8 concurrent loops in one process, through one store:
 * queued (the default: they take turns) against racing (`queue: false`: they conflict, back off and
 * decide again), and against one loop sending the same kind of commands one after another (the
 * ceiling for a stream: one command at a time). The decider is the ledger with a snapshot every
 * 100 events, so a command's cost does not grow with the stream; each block writes a fresh stream.
 * The variants take turns block by block (ABC CBA …); commands/s = commands ÷ the blocks' wall
 * time. A command whose retries run out (racing, default options) is sent again, and counts once.
 */
export async function hotStreamRows(store: EventStore, where: string, options: BenchOptions, onProgress: (fraction: number, status: string) => void, note: (line: string) => void): Promise<CaseRow[]> {
  const variant = (key: Variant['key'], loops: number, queue: boolean): Variant => ({ key, loops, queue, latencies: [], commands: 0, wallNs: 0, conflicts: 0, resent: 0 });
  const queued = variant('queued', HOT_LOOPS, true);
  const racing = variant('racing', HOT_LOOPS, false);
  const one = variant('one', 1, true);
  const variants = [queued, racing, one];
  const measureNs = options.seconds * 1e9;
  let blocks = 0;
  for (const v of variants) await block(store, v, `hot-warmup-${blocks++}`, Math.max(options.warmupSeconds * 1000, BLOCK_MS), false);
  const pairs = { qr: [] as number[], qo: [] as number[], ro: [] as number[] };
  for (let round = 0; round % 2 === 1 || Math.min(...variants.map((v) => v.wallNs)) < measureNs; round++) {
    const rate = new Map<Variant, number>();
    for (const v of round % 2 === 0 ? variants : [...variants].reverse()) rate.set(v, await block(store, v, `hot-${blocks++}`, BLOCK_MS, true));
    pairs.qr.push(rate.get(queued)! / rate.get(racing)!);
    pairs.qo.push(rate.get(queued)! / rate.get(one)!);
    pairs.ro.push(rate.get(racing)! / rate.get(one)!);
    onProgress(Math.min(1, Math.min(...variants.map((v) => v.wallNs)) / measureNs), `${formatCount(queued.commands)} queued commands`);
    await yieldToEventLoop();
  }
  if (queued.conflicts !== 0 || one.conflicts !== 0) throw new Error(`queued commands conflicted: ${queued.conflicts} (8 loops), ${one.conflicts} (1 loop)`);
  note(
    `command · hot-stream ${where}: racing, ${formatCount(racing.conflicts)} conflicts for ${formatCount(racing.commands)} commands ` +
      `(${formatCount(racing.resent)} sent again after their retries ran out); queued, none`,
  );
  const loops = `${HOT_LOOPS} concurrent loops, one stream, one store, handleCommand with a snapshot every ${snapshottedLedger.snapshot.every}`;
  const q = measurement(queued);
  const r = measurement(racing);
  const o = measurement(one);
  return [
    {
      name: 'hot-stream',
      label: `${HOT_LOOPS} loops on one stream: queued ÷ racing`,
      description: `${loops}; "annals" column: queued (the default), "raw" column: racing (queue: false)`,
      annals: q,
      raw: r,
      pairRatios: pairs.qr,
      target: undefined,
    },
    {
      name: 'hot-stream-queued',
      label: `${HOT_LOOPS} loops queued ÷ 1 loop`,
      description: `${loops}, queued; "raw" column: 1 loop sending the same commands one after another`,
      annals: q,
      raw: o,
      pairRatios: pairs.qo,
      target: { minRatio: MIN_QUEUED_SHARE },
    },
    {
      name: 'hot-stream-racing',
      label: `${HOT_LOOPS} loops racing ÷ 1 loop`,
      description: `${loops}, racing (queue: false); "raw" column: 1 loop sending the same commands one after another`,
      annals: r,
      raw: o,
      pairRatios: pairs.ro,
      target: undefined,
    },
  ];
}

/** Runs the variant's loops on a fresh stream for `ms`; returns its commands per nanosecond in this block. */
async function block(store: EventStore, v: Variant, stream: string, ms: number, record: boolean): Promise<number> {
  const start = now();
  const endNs = ms * 1e6;
  let commands = 0;
  let conflicts = 0;
  let resent = 0;
  const latencies: number[] = [];
  const options = { metadata: BENCH_METADATA, queue: v.queue, onConflict: () => conflicts++ };
  await Promise.all(
    Array.from({ length: v.loops }, async () => {
      while (since(start) < endNs) {
        const command = depositCommand(commands++);
        const t = now();
        for (;;) {
          try {
            await handleCommand(store, snapshottedLedger, stream, command, options);
            break;
          } catch (error) {
            if (!(error instanceof WrongExpectedRevisionError)) throw error;
            resent++;
          }
        }
        latencies.push(since(t));
      }
    }),
  );
  const wallNs = since(start);
  // Every command is in the stream once.
  const info = await store.streamInfo(stream);
  if (info.revision !== commands - 1) throw new Error(`${v.key}: ${stream} is at revision ${info.revision} after ${commands} commands`);
  if (record) {
    v.latencies.push(...latencies);
    v.commands += commands;
    v.wallNs += wallNs;
    v.conflicts += conflicts;
    v.resent += resent;
  }
  return commands / wallNs;
}

function measurement(v: Variant): Measurement {
  return overlappingMeasurement(v.latencies, v.commands, v.wallNs);
}
