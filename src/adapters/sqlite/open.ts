import { InvalidArgumentError } from '../../core/errors.js';
import { assertCount } from '../../core/validate.js';
import { checkStoreOptions, EventStore, type EventStoreOptions } from '../../core/event-store.js';
import type { SqliteOptions } from './options.js';
import { SqliteAdapter } from './sqlite-adapter.js';

/**
 * Opens a SQLite event store. `target` is a file path (`./annals.db`, `//abs/path` from a
 * `sqlite://` URL, or `:memory:`), optionally followed by a query with options:
 * `?synchronous=normal&busyTimeoutMs=10000&pollIntervalMs=25&migrate=false&readonly=true`.
 * Options passed in code win over the URL's.
 */
export async function openSqliteStore(target: string, options: SqliteOptions & EventStoreOptions = {}): Promise<EventStore> {
  const [path, merged] = resolveTarget(target, options);
  return new EventStore(new SqliteAdapter(path, merged), merged);
}

/**
 * The adapter alone, opened from the same target and options as `openSqliteStore`
 * (for tools that need the connection's `settings`, and for wrapping in a custom EventStore).
 */
export function openSqliteAdapter(target: string, options: SqliteOptions = {}): SqliteAdapter {
  const [path, merged] = resolveTarget(target, options);
  return new SqliteAdapter(path, merged);
}

/** Every option is checked here, before the driver opens (and perhaps creates) the file. */
function resolveTarget<O extends SqliteOptions>(target: string, options: O): [string, SqliteOptions & EventStoreOptions & O] {
  const [path, query] = splitQuery(target);
  const merged = { ...parseQuery(query), ...options };
  checkOptions(merged);
  checkStoreOptions(merged);
  return [path, merged];
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
        options[key] = parseFlag(key, value);
        break;
      default:
        throw new InvalidArgumentError('sqlite URL option', key, 'one of synchronous, busyTimeoutMs, pollIntervalMs, pageSize, migrate, readonly');
    }
  }
  return options;
}

function parseFlag(key: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidArgumentError(`sqlite URL option ${key}`, value, `true, false, 1 or 0`);
}

function checkOptions(options: SqliteOptions & EventStoreOptions): void {
  const { synchronous, busyTimeoutMs, pollIntervalMs, pageSize } = options;
  // The core checks it too, but only once the file is open: a bad value must not create it.
  assertCount('pageSize', pageSize, 1);
  if (synchronous !== undefined && synchronous !== 'full' && synchronous !== 'normal') {
    throw new InvalidArgumentError('synchronous', synchronous, `'full' or 'normal'`);
  }
  for (const [name, value] of [['busyTimeoutMs', busyTimeoutMs], ['pollIntervalMs', pollIntervalMs]] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) throw new InvalidArgumentError(name, value, 'an integer >= 1 (milliseconds)');
  }
}
