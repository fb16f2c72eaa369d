import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How far the global order is *settled*: the largest position S such that every position up to
 * it is decided, committed and visible to every later snapshot or never to be seen (rolled back,
 * deleted, truncated, skipped by the sequence after a crash). Readers hand out only events at or
 * below S, so a reader that has seen position P is never shown a new event at or below P.
 *
 * Appenders do nothing for it: positions come from a sequence (CACHE 1, so values are handed out
 * in time order), and transactions commit in any order. S grows in two ways.
 *
 * 1. Contiguity. If S+1…q are all visible in one snapshot, they are committed: S may become q.
 *    An unfiltered page shows this for free; filtered reads walk the key first (positions only).
 *
 * 2. At a gap, from the sequence's lock. `nextval` takes RowExclusiveLock on the sequence
 *    *before* it takes a value, and the transaction holds it to its end; a transaction releases
 *    its locks only after its commit (or abort) is visible to new snapshots. So: read the last
 *    value handed out, H, *then*, in a later statement, list the transactions holding that lock.
 *    Every position up to H was taken before the list was made, by a transaction that has ended
 *    (decided) or is on the list. If the list is empty, S may become H; otherwise {H, list} is
 *    kept pending, and a later look at the lock that finds none of the listed transactions
 *    settles H. Never a wait for quiescence: under constant load the lock always has holders,
 *    but each of them ends soon, and each look both settles the previous pending H and starts
 *    the next. The first look with no older appender running settles every gap below H at once
 *    (rolled-back appends, deleted streams, sequence jumps): catching up over a log with many
 *    permanent gaps costs about one look, not one per gap.
 *
 * Why it is airtight:
 * - The order of the two statements matters: listing the holders first would miss an appender
 *   that took its lock and value between the list and the read of H.
 * - The lock belongs to the top-level transaction even when nextval runs in a subtransaction
 *   (PostgreSQL takes it under the top transaction's resource owner), so a rolled-back savepoint
 *   cannot release it while the transaction may still use a value it took.
 * - Values come out in time order only with the sequence's default CACHE 1: with a cache, a
 *   backend could use a value below H that it took long before; Annals creates the sequence so.
 * - A pending head is settled only by a look *started* after it was recorded: looks of concurrent
 *   reads overlap, and one whose answer arrives late may have listed the lock before the pending
 *   list was made (before an appender on that list had taken its position).
 * - Holders are told apart by virtual transaction id, not by transaction id: a one-statement
 *   appender may hold the lock before it has a transaction id. A virtual id is unique until its
 *   backend slot's counter wraps (2^32 transactions); were one reused by a later holder, the
 *   pending H would only settle later, never earlier.
 * - Prepared (two-phase) transactions keep their locks with no backend: the list keeps them
 *   (`pid IS DISTINCT FROM`), and they hold readers back until they end.
 * - The reader's own backend is left out: the store's connections never hold an append open
 *   while the pool lends them to a read (each append is one autocommitted statement, or, with
 *   inline projections, a transaction on a connection kept out of the pool until it ends).
 * - A settled S is valid only for snapshots taken after it was established, so events are handed
 *   out only from a query sent after the S it is cut at was known (never from a page read before
 *   a look at the lock advanced S). Contiguity uses the page's own snapshot, which is fine.
 * - A reader's `after` may be anywhere: rows are cut at S whatever `after` is, and contiguity from
 *   a page counts only when the page starts at or below S.
 */
export class Settled {
  private position = 0;
  /** Looks started so far: a look's list says something of a pending head only if it started after the head was recorded. */
  private looks = 0;
  private waitingFor: { head: number; holders: ReadonlySet<string>; looksBefore: number } | undefined;

  constructor(private readonly look: () => Promise<{ head: number; holders: string[] }>) {}

  /** Every position up to this is decided, for snapshots taken from now on. Never goes back. */
  get value(): number {
    return this.position;
  }

  /** Whether a head read at a gap still waits for the appenders that were running then. */
  get pending(): boolean {
    return this.waitingFor !== undefined;
  }

  advanceTo(position: number): void {
    if (position > this.position) this.position = position;
    if (this.waitingFor && this.waitingFor.head <= this.position) this.waitingFor = undefined;
  }

  /** One look at the sequence and its lock: settles a pending head whose appenders have all ended. Returns the head read. */
  async check(): Promise<number> {
    const look = ++this.looks;
    const { head, holders } = await this.look();
    const waitingFor = this.waitingFor;
    // Looks of concurrent reads overlap, and their answers may arrive in any order: a look that
    // started before the pending head was recorded may have listed the lock before that head's
    // list was made, and then says nothing of the appenders on it.
    if (waitingFor && look > waitingFor.looksBefore && !holders.some((vxid) => waitingFor.holders.has(vxid))) {
      this.advanceTo(waitingFor.head);
    }
    if (holders.length === 0) this.advanceTo(head);
    // The next pending head, once the previous one is settled: each look settles one and starts another.
    else if (head > this.position && !this.waitingFor) this.waitingFor = { head, holders: new Set(holders), looksBefore: this.looks };
    return head;
  }

  /**
   * Looks until `target` (by default the head of the first look) is settled, or nothing is pending,
   * or `maxWaitMs` has passed: the appenders in the way usually end within a millisecond or two.
   */
  async waitFor(target: number | undefined, maxWaitMs: number): Promise<void> {
    const head = await this.check();
    const goal = target ?? head;
    for (let waited = 0, delay = 1; this.position < goal && this.pending && waited < maxWaitMs; waited += delay, delay *= 2) {
      await sleep(delay);
      await this.check();
    }
  }
}

/** The end of the unbroken run of positions after `from` (ascending; those at or below `from` are skipped). */
export function contiguousEnd(from: number, rows: readonly { position: number }[]): number {
  let end = from;
  for (const { position } of rows) {
    if (position <= end) continue;
    if (position !== end + 1) break;
    end = position;
  }
  return end;
}
