import { connect } from './connection.js';
import { checkPostgresOptions, parseUrl, type PostgresOptions } from './options.js';
import { PostgresReadModels } from './postgres-read-models.js';

/**
 * Read models in a PostgreSQL database of their own (another server, database or schema than
 * the event store's), from a `postgres://` URL and the backend's options (`schema`, `poolSize`,
 * `migrate`…, in code or in the URL's query). The store owns its pool and closes it on close.
 * It migrates its schema like a store does (one version track per schema), so it may also be
 * the event store's own schema; a schema of its own then holds the log's tables too, unused.
 * On a standby (a read replica of that database), it checks the schema instead of migrating
 * it, answers queries, and refuses every write with ANNALS_STANDBY (docs/postgres.md).
 */
export async function openPostgresReadModels(url: string, options: PostgresOptions = {}): Promise<PostgresReadModels> {
  const { connectionString, fromUrl } = parseUrl(url);
  const checked = checkPostgresOptions({ ...fromUrl, ...options });
  const { pool, location, standby } = await connect(connectionString, checked);
  return new PostgresReadModels(pool, checked.schema, checked.pollIntervalMs, true, standby ? location : undefined);
}
