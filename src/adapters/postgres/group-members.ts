import { FORGET_MEMBERS_AFTER_MS } from '../../readmodel/group-members.js';
import type { GroupKey, GroupMember, GroupMembers } from '../../readmodel/types.js';
import type { PostgresPool } from './connection.js';
import { epochMs, NOW } from './read-model-sql.js';
import { statementName } from './transaction.js';

/** A member row with its times in ms; all NULL in the one row of a heartbeat answer with no member. */
interface MemberRow {
  readonly now: number;
  readonly member: string | null;
  readonly joined_at: number;
  readonly heartbeat_at: number;
  readonly expires_at: number;
}

const MEMBER_COLUMNS = `member, ${epochMs('joined_at')} AS joined_at, ${epochMs('heartbeat_at')} AS heartbeat_at, ${epochMs('expires_at')} AS expires_at`;

/**
 * The members of consumer groups, in the schema's `group_members` table (migration 5), on the
 * database's clock (NOW, to the ms). A heartbeat is one statement, so one round trip: the upsert
 * of the member's row (keeping joined_at), the removal of the group's rows expired more than
 * FORGET_MEMBERS_AFTER_MS ago, and the members not expired. Members come out by member id in the
 * "C" collation: the bytes of UTF-8, which is code point order.
 */
export class GroupMembersTable {
  private readonly table: string;

  constructor(
    private readonly pool: PostgresPool,
    quotedSchema: string,
  ) {
    this.table = `${quotedSchema}.group_members`;
  }

  async heartbeat(group: GroupKey, member: string, ttlMs: number): Promise<GroupMembers> {
    // The CTEs' changes are not visible to the outer query's read of the table: it sees the rows
    // as they were, so the member's own row is taken from the upsert's RETURNING instead.
    // A LEFT JOIN on one row, so the answer carries the clock even when no member is left.
    const text = `WITH beat AS (
        INSERT INTO ${this.table} AS m (projection, version, member, joined_at, heartbeat_at, expires_at)
        VALUES ($1, $2, $3, ${NOW}, ${NOW}, ${NOW} + $4::float8 * interval '1 millisecond')
        ON CONFLICT (projection, version, member) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
        RETURNING member, joined_at, heartbeat_at, expires_at
      ), forgotten AS (
        DELETE FROM ${this.table} WHERE projection = $1 AND version = $2 AND expires_at < ${NOW} - $5::float8 * interval '1 millisecond'
      )
      SELECT ${epochMs(NOW)} AS now, ${MEMBER_COLUMNS}
        FROM (SELECT) AS clock LEFT JOIN (
          SELECT member, joined_at, heartbeat_at, expires_at FROM beat
          UNION ALL
          SELECT member, joined_at, heartbeat_at, expires_at FROM ${this.table} WHERE projection = $1 AND version = $2 AND member <> $3
        ) AS found ON found.expires_at > ${NOW}
       ORDER BY member COLLATE "C"`;
    const { rows } = await this.pool.query<MemberRow>(statementName(text), text, [group.projection, group.version, member, ttlMs, FORGET_MEMBERS_AFTER_MS]);
    return { members: rows.filter((row) => row.member !== null).map(toMember), now: rows[0]!.now };
  }

  async leave(group: GroupKey, member: string): Promise<void> {
    const text = `DELETE FROM ${this.table} WHERE projection = $1 AND version = $2 AND member = $3`;
    await this.pool.query(statementName(text), text, [group.projection, group.version, member]);
  }

  async members(group: GroupKey): Promise<GroupMembers> {
    const text = `SELECT ${epochMs(NOW)} AS now, ${MEMBER_COLUMNS}
        FROM (SELECT) AS clock LEFT JOIN ${this.table} ON projection = $1 AND version = $2
       ORDER BY member COLLATE "C"`;
    const { rows } = await this.pool.query<MemberRow>(statementName(text), text, [group.projection, group.version]);
    return { members: rows.filter((row) => row.member !== null).map(toMember), now: rows[0]!.now };
  }
}

function toMember(row: MemberRow): GroupMember {
  return { member: row.member!, joinedAt: row.joined_at, heartbeatAt: row.heartbeat_at, expiresAt: row.expires_at };
}
