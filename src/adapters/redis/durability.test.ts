import { describe, expect, it } from 'vitest';
import { assessDurability, durabilityWarning } from './durability.js';

const settings = (over: Partial<Record<'appendonly' | 'appendfsync' | 'save' | 'maxmemoryPolicy', string>>) => ({
  appendonly: 'yes',
  appendfsync: 'always',
  save: '',
  maxmemoryPolicy: 'noeviction',
  ...over,
});

describe('Redis durability assessment', () => {
  it('calls AOF with fsync at every write and no eviction safe, with no risk', () => {
    const durability = assessDurability(settings({}));
    expect(durability).toMatchObject({ safe: true, appendonly: 'yes', appendfsync: 'always' });
    expect(durability.risk).toBeUndefined();
  });

  it('says a restart loses everything when AOF and snapshots are both off', () => {
    const durability = assessDurability(settings({ appendonly: 'no', appendfsync: 'everysec' }));
    expect(durability.safe).toBe(false);
    expect(durability.risk).toMatch(/restart or crash of Redis loses every event/);
  });

  it('says a crash loses what came after the last snapshot when only RDB is on', () => {
    expect(assessDurability(settings({ appendonly: 'no', save: '3600 1 300 100' })).risk).toMatch(/since its last RDB snapshot \(save '3600 1 300 100'\)/);
  });

  it('says everysec loses about the last second on power loss', () => {
    const durability = assessDurability(settings({ appendfsync: 'everysec' }));
    expect(durability.safe).toBe(false);
    expect(durability.risk).toMatch(/about the last second/);
  });

  it('says appendfsync no leaves flushing to the operating system', () => {
    expect(assessDurability(settings({ appendfsync: 'no' })).risk).toMatch(/whatever the OS had not yet written/);
  });

  it('calls an allkeys eviction policy unsafe even with AOF always', () => {
    const durability = assessDurability(settings({ maxmemoryPolicy: 'allkeys-lru' }));
    expect(durability.safe).toBe(false);
    expect(durability.risk).toMatch(/evicts keys/);
    expect(assessDurability(settings({ maxmemoryPolicy: 'volatile-lru' })).safe).toBe(true);
  });

  it('is unsafe and says why when the configuration cannot be read', () => {
    const durability = assessDurability(undefined, "ERR unknown command 'CONFIG'");
    expect(durability).toMatchObject({ safe: false, appendonly: 'unknown', appendfsync: 'unknown' });
    expect(durability.risk).toMatch(/could not read the server's configuration \(CONFIG GET failed: ERR unknown command 'CONFIG'\)/);
  });

  it('warns with what can be lost and how to make Redis a store of record', () => {
    const message = durabilityWarning(assessDurability(settings({ appendonly: 'no' })), 'db:6379');
    expect(message).toContain('db:6379');
    expect(message).toContain("'appendonly yes'");
    expect(message).toContain("'appendfsync always'");
  });
});
