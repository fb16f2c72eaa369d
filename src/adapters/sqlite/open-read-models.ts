import type { ReadModelStore } from '../../readmodel/read-model-store.js';
import { DataVersionPoller } from './commit-signal.js';
import { connect } from './connection.js';
import { checkSqliteOptions, parseTarget, type SqliteOptions } from './options.js';
import { SqliteReadModels } from './sqlite-read-models.js';

/** Options of `openSqliteReadModels`: the SQLite backend's that concern a connection (no appends, so no grouping). */
export type SqliteReadModelOptions = Pick<SqliteOptions, 'synchronous' | 'busyTimeoutMs' | 'pollIntervalMs' | 'migrate' | 'readonly' | 'create'>;

/**
 * Opens read models in a SQLite file of their own (or the event store's file, through a second
 * connection): a ReadModelStore that owns its connection, which `close()` closes. `target` is
 * written as for `openSqliteStore` (`./views.db`, `sqlite:./views.db?busyTimeoutMs=10000`,
 * `:memory:`); the file gets the same schema (and migrations) as an event store's, so one file
 * may hold both. Projections that write here cannot run inline with appends to another file.
 */
export async function openSqliteReadModels(target: string, options: SqliteReadModelOptions = {}): Promise<ReadModelStore> {
  const { path, fromUrl } = parseTarget(target);
  const checked = checkSqliteOptions({ ...fromUrl, ...options });
  const { connection } = connect(path, checked);
  const signal = new DataVersionPoller(connection, checked.pollIntervalMs);
  return new SqliteReadModels(connection, signal, () => {
    signal.close();
    connection.close();
  });
}
