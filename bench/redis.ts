import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { formatCount } from './lib/format.js';
import type { CaseResult, Suite, SuiteContext } from './lib/types.js';
import { caseResult } from './lib/verdict.js';
import { buildReadFixture, REDIS_CASES, type ReadFixture } from './redis/cases.js';
import { RawRedis } from './redis/raw-redis.js';

/** The Redis the suite runs against: ANNALS_BENCH_REDIS_URL, else the tests' ANNALS_TEST_REDIS_URL, else localhost. */
function redisUrl(): string {
  return process.env.ANNALS_BENCH_REDIS_URL || process.env.ANNALS_TEST_REDIS_URL || 'redis://127.0.0.1:6379/0';
}

/**
 * Annals on Redis against raw ioredis doing the same work, in one run: appends against a Lua
 * script that checks the version (XLEN) and XADDs the bodies to the stream (the targets), and,
 * for information, against a script that stores what the contract's readers need (a log entry
 * per event, a stream pointer, the id index) and a bare XADD; readAll against an XRANGE loop
 * over the same log. Every key lives
 * under a prefix of the run's own, deleted at the end.
 */
export const redisSuite: Suite = {
  name: 'redis',
  description: 'Annals Redis vs raw ioredis: appends (vs a version-check-and-XADD script, a script storing what readers need, XADD), readAll',
  cases: REDIS_CASES.map((c) => c.name),

  async environment() {
    const client = new Redis(redisUrl(), { lazyConnect: true });
    await client.connect();
    try {
      const info = (await client.info('server')) as string;
      const config = async (name: string) => ((await client.config('GET', name)) as string[])[1] ?? '?';
      const require = createRequire(import.meta.url);
      return {
        redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?',
        ioredis: (require('ioredis/package.json') as { version: string }).version,
        appendonly: await config('appendonly'),
        appendfsync: await config('appendfsync'),
      };
    } finally {
      client.disconnect();
    }
  },

  async run({ options, progress }: SuiteContext): Promise<CaseResult[]> {
    const url = redisUrl();
    const selected = REDIS_CASES.filter((c) => options.only.length === 0 || options.only.includes(c.name));
    const run = `annals-bench-${process.pid}`;
    const raw = await RawRedis.open(url);
    const results: CaseResult[] = [];
    try {
      const setting = await settingOf(raw.client);
      let fixture: ReadFixture | undefined;
      if (selected.some((c) => c.reads)) {
        const task = progress.task('redis · writing the read fixture');
        fixture = await buildReadFixture(url, `${run}-reads:`, options, (f, s) => task.update(f, s));
        task.done(`${formatCount(fixture.events)} events`);
      }
      for (const benchCase of selected) {
        const label = benchCase.label(options);
        const task = progress.task(`redis ${setting} · ${label}`);
        const prefix = `${run}-${benchCase.name}-`;
        const { annals, raw: rawSide, pairRatios } = await benchCase.run({ options, url, prefix, raw, fixture, onProgress: (f, s) => task.update(f, s) });
        if (!options.keep) await deleteKeys(raw.client, prefix);
        const { result, summary } = caseResult({
          suite: 'redis',
          setting,
          name: benchCase.name,
          label,
          description: benchCase.description(options),
          annals,
          raw: rawSide,
          pairRatios,
          target: benchCase.target,
        });
        task.done(summary);
        results.push(result);
      }
      return results;
    } finally {
      if (!options.keep) await deleteKeys(raw.client, `${run}-`);
      raw.close();
    }
  },
};

async function settingOf(client: Redis): Promise<string> {
  const get = async (name: string) => ((await client.config('GET', name)) as string[])[1] ?? '?';
  return `appendonly=${await get('appendonly')} appendfsync=${await get('appendfsync')}`;
}

async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
