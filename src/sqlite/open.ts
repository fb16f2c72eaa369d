import { InvalidArgumentError } from '../events/errors.js';
import { EventStore, type EventStoreOptions } from '../store/event-store.js';
import type { SqliteOptions } from './options.js';
import { SqliteAdapter } from './sqlite-adapter.js';

/**
 * Opens a SQLite event store. `target` is a file path (`./annals.db`, `//abs/path` from a
 * `sqlite://` URL, or `:memory:`), optionally followed by a query with options:
 * `?synchronous=normal&busyTimeoutMs=10000&pollIntervalMs=25&migrate=false&readonly=true`.
 * Options passed in code win over the URL's.
 */
export async function openSqliteStore(target: string, options: SqliteOptions & EventStoreOptions = {}): Promise<EventStore> {
  const [path, query] = splitQuery(target);
  const fromUrl = parseQuery(query);
  const merged = { ...fromUrl, ...options };
  checkOptions(merged);
  const adapter = new SqliteAdapter(path, merged);
  return new EventStore(adapter, merged);
}

function splitQuery(target: string): [string, string] {
  const withoutSlashes = target.startsWith('//') ? target.slice(2) : target;
  const mark = withoutSlashes.indexOf('?');
  const path = mark < 0 ? withoutSlashes : withoutSlashes.slice(0, mark);
  if (path.length === 0) throw new InvalidArgumentError('sqlite path', target, `a file path after 'sqlite:', e.g. sqlite:./annals.db`);
  return [path, mark < 0 ? '' : withoutSlashes.slice(mark + 1)];
}

function parseQuery(query: string): SqliteOptions & EventStoreOptions {
  const options: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    switch (key) {
      case 'synchronous':
        options[key] = value;
        break;
      case 'busyTimeoutMs':
      case 'pollIntervalMs':
      case 'pageSize':
        options[key] = Number(value);
        break;
      case 'migrate':
      case 'readonly':
        options[key] = value === 'true' || value === '1';
        break;
      default:
        throw new InvalidArgumentError('sqlite URL option', key, 'one of synchronous, busyTimeoutMs, pollIntervalMs, pageSize, migrate, readonly');
    }
  }
  return options;
}

function checkOptions(options: SqliteOptions & EventStoreOptions): void {
  const { synchronous, busyTimeoutMs, pollIntervalMs } = options;
  if (synchronous !== undefined && synchronous !== 'full' && synchronous !== 'normal') {
    throw new InvalidArgumentError('synchronous', synchronous, `'full' or 'normal'`);
  }
  for (const [name, value] of [['busyTimeoutMs', busyTimeoutMs], ['pollIntervalMs', pollIntervalMs]] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) throw new InvalidArgumentError(name, value, 'an integer >= 1 (milliseconds)');
  }
}
