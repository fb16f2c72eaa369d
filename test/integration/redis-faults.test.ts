import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { AnnalsError, type AppendResult, type EventInput, type EventStore, type JsonObject, type RecordedEvent } from '../../src/index.js';
import { collect, range } from '../helpers/collect.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

const WRITERS = 4;
const CALLS_EACH = 40;
const MIN_FAILURES = 3;
/** A guard against hanging, not an assertion. */
const DEADLINE_MS = 45_000;
const END = 'End';

interface Call {
  /** The events of each part, by stream. */
  readonly parts: { stream: string; events: (EventInput & { id: string })[] }[];
  results?: AppendResult[];
}

class Tally {
  readonly calls: Call[] = [];
  readonly errors: unknown[] = [];
  writersDone = false;
  readonly deadline = Date.now() + DEADLINE_MS;
}

const newEvents = (count: number, data: JsonObject) => range(count).map((k) => ({ id: randomUUID(), type: `E${k}`, data }));

/**
 * One writer, alone on its streams: exact expected revisions, 'any', and two-stream appendMany
 * calls in turn. A failed call is retried with the same ids and the same expected revision
 * until it succeeds, as a client that got a retryable error should.
 */
async function writer(store: EventStore, w: number, tally: Tally): Promise<void> {
  let revision = -1;
  let sideRevision = -1;
  for (let n = 0; n < CALLS_EACH || (tally.errors.length < MIN_FAILURES && Date.now() < tally.deadline); n++) {
    const main = { stream: `fault${w}-main`, events: newEvents(1 + (n % 3), { w, n }) };
    const call: Call = { parts: [main] };
    let attempt: () => Promise<AppendResult[]>;
    if (n % 3 === 2) {
      const side = { stream: `fault${w}-side`, events: newEvents(1, { w, n }) };
      call.parts.push(side);
      const expected = [revision, sideRevision];
      attempt = () =>
        store.appendMany([
          { ...main, expectedRevision: expected[0]! < 0 ? 'no_stream' : expected[0]! },
          { ...side, expectedRevision: expected[1]! < 0 ? 'no_stream' : expected[1]! },
        ]);
    } else if (n % 3 === 1) {
      attempt = async () => [await store.append(main.stream, main.events)];
    } else {
      const expected = revision;
      attempt = async () => [await store.append(main.stream, main.events, { expectedRevision: expected < 0 ? 'no_stream' : expected })];
    }
    tally.calls.push(call);
    for (;;) {
      try {
        call.results = await attempt();
        break;
      } catch (error) {
        tally.errors.push(error);
        if (!(error instanceof AnnalsError && error.code === 'ANNALS_STORE_UNAVAILABLE' && error.retryable)) return;
        if (Date.now() > tally.deadline) throw new Error(`writer ${w} could not complete a call before the deadline`);
        await sleep(5);
      }
    }
    revision = call.results[0]!.streamRevision;
    if (call.results[1]) sideRevision = call.results[1].streamRevision;
  }
}

describeWithService(service, 'Redis: connections killed under load', () => {
  const redis = useRedis(service.url);

  it('loses nothing acknowledged, duplicates nothing, and fails in-flight calls only with the typed retryable error', async () => {
    const store = await redis.open();
    const admin = await redis.client();
    const tally = new Tally();
    const subscribed = (async () => {
      const seen: RecordedEvent[] = [];
      for await (const event of store.subscribe({ pageSize: 7 })) {
        if (event.type === END) return seen;
        seen.push(event);
      }
      throw new Error('the subscription ended before the End event');
    })();

    let kills = 0;
    const killing = (async () => {
      while (!tally.writersDone) {
        await sleep(5 + (kills % 5) * 5);
        for (const id of await redis.storeConnections(admin)) {
          await admin.client('KILL', 'ID', id).catch(() => undefined); // it may have gone already
          kills++;
        }
      }
    })();
    await Promise.all(range(WRITERS).map((w) => writer(store, w, tally))).finally(() => (tally.writersDone = true));
    await killing;

    // Every error was the typed, retryable one; enough calls were cut off to mean something.
    for (const error of tally.errors) expect(error).toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE', retryable: true });
    expect(tally.errors.length, `${kills} kills`).toBeGreaterThanOrEqual(MIN_FAILURES);

    // The last kill may still be landing: the End event is retried like any other call.
    const end = { id: randomUUID(), type: END };
    for (let attempt = 0; ; attempt++) {
      const failed = await store.append('fault-end', [end]).then(() => undefined, (error: unknown) => error);
      if (!failed) break;
      expect(failed).toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE', retryable: true });
      expect(attempt).toBeLessThan(20);
      await sleep(10);
    }
    const reader = await redis.reopen(store);
    const all = (await collect(reader.readAll())).slice(0, -1);
    const byId = new Map(all.map((e) => [e.id, e]));
    // Nothing duplicated, nothing lost: every call's events are there exactly once...
    expect(byId.size).toBe(all.length);
    const attempted = tally.calls.flatMap((c) => c.parts.flatMap((p) => p.events.map((e) => e.id)));
    expect(new Set(attempted)).toEqual(new Set(byId.keys()));
    // ...consecutive in their stream, where the acknowledgement said.
    for (const call of tally.calls) {
      call.parts.forEach((part, p) => {
        const stored = part.events.map((e) => byId.get(e.id)!);
        const last = stored[stored.length - 1]!;
        expect({ revision: last.revision, position: last.position }).toEqual({
          revision: call.results![p]!.streamRevision,
          position: call.results![p]!.position,
        });
        stored.forEach((event, i) => expect(event.revision).toBe(last.revision - (stored.length - 1 - i)));
      });
    }
    for (const w of range(WRITERS)) {
      for (const stream of [`fault${w}-main`, `fault${w}-side`]) {
        const events = await collect(reader.readStream(stream));
        expect(events.map((e) => e.revision), stream).toEqual(range(events.length));
      }
    }
    // The subscriber, whose connections were killed too, saw every event once, in order.
    expect((await subscribed).map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it('makes a retry with the same ids idempotent after a timeout whose append was carried out anyway', async () => {
    const store = await redis.open({ connection: { commandTimeout: 100 } });
    const admin = await redis.client();
    const first = await store.append('timeout-1', [{ type: 'Opened' }]);
    // Redis runs one thing at a time: a 400 ms script holds the append back past its timeout.
    const busy = admin.eval(
      `#!lua flags=no-writes
       local t = redis.call('TIME')
       repeat local n = redis.call('TIME') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 400000
       return 1`,
      0,
    );
    await sleep(50);
    const events = newEvents(2, { late: true });
    const timedOut = await store.append('timeout-1', events, { expectedRevision: first.streamRevision }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(timedOut).toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE', retryable: true });
    await busy;

    // The append was carried out after all: the retry finds it and returns its result.
    const written = await store.getEvent(events[1]!.id);
    expect(written).toMatchObject({ stream: 'timeout-1', revision: 2 });
    const retried = await store.append('timeout-1', events, { expectedRevision: first.streamRevision });
    expect(retried).toEqual({ stream: 'timeout-1', streamRevision: 2, position: written!.position });
    expect((await collect(store.readStream('timeout-1'))).map((e) => e.id)).toEqual([
      (await collect(store.readStream('timeout-1', { maxCount: 1 })))[0]!.id,
      ...events.map((e) => e.id),
    ]);
  });
});
