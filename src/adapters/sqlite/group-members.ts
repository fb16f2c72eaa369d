import type Database from 'better-sqlite3';
import { FORGET_MEMBERS_AFTER_MS } from '../../readmodel/group-members.js';
import type { GroupKey, GroupMember, GroupMembers } from '../../readmodel/types.js';
import { NOW } from './projection-states.js';

const GROUP = `projection = ? AND version = ?`;
const MEMBER_COLUMNS = `member, joined_at AS joinedAt, heartbeat_at AS heartbeatAt, expires_at AS expiresAt`;

type GroupParams = [string, number];

/**
 * The members of consumer groups (annals_group_members, migration 4), on SQLite's clock (NOW) in
 * ms. Synchronous and without transactions of its own: the read-model store runs `heartbeat`,
 * which reads the clock and then writes, inside an IMMEDIATE transaction. Members come out by
 * member id in the BINARY collation, which compares the UTF-8 bytes: code point order.
 */
export class SqliteGroupMembers {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      now: db.prepare(`SELECT ${NOW}`).pluck(),
      beat: db.prepare<[...GroupParams, string, number, number, number]>(
        `INSERT INTO annals_group_members (projection, version, member, joined_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
      ),
      forget: db.prepare<[...GroupParams, number]>(`DELETE FROM annals_group_members WHERE ${GROUP} AND expires_at < ?`),
      current: db.prepare<[...GroupParams, number], GroupMember>(`SELECT ${MEMBER_COLUMNS} FROM annals_group_members WHERE ${GROUP} AND expires_at > ? ORDER BY member`),
      all: db.prepare<GroupParams, GroupMember>(`SELECT ${MEMBER_COLUMNS} FROM annals_group_members WHERE ${GROUP} ORDER BY member`),
      leave: db.prepare<[...GroupParams, string]>(`DELETE FROM annals_group_members WHERE ${GROUP} AND member = ?`),
    };
  }

  /** See ReadModelStore.heartbeat. Call inside an IMMEDIATE transaction. */
  heartbeat(group: GroupKey, member: string, ttlMs: number): GroupMembers {
    const now = this.s.now.get() as number;
    const key = params(group);
    this.s.beat.run(...key, member, now, now, now + ttlMs);
    this.s.forget.run(...key, now - FORGET_MEMBERS_AFTER_MS);
    return { members: this.s.current.all(...key, now), now };
  }

  leave(group: GroupKey, member: string): void {
    this.s.leave.run(...params(group), member);
  }

  members(group: GroupKey): GroupMembers {
    return { members: this.s.all.all(...params(group)), now: this.s.now.get() as number };
  }
}

function params(group: GroupKey): GroupParams {
  return [group.projection, group.version];
}
