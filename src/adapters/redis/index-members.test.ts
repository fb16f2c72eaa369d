import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, compareIndexValues } from '../../readmodel/documents.js';
import { indexMember, lexRange } from './index-members.js';

const sign = (n: number) => Math.sign(n) + 0;
// Strings of any code points, 0x00 and 0x01 made frequent: they are what the encoding escapes.
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '\u0002', 'a', '\u{1F600}') }));
const id = text.filter((s) => s.length > 0);
const number = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1, -1, Number.MIN_VALUE, -Number.MAX_VALUE));

describe('index members', () => {
  it('order as (value, id) pairs do: strings by code point, numbers numerically, ties by id', () => {
    for (const [kind, value] of [['string', text], ['number', number]] as const) {
      fc.assert(
        fc.property(value, id, value, id, (v1, id1, v2, id2) => {
          const expected = sign(compareIndexValues(v1, v2) || compareCodePoints(id1, id2));
          expect(sign(Buffer.compare(indexMember(kind, v1, id1), indexMember(kind, v2, id2)))).toBe(expected);
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('make ranges that hold exactly the members whose values pass the bounds', () => {
    const inside = (member: Buffer, { min, max }: { min: Buffer | string; max: Buffer | string }) => {
      const above = min === '-' || (typeof min !== 'string' && (min[0] === 0x5b ? Buffer.compare(member, min.subarray(1)) >= 0 : Buffer.compare(member, min.subarray(1)) > 0));
      const below = max === '+' || (typeof max !== 'string' && (max[0] === 0x5b ? Buffer.compare(member, max.subarray(1)) <= 0 : Buffer.compare(member, max.subarray(1)) < 0));
      return above && below;
    };
    for (const [kind, value] of [['string', text], ['number', number]] as const) {
      fc.assert(
        fc.property(value, id, value, fc.constantFrom('eq', 'gt', 'gte', 'lt', 'lte'), (v, docId, bound, op) => {
          const c = compareIndexValues(v, bound);
          const expected = { eq: c === 0, gt: c > 0, gte: c >= 0, lt: c < 0, lte: c <= 0 }[op];
          expect(inside(indexMember(kind, v, docId), lexRange({ field: 'f', kind, [op]: bound }))).toBe(expected);
        }),
        { numRuns: 2000 },
      );
    }
  });
});
