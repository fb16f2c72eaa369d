import type { AppendResult, ExpectedRevision, StreamInfo } from '../../core/types.js';
import { ALL_CAPABILITIES, type AllPage, type AllPageQuery, type EventLog, type PreparedAppend, type StoredEvent, type StreamPageQuery } from '../../backend/parts.js';
import type { Announcer } from './announcer.js';
import type { PostgresPool } from './connection.js';
import { fastAppend } from './fast-append.js';
import { EVENT_COLUMNS, type AheadAppend, type AppendConnection, type PostgresInline, type Written } from './inline-host.js';
import type { Notifier } from './commit-signal.js';
import { sequenceHolders } from './sequence-holders.js';
import { contiguousEnd, Settled } from './settled.js';
import { partitionPageSql, PostgresPartitionIndexes } from './partition-entries.js';

/** Positions walked at most per read, to settle a filtered page (or one after an unsettled `after`) by contiguity. */
const WALK_LIMIT = 1000;
/** How long a read waits, at most, for the appenders in the way (each usually ends within a millisecond or two). */
const APPENDERS_WAIT_MS = 100;

/**
 * The log in PostgreSQL: decisions taken inside the database in one round trip per append (one
 * statement for a single stream, see fast-append.ts, else the append function), and a global
 * order that is gap-safe: see settled.ts and docs/postgres.md. While inline functions are
 * attached, an append is a transaction with them instead (inline-host.ts).
 */
export class PostgresLog implements EventLog {
  readonly capabilities = ALL_CAPABILITIES;

  private heldBackRetries = 0;
  private heldBackTimer: NodeJS.Timeout | undefined;
  /** When a short unfiltered page last looked at the sequence for a trailing gap (settleTrailingGap). */
  private lastTrailingLook = 0;
  private readonly settled = new Settled(() => this.lookAtAppenders());
  private readonly appendTexts = new Map<string, string>();
  /** The index of partition reads, which they bring on when it lags (partition-entries.ts). */
  readonly partitions: PostgresPartitionIndexes;

  constructor(
    private readonly pool: PostgresPool,
    /** The store's schema, quoted for SQL. */
    private readonly quotedSchema: string,
    private readonly pollIntervalMs: number,
    /** Wakes this store's subscribers, when a read held events back. */
    private readonly notifier: Notifier,
    private readonly announcer: Announcer,
    /** Inline functions: while one is attached, appends run in a transaction with them. */
    private readonly inline: PostgresInline,
    /** True on a standby: the head is the last position replayed (see headPosition). */
    private readonly standby = false,
  ) {
    this.partitions = new PostgresPartitionIndexes(pool, quotedSchema, () => this.headPosition());
  }

  async appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]> {
    const results = this.inline.active
      ? await this.inline.append(
          batch.flatMap((part) => part.events.map((event) => event.id)),
          (connection, fastFirst) => this.write(batch, connection, fastFirst),
          batch.length === 1 && batch[0]!.events.length > 0 ? this.ahead(batch[0]!) : undefined,
        )
      : await this.write(batch, this.onPool, true);
    this.announcer.committed();
    return results;
  }

  private readonly onPool: AppendConnection = {
    query: (name, text, values, retryConflicts) => this.pool.query(name, text, values, retryConflicts),
    transactional: false,
  };

  private async write(batch: readonly PreparedAppend[], connection: AppendConnection, fastFirst: boolean): Promise<AppendResult[]> {
    return (fastFirst && batch.length === 1 && (await this.appendFast(batch[0]!, connection))) || (await this.appendSlow(batch, connection));
  }

  /** The one-statement path; undefined when it wrote nothing and the function must decide. */
  private async appendFast(part: PreparedAppend, connection: AppendConnection): Promise<AppendResult[] | undefined> {
    if (part.events.length === 0) return undefined;
    const { name, text, values } = fastAppend(this.quotedSchema, part, this.appendTexts, connection.readBack);
    try {
      const { rows } = await connection.query<FastRow>(name, text, values, false);
      const outcome = fastOutcome(part, rows);
      if (outcome?.written !== undefined) connection.readBack?.wrote(outcome.written.events, outcome.written.holders);
      return outcome?.results;
    } catch (error) {
      // An id recorded already (a retry, or a duplicate), or inserted at this moment by another
      // call. Inside a transaction, which the error aborted, the whole transaction runs again.
      if ((error as { code?: string }).code === '23505' && !connection.transactional) return undefined;
      throw error;
    }
  }

  /** The one-statement path of a single-stream append, for an inline append to send ahead of its answer (see AheadAppend). */
  private ahead(part: PreparedAppend): AheadAppend {
    const { expectedRevision } = part;
    const first = typeof expectedRevision === 'number' ? expectedRevision + 1 : expectedRevision === 'no_stream' ? 0 : Number.NaN;
    return {
      statement: fastAppend(this.quotedSchema, part, this.appendTexts, this.inline.readBack),
      outcome: (rows) => fastOutcome(part, rows as FastRow[]),
      events: part.events.map((event, i) => ({
        id: event.id,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        stream: part.stream,
        revision: first + i,
        position: Number.NaN,
        recordedAt: Date.now(),
      })),
    };
  }

  private async appendSlow(parts: readonly PreparedAppend[], connection: AppendConnection): Promise<AppendResult[]> {
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
    const { rows } = await connection.query<{ out_stream: string; out_revision: number; out_position: number }>(
      'append',
      `SELECT out_stream, out_revision, out_position FROM ${this.quotedSchema}.append_events(
         $1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::boolean)`,
      values,
    );
    return rows.map((row) => ({ stream: row.out_stream, streamRevision: row.out_revision, position: row.out_position }));
  }

  async readStreamPage({ stream, fromRevision, direction, limit }: StreamPageQuery): Promise<StoredEvent[]> {
    const forwards = direction === 'forwards';
    const { rows } = await this.pool.query<StoredEvent>(
      forwards ? 'read-forwards' : 'read-backwards',
      `SELECT ${EVENT_COLUMNS} FROM ${this.quotedSchema}.events WHERE stream = $1 AND revision ${forwards ? '>=' : '<='} $2
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
   * retry. A short page vouches for the log up to the cut (`readThrough`): so a short filtered
   * page, whose rows cannot show contiguity, first tries to move the settled position on past
   * the events it did not match (settleBeyond), and reads again if it moved. A page of one
   * partition is a filtered page like any other.
   */
  async readAllPage({ after, category, types, partition, limit }: AllPageQuery): Promise<AllPage> {
    const filtered = category !== undefined || types !== undefined || partition !== undefined;
    const filters: string[] = [];
    const values: unknown[] = [after, limit];
    // A partition's page: its entries, then the tail (partition-entries.ts); $3 is its index.
    if (partition !== undefined) values.push(partition.index);
    if (category !== undefined) filters.push(`AND category = $${values.push(category)}`);
    if (types !== undefined) filters.push(`AND type = ANY ($${values.push(types)}::text[])`);
    const name = `read-all${category !== undefined ? '-category' : ''}${types !== undefined ? '-types' : ''}${partition !== undefined ? `-p${partition.count}` : ''}`;
    const text =
      partition !== undefined
        ? partitionPageSql(this.quotedSchema, partition, filters.join(' '))
        : `SELECT ${EVENT_COLUMNS} FROM ${this.quotedSchema}.events WHERE position > $1 ${filters.join(' ')} ORDER BY position LIMIT $2`;
    for (let attempt = 0; ; attempt++) {
      // Known before the page's snapshot is taken: only then may rows be handed out up to it.
      const settled = this.settled.value;
      const { rows } = await this.pool.query<StoredEvent>(name, text, values);
      // An unfiltered page from at or below the settled position shows every position after it that is committed.
      const pageWalked = !filtered && after <= settled;
      const cut = pageWalked ? contiguousEnd(settled, rows) : settled;
      this.settled.advanceTo(cut);
      let end = rows.length;
      while (end > 0 && rows[end - 1]!.position > cut) end--;
      const heldBack = end < rows.length;
      // At most three reads: one held back, one short of the head, one final.
      const readAgain = heldBack
        ? attempt === 0 && (await this.settle(rows[rows.length - 1]!.position, pageWalked, cut))
        : attempt < 2 && rows.length < limit && (filtered ? await this.settleBeyond(cut) : await this.settleTrailingGap(cut));
      if (!readAgain) {
        this.retryHeldBack(heldBack);
        if (partition !== undefined && this.partitions.lagging(partition.count, this.settled.value)) {
          // After the page, whose reads settled the log as far as they could: so the next page
          // reads entries rather than the tail.
          await this.partitions.keepUp(partition.count, this.settled.value);
        }
        const events = heldBack ? rows.slice(0, end) : rows;
        // A full page vouches up to its last event; a short one (or one cut short) up to the cut.
        return { events, readThrough: events.length === limit ? events[limit - 1]!.position : Math.max(after, cut) };
      }
    }
  }

  /**
   * Tries to settle up to `target`: by contiguity (a walk of the key, unless the page just did
   * it), then by looking at the appenders, for a short while. True when the settled position is
   * past `cut`, where the page was cut: moved by this call or by a concurrent read since the page
   * took it (comparing with the value on entry would miss the latter, and end a readAll early).
   */
  private async settle(target: number, pageWalked: boolean, cut: number): Promise<boolean> {
    if (!pageWalked) await this.walk(target);
    if (this.settled.value < target) await this.settled.waitFor(target, APPENDERS_WAIT_MS);
    return this.settled.value > cut;
  }

  /**
   * Tries to settle what is visible past the settled position: a walk of the key, and, when it
   * meets a gap, a look at the appenders in the way. Costs one index-only query when nothing is
   * past it. True when the settled position is past `cut`, where the page was cut (see settle).
   */
  private async settleBeyond(cut: number): Promise<boolean> {
    const seen = await this.walk(this.settled.value + WALK_LIMIT);
    if (seen > this.settled.value) await this.settled.waitFor(seen, APPENDERS_WAIT_MS);
    return this.settled.value > cut;
  }

  /**
   * For a short unfiltered page, which contiguity settled as far as its rows go: a position
   * taken past them and never used (a rolled-back append, the last one so far) is a gap no row
   * will ever close, so the page could not vouch for it, and a reader waiting for the head another
   * store object reports would wait until the next append. Looks at the sequence and its lock
   * (one query), at most once per poll interval per store: true when that settled past `cut`.
   */
  private async settleTrailingGap(cut: number): Promise<boolean> {
    if (Date.now() - this.lastTrailingLook < this.pollIntervalMs) return false;
    this.lastTrailingLook = Date.now();
    await this.settled.check();
    return this.settled.value > cut;
  }

  /** Contiguity from the settled position, positions only (an index-only walk of the key). Returns the last position seen. */
  private async walk(target: number): Promise<number> {
    const from = this.settled.value;
    const { rows } = await this.pool.query<{ position: number }>(
      'settle-walk',
      `SELECT position FROM ${this.quotedSchema}.events WHERE position > $1 ORDER BY position LIMIT $2`,
      [from, Math.max(1, Math.min(WALK_LIMIT, target - from))],
    );
    this.settled.advanceTo(contiguousEnd(from, rows));
    return rows[rows.length - 1]?.position ?? from;
  }

  /**
   * The last position assigned, read first; then the transactions (by virtual id) holding the
   * lock that nextval takes on the sequence, other than this connection. See settled.ts.
   */
  private async lookAtAppenders(): Promise<{ head: number; holders: string[] }> {
    const { rows: assigned } = await this.pool.query<{ last: number }>(
      'head-assigned',
      `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS last FROM ${this.quotedSchema}.positions`,
      [],
    );
    const { rows: holders } = await this.pool.query<{ vxid: string }>('head-appenders', sequenceHolders(this.quotedSchema), []);
    return { head: assigned[0]!.last, holders: holders.map((row) => row.vxid) };
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const { rows } = await this.pool.query<StoredEvent>('get', `SELECT ${EVENT_COLUMNS} FROM ${this.quotedSchema}.events WHERE id = $1`, [id]);
    return rows[0];
  }

  /**
   * The settled position, after trying to move it to the last position assigned: at once when no
   * appender is running; else waiting a little for the appenders in the way (each ends quickly),
   * and meanwhile by contiguity. Never goes back.
   */
  async headPosition(): Promise<number> {
    if (this.standby) return this.replayedHead();
    await this.settled.waitFor(undefined, APPENDERS_WAIT_MS);
    if (this.settled.pending) await this.walk(this.settled.value + WALK_LIMIT);
    return this.settled.value;
  }

  /**
   * On a standby, the last position it has replayed. Not the sequence: a standby sees it as the
   * primary logged it, up to 32 values ahead of those handed out, and sees none of the primary's
   * appenders. Every event a standby shows is committed on the primary; one still in flight there
   * may yet commit below this position, which is why consumers are refused on a standby.
   */
  private async replayedHead(): Promise<number> {
    const { rows } = await this.pool.query<{ last: number }>('head-replayed', `SELECT coalesce(max(position), 0) AS last FROM ${this.quotedSchema}.events`, []);
    this.settled.advanceTo(rows[0]!.last);
    return this.settled.value;
  }

  async streamInfo(stream: string): Promise<StreamInfo> {
    const { rows } = await this.pool.query<{ revision: number; deleted: 'soft' | 'hard' | null; truncated_before: number }>(
      'info',
      `SELECT revision, deleted, truncated_before FROM ${this.quotedSchema}.streams WHERE stream = $1`,
      [stream],
    );
    const row = rows[0];
    const revision = row?.revision ?? -1;
    const deleted = row?.deleted ?? false;
    return { stream, exists: !deleted && revision >= 0, revision, deleted, truncatedBefore: row?.truncated_before ?? 0 };
  }

  async deleteStream(stream: string, mode: 'soft' | 'hard', expectedRevision: ExpectedRevision): Promise<void> {
    await this.pool.query('delete', `SELECT ${this.quotedSchema}.delete_stream($1, $2, $3)`, [stream, mode, String(expectedRevision)]);
  }

  async truncateStream(stream: string, before: number): Promise<void> {
    await this.pool.query('truncate', `SELECT ${this.quotedSchema}.truncate_stream($1, $2)`, [stream, before]);
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

  /** Stops the timer of a held-back read; the backend ends the pool. */
  close(): void {
    clearTimeout(this.heldBackTimer);
  }
}

/** The answer of a fast statement (fast-append.ts): its revision and position, or with an inline append's readBack, the stored event and the gate's first look. */
type FastRow = { revision: number | null; position: number | null; holders?: string[] | null };

/** What a fast statement did: nothing (undefined: the function must decide), else its result, and for a one-event statement with readBack, the event it wrote with the first look. */
function fastOutcome(part: PreparedAppend, rows: readonly FastRow[]): { results: AppendResult[]; written?: Written } | undefined {
  const row = rows[0];
  if (row?.position == null || row.revision == null) return undefined;
  const results = [{ stream: part.stream, streamRevision: row.revision, position: row.position }];
  if (!('holders' in row)) return { results };
  const { holders, ...event } = row;
  return { results, written: { events: [event as unknown as StoredEvent], holders: holders ?? [] } };
}
