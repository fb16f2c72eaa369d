import type { Redis } from 'ioredis';

/**
 * What a crash of Redis (or of its machine) can take from this store, as read from the
 * server's configuration when the store opened. `safe` is true only when every acknowledged
 * append is on disk before Redis answers (AOF on, fsync at every write) and Redis never
 * evicts the store's keys.
 */
export interface RedisDurability {
  /** CONFIG GET appendonly: 'yes' | 'no', or 'unknown' when CONFIG cannot be read. */
  readonly appendonly: string;
  /** CONFIG GET appendfsync: 'always' | 'everysec' | 'no', or 'unknown'. */
  readonly appendfsync: string;
  /** CONFIG GET save: the RDB snapshot schedule ('' for none), or 'unknown'. */
  readonly save: string;
  /** CONFIG GET maxmemory-policy, or 'unknown'. */
  readonly maxmemoryPolicy: string;
  /** True when every acknowledged append is on disk before Redis answers, and the store's keys are never evicted. */
  readonly safe: boolean;
  /** What can be lost, in words; absent when safe. */
  readonly risk?: string;
}

const SETTINGS = ['appendonly', 'appendfsync', 'save', 'maxmemory-policy'] as const;
const UNKNOWN = 'unknown';

/**
 * Reads the settings, one CONFIG GET each (older servers take one pattern per call).
 * A server that refuses CONFIG (renamed away, or denied by ACL) gives 'unknown' settings,
 * and the reason.
 */
export async function readDurability(client: Redis): Promise<RedisDurability> {
  const pipeline = client.pipeline();
  for (const name of SETTINGS) pipeline.config('GET', name);
  const replies = (await pipeline.exec()) ?? [];
  const values: string[] = [];
  for (const [error, reply] of replies) {
    if (error) {
      if (/unknown command|NOPERM|no permissions/i.test(error.message)) return assessDurability(undefined, error.message);
      throw error;
    }
    const pair = reply as string[];
    values.push(pair.length >= 2 ? String(pair[1]) : UNKNOWN);
  }
  const [appendonly, appendfsync, save, maxmemoryPolicy] = values as [string, string, string, string];
  return assessDurability({ appendonly, appendfsync, save, maxmemoryPolicy });
}

/** Judges a configuration; `settings` undefined means CONFIG could not be read (`why`). */
export function assessDurability(
  settings: { appendonly: string; appendfsync: string; save: string; maxmemoryPolicy: string } | undefined,
  why?: string,
): RedisDurability {
  if (!settings) {
    return {
      appendonly: UNKNOWN,
      appendfsync: UNKNOWN,
      save: UNKNOWN,
      maxmemoryPolicy: UNKNOWN,
      safe: false,
      risk:
        `Annals could not read the server's configuration (CONFIG GET failed: ${why ?? 'no reason given'}), ` +
        `so it cannot tell whether acknowledged appends survive a crash`,
    };
  }
  const { appendonly, appendfsync, save, maxmemoryPolicy } = settings;
  const risks: string[] = [];
  if (appendonly !== 'yes') {
    risks.push(
      save.trim() === ''
        ? `appendonly is '${appendonly}' and no RDB snapshots are configured (save ''): a restart or crash of Redis loses every event of this store`
        : `appendonly is '${appendonly}': a crash of Redis loses every append since its last RDB snapshot (save '${save}')`,
    );
  } else if (appendfsync === 'everysec') {
    risks.push(
      `appendfsync is 'everysec': a power loss or operating-system crash loses the appends of about the last second ` +
        `(a crash of the Redis process alone loses none)`,
    );
  } else if (appendfsync !== 'always') {
    risks.push(`appendfsync is '${appendfsync}': a power loss or operating-system crash loses whatever the OS had not yet written (often up to 30 seconds)`);
  }
  if (maxmemoryPolicy.startsWith('allkeys-')) {
    risks.push(`maxmemory-policy is '${maxmemoryPolicy}': under memory pressure Redis evicts keys, and with them events and the store's position counter`);
  }
  return { appendonly, appendfsync, save, maxmemoryPolicy, safe: risks.length === 0, ...(risks.length ? { risk: risks.join('; ') } : {}) };
}

/** The one warning an unsafe store logs when it opens. */
export function durabilityWarning(durability: RedisDurability, server: string): string {
  return (
    `The Redis store at ${server} can lose acknowledged appends: ${durability.risk}. ` +
    `To use Redis as a store of record, run it with 'appendonly yes' and 'appendfsync always' ` +
    `(in redis.conf, or CONFIG SET followed by CONFIG REWRITE), and a maxmemory-policy that never evicts ` +
    `(noeviction). The store's 'durability' property reports these settings.`
  );
}
