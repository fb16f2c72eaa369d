import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openMemory } from '../adapters/memory/open.js';
import { EventStore } from '../core/event-store.js';
import { partitionOf } from '../core/partition.js';
import { defineProjection } from './define-projection.js';
import { assignedPartitions } from './group.js';
import { runProjections, type RunningProjections } from './run-projections.js';
import { listDeadLetters } from './dead-letters.js';
import { allDocuments, eventually, foldTrails, trailProjection, type Trail } from '../testing/conformance/projections/suite.js';
import type { RecordedEvent } from '../core/types.js';

const opened: (EventStore | RunningProjections)[] = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await (thing instanceof EventStore ? thing.close() : thing.stop());
});

/** The trail projection (each stream's document lists the revisions applied, in order), split in `count` partitions. */
const partitionedTrail = (count: number) => trailProjection('trail', count);

describe('assignedPartitions', () => {
  it('deals every partition to exactly one member, the counts differing by at most one', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (ids, count) => {
        const members = ids.map((member) => ({ member }));
        const shares = ids.map((id) => assignedPartitions(members, id, count));
        expect(shares.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, p) => p));
        const sizes = shares.map((share) => share.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('gives a member that is not listed nothing', () => {
    expect(assignedPartitions([{ member: 'a' }], 'b', 16)).toEqual([]);
  });
});

describe('a consumer group on the memory store', () => {
  async function setup(count: number) {
    const events = new EventStore(await openMemory());
    opened.push(events);
    return { events, trail: partitionedTrail(count) };
  }

  async function member(events: EventStore, projection: ReturnType<typeof partitionedTrail>, owner: string): Promise<RunningProjections> {
    const running = await runProjections(events, [projection], { owner, leaseTtlMs: 300, batchSize: 7 });
    opened.push(running);
    return running;
  }

  async function trails(running: RunningProjections, projection: ReturnType<typeof partitionedTrail>) {
    return allDocuments(running.readModels.collection<Trail>(projection, 'streams'));
  }

  it('shares the partitions among three members, each event applied once, in stream order, while appends go on', async () => {
    const { events, trail } = await setup(8);
    const members = [await member(events, trail, 'm-a'), await member(events, trail, 'm-b'), await member(events, trail, 'm-c')];
    for (let n = 0; n < 300; n++) await events.append(`s-${n % 23}`, [{ type: 'E' }, { type: 'E' }]);
    const head = await events.headPosition();
    await members[0]!.readModels.waitFor(trail, { minPosition: head, timeoutMs: 10_000 });
    expect(await trails(members[0]!, trail)).toEqual(await foldTrails(events));
    // Each member holds some partitions, together all of them, none twice.
    await eventually('each member holds its share', async () => {
      const [status] = await members[0]!.status();
      const held = status!.members!.map((m) => m.partitions.length);
      return status!.members!.length === 3 && held.every((n) => n >= 2) && held.reduce((a, b) => a + b, 0) === 8;
    });
    const [status] = await members[1]!.status();
    expect(status).toMatchObject({ name: 'trail', checkpoint: head, lag: { positions: 0 }, deadLetters: 0 });
    expect(status!.partitions!.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(status!.partitions!.map((p) => p.lease.owner))).toEqual(new Set(['m-a', 'm-b', 'm-c']));
  });

  it('moves the partitions of a member that leaves to the others, and to a member that joins, with no duplicate or gap', async () => {
    const { events, trail } = await setup(6);
    const a = await member(events, trail, 'm-a');
    const b = await member(events, trail, 'm-b');
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        await events.append(`s-${n % 17}`, [{ type: 'E' }]);
        if (n % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const c = await member(events, trail, 'm-c');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await a.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    writing = false;
    await writer;
    await b.readModels.waitFor(trail, { minPosition: await events.headPosition(), timeoutMs: 10_000 });
    expect(await trails(b, trail)).toEqual(await foldTrails(events));
    const [status] = await c.status();
    expect(status!.members!.map((m) => m.member)).toEqual(['m-b', 'm-c']);
    expect(status!.partitions!.every((p) => p.lease.owner === 'm-b' || p.lease.owner === 'm-c')).toBe(true);
  });

  it('reads a partitioned projection routed by its own key (every member reads the log, keeps its partitions)', async () => {
    const events = new EventStore(await openMemory());
    opened.push(events);
    const byOwner = defineProjection({
      name: 'by_owner',
      version: 1,
      partitions: { count: 4, key: (event) => (event.data as { owner: string }).owner },
      collections: { owners: {} },
      load: (event) => ({ collection: 'owners', id: (event.data as { owner: string }).owner }),
      apply: (event, session) => {
        const { owner } = event.data as { owner: string };
        const doc = session.get<{ positions: number[]; partition: number }>('owners', owner) ?? { positions: [], partition: partitionOf(owner, 4) };
        session.upsert('owners', owner, { ...doc, positions: [...doc.positions, event.position] });
      },
    });
    const running = [await runProjections(events, [byOwner], { owner: 'x', leaseTtlMs: 300 }), await runProjections(events, [byOwner], { owner: 'y', leaseTtlMs: 300 })];
    opened.push(...running);
    const positions = new Map<string, number[]>();
    for (let n = 0; n < 100; n++) {
      const owner = `o${n % 9}`;
      const { position } = await events.append(`acc-${n % 13}`, [{ type: 'E', data: { owner } }]);
      positions.set(owner, [...(positions.get(owner) ?? []), position]);
    }
    await running[0]!.readModels.waitFor(byOwner, { minPosition: await events.headPosition(), timeoutMs: 10_000 });
    const docs = await allDocuments(running[0]!.readModels.collection<{ positions: number[] }>(byOwner, 'owners'));
    expect(new Map([...docs].map(([id, doc]) => [id, doc.positions]))).toEqual(positions);
  });

  it("parks a failing event in its partition, with the member that parked it, and retries it through the members' runners", async () => {
    const events = new EventStore(await openMemory());
    opened.push(events);
    let fixed = false;
    const picky = defineProjection({
      name: 'picky',
      version: 1,
      partitions: { count: 4 },
      collections: { streams: {} },
      load: (event) => ({ collection: 'streams', id: event.stream }),
      apply: (event, session) => {
        if (event.type === 'Bad' && !fixed) throw new Error('refused');
        const doc = session.get<{ types: string[] }>('streams', event.stream) ?? { types: [] };
        session.upsert('streams', event.stream, { types: [...doc.types, event.type] });
      },
    });
    const members = [await runProjections(events, [picky], { owner: 'm-a', leaseTtlMs: 300, maxAttempts: 1 }), await runProjections(events, [picky], { owner: 'm-b', leaseTtlMs: 300, maxAttempts: 1 })];
    opened.push(...members);
    for (let n = 0; n < 12; n++) await events.append(`s-${n}`, [{ type: 'Good' }, { type: n % 5 === 0 ? 'Bad' : 'Good' }, { type: 'Good' }]);
    await members[0]!.readModels.waitFor(picky, { minPosition: await events.headPosition(), timeoutMs: 10_000 });
    const letters = await listDeadLetters(events.readModelStore(), picky, { limit: 100 });
    // s-0, s-5 and s-10: the bad event and the one after it, each in its stream's partition, parked by the member that holds it.
    expect(letters.map((letter) => [letter.stream, letter.type])).toEqual(['s-0', 's-0', 's-5', 's-5', 's-10', 's-10'].map((stream, i) => [stream, i % 2 === 0 ? 'Bad' : 'Good']));
    for (const letter of letters) expect(letter.partition).toBe(partitionOf(letter.stream, 4));
    const [status] = await members[1]!.status();
    expect(status!.deadLetters).toBe(6);
    for (const letter of letters) expect(letter.owner).toBe(status!.partitions![letter.partition!]!.lease.owner);
    fixed = true;
    // Each member retries the partitions it runs first; another member's refuse while it holds them.
    const outcomes = await Promise.all(members.map((member) => member.retryDeadLetters('picky').catch((error: { code: string }) => error.code)));
    for (const outcome of outcomes) if (typeof outcome === 'string') expect(outcome).toBe('ANNALS_PROJECTION_BUSY');
    expect(await listDeadLetters(events.readModelStore(), picky)).toEqual([]);
    const docs = await allDocuments(members[0]!.readModels.collection<{ types: string[] }>(picky, 'streams'));
    for (const [stream, doc] of docs) expect(doc.types, stream).toEqual(Number(stream.slice(2)) % 5 === 0 ? ['Good', 'Bad', 'Good'] : ['Good', 'Good', 'Good']);
  });

  it('refuses a partitioned projection registered inline', async () => {
    const { events, trail } = await setup(4);
    await expect(runProjections(events, { inline: [trail] })).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT' });
  });

  it('checks the partitions declaration', () => {
    const base = { name: 'p', version: 1, collections: { c: {} }, apply: () => undefined };
    for (const partitions of [{ count: 0 }, { count: 1025 }, { count: 2.5 }, { key: 'stream' }, null, 7]) {
      expect(() => defineProjection({ ...base, partitions } as never)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT' }));
    }
    expect(defineProjection({ ...base, partitions: {} }).partitions).toEqual({ count: 16, key: undefined });
  });
});
