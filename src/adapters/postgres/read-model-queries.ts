import type { CollectionSpec, IndexValue, StoredDocument, StoredFilter, StoredFind } from '../../readmodel/types.js';
import type { PostgresPool } from './connection.js';
import { collectionTable, indexExpression, valueType } from './read-model-sql.js';
import { statementName } from './transaction.js';

/** SQLSTATE undefined_table: a collection never prepared (or dropped) holds no documents. */
const UNDEFINED_TABLE = '42P01';

/**
 * Reads of one collection: by id (the primary key), and finds and counts on one declared index,
 * written with the index's own expression (read-model-sql.ts) so that the planner walks the
 * index: a find reads the documents it returns, not the collection, nor other collections.
 */
export class CollectionQueries {
  constructor(
    private readonly pool: PostgresPool,
    private readonly quotedSchema: string,
  ) {}

  async get(spec: CollectionSpec, ids: readonly string[]): Promise<(string | undefined)[]> {
    if (ids.length === 0) return [];
    const rows = await this.rows<StoredDocument>(documentsById(this.quotedSchema, spec), [ids]);
    const byId = new Map(rows.map((row) => [row.id, row.json]));
    return ids.map((id) => byId.get(id));
  }

  async find(spec: CollectionSpec, find: StoredFind): Promise<StoredDocument[]> {
    const values: unknown[] = [];
    const where = conditions(find, values);
    const { field, kind, after } = find;
    const [direction, beyond] = find.direction === 'asc' ? ['ASC', '>'] : ['DESC', '<'];
    let order = `id ${direction}`;
    if (field === undefined) {
      if (after !== undefined) where.push(`id ${beyond} ${bind(values, after.id, 'text')}`);
    } else {
      const expression = indexExpression(field, kind!);
      // A row comparison on (value, id): one index condition, which the index scan starts from.
      if (after !== undefined) where.push(`(${expression}, id) ${beyond} (${bind(values, after.value, valueType(kind!))}, ${bind(values, after.id, 'text')})`);
      order = `${expression} ${direction}, id ${direction}`;
    }
    const text = `SELECT id, doc::text AS json FROM ${collectionTable(this.quotedSchema, spec)}${clause(where)} ORDER BY ${order} LIMIT ${bind(values, find.limit, 'int')}`;
    return this.rows<StoredDocument>(text, values);
  }

  async count(spec: CollectionSpec, filter: StoredFilter): Promise<number> {
    const values: unknown[] = [];
    const where = conditions(filter, values);
    const rows = await this.rows<{ n: number }>(`SELECT count(*)::int AS n FROM ${collectionTable(this.quotedSchema, spec)}${clause(where)}`, values);
    return rows[0]?.n ?? 0;
  }

  private async rows<R extends object>(text: string, values: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(statementName(text), text, values)).rows;
    } catch (error) {
      if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return [];
      throw error;
    }
  }
}

/** The statement that reads a collection's documents by id ($1, a text array): rows of StoredDocument. */
export function documentsById(quotedSchema: string, spec: CollectionSpec): string {
  return `SELECT id, doc::text AS json FROM ${collectionTable(quotedSchema, spec)} WHERE id = ANY($1::text[])`;
}

/** The filter's conditions on its field's index expression (none without a field). */
function conditions(filter: StoredFilter, values: unknown[]): string[] {
  const { field, kind } = filter;
  if (field === undefined || kind === undefined) return [];
  const expression = indexExpression(field, kind);
  const type = valueType(kind);
  // The index is partial on this very condition; it also leaves out missing and null fields.
  const where = [`${expression} IS NOT NULL`];
  const bounds: [IndexValue | undefined, string][] = [
    [filter.eq, '='],
    [filter.gt, '>'],
    [filter.gte, '>='],
    [filter.lt, '<'],
    [filter.lte, '<='],
  ];
  for (const [value, operator] of bounds) if (value !== undefined) where.push(`${expression} ${operator} ${bind(values, value, type)}`);
  return where;
}

function bind(values: unknown[], value: unknown, type: string): string {
  values.push(value);
  return `$${values.length}::${type}`;
}

function clause(where: readonly string[]): string {
  return where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
}
