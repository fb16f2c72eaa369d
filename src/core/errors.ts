import type { ExpectedRevision } from './types.js';
import type { LeaseToken, ProjectionKey, ProjectionState } from '../readmodel/types.js';

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
  'ANNALS_INVALID_DOCUMENT',
  'ANNALS_DOCUMENT_NOT_LOADED',
  'ANNALS_LEASE_LOST',
  'ANNALS_CONSISTENCY_TIMEOUT',
  'ANNALS_PROJECTION_BUSY',
  'ANNALS_STANDBY',
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
  /** The stable code that names this kind of error (docs/errors.md). */
  abstract readonly code: AnnalsErrorCode;
  /** True when the same call may succeed if tried again unchanged. */
  readonly retryable: boolean = false;

  constructor(
    /** What went wrong, with the offending values: the first part of `message`. */
    readonly problem: string,
    /** What to do about it: the rest of `message`. */
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

/** An expected revision as messages write it: `revision 3`, `'no_stream'`. */
export function describeExpected(expected: ExpectedRevision): string {
  return typeof expected === 'number' ? `revision ${expected}` : `'${expected}'`;
}

/** An append or delete whose expected revision does not match the stream. Nothing was written. */
export class WrongExpectedRevisionError extends AnnalsError {
  readonly code = 'ANNALS_WRONG_EXPECTED_REVISION';
  constructor(
    /** The stream the call wrote to. */
    readonly stream: string,
    /** The call's expected revision. */
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

/**
 * An event id already recorded where the call is not an exact retry, or one id twice in a call.
 * Nothing was written.
 */
export class DuplicateEventIdError extends AnnalsError {
  readonly code = 'ANNALS_DUPLICATE_EVENT_ID';
  constructor(
    /** The id. */
    readonly eventId: string,
    /** The stream the call tried to append to. */
    readonly stream: string,
    /** Where the id is already recorded, when it is (absent for a duplicate within one call). */
    readonly existing?: {
      /** The stream that holds the event. */
      readonly stream: string;
      /** Its revision in that stream. */
      readonly revision: number;
      /** Its global position. */
      readonly position: number;
    },
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

/** A stream name that breaks the naming rule (docs/concepts.md#streams). */
export class InvalidStreamNameError extends AnnalsError {
  readonly code = 'ANNALS_INVALID_STREAM_NAME';
  constructor(
    /** The value given as the name. */
    readonly stream: unknown,
    /** Which rule it breaks. */
    readonly reason: string,
  ) {
    super(
      `Invalid stream name ${JSON.stringify(stream) ?? String(stream)}: ${reason}.`,
      `Use a string of 1 to 200 characters without control characters, white space at either end, or a leading '-', e.g. "account-42".`,
    );
  }
}

/**
 * An event that is not `{ type, data?, metadata?, id? }` of JSON values, or whose data its
 * type's schema refuses. Nothing was written.
 */
export class InvalidEventError extends AnnalsError {
  readonly code = 'ANNALS_INVALID_EVENT';
  constructor(
    /** Index of the offending event in the call. */
    readonly index: number,
    /** The part of the event that is wrong, e.g. `type`, `data.items[2]`, `metadata`. */
    readonly field: string,
    /** What is wrong with it. */
    readonly reason: string,
    /** The stream the call appended to, when known. */
    readonly stream?: string,
    /** When the event's type has a schema (defineEvents) that refused it: every issue it found. */
    readonly issues?: readonly {
      /** Where in the event, e.g. `data.amount`. */
      readonly field: string;
      /** The schema's words. */
      readonly message: string;
    }[],
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
    /** The stream the call appended to. */
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
    /** The stored event's id. */
    readonly eventId: string,
    /** Its stream. */
    readonly stream: string,
    /** Its revision in the stream. */
    readonly revision: number,
    /** Its global position. */
    readonly position: number,
    /** Its type. */
    readonly type: string,
    /** The version the event was stored with (its metadata.schemaVersion; 1 when absent). */
    readonly version: unknown,
    /** Why it cannot be decoded: a version newer than the schema's, a bad version, or the upcaster's error. */
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

/** An argument or option out of range or of the wrong kind, including a bad store URL option. */
export class InvalidArgumentError extends AnnalsError {
  readonly code = 'ANNALS_INVALID_ARGUMENT';
  constructor(
    /** The argument's or option's name. */
    readonly argument: string,
    /** The value given. */
    readonly value: unknown,
    /** What was expected, in words. */
    readonly expectation: string,
  ) {
    super(`Invalid ${argument}: ${safeDescribe(value)}.`, `Expected ${expectation}.`);
  }
}

/** A store URL whose scheme no store knows (`openStore`). */
export class UnsupportedStoreUrlError extends AnnalsError {
  readonly code = 'ANNALS_UNSUPPORTED_STORE_URL';
  constructor(
    /** The URL given. */
    readonly url: string,
    /** The URL forms this version knows (SUPPORTED_URLS). */
    readonly supported: readonly string[],
  ) {
    super(
      `Cannot open a store from ${JSON.stringify(url)}.`,
      `Use one of: ${supported.join(', ')} (for example 'sqlite:./annals.db' or 'memory:').`,
    );
  }
}

/** A call on a store after `close()`, including a read that was still paging. */
export class StoreClosedError extends AnnalsError {
  readonly code = 'ANNALS_STORE_CLOSED';
  constructor(
    /** What the call tried to do, e.g. `append`. */
    readonly operation: string,
  ) {
    super(`Cannot ${operation}: the store is closed.`, `Open a new store with openStore(url).`);
  }
}

/** A write (append, delete, truncate) to a hard-deleted stream. Nothing was written. */
export class StreamDeletedError extends AnnalsError {
  readonly code = 'ANNALS_STREAM_DELETED';
  constructor(
    /** The tombstoned stream. */
    readonly stream: string,
  ) {
    super(
      `Stream "${stream}" was hard-deleted and can never be written again; nothing was written.`,
      `Use another stream name. (A soft delete would have allowed the stream to be recreated.)`,
    );
  }
}

/** Truncating a stream that has no events. Reads never throw it: a missing stream reads as empty. */
export class StreamNotFoundError extends AnnalsError {
  readonly code = 'ANNALS_STREAM_NOT_FOUND';
  constructor(
    /** The stream named. */
    readonly stream: string,
    /** What the call tried to do, e.g. `truncate`. */
    readonly operation: string,
  ) {
    super(`Cannot ${operation}: stream "${stream}" has no events.`, `Check the stream name with streamInfo(stream).`);
  }
}

/** An event id that is not stored, where one is required (`annals get`; `store.getEvent` returns `undefined`). */
export class EventNotFoundError extends AnnalsError {
  readonly code = 'ANNALS_EVENT_NOT_FOUND';
  constructor(
    /** The id asked for. */
    readonly eventId: string,
  ) {
    super(
      `No event with id ${eventId} is recorded.`,
      `Check the id (a UUID). Events of deleted or truncated streams are removed and cannot be read.`,
    );
  }
}

/**
 * A feature the store lacks: a variant its `capabilities` leave out, or a part its backend does
 * not provide. Nothing was written.
 */
export class NotSupportedError extends AnnalsError {
  readonly code = 'ANNALS_NOT_SUPPORTED';
  constructor(
    /** What was asked for, e.g. `'truncate'`, `'the snapshots part'`. */
    readonly feature: string,
    /** The backend's name. */
    readonly adapter: string,
  ) {
    super(
      `The ${adapter} store does not support ${feature}.`,
      `Check store.capabilities (for a variant of append, delete or truncate) or store.provides(part) (for a part such as snapshots) before calling it, or use another store.`,
    );
  }
}

/**
 * The store cannot do the work now: a lock held too long, a lost connection. Retryable; an append
 * retried with the same event ids is idempotent.
 */
export class StoreUnavailableError extends AnnalsError {
  readonly code = 'ANNALS_STORE_UNAVAILABLE';
  override readonly retryable = true;
  constructor(
    /** The backend's name. */
    readonly adapter: string,
    /** What failed, in words. */
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

/** A write on a store opened with `readonly`, or on a file the process may not write. Nothing was written. */
export class ReadOnlyStoreError extends AnnalsError {
  readonly code = 'ANNALS_STORE_READ_ONLY';
  constructor(
    /** What the call tried to do, e.g. `append`. */
    readonly operation: string,
    /** Where the store is: its path or server. */
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

/** A store whose schema is newer than this version of Annals knows. */
export class SchemaVersionError extends AnnalsError {
  readonly code = 'ANNALS_SCHEMA_VERSION';
  constructor(
    /** Where the store is: its path, server or key prefix. */
    readonly location: string,
    /** The store's schema version. */
    readonly found: number,
    /** The newest version this Annals knows. */
    readonly supported: number,
  ) {
    super(
      `The store at ${location} has schema version ${found}, newer than this version of Annals supports (${supported}).`,
      `Upgrade Annals to a version that knows schema ${found}.`,
    );
  }
}

/**
 * A store whose schema is older than this version needs (or missing: version 0), opened with
 * `migrate: false` or `readonly`, or on a PostgreSQL standby, which cannot migrate.
 */
export class MigrationRequiredError extends AnnalsError {
  readonly code = 'ANNALS_MIGRATION_REQUIRED';
  constructor(
    /** Where the store is: its path, server or key prefix. */
    readonly location: string,
    /** The store's schema version (0: no schema). */
    readonly found: number,
    /** The version this Annals needs. */
    readonly required: number,
    /** True when the server is a standby (a read replica), which only replays what its primary writes. */
    readonly standby?: true,
  ) {
    super(
      `The store at ${location} has schema version ${found}; this version of Annals needs ${required}` +
        (standby ? `, and the server is a standby (pg_is_in_recovery() is true), which cannot migrate it.` : '.'),
      standby
        ? `Open the store on the primary first (it migrates the schema on open, or run 'annals migrate --store <primary url>'), then open it here once the standby has replayed that.`
        : `Run 'annals migrate --store <url>', or open the store with { migrate: true }.`,
    );
  }
}

/** What a standby refuses: a write, or a consumer of the log by position. */
export type StandbyRefusal = 'write' | 'consumer';

/**
 * A call refused because the store was opened on a PostgreSQL standby (a read replica, where
 * `pg_is_in_recovery()` is true): a write, which a standby cannot make, or a consumer of the
 * log by position (readAll, subscribe, projections), which a standby cannot serve safely.
 * Refused before anything reached the database: nothing was read or written.
 */
export class StandbyError extends AnnalsError {
  readonly code = 'ANNALS_STANDBY';
  constructor(
    /** What the call tried to do, e.g. `append`, `subscribe`, `commit`. */
    readonly operation: string,
    /** The server, as `host:port`. */
    readonly location: string,
    /** `'write'`, or `'consumer'` for a read of the log by position. */
    readonly refusal: StandbyRefusal,
  ) {
    super(
      `Cannot ${operation}: the PostgreSQL server at ${location} is a standby (pg_is_in_recovery() is true)` +
        (refusal === 'write'
          ? `, which only replays what its primary writes; nothing was written.`
          : `. A consumer of the log by position relies on the settled position, which on a standby cannot see the primary's appenders still in flight, ` +
            `so a consumer there could skip an event that commits later with a smaller position.`),
      `Open the store on the primary for appends and consumers (readAll, subscribe, projections, read-model writes); ` +
        `stream reads, getEvent, streamInfo, headPosition and read-model queries work on a standby.`,
    );
  }
}

/** A store whose database driver package is not installed (`pg`, `ioredis`). */
export class DriverMissingError extends AnnalsError {
  readonly code = 'ANNALS_DRIVER_MISSING';
  constructor(
    /** The backend's name. */
    readonly adapter: string,
    /** The package to install. */
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
    /** The stream the refused command was for. */
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
  /** The database's name (a server). */
  readonly database?: string;
  /** The user connecting (a server). */
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
  /** True for `connection refused` and `timed out`, which may clear up by themselves. */
  override readonly retryable: boolean;
  /** A path (SQLite), or `host:port` (a server). */
  readonly location: string;
  /** The database's name (a server). */
  readonly database: string | undefined;
  /** The user connecting (a server). */
  readonly user: string | undefined;

  constructor(
    /** The backend's name. */
    readonly adapter: string,
    /** Why it could not be opened. */
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

/** A value as a message shows it: JSON where it can be, otherwise its text. */
export function safeDescribe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A document a projection wrote that a collection cannot hold: not a JSON object, or a declared
 * index's field of the wrong kind. Nothing of the batch was written.
 */
export class InvalidDocumentError extends AnnalsError {
  readonly code = 'ANNALS_INVALID_DOCUMENT';
  constructor(
    /** The collection's key (`<projection>:v<version>:<collection>`). */
    readonly collection: string,
    /** The document's id. */
    readonly id: string,
    /** What is wrong with it. */
    readonly reason: string,
  ) {
    super(
      `Document "${id}" of ${collection} cannot be stored: ${reason}.`,
      `Write a plain JSON object whose indexed fields hold the declared kind (or are missing or null).`,
    );
  }
}

/**
 * A projection read a document (get or patch) it did not declare in `load`: the runner fetches
 * the documents a batch reads before it applies it, so that apply runs without waiting.
 */
export class DocumentNotLoadedError extends AnnalsError {
  readonly code = 'ANNALS_DOCUMENT_NOT_LOADED';
  constructor(
    /** The projection's name. */
    readonly projection: string,
    /** The collection's name. */
    readonly collection: string,
    /** The document's id. */
    readonly id: string,
  ) {
    super(
      `Projection "${projection}" read document "${id}" of collection "${collection}", which its load() did not name for this event.`,
      `Return { collection: '${collection}', id } from the projection's load(event) for every document apply reads or patches; upsert and delete need no load.`,
    );
  }
}

/**
 * A projection commit refused: another runner took the lease (a higher epoch), or the checkpoint
 * moved since the batch began. Nothing was written; the runner that gets it stops applying.
 */
export class LeaseLostError extends AnnalsError {
  readonly code = 'ANNALS_LEASE_LOST';
  /** The projection, as `name vN, generation G`. */
  readonly projection: string;
  constructor(
    key: ProjectionKey,
    /** The lease the writer presented (none for an inline apply). */
    readonly lease: LeaseToken | undefined,
    /** The checkpoint the batch started from. */
    readonly from: number,
    /** What the store holds now: its checkpoint, owner and epoch (undefined when it has no state row). */
    readonly found: Pick<ProjectionState, 'checkpoint' | 'owner' | 'epoch'> | undefined,
  ) {
    super(
      `The commit of ${describeProjectionKey(key)} from checkpoint ${from}${lease ? ` by ${lease.owner} (epoch ${lease.epoch})` : ''} was refused: the store holds ${safeDescribe(found ?? 'no state')}.`,
      `Another runner holds the projection now, or moved it on; this one must stop writing. Nothing of the batch was written.`,
    );
    this.projection = describeProjectionKey(key);
  }
}

/** A read that asked to see a position waited `timeoutMs` and the projection had not reached it. */
export class ConsistencyTimeoutError extends AnnalsError {
  readonly code = 'ANNALS_CONSISTENCY_TIMEOUT';
  override readonly retryable = true;
  constructor(
    /** The projection waited for. */
    readonly projection: string,
    /** The position the read asked to see. */
    readonly minPosition: number,
    /** The projection's checkpoint when the wait ended. */
    readonly checkpoint: number,
    /** How long it waited, in ms. */
    readonly timeoutMs: number,
  ) {
    super(
      `Projection "${projection}" did not reach position ${minPosition} within ${timeoutMs} ms: it is at ${checkpoint}, ${minPosition - checkpoint} behind.`,
      `Check that a runner is running this projection (annals projections status), then retry; or allow longer with timeoutMs (default from ANNALS_CONSISTENCY_TIMEOUT, in ms).`,
    );
  }
}

/**
 * An operation that must hold a projection's lease (retrying or dropping dead letters) found it
 * held by a runner in another process (or by another operation). Nothing was written.
 */
export class ProjectionBusyError extends AnnalsError {
  readonly code = 'ANNALS_PROJECTION_BUSY';
  /** The projection, as `name vN, generation G`. */
  readonly projection: string;
  constructor(
    key: ProjectionKey,
    /** What was asked, e.g. 'retry dead letters'. */
    readonly operation: string,
    /** The lease's holder (a runner's owner name). */
    readonly holder: string,
    /** When the holder's lease expires unless renewed (a running runner renews it). */
    readonly leaseExpiresAt: Date,
  ) {
    super(
      `Cannot ${operation} of ${describeProjectionKey(key)}: its lease is held by ${holder} until ${leaseExpiresAt.toISOString()} (renewed while it runs); nothing was written.`,
      `Stop the running projection and try again, or do it from the process that runs it (RunningProjections.retryDeadLetters / dropDeadLetters).`,
    );
    this.projection = describeProjectionKey(key);
  }
}

/** A projection key as messages write it: `balances v2, generation 200` (and the partition when there are several). */
export function describeProjectionKey(key: ProjectionKey): string {
  // The key holds a generation (100 per version, see projection/generations.ts): name both.
  const which = key.version >= 100 ? `v${Math.floor(key.version / 100)}, generation ${key.version}` : `v${key.version}`;
  return `${key.projection} ${which}${key.partition === 0 ? '' : `, partition ${key.partition}`}`;
}
