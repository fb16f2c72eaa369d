import { describe, expect } from 'vitest';
import { partitionOf } from '../../../core/partition.js';
import { ReadModels } from '../../../readmodel/read-models.js';
import { allDocuments, eventually, foldTrails, trailProjection, type ProjectionSuite, type Trail } from './suite.js';

/** The trail projection split in `count` partitions routed by stream name (what the log filters on). */
const partitionedTrail = (count: number) => trailProjection('split-trail', count);

export function groupTests(suite: ProjectionSuite): void {
  describe('consumer groups', () => {
    suite.test('a partitioned projection run by two members applies every event once, in stream order, each partition by one member', async (f) => {
      const stores = await f.stores();
      const other = await f.connect(stores);
      const trail = partitionedTrail(4);
      for (let n = 0; n < 40; n++) await stores.events.append(`s-${n % 9}`, [{ type: 'E' }, { type: 'E' }]);
      const first = await f.run(stores, [trail], { owner: 'member-a', batchSize: 5 });
      const second = await f.run(other, [trail], { owner: 'member-b', batchSize: 5 });
      for (let n = 0; n < 20; n++) await other.events.append(`s-${n % 11}`, [{ type: 'E' }]);
      const head = await stores.events.headPosition();
      await first.readModels.waitFor(trail, { minPosition: head, timeoutMs: 10_000 });
      expect(await allDocuments(new ReadModels(stores.readModels).collection<Trail>(trail, 'streams'))).toEqual(await foldTrails(stores.events));
      await eventually('the members share the partitions', async () => {
        const [status] = await second.status();
        const owners = status!.partitions!.map((partition) => partition.lease.owner);
        return owners.every((owner) => owner !== undefined) && new Set(owners).size === 2;
      });
      const [status] = await first.status();
      expect(status).toMatchObject({ name: 'split-trail', checkpoint: head, lag: { positions: 0 }, deadLetters: 0 });
      expect(status!.partitions!.map((partition) => [partition.partition, partition.checkpoint])).toEqual([0, 1, 2, 3].map((partition) => [partition, head]));
      expect(status!.members!.map((member) => [member.member, member.alive])).toEqual([['member-a', true], ['member-b', true]]);
      for (const member of status!.members!) {
        expect(member.partitions, `${member.member} holds the partitions whose lease names it`).toEqual(status!.partitions!.filter((p) => p.lease.owner === member.member).map((p) => p.partition));
      }
    });

    suite.test("a member that stops gives its partitions to the others, and the events after it still apply once", async (f) => {
      const stores = await f.stores();
      const other = await f.connect(stores);
      const trail = partitionedTrail(3);
      const first = await f.run(stores, [trail], { owner: 'member-a' });
      const second = await f.run(other, [trail], { owner: 'member-b' });
      await eventually('both members hold partitions', async () => {
        const [status] = await first.status();
        return new Set(status!.partitions!.map((partition) => partition.lease.owner)).size === 2;
      });
      await second.stop();
      for (let n = 0; n < 12; n++) await stores.events.append(`t-${n}`, [{ type: 'E' }]);
      await first.readModels.waitFor(trail, { minPosition: await stores.events.headPosition(), timeoutMs: 10_000 });
      expect(await allDocuments(new ReadModels(stores.readModels).collection<Trail>(trail, 'streams'))).toEqual(await foldTrails(stores.events));
      const [status] = await first.status();
      expect(status!.members!.map((member) => member.member)).toEqual(['member-a']);
      expect(status!.partitions!.every((partition) => partition.lease.owner === 'member-a')).toBe(true);
      // Every stream's events are in the partition its name hashes to.
      const streams = [...(await foldTrails(stores.events)).keys()];
      expect(new Set(streams.map((stream) => partitionOf(stream, 3))).size).toBeGreaterThan(1);
    });
  });
}
