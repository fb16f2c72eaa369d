import { formatCount, formatDuration, formatRatio } from './format.js';
import { spread } from './stats.js';
import type { CaseResult, Measurement, Target, Verdict } from './types.js';

export interface Judgement {
  readonly ratio: number;
  readonly verdict: Verdict;
  readonly failures: readonly string[];
}

/**
 * Compares Annals with the raw baseline and checks the case's target, when it has one. The ratio
 * is annals/raw events per second unless the case measured one of its own (e.g. a growth in p50).
 */
export function judge(annals: Measurement, raw: Measurement, target: Target | undefined, ratio = annals.eventsPerSecond / raw.eventsPerSecond): Judgement {
  if (!target) return { ratio, verdict: 'info', failures: [] };
  const failures: string[] = [];
  if (target.minRatio !== undefined && !(ratio >= target.minRatio)) {
    failures.push(`ratio ${formatRatio(ratio)} < ${formatRatio(target.minRatio)}`);
  }
  if (target.maxRatio !== undefined && !(ratio <= target.maxRatio)) {
    failures.push(`ratio ${formatRatio(ratio)} > ${formatRatio(target.maxRatio)}`);
  }
  if (target.minEventsPerSecond !== undefined && !(annals.eventsPerSecond >= target.minEventsPerSecond)) {
    failures.push(`${formatCount(annals.eventsPerSecond)} ev/s < ${formatCount(target.minEventsPerSecond)} ev/s`);
  }
  if (target.maxP99Ns !== undefined && !(annals.p99Ns <= target.maxP99Ns)) {
    failures.push(`p99 ${formatDuration(annals.p99Ns)} > ${formatDuration(target.maxP99Ns)}`);
  }
  return { ratio, verdict: failures.length === 0 ? 'PASS' : 'FAIL', failures };
}

/** A target in words, e.g. `≥ 0.70×, ≥ 150,000 ev/s`. */
export function describeTarget(target: Target | undefined): string {
  if (!target) return '—';
  const parts: string[] = [];
  if (target.minRatio !== undefined) parts.push(`≥ ${formatRatio(target.minRatio)}×`);
  if (target.maxRatio !== undefined) parts.push(`≤ ${formatRatio(target.maxRatio)}×`);
  if (target.minEventsPerSecond !== undefined) parts.push(`≥ ${formatCount(target.minEventsPerSecond)} ev/s`);
  if (target.maxP99Ns !== undefined) parts.push(`p99 ≤ ${formatDuration(target.maxP99Ns)}`);
  return parts.join(', ');
}

export type CaseRun = Omit<CaseResult, 'ratio' | 'pairRatio' | 'verdict' | 'failures'> & {
  readonly pairRatios: readonly number[];
  /** The case's own ratio, checked instead of annals/raw events per second. */
  readonly ratio?: number;
};

/** What a case measured, before the suite adds its name and setting. */
export type CaseRow = Omit<CaseRun, 'suite' | 'setting'>;

/** A case's result row, judged against its target, and the line that sums it up. */
export function caseResult({ pairRatios, ratio: own, ...run }: CaseRun): { result: CaseResult; summary: string } {
  const { ratio, verdict, failures } = judge(run.annals, run.raw, run.target, own);
  const summary =
    `annals ${formatCount(run.annals.eventsPerSecond)} ev/s, raw ${formatCount(run.raw.eventsPerSecond)} ev/s, ` +
    `ratio ${formatRatio(ratio)} ${verdict}${failures.length ? ` (${failures.join('; ')})` : ''}`;
  return { result: { ...run, ratio, pairRatio: spread(pairRatios), verdict, failures }, summary };
}
