import { InvalidDocumentError } from '../core/errors.js';
import type { CollectionSpec, IndexValue } from './types.js';

/** `\u0000` in JSON text that is an escape, not the text `\\u0000` (an escaped backslash before `u0000`). */
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/** The largest document a collection takes, as JSON in UTF-8 bytes. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/**
 * The document as JSON text and its declared indexes' values, checked: a plain object that
 * survives JSON, at most 1 MiB, each indexed field of its declared kind (or missing or null).
 * @throws InvalidDocumentError
 */
export function encodeDocument(spec: CollectionSpec, id: string, document: unknown): { json: string; fields: Record<string, IndexValue> } {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new InvalidDocumentError(spec.key, id, `it is ${Array.isArray(document) ? 'an array' : document === null ? 'null' : `a ${typeof document}`}, not an object`);
  }
  let json: string;
  try {
    json = JSON.stringify(document);
  } catch (error) {
    throw new InvalidDocumentError(spec.key, id, `it cannot be written as JSON (${(error as Error).message})`);
  }
  // PostgreSQL's jsonb cannot hold U+0000, so no backend is given one (ids are checked alike).
  if (json.includes('\\u0000') && ESCAPED_NUL.test(json)) throw new InvalidDocumentError(spec.key, id, 'it contains the character U+0000, which not every backend can store');
  if (json.length * 3 > MAX_DOCUMENT_BYTES && Buffer.byteLength(json) > MAX_DOCUMENT_BYTES) {
    throw new InvalidDocumentError(spec.key, id, `it is ${Buffer.byteLength(json)} bytes as JSON, more than ${MAX_DOCUMENT_BYTES}`);
  }
  const fields: Record<string, IndexValue> = {};
  for (const [field, kind] of Object.entries(spec.indexes)) {
    const value = (document as Record<string, unknown>)[field];
    if (value === undefined || value === null) continue;
    if (kind === 'number' ? typeof value !== 'number' || !Number.isFinite(value) : typeof value !== 'string') {
      throw new InvalidDocumentError(spec.key, id, `its indexed field "${field}" is ${JSON.stringify(value) ?? typeof value}, not ${kind === 'number' ? 'a finite number' : 'a string'}`);
    }
    fields[field] = value as IndexValue;
  }
  return { json, fields };
}

/**
 * Orders index values as every backend must: numbers numerically, strings by Unicode code point
 * (which is the byte order of their UTF-8, SQLite's BINARY and PostgreSQL's "C" collation, and
 * Redis's lexicographic ranges). JavaScript's `<` on strings compares UTF-16 units instead, which
 * differs for characters beyond U+FFFF.
 */
export function compareIndexValues(a: IndexValue, b: IndexValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return compareCodePoints(String(a), String(b));
}

/** Compares two strings by Unicode code point (the byte order of their UTF-8): negative, 0 or positive. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (a character beyond U+FFFF) sorts after every other unit, as its code point does.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
