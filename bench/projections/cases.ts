import type { EventStore } from '../../src/index.js';
import type { BenchOptions } from '../lib/types.js';
import type { CaseRow } from '../lib/verdict.js';
import { catchUpCase } from './catch-up-case.js';
import { idleCpuCase } from './idle-cpu-case.js';
import { inlineCase } from './inline-case.js';
import { liveLatencyCase } from './live-latency-case.js';
import type { RawDriver } from './raw-driver.js';
import { readModelCase } from './read-model-case.js';
import { peakRssCase } from './rss-case.js';

export type BackendName = 'sqlite' | 'postgres';

/** A database of a case's own: an Annals store on it, and raw connections to the same database. */
export interface CaseDatabase {
  readonly store: EventStore;
  /** A new raw connection to the same database (closed with the case). */
  raw(): Promise<RawDriver>;
  /** The SQLite file (for a child process); undefined on PostgreSQL. */
  readonly file: string | undefined;
}

/** Where a case runs: SQLite (a file per database) or PostgreSQL (a schema per database). */
export interface Backend {
  readonly name: BackendName;
  /** What it runs under, e.g. `sqlite synchronous=full`. */
  readonly setting: string;
  /** Opens a new database named `part` for the case; the suite closes and removes it after the case. */
  open(part: string): Promise<CaseDatabase>;
}

export interface ProjectionsContext {
  readonly options: BenchOptions;
  readonly backend: Backend;
  readonly onProgress: (fraction: number, status: string) => void;
  readonly note: (line: string) => void;
}

export interface ProjectionsCase {
  /** As `--only` selects it. */
  readonly name: string;
  readonly backends: readonly BackendName[];
  run(context: ProjectionsContext): Promise<CaseRow[]>;
}

/** Events of the catch-up cases' log, unless `--events` is given. */
const DEFAULT_CATCH_UP_EVENTS = 20_000;

/** The log the catch-up cases project: `--events` when given on the command line, else 20,000. */
export function catchUpEvents(options: BenchOptions): number {
  const given = process.argv.some((arg) => arg === '--events' || arg.startsWith('--events='));
  return given ? options.events : DEFAULT_CATCH_UP_EVENTS;
}

export const PROJECTIONS_CASES: readonly ProjectionsCase[] = [
  catchUpCase('counting'),
  catchUpCase('entries'),
  inlineCase,
  liveLatencyCase,
  idleCpuCase,
  readModelCase,
  peakRssCase,
];
