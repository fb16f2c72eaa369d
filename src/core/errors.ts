import type { ExpectedRevision } from './types.js';

/** Every code an AnnalsError can carry: stable across releases, each listed in docs/errors.md. */
export const ERROR_CODES = [
  'ANNALS_WRONG_EXPECTED_REVISION',
  'ANNALS_DUPLICATE_EVENT_ID',
  'ANNALS_INVALID_STREAM_NAME',
  'ANNALS_INVALID_EVENT',
  'ANNALS_EVENT_UNDECODABLE',
  'ANNALS_INVALID_ARGUMENT',
  'ANNALS_UNSUPPORTED_STORE_URL',
  'ANNALS_STORE_CLOSED',
  'ANNALS_STREAM_DELETED',
  'ANNALS_STREAM_NOT_FOUND',
  'ANNALS_EVENT_NOT_FOUND',
  'ANNALS_NOT_SUPPORTED',
  'ANNALS_STORE_UNAVAILABLE',
  'ANNALS_STORE_READ_ONLY',
  'ANNALS_SCHEMA_VERSION',
  'ANNALS_MIGRATION_REQUIRED',
  'ANNALS_DRIVER_MISSING',
  'ANNALS_STORE_OPEN_FAILED',
  'ANNALS_EVENT_TOO_LARGE',
  'ANNALS_COMMAND_QUEUE_FULL',
] as const;

/**
 * The code of an Annals error. Tables keyed by it (the CLI's exit codes, the server's HTTP
 * statuses) are written `satisfies Record<AnnalsErrorCode, …>`, so a new code cannot be left out.
 */
export type AnnalsErrorCode = (typeof ERROR_CODES)[number];

/**
 * The base of every error Annals throws on purpose. `code` is stable across releases
 * (docs/errors.md lists them); `hint` says what to do; the other fields carry the facts.
 */
export abstract class AnnalsError extends Error {
  abstract readonly code: AnnalsErrorCode;
  /** True when the same call may succeed if tried again unchanged. */
  readonly retryable: boolean = false;

  constructor(
    readonly problem: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(`${problem} ${hint}`, options);
    this.name = new.target.name;
  }

  /** The facts as plain data, for JSON output (CLI, HTTP). */
  toJSON(): Record<string, unknown> {
    const facts: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'problem' && key !== 'hint' && key !== 'cause') facts[key] = value;
    }
    return { name: this.name, code: this.code, message: this.problem, hint: this.hint, ...facts };
  }
}

export function describeExpected(expected: ExpectedRevision): string {
  return typeof expected === 'number' ? `revision ${expected}` : `'${expected}'`;
}

export class WrongExpectedRevisionError extends AnnalsError {
  readonly code = 'ANNALS_WRONG_EXPECTED_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's current revision, or -1 when it has no events. */
    readonly actual: number,
  ) {
    super(
      `Stream "${stream}" is ${actual < 0 ? 'empty (no events)' : `at revision ${actual}`}, expected ${describeExpected(expected)}; nothing was written.`,
      `Reload the stream and decide again; where order does not matter, give no expected revision (it defaults to 'any').`,
    );
  }
}

export class DuplicateEventIdError extends AnnalsError {
  readonly code = 'ANNALS_DUPLICATE_EVENT_ID';
  constructor(
    readonly eventId: string,
    /** The stream the call tried to append to. */
    readonly stream: string,
    /** Where the id is already recorded, when it is (absent for a duplicate within one call). */
    readonly existing?: { readonly stream: string; readonly revision: number; readonly position: number },
  ) {
    super(
      existing
        ? `Event id ${eventId} is already recorded in "${existing.stream}" at revision ${existing.revision}; nothing was written.`
        : `Event id ${eventId} appears more than once in one append to "${stream}"; nothing was written.`,
      `Give every new event a fresh id (or leave it out to have one generated). ` +
        `A retry is only idempotent when it repeats the same ids, in the same order, at the same place in the same stream.`,
    );
  }
}

export class InvalidStreamNameError extends AnnalsError {
  readonly code = 'ANNALS_INVALID_STREAM_NAME';
  constructor(
    readonly stream: unknown,
    readonly reason: string,
  ) {
    super(
      `Invalid stream name ${JSON.stringify(stream) ?? String(stream)}: ${reason}.`,
      `Use a string of 1 to 200 characters without control characters, white space at either end, or a leading '-', e.g. "account-42".`,
    );
  }
}

export class InvalidEventError extends AnnalsError {
  readonly code = 'ANNALS_INVALID_EVENT';
  constructor(
    /** Index of the offending event in the call. */
    readonly index: number,
    /** The part of the event that is wrong, e.g. `type`, `data.items[2]`, `metadata`. */
    readonly field: string,
    readonly reason: string,
    readonly stream?: string,
    /** When the event's type has a schema (defineEvents) that refused it: every issue it found. */
    readonly issues?: readonly { readonly field: string; readonly message: string }[],
  ) {
    super(
      `Event #${index}${stream === undefined ? '' : ` for "${stream}"`} is invalid at ${field}: ${reason}` +
        `${issues && issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : ''}; nothing was written.`,
      issues
        ? `Make the event's data match the schema registered for its type (the issues list every mismatch).`
        : `Events are { type: string, data?: JSON value, metadata?: JSON object, id?: UUID }; ` +
            `convert dates to ISO strings, BigInts to strings, and drop functions and cycles.`,
    );
  }
}

/** An event whose data and metadata are larger than the store takes. */
export class EventTooLargeError extends AnnalsError {
  readonly code = 'ANNALS_EVENT_TOO_LARGE';
  constructor(
    /** Index of the offending event in the call. */
    readonly index: number,
    readonly stream: string,
    /** Its data and metadata as JSON, in UTF-8 bytes. */
    readonly bytes: number,
    /** The store's maxEventBytes. */
    readonly limit: number,
  ) {
    super(
      `Event #${index} for "${stream}" is ${bytes} bytes of data and metadata, more than the store's limit of ${limit}; nothing was written.`,
      `Keep large content elsewhere (a file or blob store) and put a reference in the event, or open the store with a larger maxEventBytes.`,
    );
  }
}

/** A stored event that today's schemas and upcasters cannot turn into its type's current shape. */
export class EventDecodeError extends AnnalsError {
  readonly code = 'ANNALS_EVENT_UNDECODABLE';
  constructor(
    readonly eventId: string,
    readonly stream: string,
    readonly revision: number,
    readonly position: number,
    readonly type: string,
    /** The version the event was stored with (its metadata.schemaVersion; 1 when absent). */
    readonly version: unknown,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Event ${eventId} (${type}, "${stream}" revision ${revision}, position ${position}) cannot be read in its current shape: ${reason}.`,
      `Register an upcaster for every older version of the type, and run 'annals check-events' to find every such event.`,
      options,
    );
  }
}

export class InvalidArgumentError extends AnnalsError {
  readonly code = 'ANNALS_INVALID_ARGUMENT';
  constructor(
    readonly argument: string,
    readonly value: unknown,
    readonly expectation: string,
  ) {
    super(`Invalid ${argument}: ${safeDescribe(value)}.`, `Expected ${expectation}.`);
  }
}

export class UnsupportedStoreUrlError extends AnnalsError {
  readonly code = 'ANNALS_UNSUPPORTED_STORE_URL';
  constructor(
    readonly url: string,
    readonly supported: readonly string[],
  ) {
    super(
      `Cannot open a store from ${JSON.stringify(url)}.`,
      `Use one of: ${supported.join(', ')} (for example 'sqlite:./annals.db' or 'memory:').`,
    );
  }
}

export class StoreClosedError extends AnnalsError {
  readonly code = 'ANNALS_STORE_CLOSED';
  constructor(readonly operation: string) {
    super(`Cannot ${operation}: the store is closed.`, `Open a new store with openStore(url).`);
  }
}

export class StreamDeletedError extends AnnalsError {
  readonly code = 'ANNALS_STREAM_DELETED';
  constructor(readonly stream: string) {
    super(
      `Stream "${stream}" was hard-deleted and can never be written again; nothing was written.`,
      `Use another stream name. (A soft delete would have allowed the stream to be recreated.)`,
    );
  }
}

export class StreamNotFoundError extends AnnalsError {
  readonly code = 'ANNALS_STREAM_NOT_FOUND';
  constructor(
    readonly stream: string,
    readonly operation: string,
  ) {
    super(`Cannot ${operation}: stream "${stream}" has no events.`, `Check the stream name with streamInfo(stream).`);
  }
}

export class EventNotFoundError extends AnnalsError {
  readonly code = 'ANNALS_EVENT_NOT_FOUND';
  constructor(readonly eventId: string) {
    super(
      `No event with id ${eventId} is recorded.`,
      `Check the id (a UUID). Events of deleted or truncated streams are removed and cannot be read.`,
    );
  }
}

export class NotSupportedError extends AnnalsError {
  readonly code = 'ANNALS_NOT_SUPPORTED';
  constructor(
    readonly feature: string,
    readonly adapter: string,
  ) {
    super(
      `The ${adapter} store does not support ${feature}.`,
      `Check store.capabilities (for a variant of append, delete or truncate) or store.provides(part) (for a part such as snapshots) before calling it, or use another store.`,
    );
  }
}

export class StoreUnavailableError extends AnnalsError {
  readonly code = 'ANNALS_STORE_UNAVAILABLE';
  override readonly retryable = true;
  constructor(
    readonly adapter: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The ${adapter} store is unavailable: ${reason}.`,
      `Retry the call: an append retried with the same event ids is idempotent.`,
      options,
    );
  }
}

export class ReadOnlyStoreError extends AnnalsError {
  readonly code = 'ANNALS_STORE_READ_ONLY';
  constructor(
    readonly operation: string,
    readonly location: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot ${operation}: the store at ${location} is read-only; nothing was written.`,
      `Open it without { readonly: true } (or ?readonly=true in its URL) to write, and check that this process may write the file and its directory.`,
      options,
    );
  }
}

export class SchemaVersionError extends AnnalsError {
  readonly code = 'ANNALS_SCHEMA_VERSION';
  constructor(
    readonly location: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `The store at ${location} has schema version ${found}, newer than this version of Annals supports (${supported}).`,
      `Upgrade Annals to a version that knows schema ${found}.`,
    );
  }
}

export class MigrationRequiredError extends AnnalsError {
  readonly code = 'ANNALS_MIGRATION_REQUIRED';
  constructor(
    readonly location: string,
    readonly found: number,
    readonly required: number,
  ) {
    super(
      `The store at ${location} has schema version ${found}; this version of Annals needs ${required}.`,
      `Run 'annals migrate --store <url>', or open the store with { migrate: true }.`,
    );
  }
}

export class DriverMissingError extends AnnalsError {
  readonly code = 'ANNALS_DRIVER_MISSING';
  constructor(
    readonly adapter: string,
    readonly driver: string,
    options?: { cause?: unknown },
  ) {
    super(`The ${adapter} store needs the '${driver}' package, which is not installed.`, `Run 'npm install ${driver}'.`, options);
  }
}

/**
 * A command refused on arrival because as many commands as its queue allows already wait for
 * their turn on its stream, in this store object (handleCommand's per-stream queue). It was not
 * handled: nothing was read or written.
 */
export class CommandQueueFullError extends AnnalsError {
  readonly code = 'ANNALS_COMMAND_QUEUE_FULL';
  override readonly retryable = true;
  constructor(
    readonly stream: string,
    /** Commands waiting behind the one being handled when this one arrived. */
    readonly waiting: number,
    /** The queue's bound this command was given (`queue.maxWaiting`). */
    readonly maxWaiting: number,
  ) {
    super(
      `A command on stream "${stream}" is being handled through this store and ${waiting} more wait for their turn ` +
        `(at most ${maxWaiting} may wait); this one was refused, and nothing was written.`,
      `Send it again later (with a commandId, sending again is safe), spread the commands over more streams, or raise queue.maxWaiting.`,
    );
  }
}

/** Why a store could not be opened: each has its own message and hint. */
export type OpenFailure =
  | 'directory missing'
  | 'file missing'
  | 'not a file'
  | 'not a database'
  | 'not accessible'
  | 'database missing'
  | 'authentication failed'
  | 'connection refused'
  | 'host unknown'
  | 'timed out';

/** What the message says of where the store is: a path, or a server and database. */
export interface OpenTarget {
  /** A path (SQLite), or `host:port` (a server). */
  readonly location: string;
  readonly database?: string;
  readonly user?: string;
}

/** Failures that may clear up by themselves (a server starting, a network coming back). */
const TRANSIENT_OPEN_FAILURES: ReadonlySet<OpenFailure> = new Set(['connection refused', 'timed out']);

/**
 * A store that cannot be opened, for a reason the caller can fix (a path, a database name, a
 * password, a server that is not running): the reason is `failure`, and the hint says what
 * to change. Nothing was created or written.
 */
export class StoreOpenError extends AnnalsError {
  readonly code = 'ANNALS_STORE_OPEN_FAILED';
  override readonly retryable: boolean;
  readonly location: string;
  readonly database: string | undefined;
  readonly user: string | undefined;

  constructor(
    readonly adapter: string,
    readonly failure: OpenFailure,
    target: OpenTarget,
    /** The database's or the system's own words, when it gave some. */
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    const [problem, hint] = describeOpenFailure(adapter, failure, target, detail);
    super(problem, hint, options);
    this.retryable = TRANSIENT_OPEN_FAILURES.has(failure);
    this.location = target.location;
    this.database = target.database;
    this.user = target.user;
  }
}

function describeOpenFailure(adapter: string, failure: OpenFailure, target: OpenTarget, detail: string | undefined): [string, string] {
  const { location, database, user } = target;
  const server = `${adapter === 'postgres' ? 'PostgreSQL' : adapter} at ${location}`;
  switch (failure) {
    case 'directory missing':
      return [`Cannot open the store at ${location}: its directory does not exist.`, `Check the path (a relative one starts from ${process.cwd()}), or create the directory first.`];
    case 'file missing':
      return [`No store exists at ${location}.`, `Check the path. A store is created when it is first opened for writing (annals append or annals migrate; in code, without { create: false } or { readonly: true }).`];
    case 'not a file':
      return [`Cannot open the store at ${location}: it is a directory.`, `Give the path of a file, e.g. ${location.replace(/\/+$/, '')}/annals.db.`];
    case 'not a database':
      return [`${location} is not a ${adapter === 'sqlite' ? 'SQLite' : adapter} database.`, `Check the path: it names a file of another kind, which Annals leaves as it is.`];
    case 'not accessible':
      return [`Cannot open the store at ${location}${detail ? ` (${detail})` : ''}.`, `Check that this process may read and write the file and its directory.`];
    case 'database missing':
      return [`${server} has no database "${database}".`, `Create it (e.g. createdb "${database}"), or fix the database name in the URL.`];
    case 'authentication failed':
      return [
        `${server} refused user "${user}" for database "${database}"${detail ? `: ${detail}` : ''}.`,
        `Check the user name and password in the URL, and that the server's pg_hba.conf lets this user connect to this database from this host.`,
      ];
    case 'connection refused':
      return [`Nothing accepts connections at ${location} (connection refused).`, `Check that the ${adapter} server is running and listens on that host and port, then open the store again.`];
    case 'host unknown':
      return [`The host of ${location} cannot be found.`, `Check the host name in the URL.`];
    case 'timed out':
      return [`No answer from ${server} in time.`, `Check that the server is reachable from here (network, firewall), or allow longer with connectionTimeoutMs.`];
  }
}

function safeDescribe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
