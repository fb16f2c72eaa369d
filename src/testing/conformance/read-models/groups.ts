import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import type { GroupKey, GroupMembers } from '../../../readmodel/types.js';
import type { ReadModelSuite } from './suite.js';

const GROUP: GroupKey = { projection: 'bank', version: 1 };

/** The member ids of an answer, in its order. */
const ids = (answer: GroupMembers) => answer.members.map((row) => row.member);

export function groupTests(suite: ReadModelSuite): void {
  describe('consumer groups', () => {
    suite.test('a first heartbeat joins the group; the next keeps the join time and moves the heartbeat on', async (f) => {
      const store = await f.store();
      const first = await store.heartbeat(GROUP, 'member-1', 60_000);
      expect(Math.abs(first.now - Date.now())).toBeLessThan(5000); // the database's clock, not far from ours
      expect(ids(first)).toEqual(['member-1']);
      const joined = first.members[0]!;
      expect(joined.joinedAt).toBe(joined.heartbeatAt);
      expect(Math.abs(joined.heartbeatAt - first.now)).toBeLessThanOrEqual(1000);
      expect(joined.expiresAt).toBeGreaterThanOrEqual(joined.heartbeatAt + 59_000);
      expect(joined.expiresAt).toBeLessThanOrEqual(joined.heartbeatAt + 61_000);
      await sleep(50);
      const second = await (await f.connect(store)).heartbeat(GROUP, 'member-1', 120_000);
      const beat = second.members[0]!;
      expect(ids(second)).toEqual(['member-1']);
      expect(beat.joinedAt).toBe(joined.joinedAt);
      expect(beat.heartbeatAt).toBeGreaterThan(joined.heartbeatAt);
      expect(beat.expiresAt).toBeGreaterThanOrEqual(beat.heartbeatAt + 119_000);
      expect(beat.expiresAt).toBeLessThanOrEqual(beat.heartbeatAt + 121_000);
      expect(second.now).toBeGreaterThanOrEqual(first.now);
      expect((await store.groupMembers(GROUP)).members).toEqual([beat]);
    });

    suite.test('members are listed by id in code point order', async (f) => {
      const store = await f.store();
      // Code point order; a locale puts 'a' before 'B', and UTF-16 units put '😀' before 'ｚ'.
      const sorted = ['B', 'a', 'b-2', 'é', 'ｚ', '😀'];
      for (const member of ['é', '😀', 'a', 'ｚ', 'B']) await store.heartbeat(GROUP, member, 60_000);
      expect(ids(await store.heartbeat(GROUP, 'b-2', 60_000))).toEqual(sorted);
      expect(ids(await (await f.connect(store)).groupMembers(GROUP))).toEqual(sorted);
    });

    suite.test('a member that stops beating leaves heartbeat answers once expired, and groupMembers when it leaves', async (f) => {
      const store = await f.store();
      await store.heartbeat(GROUP, 'steady', 60_000);
      expect(ids(await store.heartbeat(GROUP, 'brief', 50))).toEqual(['brief', 'steady']);
      await sleep(400); // well past its expiry
      const other = await f.connect(store);
      const answer = await other.heartbeat(GROUP, 'steady', 60_000);
      expect(ids(answer)).toEqual(['steady']);
      // Expired, not forgotten: status still shows it.
      const all = await store.groupMembers(GROUP);
      expect(ids(all)).toEqual(['brief', 'steady']);
      expect(all.members[0]!.expiresAt).toBeLessThan(all.now);
      await store.leaveGroup(GROUP, 'brief');
      expect(ids(await other.groupMembers(GROUP))).toEqual(['steady']);
      // Leaving twice, a member never seen, a group never seen: nothing to do, no error.
      await store.leaveGroup(GROUP, 'brief');
      await store.leaveGroup(GROUP, 'nobody');
      await store.leaveGroup({ projection: 'nothing', version: 7 }, 'steady');
      expect(ids(await store.groupMembers(GROUP))).toEqual(['steady']);
      await store.leaveGroup(GROUP, 'steady');
      expect(await store.groupMembers(GROUP)).toMatchObject({ members: [], now: expect.any(Number) });
    });

    suite.test('groups are separate by projection and by version', async (f) => {
      const store = await f.store();
      const v2 = { ...GROUP, version: 2 };
      const other = { projection: 'bank-2', version: 1 };
      expect(ids(await store.heartbeat(GROUP, 'member-1', 60_000))).toEqual(['member-1']);
      expect(ids(await store.heartbeat(v2, 'member-2', 60_000))).toEqual(['member-2']);
      expect(ids(await store.heartbeat(other, 'member-3', 60_000))).toEqual(['member-3']);
      await store.leaveGroup(v2, 'member-1');
      await store.leaveGroup(other, 'member-1');
      expect(ids(await store.groupMembers(GROUP))).toEqual(['member-1']);
      expect(ids(await store.groupMembers(v2))).toEqual(['member-2']);
      expect(ids(await store.groupMembers({ ...GROUP, version: 3 }))).toEqual([]);
    });
  });
}
