import type pg from 'pg';
import { MigrationRequiredError } from '../../core/errors.js';
import { latestVersion, pendingMigrations, type SchemaState } from '../../backend/migrations.js';
import { migrations } from './migrations/index.js';

/**
 * Brings the schema to the latest version (or checks it, when `migrate` is false), under an
 * advisory lock held by the transaction, so that processes starting at once migrate it once.
 */
export async function migrate(client: pg.PoolClient, schema: string, quoted: string, migrate: boolean): Promise<SchemaState> {
  const all = migrations(quoted);
  const location = `schema "${schema}"`;
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`annals:migrate:${schema}`]);
    const found = await currentVersion(client, schema, quoted);
    const pending = pendingMigrations(location, found, all, migrate);
    if (pending.length > 0) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    }
    for (const { version, sql } of pending) {
      await client.query(sql);
      await client.query(`INSERT INTO ${quoted}.schema_migrations (version) VALUES ($1)`, [version]);
    }
    await client.query('COMMIT');
    return { version: latestVersion(all), migratedFrom: found };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * On a standby, which cannot write: checks the schema without a lock or a transaction of its
 * own. One older than these migrations (or missing) must be migrated on the primary first.
 */
export async function checkOnStandby(client: pg.PoolClient, schema: string, quoted: string): Promise<SchemaState> {
  const all = migrations(quoted);
  const location = `schema "${schema}"`;
  const found = await currentVersion(client, schema, quoted);
  if (found < latestVersion(all)) throw new MigrationRequiredError(location, found, latestVersion(all), true);
  pendingMigrations(location, found, all, false); // a newer schema than these migrations know: ANNALS_SCHEMA_VERSION
  return { version: found, migratedFrom: found };
}

async function currentVersion(client: pg.PoolClient, schema: string, quoted: string): Promise<number> {
  const exists = await client.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'schema_migrations'`, [schema]);
  if (exists.rowCount === 0) return 0;
  const { rows } = await client.query<{ v: number }>(`SELECT coalesce(max(version), 0)::int AS v FROM ${quoted}.schema_migrations`);
  return rows[0]!.v;
}
