import { InvalidArgumentError } from '../../core/errors.js';
import { assertPositiveIntegers, takeUrlOptions } from '../../backend/url-options.js';

/** Options of the SQLite backend (no driver import: the core may refer to these types). */
export interface SqliteOptions {
  /**
   * `full` (default): an acknowledged append survives power loss (the WAL is synced at each commit).
   * `normal`: faster; an acknowledged append survives a crash of the process but may be lost on power loss.
   */
  readonly synchronous?: 'full' | 'normal';
  /** How long a write waits for another process's write lock before failing. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** How often live subscriptions look for commits by other processes (PRAGMA data_version). Default 25 ms. */
  readonly pollIntervalMs?: number;
  /** Apply pending schema migrations on open. Default true; false fails with ANNALS_MIGRATION_REQUIRED instead. */
  readonly migrate?: boolean;
  /** Open the file read-only (no migrations, no writes). Default false. */
  readonly readonly?: boolean;
  /**
   * Create the file when it does not exist. Default true; false fails with
   * ANNALS_STORE_OPEN_FAILED instead (what the CLI's reading commands use, so that a mistyped
   * path is reported, not made into an empty store).
   */
  readonly create?: boolean;
  /**
   * Commit appends that are requested while others are being written together, in one
   * transaction (one sync of the WAL), each in a savepoint of its own. Default true; false
   * commits every append in a transaction of its own.
   */
  readonly groupCommit?: boolean;
  /** The most appends (append or appendMany calls) one group commits. Default 64. */
  readonly groupMaxAppends?: number;
  /** A group takes no further append once it has held the write lock this long. Default 10 ms. */
  readonly groupMaxMs?: number;
}

/** How large a group of appends may grow, when appends are grouped. */
export interface GroupBounds {
  /** The most appends one group commits together (the `groupMaxAppends` option). */
  readonly maxAppends: number;
  /** After this long holding the write lock, in milliseconds, a group takes no further append (the `groupMaxMs` option). */
  readonly maxMs: number;
}

/** The options with their defaults, checked. */
export interface CheckedSqliteOptions {
  readonly synchronous: 'full' | 'normal';
  readonly busyTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly migrate: boolean;
  readonly readonly: boolean;
  readonly create: boolean;
  /** False when appends are not grouped. */
  readonly groupCommit: GroupBounds | false;
}

/** Options of a `sqlite:` URL's query; the core's `pageSize` too. A SQLite URL has nothing else, so any other is refused. */
const URL_OPTIONS = {
  synchronous: 'text',
  busyTimeoutMs: 'positive integer',
  pollIntervalMs: 'positive integer',
  pageSize: 'positive integer',
  maxEventBytes: 'positive integer',
  migrate: 'flag',
  readonly: 'flag',
  create: 'flag',
  groupCommit: 'flag',
  groupMaxAppends: 'positive integer',
  groupMaxMs: 'positive integer',
} as const;

/**
 * Splits a target (`./annals.db`, `//abs/path` from a `sqlite://` URL, or `:memory:`, with an
 * optional query, with or without the `sqlite:` scheme in front) into the path and the URL's
 * options.
 */
export function parseTarget(target: string): { path: string; fromUrl: Record<string, unknown> } {
  const withoutScheme = /^sqlite:/i.test(target) ? target.slice('sqlite:'.length) : target;
  const withoutSlashes = withoutScheme.startsWith('//') ? withoutScheme.slice(2) : withoutScheme;
  const mark = withoutSlashes.indexOf('?');
  const path = mark < 0 ? withoutSlashes : withoutSlashes.slice(0, mark);
  if (path.length === 0) throw new InvalidArgumentError('sqlite path', target, `a file path after 'sqlite:', e.g. sqlite:./annals.db`);
  const query = new URLSearchParams(mark < 0 ? '' : withoutSlashes.slice(mark + 1));
  return { path, fromUrl: takeUrlOptions('sqlite', query, URL_OPTIONS) };
}

/** Checks every option before the driver opens (and perhaps creates) the file. */
export function checkSqliteOptions(options: SqliteOptions & { readonly pageSize?: number }): CheckedSqliteOptions {
  const { synchronous } = options;
  if (synchronous !== undefined && synchronous !== 'full' && synchronous !== 'normal') {
    throw new InvalidArgumentError('synchronous', synchronous, `'full' or 'normal'`);
  }
  // The core checks pageSize too, but only once the file is open: a bad value must not create it.
  assertPositiveIntegers(options, ['busyTimeoutMs', 'pollIntervalMs', 'pageSize', 'groupMaxAppends', 'groupMaxMs']);
  for (const name of ['migrate', 'readonly', 'create', 'groupCommit'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean') throw new InvalidArgumentError(name, value, 'true or false');
  }
  return {
    synchronous: synchronous ?? 'full',
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    pollIntervalMs: options.pollIntervalMs ?? 25,
    migrate: options.migrate ?? true,
    readonly: options.readonly ?? false,
    create: options.create ?? true,
    groupCommit: options.groupCommit === false ? false : { maxAppends: options.groupMaxAppends ?? 64, maxMs: options.groupMaxMs ?? 10 },
  };
}
