import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Runs `use` on a separate, plain better-sqlite3 connection to the file: for seeding and
 * for looking at the schema, never for what the store itself must be tested doing.
 */
export function withRawDatabase<T>(file: string, use: (db: Database.Database) => T): T {
  const db = new Database(file, { timeout: 5000 });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

/** The names of Annals' tables in a file ([] when the file does not exist). */
export function annalsTables(file: string): string[] {
  if (!existsSync(file)) return [];
  return withRawDatabase(file, (db) =>
    db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'annals%' ORDER BY name`)
      .pluck()
      .all() as string[],
  );
}

/** The versions recorded in annals_schema_migrations, one entry per row. */
export function recordedMigrations(file: string): number[] {
  return withRawDatabase(file, (db) => db.prepare(`SELECT version FROM annals_schema_migrations ORDER BY version`).pluck().all() as number[]);
}
