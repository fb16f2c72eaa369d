import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { SchemaVersionError, StoreUnavailableError } from '../../core/errors.js';
import type { AppendResult, ExpectedRevision, StreamInfo } from '../../core/types.js';
import { ALL_CAPABILITIES, type AllPageQuery, type PreparedAppend, type StorageAdapter, type StoredEvent, type StreamPageQuery } from '../../backend/parts.js';
import type { StoredSnapshot } from '../../core/snapshot.js';
import { CommitWatcher } from './commit-watcher.js';
import type { RedisDurability } from './durability.js';
import { toStoredEvent, toStoredEvents, type StreamEntry } from './entries.js';
import { toAnnalsError } from './errors.js';
import { madeIdPrefix } from './made-ids.js';
import type { StoreKeys } from './keys.js';
import { ScriptRunner, type LuaScript } from './script-runner.js';
import { SCRIPTS } from './scripts/index.js';
import { REDIS_SCHEMA_VERSION } from './scripts/schema.js';

/** Log entries a filtered readAll looks at per script call (Redis runs nothing else meanwhile). */
const FILTER_SCAN_BUDGET = 2000;
/**
 * A read lost with its connection is sent again, a few times, with growing pauses (about 1.3 s
 * in all): reads change nothing, so repeating one is safe, and a live subscription rides
 * through a reconnect instead of ending with an error. Writes are never repeated here.
 */
const READ_ATTEMPTS = 7;
const READ_PAUSE_MS = 20;

/**
 * Redis Streams through ioredis: every append, delete and truncate is one Lua script that
 * decides and writes atomically (the rules of src/backend/stream-rules.ts); reads are XRANGE
 * on the global log, or short read-only scripts. Key layout: keys.ts; docs/redis.md.
 */
export class RedisAdapter implements StorageAdapter {
  readonly name = 'redis';
  readonly capabilities = ALL_CAPABILITIES;
  /** Events appended without an id get a store-made one from the append script (made-ids.ts). */
  readonly makesEventIds = true;
  /** The version of the key layout (scripts/schema.ts) and the one found on open; set by checkSchema. */
  schema: { readonly version: number; readonly migratedFrom: number } | undefined;

  private readonly scripts: ScriptRunner;
  private readonly watcher: CommitWatcher;
  private closed = false;

  /** Use openRedisAdapter / openRedisStore: they check options, connect and load the scripts. */
  constructor(
    private readonly client: Redis,
    readonly keys: StoreKeys,
    /** What a crash can lose, read from the server's configuration on open. */
    readonly durability: RedisDurability,
    watcherClient: () => Redis,
    pollIntervalMs: number,
  ) {
    this.scripts = new ScriptRunner(client);
    this.watcher = new CommitWatcher(watcherClient, keys.log, keys.positions, pollIntervalMs);
  }

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
    const reply = (await this.run(SCRIPTS.append, scriptKeys, args)) as string[];
    return batch.map(({ stream }, i) => ({ stream, streamRevision: Number(reply[2 * i]), position: Number(reply[2 * i + 1]) }));
  }

  async readStreamPage({ stream, fromRevision, direction, limit }: StreamPageQuery): Promise<StoredEvent[]> {
    const entries = (await this.runRead(
      SCRIPTS.readStream,
      [this.keys.stream(stream), this.keys.meta(stream), this.keys.log],
      [String(fromRevision), direction === 'forwards' ? 'f' : 'b', limit],
    )) as StreamEntry[];
    return toStoredEvents(entries);
  }

  async readAllPage({ after, category, types, limit }: AllPageQuery): Promise<StoredEvent[]> {
    if (types !== undefined && types.length === 0) return [];
    if (category === undefined && types === undefined) {
      const entries = (await this.read(() => this.client.xrange(this.keys.log, String(after + 1), '+', 'COUNT', limit))) as StreamEntry[];
      return toStoredEvents(entries);
    }
    // Filtered: several short scans, each returning only the matches, until the page is full or the log ends.
    const page: StoredEvent[] = [];
    let cursor = String(after);
    while (page.length < limit) {
      const [last, reachedEnd, ...entries] = (await this.runRead(SCRIPTS.readAllFiltered, [this.keys.log], [
        cursor,
        limit - page.length,
        FILTER_SCAN_BUDGET,
        category ?? '',
        ...(types ?? []),
      ])) as [string, number, ...StreamEntry[]];
      for (const entry of entries) page.push(toStoredEvent(entry));
      cursor = String(last);
      if (reachedEnd === 1) break;
    }
    return page;
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const entry = (await this.runRead(SCRIPTS.getEvent, [this.keys.ids, this.keys.log], [id])) as StreamEntry | null;
    return entry ? toStoredEvent(entry) : undefined;
  }

  async headPosition(): Promise<number> {
    return Number((await this.read(() => this.client.get(this.keys.positions))) ?? 0);
  }

  async streamInfo(stream: string): Promise<StreamInfo> {
    const [r, d, t] = await this.read(() => this.client.hmget(this.keys.meta(stream), 'r', 'd', 't'));
    const revision = r === null || r === undefined ? -1 : Number(r);
    const deleted = d === 'soft' || d === 'hard' ? d : false;
    return { stream, exists: !deleted && revision >= 0, revision, deleted, truncatedBefore: t ? Number(t) : 0 };
  }

  async deleteStream(stream: string, mode: 'soft' | 'hard', expectedRevision: ExpectedRevision): Promise<void> {
    await this.run(SCRIPTS.deleteStream, this.streamKeys(stream), [stream, mode, String(expectedRevision)]);
  }

  async truncateStream(stream: string, before: number): Promise<void> {
    await this.run(SCRIPTS.truncateStream, this.streamKeys(stream), [stream, before]);
  }

  async saveSnapshot(stream: string, snapshot: StoredSnapshot): Promise<void> {
    const { revision, version, state, savedAt } = snapshot;
    await this.run(SCRIPTS.saveSnapshot, [this.keys.snapshot(stream)], [revision, version, state, savedAt]);
  }

  async loadSnapshot(stream: string): Promise<StoredSnapshot | undefined> {
    const [r, v, s, t] = await this.read(() => this.client.hmget(this.keys.snapshot(stream), 'r', 'v', 's', 't'));
    if (r === null || r === undefined || v == null || s == null) return undefined;
    return { revision: Number(r), version: v, state: s, savedAt: Number(t) };
  }

  watchExternalCommits(listener: () => void): () => void {
    return this.watcher.watch(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher.close();
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  /** Loads every script into the server's cache (called once, on open). */
  async loadScripts(scripts: readonly LuaScript[]): Promise<void> {
    await this.call(() => this.scripts.load(scripts));
  }

  /**
   * Checks the version of the store's key layout and records this one (called once, on open,
   * after loadScripts): a store a newer Annals has written is refused, and left as it is.
   */
  async checkSchema(location: string): Promise<void> {
    const found = Number(await this.run(SCRIPTS.schema, [this.keys.schema, this.keys.positions], [REDIS_SCHEMA_VERSION]));
    if (found > REDIS_SCHEMA_VERSION) throw new SchemaVersionError(location, found, REDIS_SCHEMA_VERSION);
    this.schema = { version: REDIS_SCHEMA_VERSION, migratedFrom: found };
  }

  private streamKeys(stream: string): string[] {
    return [this.keys.stream(stream), this.keys.meta(stream), this.keys.log, this.keys.ids, this.keys.snapshot(stream)];
  }

  /** A script that may write: run once, never repeated here (see docs/redis.md, Faults). */
  private run(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.scripts.run(script, keys, args).catch(rethrowAsAnnals);
  }

  private runRead(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.read(() => this.scripts.run(script, keys, args));
  }

  /** A read, sent again when its connection was lost (see READ_ATTEMPTS). */
  private async read<T>(command: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call(command);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || attempt >= READ_ATTEMPTS || this.closed) throw error;
        await sleep(READ_PAUSE_MS * 2 ** (attempt - 1));
      }
    }
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw toAnnalsError(error);
    }
  }
}

function rethrowAsAnnals(error: unknown): never {
  throw toAnnalsError(error);
}
