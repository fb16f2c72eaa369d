import type { Replication } from '../../backend/parts.js';
import type { ReplicaLag } from '../../core/types.js';
import type { PostgresPool } from './connection.js';

/**
 * The server's place in replication: whether it was a standby when the store was opened (the
 * core then refuses writes and consumers), and its lag now, from the standby's own view of
 * the log it received and replayed. Sent as one statement, so that the figures are of one moment.
 */
export class PostgresReplication implements Replication {
  constructor(
    private readonly pool: PostgresPool,
    readonly location: string,
    readonly standby: boolean,
  ) {}

  async lag(): Promise<ReplicaLag> {
    // Nothing waits when the replay has reached what was received: 0 seconds, however long the
    // primary has been idle (the last replayed commit may be old). Received is null on a standby
    // fed from an archive: then the age of the last replayed commit is all there is to go by.
    const { rows } = await this.pool.query<{ standby: boolean; bytes: number | null; seconds: number | null; replayed_at: number | null }>(
      'replica-lag',
      `SELECT standby, bytes, replayed_at,
              CASE WHEN NOT standby OR bytes = 0 THEN 0
                   ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::float8 END AS seconds
         FROM (SELECT pg_is_in_recovery() AS standby,
                      CASE WHEN pg_is_in_recovery() THEN greatest(0, pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()))::float8
                           ELSE 0 END AS bytes,
                      pg_last_xact_replay_timestamp() AS replayed_at) AS server`,
      [],
    );
    const { standby, bytes, seconds, replayed_at: replayedAt } = rows[0]!;
    if (!standby) return { standby: false, seconds: 0, bytes: 0 };
    return {
      standby: true,
      seconds: seconds ?? 0,
      ...(bytes === null ? {} : { bytes }),
      ...(replayedAt === null ? {} : { lastReplayAt: new Date(replayedAt) }),
    };
  }
}
