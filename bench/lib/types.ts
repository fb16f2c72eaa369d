import type { Progress } from './progress.js';

/** Options shared by every suite; a suite reads the ones that concern it. */
export interface BenchOptions {
  /** Measuring time per case, in seconds, for each side (Annals and the raw baseline). */
  readonly seconds: number;
  /** Warm-up time per case, in seconds, for each side. */
  readonly warmupSeconds: number;
  /** Events in the log that readAll reads. */
  readonly events: number;
  /** Events in the stream that readStream reads. */
  readonly streamEvents: number;
  /** Events per append in the batch-append case. */
  readonly batchSize: number;
  /** Events per page for reads, the same on both sides. */
  readonly pageSize: number;
  /** The SQLite durability settings to run. */
  readonly synchronous: readonly ('full' | 'normal')[];
  /** Case names to run (all when empty). */
  readonly only: readonly string[];
  /** Keep the temporary database files instead of removing them. */
  readonly keep: boolean;
  /** Run the slow full sizes (the projections suite: 1M events for the read-model fit and peak RSS). */
  readonly full: boolean;
}

/** What a target asks of a case; a case without one is reported for information. */
export interface Target {
  /** Lowest acceptable ratio (annals/raw events per second, unless the case reports a ratio of its own). */
  readonly minRatio?: number;
  /** Highest acceptable ratio: for a case whose ratio is a growth (a time ÷ a time), where lower is better. */
  readonly maxRatio?: number;
  /** Lowest acceptable Annals throughput, in events per second. */
  readonly minEventsPerSecond?: number;
  /** Highest acceptable Annals p99, in nanoseconds (a latency case). */
  readonly maxP99Ns?: number;
}

/** One side's figures for one case. */
export interface Measurement {
  /** Timed operations (one append call, or one full read). */
  readonly operations: number;
  readonly events: number;
  /** Sum of the timed operations' durations, in nanoseconds. */
  readonly totalNs: number;
  readonly eventsPerSecond: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
}

export type Verdict = 'PASS' | 'FAIL' | 'info';

export interface CaseResult {
  readonly suite: string;
  /** What the case runs under, e.g. `synchronous=full`. */
  readonly setting: string;
  /** Stable id, as `--only` selects it, e.g. `append-batch`. */
  readonly name: string;
  /** Short label for the table, e.g. `append ×100`. */
  readonly label: string;
  readonly description: string;
  readonly annals: Measurement;
  readonly raw: Measurement;
  /** Throughput ratio annals/raw (events per second), or the case's own ratio: what the target is checked against. */
  readonly ratio: number;
  /** The ratio within each pair of neighbouring blocks: median, 10th and 90th percentile. */
  readonly pairRatio: { readonly p10: number; readonly p50: number; readonly p90: number };
  readonly target: Target | undefined;
  readonly verdict: Verdict;
  /** Why a target failed, in words. */
  readonly failures: readonly string[];
}

export interface SuiteContext {
  readonly options: BenchOptions;
  readonly progress: Progress;
}

/** A family of cases against one backend. Suites register in ../suites.ts. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  /** The case names `--only` may select. */
  readonly cases: readonly string[];
  /** Versions and facts worth printing with the results (e.g. the SQLite version). */
  environment(): Promise<Record<string, string>>;
  run(context: SuiteContext): Promise<CaseResult[]>;
}
