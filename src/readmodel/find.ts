import { InvalidArgumentError } from '../core/errors.js';
import type { CollectionSpec, IndexKind, IndexValue, StoredDocument, StoredFilter, StoredFind } from './types.js';

/** A condition on one indexed field: a value (equal to it), or a range. */
export type Condition = IndexValue | Range;

/** A range on one indexed field: any of the four bounds (not gt with gte, nor lt with lte). */
export interface Range {
  /** Greater than. */
  readonly gt?: IndexValue;
  /** Greater than or equal. */
  readonly gte?: IndexValue;
  /** Less than. */
  readonly lt?: IndexValue;
  /** Less than or equal. */
  readonly lte?: IndexValue;
}

/** The filter of a find or count: conditions on one declared index (a find uses one index). */
export type Where = Readonly<Record<string, Condition>>;

/** What `find` takes. */
export interface FindOptions {
  /** A condition on one indexed field; absent: every document. */
  readonly where?: Where;
  /** The indexed field to order by: the `where` field when there is one (the default), otherwise any indexed field, or 'id' (the default). */
  readonly orderBy?: string;
  /** 'asc' (the default) or 'desc'; ties are ordered by id in the same direction. */
  readonly direction?: 'asc' | 'desc';
  /** The most documents to return, 1 to 1,000. Default 100. */
  readonly limit?: number;
  /** The `next` of the previous page: the page after it (keyset paging: stable while documents change). */
  readonly after?: string;
}

/** A document a find returned, with its id. */
export interface FoundDocument<D> {
  /** The document's id. */
  readonly id: string;
  /** The document. */
  readonly document: D;
}

/** One page of a find. */
export interface FindPage<D> {
  /** The documents, with their ids, in the find's order. */
  readonly items: FoundDocument<D>[];
  /** Pass as `after` for the next page; undefined when this page is the last. */
  readonly next: string | undefined;
}

export const DEFAULT_FIND_LIMIT = 100;
export const MAX_FIND_LIMIT = 1000;

/** The filter, checked against the collection's declared indexes. */
export function checkFilter(spec: CollectionSpec, where: Where | undefined): StoredFilter {
  if (where === undefined) return {};
  if (typeof where !== 'object' || where === null || Array.isArray(where)) throw new InvalidArgumentError('where', where, 'an object { field: value or { gt, gte, lt, lte } }');
  const entries = Object.entries(where);
  if (entries.length === 0) return {};
  if (entries.length > 1) {
    throw new InvalidArgumentError('where', where, `a condition on one indexed field (a find uses one index); filter the rest in code, or declare a field that combines them`);
  }
  const [field, condition] = entries[0]!;
  const kind = kindOf(spec, field);
  if (typeof condition !== 'object' || condition === null) return { field, kind, eq: checkValue(field, kind, condition) };
  const range: { gt?: IndexValue; gte?: IndexValue; lt?: IndexValue; lte?: IndexValue } = {};
  for (const [bound, value] of Object.entries(condition)) {
    if (bound !== 'gt' && bound !== 'gte' && bound !== 'lt' && bound !== 'lte') {
      throw new InvalidArgumentError(`condition on "${field}"`, condition, 'a value, or an object of gt, gte, lt and lte');
    }
    if (value !== undefined) range[bound] = checkValue(field, kind, value);
  }
  if (range.gt !== undefined && range.gte !== undefined) throw new InvalidArgumentError(`condition on "${field}"`, condition, 'gt or gte, not both');
  if (range.lt !== undefined && range.lte !== undefined) throw new InvalidArgumentError(`condition on "${field}"`, condition, 'lt or lte, not both');
  return { field, kind, ...range };
}

/** The find, checked: filter, order, limit and cursor. */
export function checkFind(spec: CollectionSpec, options: FindOptions | undefined): StoredFind {
  const given = options ?? {};
  if (typeof given !== 'object' || given === null) throw new InvalidArgumentError('find options', options, 'an object { where, orderBy, direction, limit, after }');
  const filter = checkFilter(spec, given.where);
  let { field, kind } = filter;
  const orderBy = given.orderBy;
  if (orderBy !== undefined) {
    if (field !== undefined && orderBy !== field) {
      throw new InvalidArgumentError('orderBy', orderBy, `"${field}", the field of where (a find uses one index)`);
    }
    if (field === undefined && orderBy !== 'id') {
      field = orderBy;
      kind = kindOf(spec, orderBy);
    }
  }
  const direction = given.direction ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw new InvalidArgumentError('direction', direction, `'asc' or 'desc'`);
  const limit = given.limit ?? DEFAULT_FIND_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FIND_LIMIT) throw new InvalidArgumentError('limit', limit, `an integer from 1 to ${MAX_FIND_LIMIT}`);
  const after = given.after === undefined ? undefined : decodeCursor(given.after, field, kind);
  return { ...filter, field, kind, direction, limit, ...(after ? { after } : {}) };
}

/** The page's `next`: a cursor after its last document when the page is full. */
export function nextCursor(find: StoredFind, page: readonly StoredDocument[]): string | undefined {
  if (page.length < find.limit) return undefined;
  const last = page[page.length - 1]!;
  const key = find.field === undefined ? [last.id] : [(JSON.parse(last.json) as Record<string, unknown>)[find.field], last.id];
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: unknown, field: string | undefined, kind: IndexKind | undefined): { value?: IndexValue; id: string } {
  const bad = () => new InvalidArgumentError('after', cursor, 'the `next` of a page of the same find');
  if (typeof cursor !== 'string') throw bad();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw bad();
  }
  if (!Array.isArray(key)) throw bad();
  if (field === undefined) {
    if (key.length !== 1 || typeof key[0] !== 'string') throw bad();
    return { id: key[0] };
  }
  const [value, id] = key;
  if (key.length !== 2 || typeof id !== 'string' || (kind === 'number' ? typeof value !== 'number' : typeof value !== 'string')) throw bad();
  return { value, id };
}

function kindOf(spec: CollectionSpec, field: string): IndexKind {
  const kind = spec.indexes[field];
  if (kind === undefined) {
    const declared = Object.keys(spec.indexes);
    throw new InvalidArgumentError(
      'field',
      field,
      declared.length === 0 ? `an indexed field, but collection ${spec.key} declares none (declare indexes in the projection)` : `one of the declared indexes of ${spec.key}: ${declared.join(', ')}`,
    );
  }
  return kind;
}

function checkValue(field: string, kind: IndexKind, value: unknown): IndexValue {
  if (kind === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === 'string') return value as IndexValue;
  throw new InvalidArgumentError(`value for "${field}"`, value, kind === 'number' ? 'a finite number' : 'a string');
}
