import { InvalidArgumentError } from '../../core/errors.js';
import { assertPositiveIntegers, takeUrlOptions, type UrlOptionSpec } from '../../backend/url-options.js';

/** Options of the PostgreSQL backend (no driver import: the core may refer to these types). */
export interface PostgresOptions {
  /** Schema holding the store's tables, so several stores can share one database. Default 'annals'. */
  readonly schema?: string;
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number;
  /** Server-side limit per statement, in milliseconds. Default: none. */
  readonly statementTimeoutMs?: number;
  /** How long to wait for a connection, in milliseconds. Default 10000. */
  readonly connectionTimeoutMs?: number;
  /**
   * Live subscriptions are woken by LISTEN/NOTIFY; this slow poll is their fallback
   * (a lost notification, a reconnect, a commit held back by a long transaction). Default 1000 ms.
   */
  readonly pollIntervalMs?: number;
  /** Apply pending schema migrations on open. Default true; false fails with ANNALS_MIGRATION_REQUIRED instead. */
  readonly migrate?: boolean;
  /**
   * How long an inline append's transaction may wait for its process between two statements
   * before the server ends the session (`idle_in_transaction_session_timeout`), in milliseconds:
   * a process paused inside an inline append (stopped, frozen, in a debugger) holds the lock
   * every inline appender of the store takes, and no longer. Default 10000.
   */
  readonly inlineIdleTimeoutMs?: number;
}

/** The options with their defaults, checked. */
export interface CheckedPostgresOptions {
  readonly schema: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number | undefined;
  readonly connectionTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly migrate: boolean;
  readonly inlineIdleTimeoutMs: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const POSITIVE_INTEGERS = ['poolSize', 'statementTimeoutMs', 'connectionTimeoutMs', 'pollIntervalMs', 'inlineIdleTimeoutMs', 'pageSize'] as const;

/** Annals' options in a `postgres://` URL's query, the core's `pageSize` too. */
const URL_OPTIONS: UrlOptionSpec = {
  schema: 'text',
  migrate: 'flag',
  maxEventBytes: 'positive integer',
  ...Object.fromEntries(POSITIVE_INTEGERS.map((name) => [name, 'positive integer' as const])),
};

/**
 * The query parameters node-postgres reads from a connection string (TLS, the socket host,
 * session settings): left in the URL for the driver. Any other name is refused.
 */
const DRIVER_PARAMETERS = [
  'ssl',
  'sslmode',
  'sslcert',
  'sslkey',
  'sslrootcert',
  'sslnegotiation',
  'uselibpqcompat',
  'host',
  'db',
  'encoding',
  'client_encoding',
  'application_name',
  'fallback_application_name',
  'options',
  'replication',
  'connect_timeout',
  'keepalives',
  'keepalives_idle',
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
  'query_timeout',
];

/** Takes Annals' options out of the URL; the rest of it goes to the driver. */
export function parseUrl(url: string): { connectionString: string; fromUrl: Record<string, unknown> } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError('postgres URL', url, 'postgres://user@host:port/database');
  }
  const fromUrl = takeUrlOptions('postgres', parsed.searchParams, URL_OPTIONS, DRIVER_PARAMETERS);
  return { connectionString: parsed.toString(), fromUrl };
}

/** Checks every option before anything connects. */
export function checkPostgresOptions(options: PostgresOptions & { readonly pageSize?: number }): CheckedPostgresOptions {
  // pg_ names are reserved by PostgreSQL: CREATE SCHEMA would refuse them only once connected.
  if (options.schema !== undefined && (typeof options.schema !== 'string' || !SCHEMA_NAME.test(options.schema) || options.schema.startsWith('pg_'))) {
    throw new InvalidArgumentError('schema', options.schema, 'a lower-case identifier: letters, digits and _, at most 63 characters, not starting with pg_');
  }
  assertPositiveIntegers(options, POSITIVE_INTEGERS);
  if (options.migrate !== undefined && typeof options.migrate !== 'boolean') throw new InvalidArgumentError('migrate', options.migrate, 'true or false');
  return {
    schema: options.schema ?? 'annals',
    poolSize: options.poolSize ?? 10,
    statementTimeoutMs: options.statementTimeoutMs,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 10_000,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    migrate: options.migrate ?? true,
    inlineIdleTimeoutMs: options.inlineIdleTimeoutMs ?? 10_000,
  };
}
