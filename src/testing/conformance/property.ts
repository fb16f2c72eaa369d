import * as fc from 'fast-check';
import { describe, expect } from 'vitest';
import { AnnalsError } from '../../core/errors.js';
import type { AppendResult, ExpectedRevision, RecordedEvent } from '../../core/types.js';
import type { EventStore } from '../../core/event-store.js';
import { collect } from './helpers.js';
import { Model, Predicted, type ModelEvent, type PartPlan } from './property-model.js';
import type { Suite } from './suite.js';

const STREAMS = ['prop-a', 'prop-b', 'other-c'];

/** An expected revision, exact ones relative to the stream's revision so that right and wrong both come up. */
type Expectation = 'any' | 'no_stream' | 'stream_exists' | { readonly delta: number };
type Shape = 'same' | 'tail' | 'head' | 'reversed' | 'plus-new' | 'elsewhere';
type Op =
  | { readonly op: 'append'; readonly stream: number; readonly count: number; readonly expected: Expectation }
  | { readonly op: 'appendMany'; readonly streams: readonly [number, number]; readonly counts: readonly [number, number]; readonly expected: readonly [Expectation, Expectation] }
  | { readonly op: 'retry'; readonly of: number; readonly shape: Shape; readonly expected: Expectation | 'original' }
  | { readonly op: 'delete'; readonly mode: 'soft' | 'hard'; readonly stream: number; readonly expected: Expectation }
  | { readonly op: 'truncate'; readonly stream: number; readonly back: number };

const expectation: fc.Arbitrary<Expectation> = fc.oneof(
  { arbitrary: fc.constant('any' as const), weight: 3 },
  { arbitrary: fc.constant('no_stream' as const), weight: 1 },
  { arbitrary: fc.constant('stream_exists' as const), weight: 1 },
  { arbitrary: fc.record({ delta: fc.constantFrom(-1, 0, 0, 0, 1) }), weight: 4 },
);
const stream = fc.nat({ max: STREAMS.length - 1 });
const count = fc.integer({ min: 1, max: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('append' as const), stream, count, expected: expectation }), weight: 6 },
  {
    arbitrary: fc.record({
      op: fc.constant('appendMany' as const),
      streams: fc.uniqueArray(stream, { minLength: 2, maxLength: 2 }).map((s) => [s[0]!, s[1]!] as const),
      counts: fc.tuple(count, count),
      expected: fc.tuple(expectation, expectation),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('retry' as const),
      of: fc.nat(),
      shape: fc.constantFrom<Shape>('same', 'same', 'tail', 'head', 'reversed', 'plus-new', 'elsewhere'),
      expected: fc.oneof({ arbitrary: fc.constant('original' as const), weight: 2 }, { arbitrary: expectation, weight: 1 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), mode: fc.constantFrom('soft' as const, 'soft' as const, 'hard' as const), stream, expected: expectation }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('truncate' as const), stream, back: fc.integer({ min: -1, max: 3 }) }), weight: 2 },
);

function project(e: RecordedEvent | ModelEvent): ModelEvent {
  return { id: e.id, type: e.type, data: e.data, stream: e.stream, revision: e.revision, position: e.position };
}

interface Call {
  readonly stream: string;
  readonly ids: readonly string[];
  readonly expected: ExpectedRevision;
}

/** Runs operations on a store and on the model side by side, checking every outcome. */
class Run {
  private readonly model = new Model();
  private readonly calls: Call[] = [];
  private counter = 0;
  private lastPosition = 0;

  constructor(private readonly store: EventStore) {}

  async apply(o: Op): Promise<void> {
    switch (o.op) {
      case 'append':
        return this.append([this.fresh(STREAMS[o.stream]!, o.count, o.expected)]);
      case 'appendMany':
        if (!this.store.capabilities.multiStreamAppend) return;
        return this.append([this.fresh(STREAMS[o.streams[0]]!, o.counts[0], o.expected[0]), this.fresh(STREAMS[o.streams[1]]!, o.counts[1], o.expected[1])]);
      case 'retry':
        return this.retry(o);
      case 'delete': {
        if (!this.store.capabilities[o.mode === 'soft' ? 'softDelete' : 'hardDelete']) return;
        const name = STREAMS[o.stream]!;
        const expected = this.resolve(name, o.expected);
        return this.outcome(this.store.deleteStream(name, { mode: o.mode, expectedRevision: expected }), this.model.delete(name, o.mode, expected));
      }
      case 'truncate': {
        if (!this.store.capabilities.truncate) return;
        const name = STREAMS[o.stream]!;
        const before = Math.max(0, this.model.info(name).revision + 1 - o.back);
        return this.outcome(this.store.truncateStream(name, { before }), this.model.truncate(name, before));
      }
    }
  }

  /** Compares the store with the model: the log, each stream both ways, and each stream's info. */
  async check(): Promise<void> {
    expect((await collect(this.store.readAll({ pageSize: 3 }))).map(project)).toEqual(this.model.log());
    for (const name of STREAMS) {
      const events = this.model.events(name);
      expect((await collect(this.store.readStream(name, { pageSize: 2 }))).map(project), name).toEqual(events);
      expect((await collect(this.store.readStream(name, { direction: 'backwards' }))).map(project), name).toEqual(events.reverse());
      const info = this.model.info(name);
      if (info.deleted === 'hard') expect(await this.store.streamInfo(name)).toMatchObject({ stream: name, exists: false, deleted: 'hard' });
      else expect(await this.store.streamInfo(name)).toEqual(info);
    }
  }

  private fresh(name: string, count: number, expected: Expectation): Call {
    const ids = Array.from({ length: count }, () => `00000000-0000-4000-8000-${(++this.counter).toString(16).padStart(12, '0')}`);
    return { stream: name, ids, expected: this.resolve(name, expected) };
  }

  private retry(o: Extract<Op, { op: 'retry' }>): Promise<void> {
    if (this.calls.length === 0) return Promise.resolve();
    const past = this.calls[o.of % this.calls.length]!;
    const ids = [...past.ids];
    let name = past.stream;
    if (o.shape === 'tail' && ids.length > 1) ids.shift();
    if (o.shape === 'head' && ids.length > 1) ids.pop();
    if (o.shape === 'reversed') ids.reverse();
    if (o.shape === 'plus-new') ids.push(this.fresh(name, 1, 'any').ids[0]!);
    if (o.shape === 'elsewhere') name = STREAMS[(STREAMS.indexOf(name) + 1) % STREAMS.length]!;
    const expected = o.expected === 'original' ? past.expected : this.resolve(name, o.expected);
    return this.append([{ stream: name, ids, expected }]);
  }

  private resolve(name: string, expected: Expectation): ExpectedRevision {
    return typeof expected === 'string' ? expected : Math.max(0, this.model.info(name).revision + expected.delta);
  }

  private async append(parts: Call[]): Promise<void> {
    this.calls.push(...parts);
    const plans: PartPlan[] = [];
    let predicted: Predicted | undefined;
    for (const part of parts) {
      const plan = this.model.planAppend(part.stream, part.ids, part.expected);
      if (plan instanceof Predicted) {
        predicted = plan;
        break;
      }
      plans.push(plan);
    }
    const requests = parts.map((p) => ({ stream: p.stream, events: p.ids.map((id) => ({ id, type: `T${id.slice(-1)}`, data: { id } })), expectedRevision: p.expected }));
    const call: Promise<AppendResult | AppendResult[]> =
      parts.length === 1 ? this.store.append(requests[0]!.stream, requests[0]!.events, { expectedRevision: requests[0]!.expectedRevision }) : this.store.appendMany(requests);
    const results = await this.outcome(call, predicted);
    if (!results) return;
    const written: ModelEvent[] = [];
    for (const [i, plan] of plans.entries()) {
      const part = parts[i]!;
      const result = (Array.isArray(results) ? results[i] : results) as AppendResult;
      if (plan.kind === 'idempotent') {
        expect(result, 'an idempotent retry returns the original result').toEqual(plan.result);
        continue;
      }
      written.push(...(await this.learn(part, plan.firstRevision, result, requests[i]!.events)));
    }
    this.lastPosition = Math.max(this.lastPosition, ...written.map((e) => e.position));
    this.model.commit(written.sort((a, b) => a.position - b.position));
  }

  /** Reads back what one part wrote: the positions are the store's to choose, within the rules. */
  private async learn(part: Call, first: number, result: AppendResult, events: { id: string; type: string; data: { id: string } }[]): Promise<ModelEvent[]> {
    const learned: ModelEvent[] = [];
    for (const [i, input] of events.entries()) {
      const stored = await this.store.getEvent(input.id);
      expect(stored, `event ${input.id} was written`).toBeDefined();
      const event: ModelEvent = { id: input.id, type: input.type, data: input.data, stream: part.stream, revision: first + i, position: stored!.position };
      expect(project(stored!)).toEqual(event);
      expect(event.position, 'positions only grow').toBeGreaterThan(i === 0 ? this.lastPosition : learned[i - 1]!.position);
      learned.push(event);
    }
    const last = learned[learned.length - 1]!;
    expect(result).toEqual({ stream: part.stream, streamRevision: last.revision, position: last.position });
    return learned;
  }

  /** Awaits the store's call and checks it against the model's prediction (an error, or success). */
  private async outcome<T>(call: Promise<T>, predicted: Predicted | undefined): Promise<T | undefined> {
    let result: T;
    try {
      result = await call;
    } catch (error) {
      if (!(error instanceof AnnalsError)) throw error;
      expect({ code: error.code, ...pick(error, predicted?.facts) }, 'the store failed where the model did not').toEqual({
        code: predicted?.code,
        ...predicted?.facts,
      });
      return undefined;
    }
    expect(predicted?.code, 'the store succeeded where the model predicted an error').toBeUndefined();
    return result;
  }
}

function pick(error: object, facts: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.keys(facts ?? {}).map((key) => [key, (error as Record<string, unknown>)[key]]));
}

/**
 * A failing property prints `{ seed: …, path: … }` in its error; set ANNALS_PROPERTY_SEED (and
 * ANNALS_PROPERTY_PATH) to those values to run exactly that case again.
 */
export function replayFromEnvironment(): { seed?: number; path?: string } {
  const seed = process.env.ANNALS_PROPERTY_SEED;
  const path = process.env.ANNALS_PROPERTY_PATH;
  return { ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) };
}

export function propertyTests(suite: Suite): void {
  describe('model-based property', () => {
    suite.test(
      'agrees with a simple model over random appends, retries, deletes and truncates',
      async (f) => {
        await fc.assert(
          fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40, size: 'medium' }), async (ops) => {
            const store = await f.store();
            try {
              const run = new Run(store);
              for (const o of ops) await run.apply(o);
              await run.check();
            } finally {
              await store.close();
            }
          }),
          { numRuns: 60, ...replayFromEnvironment() },
        );
      },
      { timeout: 120_000 },
    );
  });
}
