import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MADE_ID_PREFIX_LENGTH, madeId, madeIdPosition, madeIdPrefix } from './made-ids.js';

const VERSION_8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const prefixes = fc.tuple(hex(8), hex(4), hex(3), hex(1)).map(([a, b, c, d]) => `${a}-${b}-8${c}-8${d}`);

describe('store-made Redis event ids', () => {
  it('draws a new random prefix of the version-8 shape each time', () => {
    const drawn = Array.from({ length: 1000 }, madeIdPrefix);
    expect(new Set(drawn).size).toBe(drawn.length);
    for (const prefix of drawn) {
      expect(prefix).toHaveLength(MADE_ID_PREFIX_LENGTH);
      expect(madeId(prefix, 1)).toMatch(VERSION_8);
    }
  });

  it('names the position it was made for, for every position a store can reach', () => {
    fc.assert(
      fc.property(prefixes, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (prefix, position) => {
        const id = madeId(prefix, position);
        expect(id).toMatch(VERSION_8);
        expect(id.startsWith(prefix)).toBe(true);
        expect(madeIdPosition(id)).toBe(position);
      }),
    );
    expect(madeId('00000000-0000-8000-80', 2 ** 48 + 255)).toBe('00000000-0000-8000-8001-0000000000ff');
    expect(madeId('00000000-0000-8000-80', Number.MAX_SAFE_INTEGER)).toBe('00000000-0000-8000-801f-ffffffffffff');
  });

  it('names no position for ids of another shape', () => {
    for (const id of [
      '6f1c2a3e-8b4d-4c5e-9f60-7a8b9c0d1e2f', // version 4
      '6f1c2a3e-8b4d-8c5e-9f60-7a8b9c0d1e2f', // version 8, variant digit 9
      '6f1c2a3e-8b4d-8c5e-8f60-7a8b9c0d1e2', // too short
      '6F1C2A3E-8B4D-8C5E-8F60-7A8B9C0D1E2F', // the store compares lower case (the core lowers given ids)
    ]) {
      expect(madeIdPosition(id)).toBeUndefined();
    }
  });
});
