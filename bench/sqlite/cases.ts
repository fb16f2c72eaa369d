import type { Comparison } from '../lib/compare.js';
import { formatCount, formatShortCount } from '../lib/format.js';
import type { BenchOptions, Target } from '../lib/types.js';
import type { CaseRow } from '../lib/verdict.js';
import { appendCase } from './append-case.js';
import { concurrentCase } from './concurrent-case.js';
import type { Synchronous } from './raw-sqlite.js';
import { readCase } from './read-case.js';
import type { ReadFixture } from './read-fixture.js';

export interface CaseContext {
  readonly options: BenchOptions;
  readonly synchronous: Synchronous;
  /** A fresh directory for this case's files. */
  readonly dir: string;
  readonly fixture: ReadFixture | undefined;
  readonly onProgress: (fraction: number, status: string) => void;
}

/** A case that compares Annals with the raw baseline: one row. */
export interface SqliteCase {
  readonly name: string;
  readonly reads: boolean;
  readonly target: Target | undefined;
  label(options: BenchOptions): string;
  description(options: BenchOptions): string;
  run(context: CaseContext): Promise<Comparison>;
}

/** A case that measures several variants in one run and reports a row for each comparison. */
export interface SqliteMultiCase {
  readonly name: string;
  readonly reads: false;
  label(options: BenchOptions): string;
  rows(context: CaseContext): Promise<CaseRow[]>;
}

const APPEND_TARGET: Target = { minRatio: 0.8 };

export const SQLITE_CASES: readonly (SqliteCase | SqliteMultiCase)[] = [
  {
    name: 'append-single',
    reads: false,
    target: APPEND_TARGET,
    label: () => 'append ×1',
    description: () => 'single-event appends, each to a new stream, one transaction each',
    run: (context) => appendCase(context, 1),
  },
  {
    name: 'append-batch',
    reads: false,
    target: APPEND_TARGET,
    label: (o) => `append ×${o.batchSize}`,
    description: (o) => `${o.batchSize}-event appends, each to a new stream, one transaction each`,
    run: (context) => appendCase(context, context.options.batchSize),
  },
  {
    name: 'append-lone',
    reads: false,
    label: () => 'append ×1, one appender: group commit on vs off vs raw',
    rows: (context) => concurrentCase(context, 1),
  },
  {
    name: 'append-concurrent-8',
    reads: false,
    label: () => 'append ×1, 8 appenders: group commit on vs off vs raw',
    rows: (context) => concurrentCase(context, 8),
  },
  {
    name: 'append-concurrent-32',
    reads: false,
    label: () => 'append ×1, 32 appenders: group commit on vs off vs raw',
    rows: (context) => concurrentCase(context, 32),
  },
  {
    name: 'read-stream',
    reads: true,
    target: undefined,
    label: (o) => `readStream ${formatShortCount(o.streamEvents)}`,
    description: (o) => `readStream of a ${formatCount(o.streamEvents)}-event stream, ${o.pageSize} events per page`,
    run: (context) =>
      readCase(context, {
        annals: (store, fixture, pageSize) => store.readStream(fixture.stream, { pageSize }),
        raw: (raw, fixture, pageSize, consume) => raw.readStream(fixture.stream, pageSize, consume),
        expected: (fixture) => fixture.streamEvents,
      }),
  },
  {
    name: 'read-all',
    reads: true,
    target: { minRatio: 0.7, minEventsPerSecond: 150_000 },
    label: (o) => `readAll ${formatShortCount(o.events)}`,
    description: (o) => `readAll of a ${formatCount(o.events)}-event log, ${o.pageSize} events per page`,
    run: (context) =>
      readCase(context, {
        annals: (store, _fixture, pageSize) => store.readAll({ pageSize }),
        raw: (raw, _fixture, pageSize, consume) => raw.readAll(pageSize, consume),
        expected: (fixture) => fixture.events,
      }),
  },
];
