import type { RawDriver, RawEvent } from './raw-driver.js';
import { amountOf, entryOf, type Count } from './workload.js';

/** Which projection a raw projector does by hand: the counting one, or one document per event. */
export type RawKind = 'counting' | 'entries';

/**
 * A projection written by hand on a raw driver, as a careful programmer would: read a page of
 * the log after the checkpoint (by position, the page size Annals uses), read the documents the
 * page touches (counting), fold in memory, then one transaction per page with each touched
 * document upserted once and the checkpoint moved to the page's last event. No lease, no
 * dead letters, no generic session: the floor Annals is compared with.
 */
export class RawProjector {
  /** The position of the last event applied. */
  checkpoint = 0;
  private waiters: { position: number; resolve: () => void }[] = [];
  private wakeup: (() => void) | undefined;
  private pending = false;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly driver: RawDriver,
    private readonly kind: RawKind,
    /** The documents table's name (and the checkpoint row's). */
    private readonly name: string,
    private readonly pageSize: number,
  ) {}

  prepare(): Promise<void> {
    return this.driver.prepare(this.name, this.name);
  }

  /** Applies pages until a short one: every event after the checkpoint. Returns how many events it applied. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      const applied = await this.step();
      total += applied;
      if (applied < this.pageSize) return total;
    }
  }

  /** Follows the log live: each `wake()` (an append in this process) makes it catch up. */
  startLive(): this {
    this.loop ??= (async () => {
      while (!this.stopped) {
        if (!this.pending) await new Promise<void>((resolve) => (this.wakeup = resolve));
        this.wakeup = undefined;
        this.pending = false;
        if (this.stopped) break;
        await this.catchUp();
        const ready = this.waiters.filter((w) => w.position <= this.checkpoint);
        this.waiters = this.waiters.filter((w) => w.position > this.checkpoint);
        for (const waiter of ready) waiter.resolve();
      }
    })();
    return this;
  }

  /** Says that the log moved (an append committed in this process). */
  wake(): void {
    this.pending = true;
    this.wakeup?.();
  }

  /** Resolves once the checkpoint has reached `position`. */
  waitFor(position: number): Promise<void> {
    if (this.checkpoint >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeup?.();
    await this.loop;
  }

  /** One page: read, fold, commit. Returns the events it read. */
  private async step(): Promise<number> {
    const events = await this.driver.readPage(this.checkpoint, this.pageSize);
    if (events.length === 0) return 0;
    const puts = this.kind === 'counting' ? await this.counts(events) : events.map((e) => [e.id, JSON.stringify(entryOf(e))] as const);
    const checkpoint = events[events.length - 1]!.position;
    await this.driver.commit(this.name, this.name, puts, checkpoint);
    this.checkpoint = checkpoint;
    return events.length;
  }

  private async counts(events: readonly RawEvent[]): Promise<(readonly [string, string])[]> {
    const ids = [...new Set(events.map((e) => e.stream))];
    const stored = await this.driver.load(this.name, ids);
    const counts = new Map<string, Count>(ids.map((id) => [id, stored.has(id) ? (JSON.parse(stored.get(id)!) as Count) : { events: 0, total: 0 }]));
    for (const event of events) {
      const count = counts.get(event.stream)!;
      counts.set(event.stream, { events: count.events + 1, total: count.total + amountOf(event) });
    }
    return [...counts].map(([id, count]) => [id, JSON.stringify(count)] as const);
  }
}
