import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import { LATEST_SCHEMA_VERSION } from '../../src/adapters/sqlite/index.js';
import { MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { keyHash, partitionOf } from '../../src/core/partition.js';
import { collect } from '../helpers/collect.js';
import { range } from '../helpers/collect.js';
import { annalsTables, recordedMigrations, withRawDatabase } from '../helpers/raw-sqlite.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, startTogether, Worker } from '../helpers/worker.js';

type OpenReport =
  | { readonly schema: { version: number; migratedFrom: number }; readonly error?: undefined }
  | { readonly error: { code?: string; message: string } };

const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

const ALL_VERSIONS = range(LATEST_SCHEMA_VERSION).map((i) => i + 1);

describe('SQLite: schema migrations', () => {
  it('migrates a new file on open to the latest version', async () => {
    const file = dir.file('new.db');
    const store = await openStore(`sqlite:${file}`);
    expect(store.schema).toEqual({ version: LATEST_SCHEMA_VERSION, migratedFrom: 0 });
    await store.close();
    expect(recordedMigrations(file)).toEqual(ALL_VERSIONS);
    expect(annalsTables(file)).toEqual([
      'annals_dead_letters',
      'annals_events',
      'annals_group_members',
      'annals_live_versions',
      'annals_partition_entries',
      'annals_partition_progress',
      'annals_projections',
      'annals_schema_migrations',
      'annals_snapshots',
      'annals_streams',
    ]);
  });

  it('reports migratedFrom equal to the version when a migrated file is reopened', async () => {
    const file = dir.file('reopened.db');
    await (await openStore(`sqlite:${file}`)).close();
    const store = await openStore(`sqlite:${file}`);
    expect(store.schema).toEqual({ version: LATEST_SCHEMA_VERSION, migratedFrom: LATEST_SCHEMA_VERSION });
    await store.close();
    expect(recordedMigrations(file)).toEqual(ALL_VERSIONS);
  });

  it('migrates a new file exactly once when several processes open it at the same time', async () => {
    const file = dir.file('opened-together.db');
    const url = `sqlite:${file}`;
    const workers = range(5).map(() => new Worker('opener.mjs', { url, stream: 'opened-1' }));
    await startTogether(workers);
    const reports = await Promise.all(workers.map((w) => w.report<OpenReport>()));

    expect(reports.map((r) => r.error)).toEqual(reports.map(() => undefined));
    const migratedFrom = reports.map((r) => (r.error ? -1 : r.schema.migratedFrom)).sort((a, b) => a - b);
    // One process ran the migration; the others found it done once they had the lock.
    expect(migratedFrom).toEqual([0, ...range(4).map(() => LATEST_SCHEMA_VERSION)]);
    expect(recordedMigrations(file)).toEqual(ALL_VERSIONS);
    const store = await openStore(url);
    expect((await store.streamInfo('opened-1')).revision).toBe(4);
    await store.close();
  });

  it('refuses a file whose schema is newer than this version of Annals with ANNALS_SCHEMA_VERSION', async () => {
    const file = dir.file('from-the-future.db');
    await (await openStore(`sqlite:${file}`)).close();
    const future = LATEST_SCHEMA_VERSION + 1;
    withRawDatabase(file, (db) => db.prepare(`INSERT INTO annals_schema_migrations (version, applied_at) VALUES (?, ?)`).run(future, Date.now()));

    await expect(openStore(`sqlite:${file}`)).rejects.toMatchObject({
      code: 'ANNALS_SCHEMA_VERSION',
      found: future,
      supported: LATEST_SCHEMA_VERSION,
    });
    await expect(openStore(`sqlite:${file}`, { readonly: true })).rejects.toMatchObject({ code: 'ANNALS_SCHEMA_VERSION' });
    expect(recordedMigrations(file)).toEqual([...ALL_VERSIONS, future]);
  });

  it('fails with ANNALS_MIGRATION_REQUIRED and creates no tables when migrate is false on a new file', async () => {
    const byOption = dir.file('no-migrate-option.db');
    await expect(openStore(`sqlite:${byOption}`, { migrate: false })).rejects.toMatchObject({
      code: 'ANNALS_MIGRATION_REQUIRED',
      found: 0,
      required: LATEST_SCHEMA_VERSION,
    });
    expect(annalsTables(byOption)).toEqual([]);

    const byUrl = dir.file('no-migrate-url.db');
    await expect(openStore(`sqlite:${byUrl}?migrate=false`)).rejects.toMatchObject({ code: 'ANNALS_MIGRATION_REQUIRED' });
    expect(annalsTables(byUrl)).toEqual([]);
  });

  it('opens an up-to-date file when migrate is false', async () => {
    const file = dir.file('up-to-date.db');
    await (await openStore(`sqlite:${file}`)).close();
    const store = await openStore(`sqlite:${file}`, { migrate: false });
    expect(store.schema).toEqual({ version: LATEST_SCHEMA_VERSION, migratedFrom: LATEST_SCHEMA_VERSION });
    await store.append('ok-1', [{ type: 'Opened' }]);
    await store.close();
  });

  it('fills the partition hash of every event stored at version 3 when it migrates the file to version 4', async () => {
    const file = dir.file('version-3.db');
    const streams = ['order-1', 'user-ünïcødé', 'cart-😀-7', 'x', 'order-2'];
    withRawDatabase(file, (db) => {
      for (const { version, sql } of MIGRATIONS.filter((m) => m.version <= 3)) {
        db.exec(sql);
        db.exec(`CREATE TABLE IF NOT EXISTS annals_schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
        db.prepare(`INSERT INTO annals_schema_migrations (version, applied_at) VALUES (?, ?)`).run(version, Date.now());
      }
      const insert = db.prepare(
        `INSERT INTO annals_events (id, stream, category, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, 'Old', 'null', '{}', 0)`,
      );
      for (let n = 0; n < 40; n++) {
        const stream = streams[n % streams.length]!;
        insert.run(randomUUID(), stream, stream.split('-')[0], Math.floor(n / streams.length));
      }
    });
    expect(recordedMigrations(file)).toEqual([1, 2, 3]);

    const store = await openStore(`sqlite:${file}`);
    expect(store.schema).toEqual({ version: LATEST_SCHEMA_VERSION, migratedFrom: 3 });
    const rows = withRawDatabase(file, (db) => db.prepare(`SELECT stream, stream_hash FROM annals_events`).all() as { stream: string; stream_hash: number }[]);
    expect(rows).toHaveLength(40);
    for (const row of rows) expect(row.stream_hash, row.stream).toBe(keyHash(row.stream));
    // The old events and a new one are read by partition alike.
    await store.append('order-1', [{ type: 'New' }]);
    for (let index = 0; index < 4; index++) {
      const part = await collect(store.readAll({ partition: { index, count: 4 } }));
      expect(part.length).toBe([...rows, { stream: 'order-1' }].filter((row) => partitionOf(row.stream, 4) === index).length);
    }
    await store.close();
  });

  it('drops the partition indexes of version 4 when it migrates the file to version 5, keeping their counts', async () => {
    const file = dir.file('version-4.db');
    withRawDatabase(file, (db) => {
      db.function('annals_key_hash', { deterministic: true }, (stream: unknown) => keyHash(String(stream)));
      for (const { version, sql } of MIGRATIONS.filter((m) => m.version <= 4)) {
        db.exec(sql);
        db.exec(`CREATE TABLE IF NOT EXISTS annals_schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
        db.prepare(`INSERT INTO annals_schema_migrations (version, applied_at) VALUES (?, ?)`).run(version, Date.now());
      }
      const insert = db.prepare(
        `INSERT INTO annals_events (id, stream, category, stream_hash, revision, type, data, metadata, recorded_at) VALUES (?, ?, 'order', ?, ?, 'Old', 'null', '{}', 0)`,
      );
      for (let n = 0; n < 40; n++) insert.run(randomUUID(), `order-${n % 7}`, keyHash(`order-${n % 7}`), Math.floor(n / 7));
      // As version 4's preparePartitions made them.
      db.exec(`CREATE INDEX annals_events_partition_8 ON annals_events (stream_hash % 8, position)`);
      db.exec(`CREATE INDEX annals_events_partition_16 ON annals_events (stream_hash % 16, position)`);
    });

    const store = await openStore(`sqlite:${file}`);
    expect(store.schema).toEqual({ version: LATEST_SCHEMA_VERSION, migratedFrom: 4 });
    withRawDatabase(file, (db) => {
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'annals_events_partition%'`).all()).toEqual([]);
      expect(db.prepare(`SELECT partition_count, through FROM annals_partition_progress ORDER BY 1`).all()).toEqual([
        { partition_count: 8, through: 0 },
        { partition_count: 16, through: 0 },
      ]);
    });
    await store.preparePartitions(8);
    for (let index = 0; index < 8; index++) {
      const part = await collect(store.readAll({ partition: { index, count: 8 } }));
      expect(part.map((e) => e.stream)).toEqual(range(40).map((n) => `order-${n % 7}`).filter((stream) => partitionOf(stream, 8) === index));
    }
    await store.close();
  });
});
