import { compareCodePoints, compareIndexValues } from '../../readmodel/documents.js';
import { FORGET_MEMBERS_AFTER_MS } from '../../readmodel/group-members.js';
import { LeaseLostError } from '../../core/errors.js';
import { keyString } from '../../readmodel/key.js';
import type { KeyedState, ReadModelStore, SyncReadModels } from '../../readmodel/read-model-store.js';
import type {
  CollectionSpec,
  DeadLetter,
  GroupKey,
  GroupMember,
  GroupMembers,
  IndexValue,
  LeaseAnswer,
  ProjectionCommit,
  ProjectionKey,
  ProjectionState,
  StoredDocument,
  StoredFilter,
  StoredFind,
} from '../../readmodel/types.js';

interface Row {
  readonly json: string;
  readonly fields: Readonly<Record<string, IndexValue>>;
}

const NO_STATE: ProjectionState = { checkpoint: 0, owner: undefined, epoch: 0, leaseExpiresAt: 0, updatedAt: 0 };

/**
 * Read models in this process's memory, for tests and the memory event store. A find scans its
 * collection (never the log or other collections); a commit is one synchronous step, so it is
 * atomic without more. Several objects may share one `MemoryReadModelData` to stand for
 * several connections to one database.
 */
export class MemoryReadModels implements ReadModelStore, SyncReadModels {
  readonly name = 'memory';

  constructor(private readonly data: MemoryReadModelData = new MemoryReadModelData()) {}

  async prepare(collections: readonly CollectionSpec[]): Promise<void> {
    for (const spec of collections) if (!this.data.collections.has(spec.key)) this.data.collections.set(spec.key, new Map());
  }

  async drop(collections: readonly CollectionSpec[]): Promise<void> {
    for (const spec of collections) this.data.collections.delete(spec.key);
  }

  async get(spec: CollectionSpec, ids: readonly string[]): Promise<(string | undefined)[]> {
    return this.getSync(spec, ids);
  }

  /** As `get`, synchronously. */
  getSync(spec: CollectionSpec, ids: readonly string[]): (string | undefined)[] {
    const rows = this.data.collections.get(spec.key);
    return ids.map((id) => rows?.get(id)?.json);
  }

  async find(spec: CollectionSpec, find: StoredFind): Promise<StoredDocument[]> {
    const sign = find.direction === 'asc' ? 1 : -1;
    const { field, after } = find;
    const order = (a: [string, Row], b: [string, Row]) =>
      sign * ((field === undefined ? 0 : compareIndexValues(a[1].fields[field]!, b[1].fields[field]!)) || compareCodePoints(a[0], b[0]));
    const selected = this.select(spec, find).filter(
      ([id, row]) =>
        after === undefined ||
        sign * ((field === undefined ? 0 : compareIndexValues(row.fields[field]!, after.value!)) || compareCodePoints(id, after.id)) > 0,
    );
    return selected.sort(order).slice(0, find.limit).map(([id, row]) => ({ id, json: row.json }));
  }

  async count(spec: CollectionSpec, filter: StoredFilter): Promise<number> {
    return this.select(spec, filter).length;
  }

  async commit(commit: ProjectionCommit): Promise<void> {
    this.commitSync(commit);
  }

  /** As `commit`, synchronously: one step, so atomic. */
  commitSync(commit: ProjectionCommit): void {
    const { data } = this;
    const name = keyString(commit.key);
    const state = data.states.get(name) ?? NO_STATE;
    const { lease } = commit;
    if (state.checkpoint !== commit.from || (lease !== undefined && (state.owner !== lease.owner || state.epoch !== lease.epoch))) {
      throw new LeaseLostError(commit.key, lease, commit.from, data.states.has(name) ? { checkpoint: state.checkpoint, owner: state.owner, epoch: state.epoch } : undefined);
    }
    for (const write of commit.writes) {
      let rows = data.collections.get(write.collection.key);
      if (rows === undefined) data.collections.set(write.collection.key, (rows = new Map()));
      if (write.op === 'put') rows.set(write.id, { json: write.json, fields: write.fields });
      else rows.delete(write.id);
    }
    const park = commit.park ?? [];
    if (park.length > 0 || (commit.unpark !== undefined && commit.unpark.length > 0)) {
      // One dead letter per position: parking it again replaces it.
      const removed = new Set([...(commit.unpark ?? []), ...park.map((letter) => letter.position)]);
      const letters = (data.deadLetters.get(name) ?? []).filter((letter) => !removed.has(letter.position));
      letters.push(...park.map((letter) => (lease === undefined ? letter : { ...letter, owner: lease.owner })));
      letters.sort((a, b) => a.position - b.position);
      data.deadLetters.set(name, letters);
    }
    const now = Date.now();
    data.states.set(name, {
      ...state,
      checkpoint: commit.checkpoint,
      updatedAt: now,
      ...(lease !== undefined && commit.ttlMs !== undefined ? { leaseExpiresAt: now + commit.ttlMs } : {}),
    });
    data.keys.set(name, commit.key);
  }

  async state(key: ProjectionKey): Promise<ProjectionState | undefined> {
    return this.stateSync(key);
  }

  /** As `state`, synchronously. */
  stateSync(key: ProjectionKey): ProjectionState | undefined {
    return this.data.states.get(keyString(key));
  }

  async lease(key: ProjectionKey, owner: string, ttlMs: number, epoch?: number): Promise<LeaseAnswer> {
    const name = keyString(key);
    const now = Date.now();
    const state = this.data.states.get(name) ?? NO_STATE;
    const free = state.owner === undefined || state.leaseExpiresAt <= now;
    const renewing = epoch !== undefined && state.owner === owner && state.epoch === epoch;
    let next = state;
    if (renewing) next = { ...state, leaseExpiresAt: now + ttlMs };
    else if (free) next = { ...state, owner, epoch: state.epoch + 1, leaseExpiresAt: now + ttlMs };
    this.data.states.set(name, next);
    this.data.keys.set(name, key);
    return { held: renewing || free, state: next, now };
  }

  async release(key: ProjectionKey, owner: string, epoch: number): Promise<void> {
    const name = keyString(key);
    const state = this.data.states.get(name);
    if (state?.owner === owner && state.epoch === epoch) this.data.states.set(name, { ...state, owner: undefined, leaseExpiresAt: 0 });
  }

  async states(projection: string): Promise<KeyedState[]> {
    const found: KeyedState[] = [];
    for (const [name, key] of this.data.keys) if (key.projection === projection) found.push({ key, state: this.data.states.get(name)! });
    return found.sort((a, b) => a.key.version - b.key.version || a.key.partition - b.key.partition);
  }

  async deadLetters(key: ProjectionKey, after: number, limit: number): Promise<DeadLetter[]> {
    return (this.data.deadLetters.get(keyString(key)) ?? []).filter((letter) => letter.position > after).slice(0, limit);
  }

  async removeDeadLetters(key: ProjectionKey, positions: readonly number[]): Promise<number> {
    const name = keyString(key);
    const letters = this.data.deadLetters.get(name) ?? [];
    const remove = new Set(positions);
    const kept = letters.filter((letter) => !remove.has(letter.position));
    this.data.deadLetters.set(name, kept);
    return letters.length - kept.length;
  }

  async heartbeat(group: GroupKey, member: string, ttlMs: number): Promise<GroupMembers> {
    const now = Date.now();
    const rows = this.groupRows(group);
    const found = rows.get(member);
    rows.set(member, { member, joinedAt: found?.joinedAt ?? now, heartbeatAt: now, expiresAt: now + ttlMs });
    for (const [name, row] of rows) if (row.expiresAt < now - FORGET_MEMBERS_AFTER_MS) rows.delete(name);
    return { members: sortedMembers(rows).filter((row) => row.expiresAt > now), now };
  }

  async leaveGroup(group: GroupKey, member: string): Promise<void> {
    this.groupRows(group).delete(member);
  }

  async groupMembers(group: GroupKey): Promise<GroupMembers> {
    return { members: sortedMembers(this.groupRows(group)), now: Date.now() };
  }

  private groupRows(group: GroupKey): Map<string, GroupMember> {
    const name = `${group.projection}\u0000${group.version}`;
    let rows = this.data.members.get(name);
    if (rows === undefined) this.data.members.set(name, (rows = new Map()));
    return rows;
  }

  async liveVersion(projection: string): Promise<number | undefined> {
    return this.data.live.get(projection);
  }

  async promote(projection: string, version: number, expected: number | undefined): Promise<boolean> {
    if (this.data.live.get(projection) !== expected) return false;
    this.data.live.set(projection, version);
    return true;
  }

  async close(): Promise<void> {}

  private select(spec: CollectionSpec, filter: StoredFilter): [string, Row][] {
    const rows = this.data.collections.get(spec.key);
    if (rows === undefined) return [];
    const { field } = filter;
    if (field === undefined) return [...rows];
    const selected: [string, Row][] = [];
    for (const entry of rows) {
      const value = entry[1].fields[field];
      if (value !== undefined && inRange(value, filter)) selected.push(entry);
    }
    return selected;
  }
}

/** The data of memory read models: shared by every MemoryReadModels object made over it. */
export class MemoryReadModelData {
  readonly collections = new Map<string, Map<string, Row>>();
  readonly states = new Map<string, ProjectionState>();
  readonly keys = new Map<string, ProjectionKey>();
  readonly deadLetters = new Map<string, DeadLetter[]>();
  readonly live = new Map<string, number>();
  readonly members = new Map<string, Map<string, GroupMember>>();
}

function sortedMembers(rows: ReadonlyMap<string, GroupMember>): GroupMember[] {
  return [...rows.values()].sort((a, b) => compareCodePoints(a.member, b.member));
}

function inRange(value: IndexValue, filter: StoredFilter): boolean {
  const { eq, gt, gte, lt, lte } = filter;
  const c = (bound: IndexValue) => compareIndexValues(value, bound);
  return (eq === undefined || c(eq) === 0) && (gt === undefined || c(gt) > 0) && (gte === undefined || c(gte) >= 0) && (lt === undefined || c(lt) < 0) && (lte === undefined || c(lte) <= 0);
}
