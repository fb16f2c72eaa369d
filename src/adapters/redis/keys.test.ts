import { describe, expect, it } from 'vitest';
import { StoreKeys } from './keys.js';

/** The part of a key that Redis Cluster hashes: the text inside the first non-empty {…}. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('Redis key layout', () => {
  it('puts every key of a store under one hash tag derived from the prefix', () => {
    const keys = new StoreKeys('annals:');
    const all = [keys.log, keys.ids, keys.positions, keys.stream('order-1'), keys.meta('order-1'), keys.stream('{x}-1'), keys.meta('a:b')];
    expect(all.map(hashTag)).toEqual(all.map(() => 'annals'));
    expect(keys.log).toBe('annals:{annals}:log');
    expect(keys.stream('order-1')).toBe('annals:{annals}:s:order-1');
  });

  it('keeps a prefix that already has a hash tag', () => {
    const keys = new StoreKeys('app:{orders}:');
    expect(keys.log).toBe('app:{orders}:log');
    expect(new StoreKeys('app:{orders}').ids).toBe('app:{orders}:ids');
  });

  it('gives stores with different prefixes different slots to shard on', () => {
    expect(hashTag(new StoreKeys('orders:').log)).not.toBe(hashTag(new StoreKeys('billing:').log));
  });

  it('refuses prefixes that cannot make a hash tag', () => {
    for (const prefix of ['', ':', 'a b', 'x{', 'x{}', 'x}y']) expect(() => new StoreKeys(prefix), prefix).toThrow(/keyPrefix/);
  });
});
