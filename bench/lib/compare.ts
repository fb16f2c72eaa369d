import { summarize } from './stats.js';
import { now, since, yieldToEventLoop } from './timer.js';
import type { BenchOptions, Measurement } from './types.js';

/** One timed operation: an append call or a full read. It returns how many events it handled. */
export type Operation = () => number | Promise<number>;

/** One side of a comparison. `next` builds the next operation's input outside the timing. */
export interface Side {
  next(): Operation;
}

export interface ComparisonPlan {
  readonly annals: Side;
  readonly raw: Side;
  /** Warm-up time per side, in milliseconds (at least one operation each). */
  readonly warmupMs: number;
  /** Measuring time per side, in milliseconds. */
  readonly measureMs: number;
  /** Fewest measured operations per side. Default 5. */
  readonly minOperations?: number;
  /** Length of one block of operations of one side, in milliseconds. Default 200. */
  readonly blockMs?: number;
  readonly onProgress?: (fraction: number, status: string) => void;
}

export interface Comparison {
  readonly annals: Measurement;
  readonly raw: Measurement;
  /**
   * The throughput ratio annals/raw of each pair of neighbouring blocks. Their spread shows
   * how noisy the run was: on a quiet machine they cluster around the overall ratio.
   */
  readonly pairRatios: readonly number[];
}

interface Tally {
  readonly durations: number[];
  events: number;
  totalNs: number;
}

/**
 * Runs Annals and the raw baseline in alternating blocks of the same number of operations,
 * in the order AB BA AB BA …, so that drift (a neighbour's load, the database growing, the
 * page cache warming) falls on both sides alike. Each operation is timed on its own.
 */
export async function compare(plan: ComparisonPlan): Promise<Comparison> {
  const { annals, raw, warmupMs, measureMs, minOperations = 5, blockMs = 200, onProgress } = plan;

  const warm = { annals: tally(), raw: tally() };
  while (warm.annals.totalNs < warmupMs * 1e6 || warm.raw.totalNs < warmupMs * 1e6) {
    await block(annals, 1, warm.annals);
    await block(raw, 1, warm.raw);
    onProgress?.(0, 'warming up');
  }
  const slowest = Math.max(mean(warm.annals), mean(warm.raw));
  const perBlock = Math.max(1, Math.floor((blockMs * 1e6) / slowest));

  const measured = { annals: tally(), raw: tally() };
  const pairRatios: number[] = [];
  const done = () =>
    (measured.annals.totalNs + measured.raw.totalNs) / 2 >= measureMs * 1e6 &&
    measured.annals.durations.length >= minOperations;
  for (let pair = 0; pair % 2 === 1 || !done(); pair++) {
    const order: [Side, Tally][] = [
      [annals, measured.annals],
      [raw, measured.raw],
    ];
    if (pair % 2 === 1) order.reverse();
    const before = { annals: snapshot(measured.annals), raw: snapshot(measured.raw) };
    for (const [side, into] of order) await block(side, perBlock, into);
    pairRatios.push(throughputSince(measured.annals, before.annals) / throughputSince(measured.raw, before.raw));
    const fraction = Math.min(1, (measured.annals.totalNs + measured.raw.totalNs) / 2 / (measureMs * 1e6));
    onProgress?.(fraction, `${measured.annals.durations.length} ops per side`);
    await yieldToEventLoop();
  }
  return {
    annals: summarize(measured.annals.durations, measured.annals.events),
    raw: summarize(measured.raw.durations, measured.raw.events),
    pairRatios,
  };
}

async function block(side: Side, operations: number, into: Tally): Promise<void> {
  for (let i = 0; i < operations; i++) {
    const operation = side.next();
    const start = now();
    const events = await operation();
    const ns = since(start);
    into.durations.push(ns);
    into.totalNs += ns;
    into.events += events;
  }
}

function tally(): Tally {
  return { durations: [], events: 0, totalNs: 0 };
}

function mean(t: Tally): number {
  return t.totalNs / Math.max(1, t.durations.length);
}

function snapshot(t: Tally): { events: number; totalNs: number } {
  return { events: t.events, totalNs: t.totalNs };
}

function throughputSince(t: Tally, before: { events: number; totalNs: number }): number {
  return (t.events - before.events) / (t.totalNs - before.totalNs);
}

/** The warm-up and measuring times the options ask for, in milliseconds. */
export function timingOf(options: BenchOptions): { warmupMs: number; measureMs: number } {
  return { warmupMs: options.warmupSeconds * 1000, measureMs: options.seconds * 1000 };
}
