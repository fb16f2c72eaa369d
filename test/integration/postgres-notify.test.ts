import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/index.js';
import { recordStatements } from '../helpers/pg-statements.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

/** Far longer than the test: a subscriber that gets an event got it from a notification. */
const NO_POLL = { pollIntervalMs: 600_000 };

describeWithService(service, 'postgres notifications', () => {
  const ctx = usePostgres(service.url);

  it('wakes a subscriber of another store at once, and sends nothing while no other store listens', async () => {
    const schema = ctx.schema();
    const writer = await ctx.open({ schema, ...NO_POLL });
    const recorder = recordStatements();
    try {
      await writer.append('order-1', [{ type: 'Placed' }]);
      await sleep(100);
    } finally {
      recorder.stop();
    }
    expect(recorder.counts.get('listeners'), 'asked whether anyone listens').toBe(1);

    const reader = await ctx.open({ schema, ...NO_POLL });
    const seen: RecordedEvent[] = [];
    const stop = new AbortController();
    const subscription = (async () => {
      for await (const event of reader.subscribe({ signal: stop.signal })) seen.push(event);
    })();
    const deadline = Date.now() + 5000;
    while (seen.length < 1 && Date.now() < deadline) await sleep(5); // the LISTEN connection is up once it has read what was there
    await sleep(1100); // the writer's "nobody listens" answer has expired
    const { position } = await writer.append('order-2', [{ type: 'Placed' }]);
    while (seen.length < 2 && Date.now() < deadline) await sleep(5);
    stop.abort();
    await subscription;
    expect(seen.map((e) => e.stream)).toEqual(['order-1', 'order-2']);
    expect(seen[1]!.position).toBe(position);
  });
});
