/**
 * One released version of a store's PostgreSQL schema. `sql` renders it for `s`, the quoted
 * schema name (e.g. `"annals"`), so that every store can live in a schema of its own.
 */
export interface Migration {
  readonly version: number;
  readonly sql: (s: string) => string;
}
