import type { IndexKind, IndexValue, StoredFilter, StoredFind } from '../../readmodel/types.js';

/**
 * How a declared index lives in Redis: a sorted set whose members all have score 0, so that
 * Redis orders them by their bytes (memcmp) and ZRANGE BYLEX / ZLEXCOUNT select ranges in
 * O(log N + M). Each member is `prefix(value) + id`, built so that byte order of members is
 * exactly the order of (value, id) pairs that compareIndexValues promises:
 *
 * - 'number': 8 bytes, the IEEE 754 double big-endian with the sign bit flipped (positive
 *   numbers) or every bit flipped (negative ones), -0 read as 0. Fixed width, so the id starts
 *   at byte 9 and ties of value are ordered by the id's bytes.
 * - 'string': the value's UTF-8 (byte order = code point order) with 0x01 written 0x01 0x02 and
 *   0x00 written 0x01 0x01, then a 0x00 separator. The escaped value holds no 0x00, so the
 *   first 0x00 ends it; a value that is a prefix of another sorts first (0x00 is below any byte
 *   of an escaped value); and escaping keeps the order of bytes (0x00 → 01 01 < 0x01 → 01 02 <
 *   any byte from 0x02).
 * - ordering by id alone: a set whose members are the ids.
 *
 * Every value's members share the prefix, so "value = v" is the lexical range
 * [prefix(v), successor(prefix(v))), and keyset paging "after (v, id)" is the open bound
 * (prefix(v) + id.
 */

/** The bytes every member of `value` starts with. */
export function valuePrefix(kind: IndexKind, value: IndexValue): Buffer {
  if (kind === 'number') {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value === 0 ? 0 : (value as number));
    if (bytes[0]! & 0x80) for (let i = 0; i < 8; i++) bytes[i] = ~bytes[i]! & 0xff;
    else bytes[0] = bytes[0]! ^ 0x80;
    return bytes;
  }
  // UTF-8 never uses the bytes 0x00 and 0x01 inside a multi-byte character, so escaping the
  // characters U+0000 and U+0001 of the string escapes exactly those bytes.
  return Buffer.from(`${String(value).replace(/\u0001/g, '\u0001\u0002').replace(/\u0000/g, '\u0001\u0001')}\u0000`, 'utf8');
}

/** The sorted-set member of the document `id` whose field holds `value`. */
export function indexMember(kind: IndexKind, value: IndexValue, id: string): Buffer {
  return Buffer.concat([valuePrefix(kind, value), Buffer.from(id, 'utf8')]);
}

/** The short name of an index within its collection (`s:<field>` or `n:<field>`), also the end of its key. */
export function indexTag(kind: IndexKind, field: string): string {
  return `${kind === 'number' ? 'n' : 's'}:${field}`;
}

/** One end of a lexical range: inclusive or not; undefined is open (`-` or `+`). */
interface Bound {
  readonly key: Buffer;
  readonly inclusive: boolean;
}

/** The ZRANGE BYLEX / ZLEXCOUNT arguments (`min`, `max`) of a find or a count, ascending. */
export function lexRange(find: StoredFilter & Partial<Pick<StoredFind, 'direction' | 'after'>>): { min: Buffer | string; max: Buffer | string } {
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  const raise = (b: Bound) => (lower = lower === undefined ? b : tighter(lower, b, 1));
  const cap = (b: Bound) => (upper = upper === undefined ? b : tighter(upper, b, -1));
  const { field, kind, after } = find;
  if (field !== undefined && kind !== undefined) {
    const prefix = (value: IndexValue) => valuePrefix(kind, value);
    if (find.eq !== undefined) {
      raise({ key: prefix(find.eq), inclusive: true });
      cap({ key: successor(prefix(find.eq)), inclusive: false });
    }
    if (find.gte !== undefined) raise({ key: prefix(find.gte), inclusive: true });
    if (find.gt !== undefined) raise({ key: successor(prefix(find.gt)), inclusive: true });
    if (find.lte !== undefined) cap({ key: successor(prefix(find.lte)), inclusive: false });
    if (find.lt !== undefined) cap({ key: prefix(find.lt), inclusive: false });
  }
  if (after !== undefined) {
    const key = field !== undefined && kind !== undefined ? indexMember(kind, after.value!, after.id) : Buffer.from(after.id, 'utf8');
    if (find.direction === 'desc') cap({ key, inclusive: false });
    else raise({ key, inclusive: false });
  }
  return { min: lower === undefined ? '-' : encode(lower), max: upper === undefined ? '+' : encode(upper) };
}

/** The smallest byte string above every string that starts with `prefix` (one added to its last byte, with carry). */
function successor(prefix: Buffer): Buffer {
  const next = Buffer.from(prefix);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] !== 0xff) {
      next[i] = next[i]! + 1;
      return next;
    }
    next[i] = 0;
  }
  throw new RangeError('no successor of an all-0xff prefix'); // not reached: finite numbers and strings never make one
}

/** The narrower of two bounds on the same side: `side` 1 keeps the higher (a lower bound), -1 the lower. */
function tighter(a: Bound, b: Bound, side: 1 | -1): Bound {
  const order = Buffer.compare(a.key, b.key) * side;
  if (order !== 0) return order > 0 ? a : b;
  return a.inclusive ? b : a;
}

function encode(bound: Bound): Buffer {
  return Buffer.concat([Buffer.from(bound.inclusive ? '[' : '('), bound.key]);
}
