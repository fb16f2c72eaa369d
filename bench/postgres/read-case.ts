import { openStore } from '../../src/index.js';
import { compare, timingOf } from '../lib/compare.js';
import { formatCount } from '../lib/format.js';
import { checkCount, readSide } from '../lib/sides.js';
import { makeEvents } from '../lib/workload.js';
import type { PostgresCaseContext, PostgresRow } from './cases.js';
import { RawPostgres } from './raw-postgres.js';

/** Events in the log that the readAll case reads (the "catch-up of 100k events"). */
export const READ_EVENTS = 100_000;

/**
 * readAll catch-up: a log of READ_EVENTS events written through Annals (appends of
 * `--batch-size`, round-robin over 100 streams) in a schema of its own, read in full by Annals
 * (`readAll({ pageSize })`) and by the raw baseline (a keyset-paged SELECT with the same page
 * size, each row decoded into the RecordedEvent shape), each through its own connection.
 */
export async function readAllCase({ options, url, schema, onProgress, note }: PostgresCaseContext): Promise<PostgresRow[]> {
  const readSchema = schema('read');
  const store = await openStore(url, { schema: readSchema });
  let raw: RawPostgres | undefined;
  try {
    let written = 0;
    for (let batch = 0; written < READ_EVENTS; batch++) {
      const size = Math.min(options.batchSize, READ_EVENTS - written);
      await store.append(`account-${batch % 100}`, makeEvents(size, batch));
      written += size;
      if (batch % 20 === 0) onProgress(0, `writing the log: ${formatCount(written)} events`);
    }
    note(`postgres · readAll log written through Annals: ${formatCount(written)} events`);
    raw = await RawPostgres.open(url, readSchema, false);
    await raw.client.query(`ANALYZE ${readSchema}.events`);
    const rawSide = raw;
    let sink = 0; // every event is looked at, on both sides
    const comparison = await compare({
      annals: readSide(() => store.readAll({ pageSize: options.pageSize }), READ_EVENTS, (position) => void (sink += position)),
      raw: {
        next: () => async () => checkCount('raw', await rawSide.readAll(options.pageSize, (event) => void (sink += event.position)), READ_EVENTS),
      },
      ...timingOf(options),
      onProgress,
    });
    if (sink <= 0) throw new Error('nothing was read');
    return [
      {
        name: 'read-all',
        label: `readAll ${READ_EVENTS / 1000}k`,
        description: `readAll of a ${formatCount(READ_EVENTS)}-event log, ${options.pageSize} events per page; raw: keyset-paged SELECT (position > $1 ORDER BY position LIMIT $2), same decoding`,
        target: { minRatio: 0.6, minEventsPerSecond: 80_000 },
        ...comparison,
      },
    ];
  } finally {
    await store.close();
    await raw?.close();
  }
}
