import pg from 'pg';
import type { Durability } from '../../backend/parts.js';
import type { SchemaState } from '../../backend/migrations.js';
import { openFailure, targetOf, toAnnalsError, TRANSIENT } from './errors.js';
import type { CheckedPostgresOptions } from './options.js';
import { checkOnStandby, migrate } from './migrate.js';

const MAX_TRANSIENT_RETRIES = 3;

// Per pool, never process-wide: bigints come back as numbers (positions and revisions stay
// far below 2^53), json as its text (the core decodes it), timestamps as epoch milliseconds.
const parseTimestamp = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ);
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    if (oid === pg.types.builtins.JSON) return (value: string) => value;
    if (oid === pg.types.builtins.TIMESTAMPTZ) return (value: string) => (parseTimestamp(value) as Date).getTime();
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** The store's pool, shared by its parts, and the one way they run statements. */
export class PostgresPool {
  constructor(
    private readonly pool: pg.Pool,
    /** How to connect, for the connections a part keeps apart from the pool (LISTEN). */
    readonly config: pg.ClientConfig,
  ) {}

  get ended(): boolean {
    return this.pool.ended;
  }

  /** A named (prepared) statement, retried when PostgreSQL says nothing was written and it may simply run again. */
  async query<R extends object>(name: string, text: string, values: unknown[], retryConflicts = true): Promise<pg.QueryResult<R>> {
    for (let attempt = 0; ; attempt++) {
      try {
        // Statements are prepared per connection, and a store's pool serves its schema alone: the
        // name needs no schema (which could take it past PostgreSQL's 63 characters).
        return await this.onClient((client) => client.query<R>({ name: name.startsWith('annals:') ? name : `annals:${name}`, text, values }));
      } catch (error) {
        const code = (error as { code?: string }).code;
        // 23505: two transactions inserted the same new id or revision at once; run again, the
        // loser now sees the winner's row and answers with the typed error (or an idempotent result).
        if ((TRANSIENT.has(code ?? '') || (retryConflicts && code === '23505')) && attempt < MAX_TRANSIENT_RETRIES) continue;
        throw toAnnalsError(error);
      }
    }
  }

  /**
   * Runs `use` on a connection of the pool and gives it back. A statement the server refused (a
   * conflict, a duplicate id) leaves its connection sound: it goes back to the pool, where
   * pool.query would close it and the next statement would pay for a new connection. A
   * connection that failed (no SQLSTATE, or class 08, 57P, XX) is closed. Errors come back as
   * the driver threw them (see transaction.ts for a caller that maps them).
   */
  async onClient<T>(use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // While it is out of the pool, a connection's own failure (terminated, reset) is the pending
    // statement's error; the pool's listener takes over again once it is back.
    const ignore = () => undefined;
    client.on('error', ignore);
    try {
      const result = await use(client);
      client.off('error', ignore);
      client.release();
      return result;
    } catch (error) {
      if (keepsConnection(error)) {
        client.off('error', ignore);
        client.release();
      } else {
        // Closed: it keeps the listener, since a failed connection may still report its end
        // (a terminated backend's last words) once it is out of the pool, with no one to hear.
        client.release(error as Error);
      }
      throw error;
    }
  }

  /**
   * A statement as it is, unnamed and never retried: for what may fail without harm (a NOTIFY).
   * Through `onClient`, not pg.Pool's own query: that one drops its error listener when the
   * statement fails, and a terminated connection may still report its end after that, with no
   * listener left to hear it (an uncaught error that ends the process).
   */
  async run(text: string): Promise<void> {
    await this.onClient((client) => client.query(text));
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}

/** Whether a connection whose statement failed with `error` can run the next one. */
function keepsConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P') && !code.startsWith('XX');
}

/** What `connect` learns of the server on open, beside the pool. */
export interface Connected {
  /** The store's pool. */
  readonly pool: PostgresPool;
  /** The schema's version, after migrating it (on a primary). */
  readonly schema: SchemaState;
  /** The server's durability settings. */
  readonly durability: Durability;
  /** Where the server is (`host:port`), for messages. */
  readonly location: string;
  /** True when the server is a standby (`pg_is_in_recovery()`): the schema was only checked, and the store must not write. */
  readonly standby: boolean;
}

/**
 * Connects a pool, migrates the store's schema (or checks it: with `migrate: false`, and always
 * on a standby, which cannot write) and reads the server's durability settings.
 */
export async function connect(connectionString: string, options: CheckedPostgresOptions): Promise<Connected> {
  const config: pg.ClientConfig = {
    connectionString,
    types: typeParsers,
    application_name: 'annals',
    connectionTimeoutMillis: options.connectionTimeoutMs,
    // The append function relies on a fresh snapshot per statement, whatever the database's default.
    options: '-c default_transaction_isolation=read\\ committed',
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  };
  const pool = new pg.Pool({ ...config, max: options.poolSize });
  // An idle connection that dies is dropped by the pool; without a listener it would crash the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    // A failure between two statements is the next statement's error (see onClient).
    client.on('error', () => undefined);
    try {
      const quoted = pg.escapeIdentifier(options.schema);
      const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      const standby = rows[0]!.standby;
      const schema = standby ? await checkOnStandby(client, options.schema, quoted) : await migrate(client, options.schema, quoted, options.migrate);
      const durability = await readDurability(client);
      return { pool: new PostgresPool(pool, config), schema, durability, location: targetOf(connectionString).location, standby };
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw openFailure(error, connectionString) ?? toAnnalsError(error);
  }
}

/** The server's settings that decide whether a commit is on disk when it is acknowledged. */
async function readDurability(client: pg.PoolClient): Promise<Durability> {
  const { rows } = await client.query<{ synchronous_commit: string; fsync: string }>(
    `SELECT current_setting('synchronous_commit') AS synchronous_commit, current_setting('fsync') AS fsync`,
  );
  const { synchronous_commit: synchronousCommit, fsync } = rows[0]!;
  const risks: string[] = [];
  if (fsync !== 'on') risks.push(`fsync is '${fsync}': a crash of the server or the machine can lose or corrupt committed data`);
  if (synchronousCommit === 'off') {
    risks.push(`synchronous_commit is 'off': a crash of the server can lose appends acknowledged in the last moments before it`);
  }
  return risks.length === 0 ? { safe: true } : { safe: false, risk: risks.join('; ') };
}
