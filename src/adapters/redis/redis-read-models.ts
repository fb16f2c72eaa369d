import { FORGET_MEMBERS_AFTER_MS } from '../../readmodel/group-members.js';
import type { KeyedState, ReadModelStore } from '../../readmodel/read-model-store.js';
import type {
  CollectionSpec,
  DeadLetter,
  GroupKey,
  GroupMembers,
  LeaseAnswer,
  ProjectionCommit,
  ProjectionKey,
  ProjectionState,
  StoredDocument,
  StoredFilter,
  StoredFind,
} from '../../readmodel/types.js';
import type { RedisCommands } from './commands.js';
import { indexTag, lexRange } from './index-members.js';
import { commitCall } from './read-model-commit-call.js';
import { stateMember, type ReadModelKeys } from './read-model-keys.js';
import { membersOf, readDeadLetters, readStates, removeDeadLetters } from './read-model-rows.js';
import { leaseLost, STATE_FIELDS, stateFromReply, stateOf } from './read-model-state.js';
import type { ReadModelWatcher } from './read-model-watcher.js';
import { READ_MODEL_SCRIPTS as SCRIPTS } from './scripts/index.js';

/**
 * Read models in Redis (the key layout is in read-model-keys.ts): documents in one hash per
 * collection, each declared index a sorted set read by lexical range (index-members.ts), and
 * every step that decides (commit, lease, release, promote, a group heartbeat) one Lua script,
 * atomic and on the server's clock. A find reads its index range and then only the documents in
 * it, in one script; a count is one ZLEXCOUNT. Built by the Redis backend (sharing its
 * connection) or by openRedisReadModels (with a connection of its own).
 */
export class RedisReadModels implements ReadModelStore {
  readonly name = 'redis';

  constructor(
    private readonly commands: RedisCommands,
    private readonly keys: ReadModelKeys,
    private readonly watcher: ReadModelWatcher,
    /** True when this object opened the connection and closes it. */
    private readonly ownsConnection: boolean,
  ) {}

  async prepare(collections: readonly CollectionSpec[]): Promise<void> {
    // Redis makes keys on first write; what needs recording is each collection's index tags, for drop.
    const client = this.commands.client;
    const tagged = collections.map((spec) => ({ spec, tags: tagsOf(spec) })).filter(({ tags }) => tags.length > 0);
    await this.commands.write(() => Promise.all(tagged.map(({ spec, tags }) => client.sadd(this.keys.catalogue(spec), ...tags))));
  }

  async drop(collections: readonly CollectionSpec[]): Promise<void> {
    const client = this.commands.client;
    for (const spec of collections) {
      const recorded = await this.commands.read(() => client.smembers(this.keys.catalogue(spec)));
      const tags = new Set([...recorded, ...tagsOf(spec)]);
      const { keys } = this;
      // UNLINK frees a large hash or sorted set off the main thread: one key per structure, not per document.
      const doomed = [keys.docs(spec), keys.ids(spec), keys.entries(spec), ...[...tags].map((tag) => keys.index(spec, tag)), keys.catalogue(spec)];
      await this.commands.write(() => client.unlink(doomed));
    }
  }

  async get(spec: CollectionSpec, ids: readonly string[]): Promise<(string | undefined)[]> {
    if (ids.length === 0) return [];
    // One array, not spread arguments: a long list of ids would overflow the stack as a spread.
    const command = [this.keys.docs(spec), ...ids];
    const found = (await this.commands.read(() => this.commands.client.call('HMGET', command))) as (string | null)[];
    return found.map((json) => json ?? undefined);
  }

  async find(spec: CollectionSpec, find: StoredFind): Promise<StoredDocument[]> {
    const { field, kind } = find;
    const index = field !== undefined && kind !== undefined ? this.keys.index(spec, indexTag(kind, field)) : this.keys.ids(spec);
    const shape = field === undefined || kind === undefined ? 'i' : kind === 'number' ? 'n' : 's';
    const { min, max } = lexRange(find);
    const reply = (await this.commands.runRead(SCRIPTS.find, [index, this.keys.docs(spec)], [min, max, find.direction === 'desc' ? '1' : '0', find.limit, shape])) as string[];
    const documents: StoredDocument[] = [];
    for (let i = 0; i < reply.length; i += 2) if (reply[i + 1]) documents.push({ id: reply[i]!, json: reply[i + 1]! });
    return documents;
  }

  async count(spec: CollectionSpec, filter: StoredFilter): Promise<number> {
    const client = this.commands.client;
    const { field, kind } = filter;
    if (field === undefined || kind === undefined) return this.commands.read(() => client.zcard(this.keys.ids(spec)));
    const { eq, gt, gte, lt, lte } = filter; // the filter alone, even when a whole find is handed in
    const { min, max } = lexRange({ field, kind, eq, gt, gte, lt, lte });
    return this.commands.read(() => client.zlexcount(this.keys.index(spec, indexTag(kind, field)), min, max));
  }

  async commit(commit: ProjectionCommit): Promise<void> {
    const { keys, args } = commitCall(this.keys, commit);
    const reply = (await this.commands.run(SCRIPTS.commit, keys, args)) as unknown[];
    if (Number(reply[0]) !== 1) throw leaseLost(commit, reply);
  }

  async state(key: ProjectionKey): Promise<ProjectionState | undefined> {
    return stateOf(await this.commands.read(() => this.commands.client.hmget(this.keys.state(key), ...STATE_FIELDS)));
  }

  async lease(key: ProjectionKey, owner: string, ttlMs: number, epoch?: number): Promise<LeaseAnswer> {
    const keys = [this.keys.state(key), this.keys.states(key.projection)];
    const reply = (await this.commands.run(SCRIPTS.lease, keys, [owner, ttlMs, epoch ?? '', stateMember(key)])) as unknown[];
    return { held: Number(reply[0]) === 1, now: Number(reply[1]), state: stateFromReply(reply.slice(2)) };
  }

  async release(key: ProjectionKey, owner: string, epoch: number): Promise<void> {
    await this.commands.run(SCRIPTS.release, [this.keys.state(key)], [owner, epoch]);
  }

  async states(projection: string): Promise<KeyedState[]> {
    return readStates(this.commands, this.keys, projection);
  }

  async deadLetters(key: ProjectionKey, after: number, limit: number): Promise<DeadLetter[]> {
    return readDeadLetters(this.commands, this.keys, key, after, limit);
  }

  async removeDeadLetters(key: ProjectionKey, positions: readonly number[]): Promise<number> {
    return removeDeadLetters(this.commands, this.keys, key, positions);
  }

  async heartbeat(group: GroupKey, member: string, ttlMs: number): Promise<GroupMembers> {
    return membersOf(await this.commands.run(SCRIPTS.heartbeat, [this.keys.group(group)], [member, ttlMs, FORGET_MEMBERS_AFTER_MS]));
  }

  async leaveGroup(group: GroupKey, member: string): Promise<void> {
    await this.commands.write(() => this.commands.client.hdel(this.keys.group(group), member));
  }

  async groupMembers(group: GroupKey): Promise<GroupMembers> {
    return membersOf(await this.commands.runRead(SCRIPTS.groupMembers, [this.keys.group(group)], []));
  }

  async liveVersion(projection: string): Promise<number | undefined> {
    const live = await this.commands.read(() => this.commands.client.hget(this.keys.live, projection));
    return live === null ? undefined : Number(live);
  }

  async promote(projection: string, version: number, expected: number | undefined): Promise<boolean> {
    return Number(await this.commands.run(SCRIPTS.promote, [this.keys.live], [projection, version, expected ?? ''])) === 1;
  }

  watch(listener: () => void): () => void {
    return this.watcher.watch(listener);
  }

  async close(): Promise<void> {
    this.watcher.close();
    if (this.ownsConnection) await this.commands.close();
  }
}

function tagsOf(spec: CollectionSpec): string[] {
  return Object.entries(spec.indexes).map(([field, kind]) => indexTag(kind, field));
}
