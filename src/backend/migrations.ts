import { MigrationRequiredError, SchemaVersionError } from '../core/errors.js';

/** A store's schema version, and the version found on open, before any migration ran. */
export interface SchemaState {
  /** The version the store is at now. */
  readonly version: number;
  /** The version found on open, before any migration ran; equal to `version` when none ran. */
  readonly migratedFrom: number;
}

/** What every migration has; a backend adds how to apply it (SQL text, a function). */
export interface Migration {
  /** The version the migration brings a store to; migrations are listed in rising order. */
  readonly version: number;
}

/** The version the newest migration brings a store to. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations[migrations.length - 1]?.version ?? 0;
}

/**
 * The migrations a store at version `found` still needs, in order: none when it is current.
 * Refuses a store newer than these migrations know (ANNALS_SCHEMA_VERSION), and one that
 * needs migrating when `allowed` is false (ANNALS_MIGRATION_REQUIRED: `migrate: false`, or a
 * read-only store), so that such a store is left exactly as it was found.
 *
 * A backend calls it once before taking its migration lock (to refuse early, writing nothing)
 * and again under the lock with the version read there, since another process may have
 * migrated meanwhile; then it applies each returned migration and records its version, in one
 * transaction where the database has them.
 */
export function pendingMigrations<M extends Migration>(location: string, found: number, migrations: readonly M[], allowed: boolean): readonly M[] {
  const latest = latestVersion(migrations);
  if (found > latest) throw new SchemaVersionError(location, found, latest);
  if (found === latest) return [];
  if (!allowed) throw new MigrationRequiredError(location, found, latest);
  return migrations.filter((migration) => migration.version > found);
}
