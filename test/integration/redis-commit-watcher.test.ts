import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { EventStore } from '../../src/index.js';
import { CommitWatcher } from '../../src/adapters/redis/commit-signal.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

/** Long enough that a missed commit shows as a missing wake-up, not as the next XREAD timing out. */
const BLOCK_MS = 10_000;
const WAIT_MS = 3_000;

async function until(condition: () => boolean, timeoutMs = WAIT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describeWithService(service, 'Redis commit watcher', () => {
  const redis = useRedis(service.url);

  /**
   * A watcher on the store's keys whose connection reports each GET of the position counter,
   * and whose GET can be held until `release` resolves: the worst interleaving of a commit and
   * the watcher's start, made to happen on purpose.
   */
  function watcherOn(backend: { keys: { log: string; positions: string } }, log: string[], hold: () => Promise<void>): CommitWatcher {
    const connect = () => {
      const client = new Redis(service.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      const get = client.get.bind(client);
      client.get = (async (key: string) => {
        await hold();
        const value = await get(key);
        log.push('read the counter');
        return value;
      }) as typeof client.get;
      return client;
    };
    return new CommitWatcher(connect, backend.keys.log, backend.keys.positions, BLOCK_MS);
  }

  it('reads the position counter before it wakes subscribers', async () => {
    const backend = await redis.adapter();
    const log: string[] = [];
    const watcher = watcherOn(backend, log, async () => undefined);
    const stop = watcher.watch(() => log.push('woke'));
    try {
      expect(await until(() => log.includes('woke'))).toBe(true);
      expect(log.slice(0, 2)).toEqual(['read the counter', 'woke']);
    } finally {
      stop();
      watcher.close();
    }
  });

  it('wakes again for a commit made by a subscriber woken at the start', async () => {
    // A subscriber woken at the start reads, finds nothing new, and sleeps; an append lands
    // right then. The watcher must wait after the counter it read before that wake-up, so it
    // sees the append and wakes again. (Were the counter read after the wake-up, it would
    // already include the append, and the subscriber would sleep through it.)
    const backend = await redis.adapter();
    const store = new EventStore(backend);
    const log: string[] = [];
    let appended: Promise<unknown> | undefined;
    // Held only when a wake-up came first: then the counter is read after the append.
    const watcher = watcherOn(backend, log, async () => {
      if (log.includes('woke')) await appended;
    });
    const stop = watcher.watch(() => {
      log.push('woke');
      appended ??= store.append('order-1', [{ type: 'OrderPlaced' }]);
    });
    try {
      expect(await until(() => log.filter((entry) => entry === 'woke').length >= 2), `log: ${log.join(', ')}`).toBe(true);
    } finally {
      stop();
      watcher.close();
      await appended;
    }
  });
});
