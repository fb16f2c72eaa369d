import { createHash } from 'node:crypto';
import pg from 'pg';
import type { CollectionSpec, IndexKind } from '../../readmodel/types.js';

/**
 * The names and expressions of read-model collections in PostgreSQL, in one place: `prepare`
 * builds the indexes from them and every find and count queries with the very same text, which
 * is what lets the planner use the index.
 *
 * A collection is the table `"rm:<spec.key>"` (at most 62 bytes: PostgreSQL keeps 63) with
 * `id text COLLATE "C" PRIMARY KEY, doc json`. A declared index is an expression index on
 * (value, id), partial on the value being present, so that ties order by id from the index and
 * documents without the field cost nothing in it.
 *
 * `doc` is `json`, not `jsonb`, as the log's events are: `get` and `find` give back the very text
 * the projection wrote (jsonb would reorder its keys and respace it), and a read sends the
 * stored text without converting it. Cast to `jsonb` in ad-hoc queries for its operators.
 */

/** The collection's table, qualified and quoted. */
export function collectionTable(quotedSchema: string, spec: CollectionSpec): string {
  return `${quotedSchema}.${pg.escapeIdentifier(`rm:${spec.key}`)}`;
}

/**
 * The expression a declared index holds. Strings compare in the "C" collation (byte order of
 * UTF-8, which is Unicode code point order, as compareIndexValues); numbers as float8 (a JSON
 * number from JavaScript is a double, so no value is rounded). NULL for a missing or null field.
 */
export function indexExpression(field: string, kind: IndexKind): string {
  const value = `(doc->>${pg.escapeLiteral(field)})`;
  return kind === 'number' ? `(${value}::float8)` : `(${value} COLLATE "C")`;
}

/** The SQL type a bound value of this kind is cast to, to compare with the index expression. */
export function valueType(kind: IndexKind): string {
  return kind === 'number' ? 'float8' : 'text';
}

/**
 * The declared index's name: unique in the schema and at most 63 bytes whatever the key, from a
 * hash of the key, the field and its kind (a kind changed in place makes a new index, which the
 * queries of the new kind then use), with the field at the end for people reading `\di`.
 */
export function indexName(spec: CollectionSpec, field: string, kind: IndexKind): string {
  const hash = createHash('sha256').update(`${spec.key}\0${field}\0${kind}`).digest('hex').slice(0, 12);
  return `rmi:${hash}:${field}`;
}

/** The statements that create the collection's table and its declared indexes where missing. */
export function collectionDdl(quotedSchema: string, spec: CollectionSpec): string[] {
  const table = collectionTable(quotedSchema, spec);
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (id text COLLATE "C" PRIMARY KEY, doc json NOT NULL)`,
    ...Object.entries(spec.indexes).map(([field, kind]) => {
      const expression = indexExpression(field, kind);
      return `CREATE INDEX IF NOT EXISTS ${pg.escapeIdentifier(indexName(spec, field, kind))} ON ${table} (${expression}, id) WHERE ${expression} IS NOT NULL`;
    }),
  ];
}

/** The qualified names of the relations a collection needs (its table and its indexes), for to_regclass. */
export function collectionRelations(quotedSchema: string, spec: CollectionSpec): string[] {
  return [
    collectionTable(quotedSchema, spec),
    ...Object.entries(spec.indexes).map(([field, kind]) => `${quotedSchema}.${pg.escapeIdentifier(indexName(spec, field, kind))}`),
  ];
}

/** The database's clock, to the millisecond (what callers see is what leases are decided on). */
export const NOW = `date_trunc('milliseconds', statement_timestamp())`;

/** A timestamptz column as milliseconds since the epoch, 0 for NULL. */
export function epochMs(column: string): string {
  return `coalesce((extract(epoch FROM ${column}) * 1000)::bigint, 0)`;
}
