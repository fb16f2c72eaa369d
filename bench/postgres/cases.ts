import type { BenchOptions } from '../lib/types.js';
import type { CaseRow } from '../lib/verdict.js';
import { appendCase } from './append-case.js';
import { concurrentCase } from './concurrent-case.js';
import { growthCase } from './growth-case.js';
import { readAllCase } from './read-case.js';

export interface PostgresCaseContext {
  readonly options: BenchOptions;
  readonly url: string;
  /** Makes a schema name of this run's own; the suite drops every one it made. */
  readonly schema: (part: string) => string;
  /** Events stored before the growth case measures (`--events` when given, else 1,000,000). */
  readonly growthEvents: number;
  readonly onProgress: (fraction: number, status: string) => void;
  readonly note: (line: string) => void;
}

/** One row of the report. `ratio`, when set, replaces annals/raw events/s as what the target checks. */
export type PostgresRow = CaseRow;

export interface PostgresCase {
  readonly name: string;
  run(context: PostgresCaseContext): Promise<PostgresRow[]>;
}

/** Growth: p50 with N events stored ÷ p50 on an empty store ≤ 1.2, i.e. empty ÷ stored ≥ 1/1.2. */
export const GROWTH_LIMIT = 1.2;

export const POSTGRES_CASES: readonly PostgresCase[] = [
  {
    name: 'append-single',
    run: async (context) => [
      {
        name: 'append-single',
        label: 'append ×1',
        description: 'single-event appends, each to a new stream, one client; raw: one autocommitted single-row INSERT',
        target: { minRatio: 0.8 },
        ...(await appendCase(context, 1)),
      },
    ],
  },
  {
    name: 'append-batch',
    run: async (context) => [
      {
        name: 'append-batch',
        label: `append ×${context.options.batchSize}`,
        description: `${context.options.batchSize}-event appends, each to a new stream, one client; raw: one autocommitted unnest INSERT of ${context.options.batchSize} rows`,
        target: { minRatio: 0.9 },
        ...(await appendCase(context, context.options.batchSize)),
      },
    ],
  },
  { name: 'append-concurrent', run: concurrentCase },
  { name: 'read-all', run: readAllCase },
  { name: 'growth', run: growthCase },
];
