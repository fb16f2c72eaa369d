import type { AppendResult, ExpectedRevision, StreamInfo } from '../../core/types.js';
import { ALL_CAPABILITIES, type AllPage, type AllPageQuery, type EventLog, type PreparedAppend, type StoredEvent, type StreamPageQuery } from '../../backend/parts.js';
import { partitionOf, type LogPartition } from '../../core/partition.js';
import type { RedisCommands } from './commands.js';
import { toStoredEvent, toStoredEvents, type StreamEntry } from './entries.js';
import { META_FIELDS, type StoreKeys } from './keys.js';
import { madeIdPrefix } from './made-ids.js';
import { SCRIPTS } from './scripts/index.js';

/** Log entries a filtered readAll looks at per script call (Redis runs nothing else meanwhile). */
const FILTER_SCAN_BUDGET = 2000;
/** Events a partition read fetches per call at most, when its page's limit is smaller: what it holds in memory. */
const PARTITION_CHUNK = 1000;

/**
 * The log in Redis Streams: every append, delete and truncate is one Lua script that decides
 * and writes atomically (the rules of src/backend/stream-rules.ts); reads are XRANGE on the
 * global log, or short read-only scripts. Key layout: keys.ts; docs/redis.md.
 */
export class RedisLog implements EventLog {
  readonly capabilities = ALL_CAPABILITIES;
  /** Events appended without an id get a store-made one from the append script (made-ids.ts). */
  readonly makesEventIds = true;

  constructor(
    private readonly commands: RedisCommands,
    private readonly keys: StoreKeys,
  ) {}

  async appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]> {
    const { keys } = this;
    const scriptKeys = [keys.log, keys.ids, keys.positions];
    const args: (string | number)[] = [batch.length, ''];
    let makesIds = false;
    for (const { stream, events, expectedRevision } of batch) {
      scriptKeys.push(keys.stream(stream), keys.meta(stream));
      const flag = args.push(stream, String(expectedRevision), events.length, '0') - 1;
      for (const event of events) {
        // A generated event's id is '' (makesEventIds): the script makes it.
        if (event.generated) makesIds = true;
        else args[flag] = '1';
        args.push(event.id, event.type, event.data, event.metadata);
      }
    }
    if (makesIds) args[1] = madeIdPrefix();
    const reply = (await this.commands.run(SCRIPTS.append, scriptKeys, args)) as string[];
    return batch.map(({ stream }, i) => ({ stream, streamRevision: Number(reply[2 * i]), position: Number(reply[2 * i + 1]) }));
  }

  async readStreamPage({ stream, fromRevision, direction, limit }: StreamPageQuery): Promise<StoredEvent[]> {
    const entries = (await this.commands.runRead(
      SCRIPTS.readStream,
      [this.keys.stream(stream), this.keys.meta(stream), this.keys.log],
      [String(fromRevision), direction === 'forwards' ? 'f' : 'b', limit],
    )) as StreamEntry[];
    return toStoredEvents(entries);
  }

  /**
   * Each command or script sees the whole log as it is (Redis runs one at a time, and every
   * append writes its position and its entry in one script), so a scan vouches for every
   * position up to the last entry it looked at.
   */
  async readAllPage(query: AllPageQuery): Promise<AllPage> {
    const { after, types, partition } = query;
    if (types !== undefined && types.length === 0) return { events: [], readThrough: after };
    return partition === undefined ? this.readPage(query) : this.readPartition(query, partition);
  }

  /**
   * A page of one partition. Lua has no MD5, so the partition is kept here, from pages of the
   * other filters (or none) read in chunks of at most PARTITION_CHUNK entries (or the page's
   * limit), until the page is full or the log ends. Every event up to a chunk's readThrough was
   * looked at; a full page reads through its last event, never past one not looked at.
   */
  private async readPartition(query: AllPageQuery, { index, count }: LogPartition): Promise<AllPage> {
    const { limit } = query;
    const events: StoredEvent[] = [];
    let cursor = query.after;
    for (;;) {
      const wanted = limit - events.length;
      // About enough for the rest of the page, a partition being 1/count of the log.
      const chunk = Math.max(wanted, Math.min(wanted * count, PARTITION_CHUNK));
      const page = await this.readPage({ ...query, after: cursor, limit: chunk });
      for (const event of page.events) {
        if (partitionOf(event.stream, count) !== index) continue;
        events.push(event);
        if (events.length === limit) return { events, readThrough: event.position };
      }
      cursor = page.readThrough;
      if (page.events.length < chunk) return { events, readThrough: Math.max(query.after, cursor) };
    }
  }

  /** A page by category and types (or the whole log), without the partition. */
  private async readPage({ after, category, types, limit }: AllPageQuery): Promise<AllPage> {
    if (category === undefined && types === undefined) {
      const entries = (await this.commands.read(() => this.commands.client.xrange(this.keys.log, String(after + 1), '+', 'COUNT', limit))) as StreamEntry[];
      const events = toStoredEvents(entries);
      return { events, readThrough: Math.max(after, events[events.length - 1]?.position ?? 0) };
    }
    // Filtered: several short scans, each returning only the matches, until the page is full or the log ends.
    const events: StoredEvent[] = [];
    let cursor = String(after);
    while (events.length < limit) {
      const [last, reachedEnd, ...entries] = (await this.commands.runRead(SCRIPTS.readAllFiltered, [this.keys.log], [
        cursor,
        limit - events.length,
        FILTER_SCAN_BUDGET,
        category ?? '',
        ...(types ?? []),
      ])) as [string, number, ...StreamEntry[]];
      for (const entry of entries) events.push(toStoredEvent(entry));
      cursor = String(last);
      if (reachedEnd === 1) break;
    }
    return { events, readThrough: events.length === limit ? events[limit - 1]!.position : Math.max(after, Number(cursor)) };
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const entry = (await this.commands.runRead(SCRIPTS.getEvent, [this.keys.ids, this.keys.log], [id])) as StreamEntry | null;
    return entry ? toStoredEvent(entry) : undefined;
  }

  async headPosition(): Promise<number> {
    return Number((await this.commands.read(() => this.commands.client.get(this.keys.positions))) ?? 0);
  }

  async streamInfo(stream: string): Promise<StreamInfo> {
    const { revision: revisionField, deleted: deletedField, truncatedBefore: truncatedField } = META_FIELDS;
    const [r, d, t] = await this.commands.read(() => this.commands.client.hmget(this.keys.meta(stream), revisionField, deletedField, truncatedField));
    const revision = r === null || r === undefined ? -1 : Number(r);
    const deleted = d === 'soft' || d === 'hard' ? d : false;
    return { stream, exists: !deleted && revision >= 0, revision, deleted, truncatedBefore: t ? Number(t) : 0 };
  }

  async deleteStream(stream: string, mode: 'soft' | 'hard', expectedRevision: ExpectedRevision): Promise<void> {
    await this.commands.run(SCRIPTS.deleteStream, this.streamKeys(stream), [stream, mode, String(expectedRevision)]);
  }

  async truncateStream(stream: string, before: number): Promise<void> {
    await this.commands.run(SCRIPTS.truncateStream, this.streamKeys(stream), [stream, before]);
  }

  private streamKeys(stream: string): string[] {
    return [this.keys.stream(stream), this.keys.meta(stream), this.keys.log, this.keys.ids, this.keys.snapshot(stream)];
  }
}
