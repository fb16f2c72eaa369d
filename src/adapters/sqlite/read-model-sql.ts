import { InvalidArgumentError } from '../../core/errors.js';
import { compareIndexValues } from '../../readmodel/documents.js';
import type { CollectionSpec, IndexValue, StoredFilter, StoredFind } from '../../readmodel/types.js';

/**
 * The SQL of read-model collections: one table per collection, `id TEXT PRIMARY KEY, doc TEXT`
 * (the document's JSON), and one partial expression index per declared field on
 * `(json_extract(doc, '$.field'), id) WHERE json_extract(doc, '$.field') IS NOT NULL`, so a
 * find scans only documents that have the field. Finds spell exactly that expression and that
 * condition, so the planner uses the index for the filter and for the order (field value, id);
 * read-model-sql.test.ts checks the plans. Text compares with BINARY, the byte order of UTF-8,
 * which is the Unicode code point order the contract asks for.
 *
 * Keyset paging seeks with the field's bound (`value >= v AND (value > v OR id > i)`): SQLite
 * does not seek on a row value `(expression, id) > (v, i)` over an expression index. With an
 * equality, the order is by id alone, and the seek is exact (`value = v AND id > i`).
 *
 * Names come from `spec.key` (`[a-z0-9_:-]`, checked by the core) and field names
 * (`[A-Za-z_][A-Za-z0-9_]*`); both are checked again here before they reach SQL text.
 */

const KEY = /^[a-z][a-z0-9_-]*:v[0-9]+:[a-z][a-z0-9_-]*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** The collection's table, quoted: `"rm:<projection>:v<version>:<collection>"`. */
export function tableName(spec: CollectionSpec): string {
  if (!KEY.test(spec.key)) throw new InvalidArgumentError('collection key', spec.key, '<projection>:v<version>:<collection>, as collectionSpec makes it');
  return `"rm:${spec.key}"`;
}

/**
 * A declared index, quoted. SQLite's names ignore case and field names do not, so each capital
 * letter is written as `+` and the letter in lower case (`userId` → `user+id`), which no field
 * name contains otherwise.
 */
export function indexName(spec: CollectionSpec, field: string): string {
  const folded = checkedField(field).replace(/[A-Z]/g, (letter) => `+${letter.toLowerCase()}`);
  return `"rm:${spec.key}:by:${folded}"`;
}

/** The indexed expression; queries must spell it exactly so for the planner to match the index. */
export function fieldExpression(field: string): string {
  return `json_extract(doc, '$.${checkedField(field)}')`;
}

/** The statements that create the collection's table and indexes where missing. */
export function createCollectionSql(spec: CollectionSpec): string[] {
  const table = tableName(spec);
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`,
    ...Object.keys(spec.indexes).map(
      (field) => `CREATE INDEX IF NOT EXISTS ${indexName(spec, field)} ON ${table} (${fieldExpression(field)}, id) WHERE ${fieldExpression(field)} IS NOT NULL`,
    ),
  ];
}

/** A statement's text and its parameters. */
export interface SqlQuery {
  readonly sql: string;
  readonly params: IndexValue[];
}

/** `SELECT id, doc` for a find: its filter, its keyset position, its order, its limit. */
export function findSql(spec: CollectionSpec, find: StoredFind): SqlQuery {
  const { where, params } = whereClause(find);
  const desc = find.direction === 'desc';
  const [beyond, direction] = desc ? ['<', 'DESC'] : ['>', 'ASC'];
  // With an equality the field is constant: ordered by id alone, which the index gives too.
  const column = find.field === undefined || find.eq !== undefined ? undefined : fieldExpression(find.field);
  const { after } = find;
  if (after !== undefined && column === undefined) {
    const side = find.eq === undefined ? 0 : (desc ? -1 : 1) * compareIndexValues(find.eq, after.value!);
    if (side < 0) where.push('0'); // every document with the value is before the cursor
    if (side === 0) {
      where.push(`id ${beyond} ?`);
      params.push(after.id);
    }
  } else if (after !== undefined) {
    where.push(`${column} ${beyond}= ?`, `(${column} ${beyond} ? OR id ${beyond} ?)`);
    params.push(after.value!, after.value!, after.id);
  }
  const order = column === undefined ? `id ${direction}` : `${column} ${direction}, id ${direction}`;
  params.push(find.limit);
  return { sql: `SELECT id, doc AS json FROM ${tableName(spec)}${clause(where)} ORDER BY ${order} LIMIT ?`, params };
}

/** `SELECT count(*)` for a filter. */
export function countSql(spec: CollectionSpec, filter: StoredFilter): SqlQuery {
  const { where, params } = whereClause(filter);
  return { sql: `SELECT count(*) FROM ${tableName(spec)}${clause(where)}`, params };
}

const OPERATORS = [
  ['eq', '='],
  ['gt', '>'],
  ['gte', '>='],
  ['lt', '<'],
  ['lte', '<='],
] as const;

/** The conditions on the field: present and not null, and each bound given. */
function whereClause(filter: StoredFilter): { where: string[]; params: IndexValue[] } {
  const where: string[] = [];
  const params: IndexValue[] = [];
  if (filter.field === undefined) return { where, params };
  const column = fieldExpression(filter.field);
  where.push(`${column} IS NOT NULL`);
  for (const [bound, operator] of OPERATORS) {
    const value = filter[bound];
    if (value === undefined) continue;
    where.push(`${column} ${operator} ?`);
    params.push(value);
  }
  return { where, params };
}

function clause(where: readonly string[]): string {
  return where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
}

function checkedField(field: string): string {
  if (!FIELD.test(field) || field === 'id') throw new InvalidArgumentError('index field', field, 'a declared index field');
  return field;
}
