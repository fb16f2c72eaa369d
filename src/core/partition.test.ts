import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertPartition, assertPartitionCount, keyHash, MAX_PARTITIONS, partitionOf } from './partition.js';

describe('log partitions', () => {
  it('puts every key in one partition of its count, the same each time', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: MAX_PARTITIONS }), (key, count) => {
        const partition = partitionOf(key, count);
        expect(Number.isInteger(partition)).toBe(true);
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(count);
        expect(partitionOf(key, count)).toBe(partition);
        expect(partition).toBe(keyHash(key) % count);
      }),
    );
  });

  it('hashes a key to the first four bytes of the MD5 digest of its UTF-8 text (a stored format: never changes)', () => {
    expect(keyHash('')).toBe(0xd41d8cd9);
    expect(keyHash('order-1')).toBe(0x6e7f85a9);
    expect(keyHash('ünïcødé-😀')).toBe(0xca919718);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (key) => {
        const hash = keyHash(key);
        expect(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 32).toBe(true);
      }),
    );
  });

  it('spreads stream names about evenly over the partitions', () => {
    const counts = new Array<number>(16).fill(0);
    for (let n = 0; n < 16_000; n++) counts[partitionOf(`order-${n}`, 16)]!++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('accepts a partition of 0 <= index < count <= 1024 and a count of 1 to 1024, and nothing else', () => {
    expect(assertPartition(undefined)).toBeUndefined();
    expect(assertPartition({ index: 1023, count: 1024 })).toEqual({ index: 1023, count: 1024 });
    expect(assertPartitionCount(1)).toBe(1);
    for (const bad of [{ index: 4, count: 4 }, { index: 0, count: 0 }, { index: 0, count: 1025 }, { index: 0.5, count: 2 }, 'p', null]) {
      expect(() => assertPartition(bad)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', argument: 'partition' }));
    }
    for (const bad of [0, 1025, 1.5, '8', Number.POSITIVE_INFINITY]) {
      expect(() => assertPartitionCount(bad)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', argument: 'count' }));
    }
  });
});
