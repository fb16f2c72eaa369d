import { InvalidArgumentError } from '../../core/errors.js';
import { checkStoreOptions, EventStore, type EventStoreOptions } from '../../core/event-store.js';
import type { PostgresOptions } from './options.js';
import { PostgresAdapter } from './postgres-adapter.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const NUMERIC_OPTIONS = ['poolSize', 'statementTimeoutMs', 'connectionTimeoutMs', 'pollIntervalMs', 'pageSize'] as const;

export type PostgresStoreOptions = PostgresOptions & EventStoreOptions & { readonly migrate?: boolean };

/**
 * Opens a PostgreSQL event store from a `postgres://` (or `postgresql://`) URL. Annals' own
 * options may be given in the URL's query (`?schema=orders&poolSize=20`) and are taken out
 * before the rest goes to the driver; options passed in code win over the URL's.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<EventStore> {
  const { connectionString, fromUrl } = splitOptions(url);
  const merged = { ...fromUrl, ...options };
  checkOptions(merged);
  checkStoreOptions(merged);
  const adapter = await PostgresAdapter.open(connectionString, merged);
  return new EventStore(adapter, merged);
}

function splitOptions(url: string): { connectionString: string; fromUrl: PostgresStoreOptions } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError('postgres URL', url, 'postgres://user@host:port/database');
  }
  const fromUrl: Record<string, unknown> = {};
  for (const key of ['schema', 'migrate', ...NUMERIC_OPTIONS]) {
    const value = parsed.searchParams.get(key);
    if (value === null) continue;
    parsed.searchParams.delete(key);
    fromUrl[key] = key === 'schema' ? value : key === 'migrate' ? value === 'true' || value === '1' : Number(value);
  }
  return { connectionString: parsed.toString(), fromUrl };
}

function checkOptions(options: PostgresStoreOptions): void {
  // pg_ names are reserved by PostgreSQL: CREATE SCHEMA would refuse them only once connected.
  if (options.schema !== undefined && (!SCHEMA_NAME.test(options.schema) || options.schema.startsWith('pg_'))) {
    throw new InvalidArgumentError('schema', options.schema, 'a lower-case identifier: letters, digits and _, at most 63 characters, not starting with pg_');
  }
  for (const name of NUMERIC_OPTIONS) {
    const value = options[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) throw new InvalidArgumentError(name, value, 'an integer >= 1');
  }
}
