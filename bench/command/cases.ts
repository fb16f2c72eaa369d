import type { BenchOptions } from '../lib/types.js';
import type { CaseRow } from '../lib/verdict.js';
import type { Synchronous } from '../sqlite/raw-sqlite.js';
import { prepareCommandCase } from './command-case.js';
import { hotStreamOnPostgres, prepareHotStreamCase } from './hot-stream-case.js';
import { prepareLoadCase } from './load-case.js';

export interface PrepareContext {
  readonly options: BenchOptions;
  /** The directory of the case's fixture, kept until the suite ends. */
  readonly dir: string;
  readonly onProgress: (fraction: number, status: string) => void;
}

export interface MeasureContext {
  readonly options: BenchOptions;
  readonly synchronous: Synchronous;
  /** A fresh directory for this measurement's files. */
  readonly dir: string;
  readonly onProgress: (fraction: number, status: string) => void;
  readonly note: (line: string) => void;
}

/** A case whose fixture is written: `measure` runs once per `synchronous` setting. */
export interface PreparedCase {
  /** What the fixture holds, in words. */
  readonly fixture: string;
  measure(context: MeasureContext): Promise<CaseRow[]>;
}

export interface PostgresContext {
  readonly options: BenchOptions;
  readonly url: string;
  /** A schema of the run's own; the suite drops it when the case ends. */
  readonly schema: string;
  readonly onProgress: (fraction: number, status: string) => void;
  readonly note: (line: string) => void;
}

export interface CommandCase {
  readonly name: string;
  prepare(context: PrepareContext): Promise<PreparedCase>;
  /** Measured once more on PostgreSQL (when it answers), after every SQLite setting. */
  readonly postgres?: (context: PostgresContext) => Promise<CaseRow[]>;
}

export const COMMAND_CASES: readonly CommandCase[] = [
  { name: 'command-10k', prepare: prepareCommandCase },
  { name: 'snapshot-load', prepare: prepareLoadCase },
  { name: 'hot-stream', prepare: prepareHotStreamCase, postgres: hotStreamOnPostgres },
];
