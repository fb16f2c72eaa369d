import pg from 'pg';
import { openStore } from '../../src/index.js';
import { compare, timingOf, type Side } from '../lib/compare.js';
import { formatCount, formatDuration, formatShortCount } from '../lib/format.js';
import { now, since } from '../lib/timer.js';
import { makeEvents } from '../lib/workload.js';
import { GROWTH_LIMIT, type PostgresCaseContext, type PostgresRow } from './cases.js';
import { connect } from './connection.js';

/** Events per seeded stream. */
const SEED_STREAM_EVENTS = 10;

/**
 * Growth: Annals single-event appends to new streams on a store already holding N events
 * against the same appends on an empty store, block by block in the same run. The N events are
 * seeded straight into the events table (and the streams table), by INSERT … SELECT over
 * generate_series, then ANALYZE: the same rows an application would have left, in seconds.
 * The ratio checked is p50 on the empty store ÷ p50 with N stored (≥ 1/1.2 ⇔ the growth ≤ 1.2).
 */
export async function growthCase({ options, url, schema, growthEvents, onProgress, note }: PostgresCaseContext): Promise<PostgresRow[]> {
  const seededSchema = schema('growth_seeded');
  const seeded = await openStore(url, { schema: seededSchema });
  const empty = await openStore(url, { schema: schema('growth_empty') });
  try {
    onProgress(0, `seeding ${formatCount(growthEvents)} events`);
    const seconds = await seed(url, seededSchema, growthEvents);
    note(`postgres · growth: seeded ${formatCount(growthEvents)} events in ${seconds.toFixed(1)} s`);
    const side = (store: typeof seeded): Side => {
      let n = 0;
      return {
        next() {
          const stream = `fresh-${n}`;
          const events = makeEvents(1, n++);
          return async () => {
            await store.append(stream, events);
            return 1;
          };
        },
      };
    };
    const comparison = await compare({ annals: side(seeded), raw: side(empty), ...timingOf(options), onProgress });
    const growth = comparison.annals.p50Ns / comparison.raw.p50Ns;
    note(
      `postgres · growth: p50 ${formatDuration(comparison.annals.p50Ns)} with ${formatCount(growthEvents)} stored, ` +
        `${formatDuration(comparison.raw.p50Ns)} empty: ×${growth.toFixed(2)} (limit ${GROWTH_LIMIT})`,
    );
    return [
      {
        name: 'growth',
        label: `growth ${formatShortCount(growthEvents)} (p50 empty ÷ p50 ${formatShortCount(growthEvents)})`,
        description:
          `single-event appends to new streams; "annals" column: a store holding ${formatCount(growthEvents)} events, ` +
          `raw column: an empty store; ratio = p50 empty ÷ p50 with ${formatCount(growthEvents)} stored (target: growth ≤ ${GROWTH_LIMIT})`,
        target: { minRatio: 1 / GROWTH_LIMIT },
        ratio: 1 / growth,
        ...comparison,
      },
    ];
  } finally {
    await seeded.close();
    await empty.close();
  }
}

/**
 * Fills the events table with `events` rows (streams `seed-<k>` of SEED_STREAM_EVENTS events,
 * revisions 0…, positions 1…, the usual payload), the streams table to match, moves the
 * positions sequence past them and analyzes both tables. Returns the seconds it took.
 */
async function seed(url: string, schemaName: string, events: number): Promise<number> {
  const s = pg.escapeIdentifier(schemaName);
  const client = await connect(url, 'annals-bench-seed');
  const start = now();
  try {
    const [sample] = makeEvents(1, 0);
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query(
      `INSERT INTO ${s}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
       SELECT g, gen_random_uuid(), 'seed-' || ((g - 1) / ${SEED_STREAM_EVENTS}), 'seed', (g - 1) % ${SEED_STREAM_EVENTS},
              'MoneyDeposited', $2::json, $3::json, now()
         FROM generate_series(1, $1::int8) AS g`,
      [events, JSON.stringify(sample!.data), JSON.stringify(sample!.metadata)],
    );
    await client.query(
      `INSERT INTO ${s}.streams (stream, revision)
       SELECT 'seed-' || k, least(${SEED_STREAM_EVENTS}, $1::int8 - k * ${SEED_STREAM_EVENTS}) - 1
         FROM generate_series(0, ($1::int8 - 1) / ${SEED_STREAM_EVENTS}) AS k`,
      [events],
    );
    await client.query(`SELECT setval('${s}.positions', $1::int8)`, [events]);
    await client.query(`ANALYZE ${s}.events`);
    await client.query(`ANALYZE ${s}.streams`);
    return since(start) / 1e9;
  } finally {
    await client.end();
  }
}
