import type { LogPartition } from './partition.js';
import type { CommitSignal, EventLog, StoredEvent } from '../backend/parts.js';
import { retryWhileUnavailable } from './retry.js';
import type { RecordedEvent } from './types.js';
import type { Wakeup } from './wakeup.js';

/** One page of a subscription, as `subscribePages` hands it out. */
export interface SubscriptionPage {
  /** The page's events that pass the filter, in position order (possibly none). */
  readonly events: readonly RecordedEvent[];
  /**
   * The position the subscriber has now read through: every event up to it that passes the
   * filter has been handed out, even when this page has none (a filter that matched nothing
   * still moves it on). A checkpoint saved as `readThrough` resumes with `after: readThrough`.
   */
  readonly readThrough: number;
  /** True when the page reached the head of the log as it was when read: the subscriber is live. */
  readonly caughtUp: boolean;
}

/** What a subscription reads from and waits on. */
export interface SubscriptionSource {
  readonly log: EventLog;
  /** Commits by others; absent when only the store's own appends (which bump `wakeup`) can add events. */
  readonly commits: CommitSignal | undefined;
  readonly wakeup: Wakeup;
}

export interface SubscriptionQuery {
  readonly after: number;
  readonly category: string | undefined;
  readonly types: readonly string[] | undefined;
  readonly partition: LogPartition | undefined;
  readonly pageSize: number;
}

interface StoredPage {
  readonly events: readonly StoredEvent[];
  readonly readThrough: number;
  readonly caughtUp: boolean;
}

/**
 * The subscription loop: catch up page by page, then wait for a commit and read on. A page
 * is handed out when it has events or moves `readThrough` on, or when it is the first to reach
 * the head after a full page (an empty page with `caughtUp`); a short page means the reader
 * reached the head, and it waits for the next commit (a commit between the read and the wait
 * is never missed: see Wakeup). A retryable failure (a lost connection, a locked file) is
 * retried with back-off, so an outage delays the subscription instead of ending it. Pages are
 * read as the consumer pulls, so a slow consumer holds one page in memory, never the log.
 */
async function* storedPages(source: SubscriptionSource, query: SubscriptionQuery, signal: AbortSignal): AsyncGenerator<StoredPage> {
  const { log, commits, wakeup } = source;
  const { category, types, partition, pageSize } = query;
  const stopWatching = commits?.watch(() => wakeup.bump());
  try {
    let after = query.after;
    // True after a full page: if the next read finds nothing new, an empty page still says the
    // subscriber is live (a log that ends on a page boundary would otherwise never say so).
    let behind = false;
    while (!signal.aborted) {
      const seen = wakeup.generation;
      const page = await retryWhileUnavailable(() => log.readAllPage({ after, category, types, partition, limit: pageSize }), signal);
      if (page === undefined || signal.aborted) return;
      const caughtUp = page.events.length < pageSize;
      const readThrough = Math.max(after, page.readThrough);
      if (page.events.length > 0 || readThrough > after || (caughtUp && behind)) {
        yield { events: page.events, readThrough, caughtUp };
        behind = !caughtUp;
      }
      after = readThrough;
      if (caughtUp) await wakeup.after(seen, signal);
    }
  } finally {
    stopWatching?.();
  }
}

/** Every page after `query.after`, decoded: see storedPages. */
export function subscriptionPages(
  source: SubscriptionSource,
  query: SubscriptionQuery,
  signal: AbortSignal,
  decode: (stored: StoredEvent) => RecordedEvent,
): AsyncIterable<SubscriptionPage> {
  return {
    async *[Symbol.asyncIterator]() {
      for await (const page of storedPages(source, query, signal)) {
        yield { events: page.events.map(decode), readThrough: page.readThrough, caughtUp: page.caughtUp };
      }
    },
  };
}

/** Every event after `query.after`, one at a time, decoded as it is handed out: see storedPages. */
export function subscriptionEvents(
  source: SubscriptionSource,
  query: SubscriptionQuery,
  signal: AbortSignal,
  decode: (stored: StoredEvent) => RecordedEvent,
): AsyncIterable<RecordedEvent> {
  return {
    async *[Symbol.asyncIterator]() {
      for await (const page of storedPages(source, query, signal)) {
        for (const stored of page.events) {
          if (signal.aborted) return;
          yield decode(stored);
        }
      }
    },
  };
}
