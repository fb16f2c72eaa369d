import { InvalidArgumentError } from '../core/errors.js';
import type { CollectionSpec, IndexDeclarations, IndexKind } from './types.js';

const PROJECTION_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const COLLECTION_NAME = /^[a-z][a-z0-9_-]{0,19}$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const MAX_VERSION = 9999;

/**
 * Names are short and plain so that every backend can use them in its own names (a quoted table
 * name of at most 63 bytes on PostgreSQL, a Redis key) without escaping rules of its own.
 */
export function assertProjectionName(name: unknown): string {
  if (typeof name !== 'string' || !PROJECTION_NAME.test(name)) {
    throw new InvalidArgumentError('projection name', name, '1 to 32 characters of a-z, 0-9, _ and -, starting with a letter');
  }
  return name;
}

/** A collection's or state row's version as stored (a projection's generation, see generations.ts): 1 to 9999. */
export function assertVersion(version: unknown): number {
  if (!Number.isInteger(version) || (version as number) < 1 || (version as number) > MAX_VERSION) {
    throw new InvalidArgumentError('projection version', version, `an integer from 1 to ${MAX_VERSION}`);
  }
  return version as number;
}

/** A projection's version as its definition gives it: 1 to 99 (each owns 100 generations of storage). */
export function assertProjectionVersion(version: unknown): number {
  if (!Number.isInteger(version) || (version as number) < 1 || (version as number) > 99) {
    throw new InvalidArgumentError('projection version', version, 'an integer from 1 to 99');
  }
  return version as number;
}

export function assertCollectionName(name: unknown): string {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new InvalidArgumentError('collection name', name, ' 1 to 20 characters of a-z, 0-9, _ and -, starting with a letter');
  }
  return name;
}

export function assertIndexes(collection: string, indexes: unknown): IndexDeclarations {
  if (indexes === undefined) return {};
  if (typeof indexes !== 'object' || indexes === null || Array.isArray(indexes)) {
    throw new InvalidArgumentError(`indexes of collection "${collection}"`, indexes, `an object of field name → 'string' or 'number'`);
  }
  const checked: Record<string, IndexKind> = {};
  for (const [field, kind] of Object.entries(indexes)) {
    if (!FIELD_NAME.test(field) || field === 'id') {
      throw new InvalidArgumentError(`index field of collection "${collection}"`, field, 'a top-level field name of 1 to 40 letters, digits and _ (not "id", which every collection has)');
    }
    if (kind !== 'string' && kind !== 'number') throw new InvalidArgumentError(`kind of index "${field}"`, kind, `'string' or 'number'`);
    checked[field] = kind;
  }
  return Object.freeze(checked);
}

/** The collection's spec: names checked, and its backend-neutral key. */
export function collectionSpec(projection: string, version: number, collection: string, indexes: unknown): CollectionSpec {
  assertProjectionName(projection);
  assertVersion(version);
  assertCollectionName(collection);
  return Object.freeze({
    projection,
    version,
    collection,
    key: `${projection}:v${version}:${collection}`,
    indexes: assertIndexes(collection, indexes),
  });
}

/** A document id: 1 to 512 characters, none of them U+0000 (so no backend needs to escape it). */
export function assertDocumentId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 512 || id.includes('\u0000')) {
    throw new InvalidArgumentError('document id', id, 'a string of 1 to 512 characters, without U+0000');
  }
  return id;
}
