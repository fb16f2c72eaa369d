import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { AnnalsError, openStore, type EventStore } from '../../src/index.js';
import { migrations } from '../../src/adapters/postgres/migrations/index.js';
import { collect } from '../helpers/collect.js';
import { appendEventsQuery, globalParserSnapshot, postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';
import { killRunningWorkers, startTogether, Worker } from '../helpers/worker.js';

const service = await checkService(postgresService);

interface OpenerReport {
  readonly schema?: { version: number; migratedFrom: number };
  readonly appended?: { stream: string; streamRevision: number; position: number };
  readonly error?: { code?: string; message: string };
}

async function expectCode(action: () => Promise<unknown>, code: string, facts: Record<string, unknown> = {}): Promise<AnnalsError> {
  let error: unknown;
  try {
    await action();
  } catch (caught) {
    error = caught;
  }
  if (!(error instanceof AnnalsError)) expect.fail(`expected ${code}, got ${error === undefined ? 'success' : String(error)}`);
  expect(error).toMatchObject({ code, ...facts });
  return error;
}

async function schemaExists(client: pg.Client, schema: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rowCount === 1;
}

async function recordedVersions(client: pg.Client, schema: string): Promise<number[]> {
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${pg.escapeIdentifier(schema)}.schema_migrations ORDER BY version`);
  return rows.map((r) => r.version);
}

describeWithService(service, 'PostgreSQL schemas and migrations', () => {
  const ctx = usePostgres(service.url);
  afterEach(() => killRunningWorkers());

  it('keeps two stores on different schemas of one database independent', async () => {
    const a = await ctx.open();
    const b = await ctx.open();
    const first = await a.append('order-1', [{ type: 'Placed', data: { store: 'a' } }]);
    const second = await b.append('order-1', [{ type: 'Placed', data: { store: 'b' } }, { type: 'Paid' }]);
    // Each has its own sequence and streams.
    expect(first).toEqual({ stream: 'order-1', streamRevision: 0, position: 1 });
    expect(second).toEqual({ stream: 'order-1', streamRevision: 1, position: 2 });
    await a.deleteStream('order-1', { mode: 'hard' });
    expect(await a.streamInfo('order-1')).toMatchObject({ exists: false, deleted: 'hard' });
    expect(await b.streamInfo('order-1')).toMatchObject({ exists: true, revision: 1, deleted: false });
    const bEvents = await collect(b.readAll());
    expect(bEvents.map((e) => e.data)).toEqual([{ store: 'b' }, null]);
    expect(await a.getEvent(bEvents[0]!.id)).toBeUndefined();
    expect(await collect(a.readAll())).toEqual([]);
  });

  it('migrates a new schema exactly once when several stores open it at once', async () => {
    const schema = ctx.schema();
    const stores = await Promise.all(Array.from({ length: 6 }, () => ctx.open({ schema, poolSize: 1 })));
    const migratedFrom = stores.map((s) => s.schema!.migratedFrom).sort();
    const latest = stores[0]!.schema!.version;
    expect(migratedFrom).toEqual([0, ...Array(5).fill(latest)]);
    for (const store of stores) expect(store.schema!.version).toBe(latest);
    await Promise.all(stores.map((store, i) => store.append(`opener-${i}`, [{ type: 'Opened' }])));
    expect(await collect(stores[0]!.readAll())).toHaveLength(6);
    await ctx.admin(async (client) => expect(await recordedVersions(client, schema)).toEqual(Array.from({ length: latest }, (_, i) => i + 1)));
  });

  it('migrates a new schema exactly once when several processes open it at once', async () => {
    const schema = ctx.schema();
    const workers = Array.from({ length: 4 }, (_, i) => new Worker('postgres-opener.mjs', { url: service.url, schema, stream: `process-${i}` }));
    await startTogether(workers);
    const reports = await Promise.all(workers.map((w) => w.report<OpenerReport>()));
    expect(reports.filter((r) => r.error)).toEqual([]);
    const latest = reports[0]!.schema!.version;
    expect(reports.map((r) => r.schema!.migratedFrom).sort()).toEqual([0, latest, latest, latest]);
    expect(new Set(reports.map((r) => r.appended!.position)).size).toBe(4);
    await ctx.admin(async (client) => expect(await recordedVersions(client, schema)).toEqual(Array.from({ length: latest }, (_, i) => i + 1)));
  });

  it('refuses to open a new schema with migrate: false, creating nothing', async () => {
    const schema = ctx.schema();
    await expectCode(() => ctx.open({ schema, migrate: false }), 'ANNALS_MIGRATION_REQUIRED', { found: 0, required: 6 });
    await expectCode(() => openStore(`${service.url}?schema=${schema}&migrate=false`), 'ANNALS_MIGRATION_REQUIRED');
    await ctx.admin(async (client) => expect(await schemaExists(client, schema)).toBe(false));
    // Once migrated, migrate: false opens it.
    await ctx.open({ schema });
    const store = await ctx.open({ schema, migrate: false });
    expect(store.schema).toEqual({ version: 6, migratedFrom: 6 });
  });

  it('migrates a version 2 schema with events in it: the horizon goes, the events stay, appends and reads go on', async () => {
    const schema = ctx.schema();
    const s = pg.escapeIdentifier(schema);
    await ctx.admin(async (client) => {
      await client.query(`CREATE SCHEMA ${s}`);
      await client.query(`CREATE TABLE ${s}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      for (const { version, sql } of migrations(s).filter((m) => m.version <= 2)) {
        await client.query(sql);
        await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [version]);
      }
      // Version 2's append function, as a store of that version called it.
      await client.query(appendEventsQuery(schema, 'order-1', [{ id: randomUUID(), type: 'Placed', data: { v: 2 } }], 'no_stream'));
      await client.query(appendEventsQuery(schema, 'order-1', [{ id: randomUUID(), type: 'Paid', data: null }], '0'));
    });
    const store = await ctx.open({ schema });
    expect(store.schema).toEqual({ version: 6, migratedFrom: 2 });
    expect(await store.append('order-1', [{ type: 'Shipped' }], { expectedRevision: 1 })).toEqual({ stream: 'order-1', streamRevision: 2, position: 3 });
    expect(await store.appendMany([{ stream: 'order-2', events: [{ type: 'Placed' }] }, { stream: 'order-1', events: [{ type: 'Closed' }], expectedRevision: 2 }])).toEqual([
      { stream: 'order-2', streamRevision: 0, position: 4 },
      { stream: 'order-1', streamRevision: 3, position: 5 },
    ]);
    expect((await collect(store.readAll())).map((e) => [e.stream, e.type])).toEqual([
      ['order-1', 'Placed'],
      ['order-1', 'Paid'],
      ['order-1', 'Shipped'],
      ['order-2', 'Placed'],
      ['order-1', 'Closed'],
    ]);
    await ctx.admin(async (client) => {
      expect(await recordedVersions(client, schema)).toEqual([1, 2, 3, 4, 5, 6]);
      const { rowCount } = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'events' AND column_name = 'horizon'`, [schema]);
      expect(rowCount).toBe(0);
    });
  });

  it('refuses a schema newer than this version of Annals with ANNALS_SCHEMA_VERSION', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    await store.append('order-1', [{ type: 'Placed' }]);
    await store.close();
    await ctx.admin((client) => client.query(`INSERT INTO ${pg.escapeIdentifier(schema)}.schema_migrations (version) VALUES (99)`));
    await expectCode(() => ctx.open({ schema }), 'ANNALS_SCHEMA_VERSION', { found: 99, supported: 6 });
    await expectCode(() => ctx.open({ schema, migrate: false }), 'ANNALS_SCHEMA_VERSION', { found: 99 });
  });

  it('rejects an invalid schema name with ANNALS_INVALID_ARGUMENT before connecting', async () => {
    // Nothing listens on this port: an attempt to connect would fail with ANNALS_STORE_OPEN_FAILED.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const nowhere = `postgres://postgres@127.0.0.1:${port}/test`;
    for (const schema of ['Orders', '1orders', 'orders-v2', 'or ders', 'x'.repeat(64), '', 'pg_orders', 'orders;drop']) {
      await expectCode(() => openStore(nowhere, { schema }), 'ANNALS_INVALID_ARGUMENT', { argument: 'schema' });
    }
    await expectCode(() => openStore(`${nowhere}?schema=Orders`), 'ANNALS_INVALID_ARGUMENT');
    // The same port with a valid name does try to connect.
    await expectCode(() => openStore(nowhere, { schema: 'orders', connectionTimeoutMs: 5000 }), 'ANNALS_STORE_OPEN_FAILED');
  });

  it('runs its transactions read committed even where the database defaults to serializable', async () => {
    const url = await ctx.database();
    const database = new URL(url).pathname.slice(1);
    await ctx.admin((client) => client.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} SET default_transaction_isolation = 'serializable'`));
    const plain = await ctx.client(undefined, url);
    expect((await plain.query('SHOW default_transaction_isolation')).rows[0]).toEqual({ default_transaction_isolation: 'serializable' });

    const schema = ctx.schema();
    const store = await ctx.open({ url, schema });
    // A trigger of the test's own records the isolation level each append runs in.
    const s = pg.escapeIdentifier(schema);
    await plain.query(`CREATE TABLE ${s}.isolation_seen (level text NOT NULL)`);
    await plain.query(`CREATE FUNCTION ${s}.note_isolation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ${s}.isolation_seen VALUES (current_setting('transaction_isolation')); RETURN NULL; END $$`);
    await plain.query(`CREATE TRIGGER note_isolation AFTER INSERT ON ${s}.events FOR EACH STATEMENT EXECUTE FUNCTION ${s}.note_isolation()`);

    await Promise.all(Array.from({ length: 8 }, (_, i) => store.append(`iso-${i}`, [{ type: 'Appended' }])));
    const { rows } = await plain.query<{ level: string }>(`SELECT DISTINCT level FROM ${s}.isolation_seen`);
    expect(rows).toEqual([{ level: 'read committed' }]);
    expect(await collect(store.readAll())).toHaveLength(8);
  });

  it('returns positions and revisions as numbers and leaves the driver’s global type parsers alone', async () => {
    const before = globalParserSnapshot();
    const store: EventStore = await ctx.open();
    const id = randomUUID();
    const result = await store.append('typed-1', [{ type: 'A', data: { big: 12345678901234 } }, { id, type: 'B' }]);
    expect(result).toEqual({ stream: 'typed-1', streamRevision: 1, position: 2 });
    const [event] = await collect(store.readAll({ maxCount: 1 }));
    expect(typeof event!.position).toBe('number');
    expect(typeof event!.revision).toBe('number');
    expect(event!.recordedAt).toBeInstanceOf(Date);
    expect(event!.data).toEqual({ big: 12345678901234 });
    const got = await store.getEvent(id);
    expect(got).toMatchObject({ position: 2, revision: 1 });
    expect(await store.streamInfo('typed-1')).toEqual({ stream: 'typed-1', exists: true, revision: 1, deleted: false, truncatedBefore: 0 });
    expect(await store.headPosition()).toBe(2);

    const after = globalParserSnapshot();
    expect(after.every((parser, i) => parser === before[i])).toBe(true);
    // A plain client still gets the driver's defaults: int8 as a string, json parsed.
    const plain = await ctx.client();
    const { rows } = await plain.query(`SELECT 9007199254740993::int8 AS big, '{"a":1}'::json AS doc, now() AS at`);
    expect(rows[0]).toMatchObject({ big: '9007199254740993', doc: { a: 1 } });
    expect(rows[0].at).toBeInstanceOf(Date);
  });
});
