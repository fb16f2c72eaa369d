import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore } from '../../../core/event-store.js';
import type { RecordedEvent } from '../../../core/types.js';
import { defineProjection, type Projection } from '../../../projection/define-projection.js';
import type { RunningProjections, RunProjectionsOptions, ProjectionRegistration } from '../../../projection/run-projections.js';
import { streamProjection } from '../../../projection/shapes.js';
import type { Collection } from '../../../readmodel/read-models.js';
import type { ProjectionStores } from './options.js';

/** What a projection conformance test gets: stores and runners that the suite stops and closes after the test. */
export interface ProjectionFixture {
  /** A fresh, empty pair. */
  stores(): Promise<ProjectionStores>;
  /** Other connections to the pair's data; the same pair when the backend gave no `reopen`. */
  connect(stores: ProjectionStores): Promise<ProjectionStores>;
  /** True when `connect` opens separate connections. */
  readonly reopens: boolean;
  /**
   * Starts projections on the pair (async ones into `stores.readModels`), with a short lease;
   * stopped after the test unless the test stops them.
   */
  run(stores: ProjectionStores, projections: readonly Projection<any>[] | ProjectionRegistration, options?: RunProjectionsOptions): Promise<RunningProjections>;
}

/** How topic files register their tests; names are unique across the suite (skips refer to them). */
export interface ProjectionSuite {
  test(name: string, body: (fixture: ProjectionFixture) => Promise<unknown>, options?: { timeout?: number }): void;
}

/** An account's document in the `balances` projection. */
export type Balance = { balance: number; owner?: string; events: number };

/** A fold of `account-*` streams: Opened sets the owner, Deposited adds (a negative amount throws). */
export const balances = streamProjection<Balance>({
  name: 'balances',
  version: 1,
  handles: { category: 'account' },
  indexes: { owner: 'string', balance: 'number' },
  initialState: () => ({ balance: 0, events: 0 }),
  evolve: (state, event) => {
    const data = event.data as { amount?: number; owner?: string };
    switch (event.type) {
      case 'Opened':
        return { ...state, owner: data.owner!, events: state.events + 1 };
      case 'Deposited':
        if (data.amount! < 0) throw new Error(`negative deposit ${data.amount}`);
        return { ...state, balance: state.balance + data.amount!, events: state.events + 1 };
      default:
        return state;
    }
  },
});

/** A document per stream recording the revisions applied, in the order applied, and how often each event was applied. */
export type Trail = { revisions: number[]; positions: number[] };

/**
 * Every event of every stream, recorded in its stream's document: the document holds each
 * applied revision in the order the commits applied them, so a duplicate, a gap or a
 * reordering shows in the data, not in counts of apply calls. With `partitions`, split in that
 * many partitions routed by stream name, for a consumer group.
 */
export function trailProjection(name = 'trail', partitions?: number): Projection {
  return defineProjection({
    name,
    version: 1,
    ...(partitions === undefined ? {} : { partitions: { count: partitions } }),
    collections: { streams: {} },
    load: (event: RecordedEvent) => ({ collection: 'streams', id: event.stream }),
    apply: (event: RecordedEvent, session) => {
      const trail = session.get<Trail>('streams', event.stream) ?? { revisions: [], positions: [] };
      session.upsert('streams', event.stream, { revisions: [...trail.revisions, event.revision], positions: [...trail.positions, event.position] });
    },
  });
}

/** The trail documents a clean fold of the log gives, computed here from readAll (not by the runner's code). */
export async function foldTrails(events: EventStore, upTo = Number.MAX_SAFE_INTEGER): Promise<Map<string, Trail>> {
  const trails = new Map<string, Trail>();
  for await (const event of events.readAll()) {
    if (event.position > upTo) break;
    const trail = trails.get(event.stream) ?? { revisions: [], positions: [] };
    trail.revisions.push(event.revision);
    trail.positions.push(event.position);
    trails.set(event.stream, trail);
  }
  return trails;
}

/** Every document of a collection, by id (paging through it). */
export async function allDocuments<D extends object>(collection: Collection<D>): Promise<Map<string, D>> {
  const found = new Map<string, D>();
  let after: string | undefined;
  do {
    const page = await collection.find({ limit: 1000, ...(after ? { after } : {}) });
    for (const item of page.items) found.set(item.id, item.document);
    after = page.next;
  } while (after !== undefined);
  return found;
}

/** Polls `check` until it returns true or `timeoutMs` passes (then fails with `what`). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(20);
  }
}

/** An Opened event. */
export const opened = (owner: string) => ({ type: 'Opened', data: { owner } });
/** A Deposited event. */
export const deposit = (amount: number) => ({ type: 'Deposited', data: { amount } });
