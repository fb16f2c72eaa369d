import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { categoryOf, openStore, type EventStore, type OpenStoreOptions } from '../../src/index.js';
import type { ServiceSpec } from './services.js';

export const postgresService: ServiceSpec = {
  name: 'PostgreSQL',
  variable: 'ANNALS_TEST_PG_URL',
  defaultUrl: 'postgres://postgres@127.0.0.1:5432/test',
  async probe(url) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};

const DROP_BATCH = 20;
const CLEANUP_TIMEOUT_MS = 180_000;

/** What the store's own connections call themselves (the faults test finds them by it). */
export const STORE_APPLICATION_NAME = 'annals';
/** The test's own connections, never mistaken for the store's. */
export const ADMIN_APPLICATION_NAME = 'annals-test-admin';

/**
 * A test file's PostgreSQL: fresh schemas (`annals_test_<pid>_<random>_<n>`) so that runs and
 * files never share data, the stores opened on them, and a plain client for seeding and
 * inspecting. What a test opens is closed when it ends (see usePostgres); everything else is closed,
 * and every schema and database dropped, at cleanup.
 */
export class PostgresTestContext {
  readonly prefix = `annals_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  private readonly schemas: string[] = [];
  private readonly databases: string[] = [];
  private readonly stores = new Set<EventStore>();
  private readonly clients = new Set<pg.Client>();
  /** What the running test opened (stores and clients), closed when it ends; undefined between tests, so what a hook opens lasts until cleanup. */
  private opened: { stores: Set<EventStore>; clients: Set<pg.Client> } | undefined;
  private count = 0;

  constructor(readonly url: string) {}

  /** A new schema name (with `suffix` at its end), dropped at cleanup (whether or not anything created it). */
  schema(suffix = ''): string {
    const name = `${this.prefix}_${++this.count}${suffix}`;
    this.schemas.push(name);
    return name;
  }

  /**
   * A new, empty database of the test's own (for what must not touch the shared one: settings,
   * terminating every connection of the store), dropped at cleanup. Returns its URL.
   */
  async database(): Promise<string> {
    const name = `${this.prefix}_db${++this.count}`;
    this.databases.push(name);
    await this.admin((client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
    return urlOfDatabase(this.url, name);
  }

  /** Opens a store on `schema` (a new one by default) of `url` (the main database by default); closed as `track` says. */
  async open(options: OpenStoreOptions & { url?: string } = {}): Promise<EventStore> {
    const { url = this.url, ...rest } = options;
    return this.track(await openStore(url, { schema: this.schema(), ...rest }));
  }

  /** Tracks a store opened elsewhere so that cleanup (or the end of the test that opened it) closes it. */
  track(store: EventStore): EventStore {
    this.stores.add(store);
    this.opened?.stores.add(store);
    return store;
  }

  /** A plain connected client (default `pg` settings), ended when the test that made it ends, or at cleanup. */
  async client(applicationName = ADMIN_APPLICATION_NAME, url = this.url): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url, application_name: applicationName });
    // A client whose backend a test terminates must not crash the run.
    client.on('error', () => undefined);
    await client.connect();
    this.clients.add(client);
    this.opened?.clients.add(client);
    return client;
  }

  /** From now until `testEnded`, what is opened is the running test's. */
  testStarted(): void {
    this.opened = { stores: new Set(), clients: new Set() };
  }

  /**
   * Closes what the test that ended opened: the server's connections are shared by every test
   * file running at the time, and a file's stores kept to its end could take them all.
   */
  async testEnded(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened === undefined) return;
    await this.close(opened.clients, opened.stores);
    for (const client of opened.clients) this.clients.delete(client);
    for (const store of opened.stores) this.stores.delete(store);
  }

  async cleanup(): Promise<void> {
    await this.close(this.clients, this.stores);
    this.clients.clear();
    this.stores.clear();
    if (this.schemas.length === 0 && this.databases.length === 0) return;
    await this.admin(async (admin) => {
      // A few schemas per statement: all at once would take every object's lock in one transaction.
      const schemas = this.schemas.splice(0);
      for (let i = 0; i < schemas.length; i += DROP_BATCH) {
        await admin.query(`DROP SCHEMA IF EXISTS ${schemas.slice(i, i + DROP_BATCH).map((name) => pg.escapeIdentifier(name)).join(', ')} CASCADE`);
      }
      for (const database of this.databases.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    });
  }

  private async close(clients: Iterable<pg.Client>, stores: Iterable<EventStore>): Promise<void> {
    // Clients first: one left in a transaction by a failed test may hold a lock a store's call waits for.
    for (const client of clients) await client.end().catch(() => undefined);
    for (const store of stores) await store.close().catch(() => undefined);
  }

  /** Runs `use` on a short-lived client of the test's own, on the main database. */
  async admin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.url, application_name: ADMIN_APPLICATION_NAME });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** The same server and credentials, another database. */
export function urlOfDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/**
 * A context for the current describe block: what a test opens is closed after it, what a hook
 * opened and every schema and database after the block's tests (the conformance suite leaves
 * hundreds of schemas).
 */
export function usePostgres(url: string): PostgresTestContext {
  const context = new PostgresTestContext(url);
  beforeEach(() => context.testStarted());
  afterEach(() => context.testEnded(), CLEANUP_TIMEOUT_MS);
  afterAll(() => context.cleanup(), CLEANUP_TIMEOUT_MS);
  return context;
}

/** The per-pool type parsers must leave the driver's process-wide ones alone. */
export function globalParserSnapshot(): unknown[] {
  const { builtins } = pg.types;
  return [builtins.INT8, builtins.JSON, builtins.JSONB, builtins.TIMESTAMPTZ, builtins.NUMERIC].map((oid) => pg.types.getTypeParser(oid));
}

export interface RawEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}

/**
 * The adapter's append, as a plain statement for a client of the test's own: the same function
 * with the same arrays (see PostgresAdapter.appendBatch), so a test can run it inside a
 * transaction it holds open. Returns one row per stream: out_stream, out_revision, out_position.
 */
export function appendEventsQuery(schema: string, stream: string, events: readonly RawEvent[], expectedRevision = 'any'): pg.QueryConfig {
  return {
    text: `SELECT out_stream, out_revision::int, out_position::int FROM ${pg.escapeIdentifier(schema)}.append_events(
             $1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::uuid[], $8::text[], $9::text[], $10::text[])`,
    values: [
      [stream],
      [categoryOf(stream)],
      [expectedRevision],
      [events.length],
      events.map(() => 1),
      events.map((_, offset) => offset),
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map(() => '{}'),
    ],
  };
}
