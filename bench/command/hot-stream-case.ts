import path from 'node:path';
import { openStore } from '../../src/index.js';
import type { PostgresContext, PreparedCase } from './cases.js';
import { HOT_LOOPS, hotStreamRows } from './hot-stream-loops.js';
import type { CaseRow } from '../lib/verdict.js';

/** `hot-stream` on SQLite: no fixture; each setting writes a fresh file, a fresh stream per block. */
export async function prepareHotStreamCase(): Promise<PreparedCase> {
  return {
    fixture: `none (${HOT_LOOPS} loops write a fresh stream per block)`,
    measure: async ({ options, synchronous, dir, onProgress, note }) => {
      const store = await openStore(`sqlite:${path.join(dir, 'hot-stream.db')}`, { synchronous, pageSize: options.pageSize });
      try {
        return await hotStreamRows(store, `synchronous=${synchronous}`, options, onProgress, note);
      } finally {
        await store.close();
      }
    },
  };
}

/** `hot-stream` on PostgreSQL: one store with the default pool (10 connections), in a schema of the run's own. */
export async function hotStreamOnPostgres({ options, url, schema, onProgress, note }: PostgresContext): Promise<CaseRow[]> {
  const store = await openStore(url, { schema, pageSize: options.pageSize });
  try {
    return await hotStreamRows(store, 'on PostgreSQL', options, onProgress, note);
  } finally {
    await store.close();
  }
}
