import { checkStoreOptions, EventStore, type EventStoreOptions } from '../../core/event-store.js';
import { connect } from './connection.js';
import { checkPostgresOptions, parseUrl, type PostgresOptions } from './options.js';
import { PostgresBackend } from './postgres-backend.js';

/** Options of `openPostgresStore` and `openPostgres`: the backend's and the EventStore's. */
export type PostgresStoreOptions = PostgresOptions & EventStoreOptions;

/**
 * Opens a PostgreSQL event store from a `postgres://` (or `postgresql://`) URL. Annals' own
 * options may be given in the URL's query (`?schema=orders&poolSize=20`) and are taken out
 * before the rest goes to the driver; options passed in code win over the URL's.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<EventStore> {
  const [backend, merged] = await open(url, options);
  return new EventStore(backend, merged);
}

/** The PostgreSQL backend alone, from the same URL and options: for an EventStore of one's own. */
export async function openPostgres(url: string, options: PostgresStoreOptions = {}): Promise<PostgresBackend> {
  return (await open(url, options))[0];
}

async function open(url: string, options: PostgresStoreOptions): Promise<[PostgresBackend, PostgresStoreOptions]> {
  const { connectionString, fromUrl } = parseUrl(url);
  const merged = { ...fromUrl, ...options };
  // Every option is checked before anything connects.
  const checked = checkPostgresOptions(merged);
  checkStoreOptions(merged);
  const { pool, schema, durability, location, standby } = await connect(connectionString, checked);
  return [new PostgresBackend(pool, checked.schema, schema, durability, checked.pollIntervalMs, { location, standby }, checked.inlineIdleTimeoutMs), merged];
}
