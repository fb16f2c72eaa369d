import type { Measurement } from './types.js';

/**
 * The p-th percentile (0 < p ≤ 100) of sorted samples, nearest-rank method: the smallest
 * sample with at least p% of the samples at or below it.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Events per second for `events` done in `ns` nanoseconds. */
export function perSecond(events: number, ns: number): number {
  return ns > 0 ? (events * 1e9) / ns : Number.NaN;
}

/**
 * Sums up work done by callers that overlap: `events` over the wall time `wallNs` (their
 * durations do not add up), with the percentiles of the single calls' `latencies`.
 */
export function overlappingMeasurement(latencies: readonly number[], events: number, wallNs: number): Measurement {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    operations: latencies.length,
    events,
    totalNs: wallNs,
    eventsPerSecond: (events * 1e9) / wallNs,
    p50Ns: percentile(sorted, 50),
    p99Ns: percentile(sorted, 99),
  };
}

/** Sums up one side's samples: each operation's duration and the events it handled. */
export function summarize(durationsNs: readonly number[], events: number): Measurement {
  const sorted = [...durationsNs].sort((a, b) => a - b);
  const totalNs = durationsNs.reduce((sum, d) => sum + d, 0);
  return {
    operations: durationsNs.length,
    events,
    totalNs,
    eventsPerSecond: perSecond(events, totalNs),
    p50Ns: percentile(sorted, 50),
    p99Ns: percentile(sorted, 99),
  };
}

/** The 10th, 50th and 90th percentiles of `values`. */
export function spread(values: readonly number[]): { p10: number; p50: number; p90: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p10: percentile(sorted, 10), p50: percentile(sorted, 50), p90: percentile(sorted, 90) };
}
