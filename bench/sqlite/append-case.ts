import Database from 'better-sqlite3';
import path from 'node:path';
import { openStore } from '../../src/index.js';
import { compare, timingOf, type Comparison } from '../lib/compare.js';
import { NewStreamAppends } from '../lib/sides.js';
import type { CaseContext } from './cases.js';
import { RawSqlite } from './raw-sqlite.js';

/** Appends of `size` events to new streams: Annals on one fresh file, the raw baseline on another. */
export async function appendCase({ options, synchronous, dir, onProgress }: CaseContext, size: number): Promise<Comparison> {
  const annalsPath = path.join(dir, 'annals.db');
  const rawPath = path.join(dir, 'raw.db');
  const store = await openStore(`sqlite:${annalsPath}`, { synchronous });
  const raw = await RawSqlite.open(rawPath, synchronous);
  const annals = new NewStreamAppends(size, (stream, events) => store.append(stream, events));
  const rawSide = new NewStreamAppends(size, (stream, events) => raw.append(stream, events, 0));
  let comparison: Comparison;
  try {
    comparison = await compare({ annals, raw: rawSide, ...timingOf(options), onProgress });
  } finally {
    await store.close();
    raw.close();
  }
  // Both sides must have written every event they were timed for.
  expectRows(annalsPath, annals.operations * size);
  expectRows(rawPath, rawSide.operations * size);
  return comparison;
}

function expectRows(file: string, expected: number): void {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare(`SELECT count(*) FROM annals_events`).pluck().get() as number;
    if (rows !== expected) throw new Error(`${path.basename(file)} holds ${rows} events, expected ${expected}`);
  } finally {
    db.close();
  }
}
