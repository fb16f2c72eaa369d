import { describe, expect, it } from 'vitest';
import { SkipList } from './skip-list.js';

describe('conformance skips', () => {
  it('gives the reason of a skipped test and nothing for the others', () => {
    const skips = new SkipList([{ test: 'pages backwards', reason: 'no reverse index yet' }]);
    expect(skips.register('pages backwards')).toBe('no reverse index yet');
    expect(skips.register('pages forwards')).toBeUndefined();
    expect(() => skips.assertAllKnown()).not.toThrow();
  });

  it('fails loudly when a skip names a test that does not exist', () => {
    const skips = new SkipList([
      { test: 'pages backwards', reason: 'r' },
      { test: 'pages sideways', reason: 'r' },
    ]);
    skips.register('pages backwards');
    expect(skips.unknown()).toEqual(['pages sideways']);
    expect(() => skips.assertAllKnown()).toThrow(/"pages sideways"/);
  });

  it('requires the exact name: a prefix or another case does not match', () => {
    const skips = new SkipList([{ test: 'Pages backwards', reason: 'r' }]);
    expect(skips.register('pages backwards')).toBeUndefined();
    expect(() => skips.assertAllKnown()).toThrow(/does not exist/);
  });

  it('rejects skips without a reason, without a name, or declared twice', () => {
    expect(() => new SkipList([{ test: 'a', reason: ' ' }])).toThrow(/reason/);
    expect(() => new SkipList([{ test: '', reason: 'r' }])).toThrow(/exact name/);
    expect(() => new SkipList([{ reason: 'r' } as never])).toThrow(/exact name/);
    expect(() => new SkipList([{ test: 'a', reason: 'r' }, { test: 'a', reason: 's' }])).toThrow(/twice/);
    expect(() => new SkipList(undefined as never)).toThrow(/array/);
  });

  it('refuses two tests with one name, since a skip could not tell them apart', () => {
    const skips = new SkipList([]);
    skips.register('reads');
    expect(() => skips.register('reads')).toThrow(/two tests named "reads"/);
  });
});
