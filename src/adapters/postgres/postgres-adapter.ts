import pg from 'pg';
import type { AppendResult, ExpectedRevision, StreamInfo } from '../../core/types.js';
import { ALL_CAPABILITIES, type AllPageQuery, type Durability, type PreparedAppend, type StorageAdapter, type StoredEvent, type StreamPageQuery } from '../../backend/parts.js';
import type { StoredSnapshot } from '../../core/snapshot.js';
import { toAnnalsError, TRANSIENT } from './errors.js';
import { fastAppend } from './fast-append.js';
import { Notifier } from './notifier.js';
import type { PostgresOptions } from './options.js';
import { migrate, type SchemaState } from './schema.js';
import { contiguousEnd, Settled } from './settled.js';

const EVENT_COLUMNS = `id, type, data, metadata, stream, revision, position, recorded_at AS "recordedAt"`;
const MAX_TRANSIENT_RETRIES = 3;
/** Positions walked at most per read, to settle a filtered page (or one after an unsettled `after`) by contiguity. */
const WALK_LIMIT = 1000;
/** How long a read waits, at most, for the appenders in the way (each usually ends within a millisecond or two). */
const APPENDERS_WAIT_MS = 100;
/** How long an answer to "does anyone else listen?" is trusted before it is asked again. */
const LISTENERS_RECHECK_MS = 1000;

// Per pool, never process-wide: bigints come back as numbers (positions and revisions stay
// far below 2^53), json as its text (the core decodes it), timestamps as epoch milliseconds.
const parseTimestamp = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ);
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    if (oid === pg.types.builtins.JSON) return (value: string) => value;
    if (oid === pg.types.builtins.TIMESTAMPTZ) return (value: string) => (parseTimestamp(value) as Date).getTime();
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/**
 * PostgreSQL through node-postgres: a pool per store, decisions taken inside the database in
 * one round trip per append (one statement for a single stream, see fast-append.ts, else the
 * append function), and a global order that is gap-safe: see settled.ts and docs/postgres.md.
 */
export class PostgresAdapter implements StorageAdapter {
  readonly name = 'postgres';
  readonly capabilities = ALL_CAPABILITIES;

  private readonly s: string;
  private readonly channel: string;
  private readonly notifier: Notifier;
  private notifying: Promise<void> | undefined;
  private notifyAgain = false;
  private heldBackRetries = 0;
  private heldBackTimer: NodeJS.Timeout | undefined;
  private readonly settled = new Settled(() => this.lookAtAppenders());
  private listeners = { present: true, checkedAt: -Infinity };
  private readonly appendTexts = new Map<string, string>();

  private constructor(
    private readonly pool: pg.Pool,
    readonly schemaName: string,
    readonly schema: SchemaState,
    readonly durability: Durability,
    config: pg.ClientConfig,
    private readonly pollIntervalMs: number,
  ) {
    this.s = pg.escapeIdentifier(schemaName);
    this.channel = `annals:${schemaName}`;
    this.notifier = new Notifier(config, this.channel, pollIntervalMs);
  }

  static async open(connectionString: string, options: PostgresOptions & { migrate?: boolean } = {}): Promise<PostgresAdapter> {
    const schemaName = options.schema ?? 'annals';
    const config: pg.ClientConfig = {
      connectionString,
      types: typeParsers,
      application_name: 'annals',
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
      // The append function relies on a fresh snapshot per statement, whatever the database's default.
      options: '-c default_transaction_isolation=read\\ committed',
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    };
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? 10 });
    // An idle connection that dies is dropped by the pool; without a listener it would crash the process.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        const state = await migrate(client, schemaName, pg.escapeIdentifier(schemaName), options.migrate ?? true);
        const durability = await readDurability(client);
        return new PostgresAdapter(pool, schemaName, state, durability, config, options.pollIntervalMs ?? 1000);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw toAnnalsError(error);
    }
  }

  async appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]> {
    const results = (batch.length === 1 && (await this.appendFast(batch[0]!))) || (await this.appendSlow(batch));
    this.notifyCommitted();
    return results;
  }

  /** The one-statement path; undefined when it wrote nothing and the function must decide. */
  private async appendFast(part: PreparedAppend): Promise<AppendResult[] | undefined> {
    if (part.events.length === 0) return undefined;
    const { name, text, values } = fastAppend(this.s, part, this.appendTexts);
    try {
      const { rows } = await this.query<{ revision: number | null; position: number | null }>(name, text, values, false);
      const row = rows[0];
      if (row?.position == null || row.revision == null) return undefined;
      return [{ stream: part.stream, streamRevision: row.revision, position: row.position }];
    } catch (error) {
      // An id recorded already (a retry, or a duplicate), or inserted at this moment by another call.
      if ((error as { code?: string }).code === '23505') return undefined;
      throw error;
    }
  }

  private async appendSlow(parts: readonly PreparedAppend[]): Promise<AppendResult[]> {
    // In the caller's order: the function locks the streams in name order itself, then decides
    // part by part in this order, so the error reported is that of the first failing part.
    const events = parts.flatMap((part, p) => part.events.map((event, offset) => ({ event, part: p + 1, offset })));
    const values = [
      parts.map((p) => p.stream),
      parts.map((p) => p.category),
      parts.map((p) => String(p.expectedRevision)),
      parts.map((p) => p.events.length),
      events.map((e) => e.part),
      events.map((e) => e.offset),
      events.map((e) => e.event.id),
      events.map((e) => e.event.type),
      events.map((e) => e.event.data),
      events.map((e) => e.event.metadata),
      events.some((e) => !e.event.generated),
    ];
    const { rows } = await this.query<{ out_stream: string; out_revision: number; out_position: number }>(
      'append',
      `SELECT out_stream, out_revision, out_position FROM ${this.s}.append_events(
         $1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::boolean)`,
      values,
    );
    return rows.map((row) => ({ stream: row.out_stream, streamRevision: row.out_revision, position: row.out_position }));
  }

  async readStreamPage({ stream, fromRevision, direction, limit }: StreamPageQuery): Promise<StoredEvent[]> {
    const forwards = direction === 'forwards';
    const { rows } = await this.query<StoredEvent>(
      forwards ? 'read-forwards' : 'read-backwards',
      `SELECT ${EVENT_COLUMNS} FROM ${this.s}.events WHERE stream = $1 AND revision ${forwards ? '>=' : '<='} $2
        ORDER BY revision ${forwards ? 'ASC' : 'DESC'} LIMIT $3`,
      [stream, fromRevision, limit],
    );
    return rows;
  }

  /**
   * A page in position order, cut at the settled position (see settled.ts): nothing will ever
   * commit at or below it. When the cut held rows back, the settled position is moved on
   * (contiguity, then one look at the appenders) and, if it moved, the page is read again with a
   * fresh snapshot; what is still held back comes with a later read, and subscribers are woken to
   * retry.
   */
  async readAllPage({ after, category, types, limit }: AllPageQuery): Promise<StoredEvent[]> {
    const filtered = category !== undefined || types !== undefined;
    const filters: string[] = [];
    const values: unknown[] = [after, limit];
    if (category !== undefined) filters.push(`AND category = $${values.push(category)}`);
    if (types !== undefined) filters.push(`AND type = ANY ($${values.push(types)}::text[])`);
    for (let attempt = 0; ; attempt++) {
      // Known before the page's snapshot is taken: only then may rows be handed out up to it.
      const settled = this.settled.value;
      const { rows } = await this.query<StoredEvent>(
        `read-all${category !== undefined ? '-category' : ''}${types !== undefined ? '-types' : ''}`,
        `SELECT ${EVENT_COLUMNS} FROM ${this.s}.events WHERE position > $1 ${filters.join(' ')} ORDER BY position LIMIT $2`,
        values,
      );
      // An unfiltered page from at or below the settled position shows every position after it that is committed.
      const cut = !filtered && after <= settled ? contiguousEnd(settled, rows) : settled;
      this.settled.advanceTo(cut);
      let end = rows.length;
      while (end > 0 && rows[end - 1]!.position > cut) end--;
      const heldBack = end < rows.length;
      if (!heldBack || attempt > 0 || !(await this.settle(rows[rows.length - 1]!.position, !filtered && after <= settled))) {
        this.retryHeldBack(heldBack);
        return heldBack ? rows.slice(0, end) : rows;
      }
    }
  }

  /**
   * Tries to settle up to `target`: by contiguity (a walk of the key, unless the page just did
   * it), then by looking at the appenders, for a short while. True when the settled position moved.
   */
  private async settle(target: number, pageWalked: boolean): Promise<boolean> {
    const before = this.settled.value;
    if (!pageWalked) await this.walk(target);
    if (this.settled.value < target) await this.settled.waitFor(target, APPENDERS_WAIT_MS);
    return this.settled.value > before;
  }

  /** Contiguity from the settled position, positions only (an index-only walk of the key). */
  private async walk(target: number): Promise<void> {
    const from = this.settled.value;
    const { rows } = await this.query<{ position: number }>(
      'settle-walk',
      `SELECT position FROM ${this.s}.events WHERE position > $1 ORDER BY position LIMIT $2`,
      [from, Math.max(1, Math.min(WALK_LIMIT, target - from))],
    );
    this.settled.advanceTo(contiguousEnd(from, rows));
  }

  /**
   * The last position assigned, read first; then the transactions (by virtual id) holding the
   * lock that nextval takes on the sequence, other than this connection. See settled.ts.
   */
  private async lookAtAppenders(): Promise<{ head: number; holders: string[] }> {
    const { rows: assigned } = await this.query<{ last: number }>(
      'head-assigned',
      `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS last FROM ${this.s}.positions`,
      [],
    );
    const { rows: holders } = await this.query<{ vxid: string }>(
      'head-appenders',
      `SELECT virtualtransaction AS vxid FROM pg_locks
        WHERE locktype = 'relation' AND relation = '${this.s}.positions'::regclass AND mode = 'RowExclusiveLock'
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND pid IS DISTINCT FROM pg_backend_pid()`,
      [],
    );
    return { head: assigned[0]!.last, holders: holders.map((row) => row.vxid) };
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const { rows } = await this.query<StoredEvent>('get', `SELECT ${EVENT_COLUMNS} FROM ${this.s}.events WHERE id = $1`, [id]);
    return rows[0];
  }

  /**
   * The settled position, after trying to move it to the last position assigned: at once when no
   * appender is running; else waiting a little for the appenders in the way (each ends quickly),
   * and meanwhile by contiguity. Never goes back.
   */
  async headPosition(): Promise<number> {
    await this.settled.waitFor(undefined, APPENDERS_WAIT_MS);
    if (this.settled.pending) await this.walk(this.settled.value + WALK_LIMIT);
    return this.settled.value;
  }

  async streamInfo(stream: string): Promise<StreamInfo> {
    const { rows } = await this.query<{ revision: number; deleted: 'soft' | 'hard' | null; truncated_before: number }>(
      'info',
      `SELECT revision, deleted, truncated_before FROM ${this.s}.streams WHERE stream = $1`,
      [stream],
    );
    const row = rows[0];
    const revision = row?.revision ?? -1;
    const deleted = row?.deleted ?? false;
    return { stream, exists: !deleted && revision >= 0, revision, deleted, truncatedBefore: row?.truncated_before ?? 0 };
  }

  async deleteStream(stream: string, mode: 'soft' | 'hard', expectedRevision: ExpectedRevision): Promise<void> {
    await this.query('delete', `SELECT ${this.s}.delete_stream($1, $2, $3)`, [stream, mode, String(expectedRevision)]);
  }

  async truncateStream(stream: string, before: number): Promise<void> {
    await this.query('truncate', `SELECT ${this.s}.truncate_stream($1, $2)`, [stream, before]);
  }

  async saveSnapshot(stream: string, snapshot: StoredSnapshot): Promise<void> {
    const { revision, version, state, savedAt } = snapshot;
    await this.query(
      'save-snapshot',
      `INSERT INTO ${this.s}.snapshots AS snap (stream, revision, version, state, saved_at) VALUES ($1, $2, $3, $4, to_timestamp($5::float8 / 1000))
       ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, version = excluded.version, state = excluded.state, saved_at = excluded.saved_at
       WHERE excluded.revision >= snap.revision`,
      [stream, revision, version, state, savedAt],
    );
  }

  async loadSnapshot(stream: string): Promise<StoredSnapshot | undefined> {
    const { rows } = await this.query<{ revision: number; version: string; state: string; saved_at: number }>(
      'load-snapshot',
      `SELECT revision, version, state, saved_at FROM ${this.s}.snapshots WHERE stream = $1`,
      [stream],
    );
    const row = rows[0];
    return row && { revision: row.revision, version: row.version, state: row.state, savedAt: row.saved_at };
  }

  /**
   * When a read held events back, wake the subscribers to read again soon, backing off to the
   * slow poll: the transactions in the way are usually appends about to commit (whose NOTIFY
   * wakes them too), but may have ended already or be unrelated and long.
   */
  private retryHeldBack(heldBack: boolean): void {
    if (!heldBack) {
      this.heldBackRetries = 0;
      return;
    }
    if (this.heldBackTimer) return;
    const delay = Math.min(this.pollIntervalMs, 2 ** this.heldBackRetries++);
    this.heldBackTimer = setTimeout(() => {
      this.heldBackTimer = undefined;
      this.notifier.wake();
    }, delay);
    this.heldBackTimer.unref();
  }

  watchExternalCommits(listener: () => void): () => void {
    return this.notifier.watch(listener);
  }

  async close(): Promise<void> {
    clearTimeout(this.heldBackTimer);
    await this.notifier.close();
    await this.notifying?.catch(() => undefined);
    await this.pool.end();
  }

  /** A named (prepared) statement, retried when PostgreSQL says nothing was written and it may simply run again. */
  private async query<R extends object>(name: string, text: string, values: unknown[], retryConflicts = true): Promise<pg.QueryResult<R>> {
    for (let attempt = 0; ; attempt++) {
      try {
        // Statements are prepared per connection, and a store's pool serves its schema alone: the
        // name needs no schema (which could take it past PostgreSQL's 63 characters).
        return await this.pool.query<R>({ name: name.startsWith('annals:') ? name : `annals:${name}`, text, values });
      } catch (error) {
        const code = (error as { code?: string }).code;
        // 23505: two transactions inserted the same new id or revision at once; run again, the
        // loser now sees the winner's row and answers with the typed error (or an idempotent result).
        if ((TRANSIENT.has(code ?? '') || (retryConflicts && code === '23505')) && attempt < MAX_TRANSIENT_RETRIES) continue;
        throw toAnnalsError(error);
      }
    }
  }

  /**
   * Other processes learn of commits by NOTIFY, sent after the append's commit from a tiny
   * transaction of its own (a NOTIFY inside the append would serialise every appender's commit
   * on the notification queue's lock). At most one is in flight; appends meanwhile coalesce into
   * one more. None is sent while no other store listens on this schema's channel (this store's
   * own subscribers are woken directly): see anyoneElseListening.
   */
  private notifyCommitted(): void {
    // The common case with no other store listening: nothing to do, not even a promise.
    if (!this.notifying && !this.listeners.present && Date.now() - this.listeners.checkedAt < LISTENERS_RECHECK_MS) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    const statement = `BEGIN; SET LOCAL synchronous_commit TO off; NOTIFY ${pg.escapeIdentifier(this.channel)}; COMMIT`;
    this.notifying = (async () => {
      do {
        this.notifyAgain = false;
        // Subscribers elsewhere fall back to their poll if this fails.
        if (await this.anyoneElseListening().catch(() => true)) await this.pool.query(statement).catch(() => undefined);
      } while (this.notifyAgain && !this.pool.ended);
    })().finally(() => {
      this.notifying = undefined;
    });
  }

  /**
   * Whether another store's LISTEN connection on this channel exists, asked at most once a second.
   * A listener is a store connection whose last statement was the LISTEN (the only one it runs);
   * one whose statement text this role may not see (or the server does not track) counts too. A listener that appears meanwhile
   * has woken its subscribers on connecting, and its poll covers the rest of that second.
   */
  private async anyoneElseListening(): Promise<boolean> {
    const now = Date.now();
    if (now - this.listeners.checkedAt < LISTENERS_RECHECK_MS) return this.listeners.present;
    const { rows } = await this.query<{ present: boolean }>(
      'listeners',
      `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                       WHERE datname = current_database() AND application_name = 'annals' AND pid <> $2
                         AND query IN ($1, '<insufficient privilege>', '')) AS present`,
      [`LISTEN ${pg.escapeIdentifier(this.channel)}`, this.notifier.listenerPid ?? 0],
    );
    this.listeners = { present: rows[0]!.present, checkedAt: now };
    return this.listeners.present;
  }
}

/** The server's settings that decide whether a commit is on disk when it is acknowledged. */
async function readDurability(client: pg.PoolClient): Promise<Durability> {
  const { rows } = await client.query<{ synchronous_commit: string; fsync: string }>(
    `SELECT current_setting('synchronous_commit') AS synchronous_commit, current_setting('fsync') AS fsync`,
  );
  const { synchronous_commit: synchronousCommit, fsync } = rows[0]!;
  const risks: string[] = [];
  if (fsync !== 'on') risks.push(`fsync is '${fsync}': a crash of the server or the machine can lose or corrupt committed data`);
  if (synchronousCommit === 'off') {
    risks.push(`synchronous_commit is 'off': a crash of the server can lose appends acknowledged in the last moments before it`);
  }
  return risks.length === 0 ? { safe: true } : { safe: false, risk: risks.join('; ') };
}
