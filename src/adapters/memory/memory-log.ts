import type { AppendResult, ExpectedRevision, StreamInfo } from '../../core/types.js';
import { ALL_CAPABILITIES, type AllPage, type AllPageQuery, type EventLog, type InlineApply, type PreparedAppend, type StoredEvent, type StreamPageQuery } from '../../backend/parts.js';
import { hardDeleted, NO_STREAM, planAppend, planDelete, planTruncate, softDeleted, type StreamState } from '../../backend/stream-rules.js';
import { matchesFilter } from '../../backend/filter.js';
import type { MemorySnapshots } from './memory-snapshots.js';

interface MemoryStream {
  state: StreamState;
  /** Readable events, ascending by revision. */
  events: StoredEvent[];
}

/** The log in arrays and maps of this process; the stream rules run in TypeScript (stream-rules.ts). */
export class MemoryLog implements EventLog {
  readonly capabilities = ALL_CAPABILITIES;

  /** Every readable event, ascending by position. */
  private log: StoredEvent[] = [];
  private readonly streams = new Map<string, MemoryStream>();
  private readonly byId = new Map<string, StoredEvent>();
  private lastPosition = 0;
  /** Inline projections' functions, run before an append's events become visible (attachInline). */
  private inline: readonly InlineApply[] = [];

  /** The snapshots, which a delete or truncate removes with the events they describe. */
  constructor(private readonly snapshots: MemorySnapshots) {}

  async appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]> {
    // Decide every part before writing any, so that one failure writes nothing.
    const plans = batch.map((append) => {
      const recorded = append.events.flatMap((e) => (e.generated ? [] : (this.byId.get(e.id) ?? [])));
      return planAppend(append, this.stateOf(append.stream), recorded);
    });
    const recordedAt = Date.now();
    // Every event as it will be stored, before any is: inline functions run, and may throw, first.
    let position = this.lastPosition;
    const written = batch.map((append, i) => {
      const plan = plans[i]!;
      if (plan.kind === 'idempotent') return [];
      return append.events.map(({ id, type, data, metadata }, offset): StoredEvent => ({ id, type, data, metadata, stream: append.stream, revision: plan.firstRevision + offset, position: ++position, recordedAt }));
    });
    const all = written.flat();
    if (all.length > 0) for (const apply of this.inline) apply(all, this.lastPosition);
    return batch.map((append, i) => {
      const plan = plans[i]!;
      if (plan.kind === 'idempotent') return plan.result;
      const stream = this.streamFor(append.stream);
      for (const event of written[i]!) {
        stream.events.push(event);
        this.log.push(event);
        this.byId.set(event.id, event);
      }
      const last = written[i]!.at(-1)!;
      this.lastPosition = last.position;
      stream.state = { ...stream.state, revision: last.revision, exists: true, deleted: false };
      return { stream: append.stream, streamRevision: last.revision, position: last.position };
    });
  }

  /** Runs `apply` before every later append's events become visible; a throw fails the append and writes nothing. */
  attachInline(apply: InlineApply): () => void {
    this.inline = [...this.inline, apply];
    return () => {
      this.inline = this.inline.filter((attached) => attached !== apply);
    };
  }

  async readStreamPage({ stream, fromRevision, direction, limit }: StreamPageQuery): Promise<StoredEvent[]> {
    const events = this.streams.get(stream)?.events ?? [];
    if (direction === 'forwards') {
      const start = firstIndex(events, (e) => e.revision >= fromRevision);
      return events.slice(start, start + limit);
    }
    const end = firstIndex(events, (e) => e.revision > fromRevision);
    return events.slice(Math.max(0, end - limit), end).reverse();
  }

  async readAllPage(query: AllPageQuery): Promise<AllPage> {
    const events: StoredEvent[] = [];
    for (let i = firstIndex(this.log, (e) => e.position > query.after); i < this.log.length && events.length < query.limit; i++) {
      const event = this.log[i]!;
      if (matchesFilter(event, query)) events.push(event);
    }
    // A short page looked at every event there is: it vouches for the whole log.
    const full = events.length === query.limit;
    return { events, readThrough: full ? events[events.length - 1]!.position : Math.max(query.after, this.lastPosition) };
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    return this.byId.get(id);
  }

  async headPosition(): Promise<number> {
    return this.lastPosition;
  }

  async streamInfo(stream: string): Promise<StreamInfo> {
    return { stream, ...this.stateOf(stream) };
  }

  async deleteStream(stream: string, mode: 'soft' | 'hard', expectedRevision: ExpectedRevision): Promise<void> {
    const state = this.stateOf(stream);
    const plan = planDelete(stream, state, mode, expectedRevision);
    if (plan === 'nothing') return;
    this.removeBefore(stream, Number.MAX_SAFE_INTEGER);
    this.snapshots.removeBefore(stream, Number.MAX_SAFE_INTEGER);
    this.streamFor(stream).state = plan === 'hard' ? hardDeleted(state) : softDeleted(state);
  }

  async truncateStream(stream: string, before: number): Promise<void> {
    const truncatedBefore = planTruncate(stream, this.stateOf(stream), before);
    this.removeBefore(stream, truncatedBefore);
    this.snapshots.removeBefore(stream, truncatedBefore);
    const entry = this.streamFor(stream);
    entry.state = { ...entry.state, truncatedBefore };
  }

  clear(): void {
    this.log = [];
    this.streams.clear();
    this.byId.clear();
  }

  private stateOf(stream: string): StreamState {
    return this.streams.get(stream)?.state ?? NO_STREAM;
  }

  private streamFor(name: string): MemoryStream {
    let stream = this.streams.get(name);
    if (!stream) this.streams.set(name, (stream = { state: NO_STREAM, events: [] }));
    return stream;
  }

  private removeBefore(name: string, revision: number): void {
    const stream = this.streams.get(name);
    if (!stream) return;
    const removed = new Set(stream.events.filter((e) => e.revision < revision));
    if (removed.size === 0) return;
    stream.events = stream.events.filter((e) => !removed.has(e));
    this.log = this.log.filter((e) => !removed.has(e));
    for (const event of removed) this.byId.delete(event.id);
  }
}

/** The first index whose element satisfies `predicate`, for an array sorted so that it holds from some index on. */
function firstIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (predicate(items[middle]!)) high = middle;
    else low = middle + 1;
  }
  return low;
}
