import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { EventInput, EventMetadata, JsonValue, RecordedEvent } from '../../src/index.js';

/**
 * The complete baseline, shown for information: what a careful programmer writes with Redis
 * alone to store what the store's readers need, and nothing more. A reader must be able
 * to read a stream, read every event in one global order, and find an event by its id, so the
 * script writes, per event, one entry with the body to a global log (at an integer position
 * from a counter, with the stream, revision and time: what readAll hands out) and, per append,
 * one pointer entry to the stream's own Stream and one HSET of the ids into an id → position
 * hash. Its expected-version check is the minimal one: the stream's last pointer (XREVRANGE
 * COUNT 1) against the exact expected revision. What it leaves out is what Annals adds on top:
 * the stream state (deletion, truncation, 'any'/'no_stream'/'stream_exists'), idempotent
 * retries and duplicate-id detection.
 *
 * KEYS: the stream's pointer Stream, log, ids, counter. ARGV: stream name, expected revision,
 * then id, type, data, metadata per event. Returns the last revision. Numbers are formatted
 * with '%d' in Lua, as Annals' script does: Redis formats a Lua number it is handed as a
 * double, which costs more.
 */
const RAW_APPEND_LUA = `
local function int(n) return string.format('%d', n) end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local revision = -1
if last then revision = tonumber(string.sub(last[1], 1, -3)) + tonumber(last[2][4]) - 1 end
if tonumber(ARGV[2]) ~= revision then return redis.error_reply('WRONGVERSION ' .. revision) end
local count = (#ARGV - 2) / 4
local position = redis.call('INCRBY', KEYS[4], count) - count
local now = redis.call('TIME')
local at = int(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
local first_revision, first_position = int(revision + 1), int(position + 1)
local ids = {}
for k = 3, #ARGV, 4 do
  position = position + 1
  revision = revision + 1
  local pos = int(position)
  redis.call('XADD', KEYS[2], pos .. '-0', 'i', ARGV[k], 's', ARGV[1], 'r', int(revision), 't', ARGV[k + 1], 'd', ARGV[k + 2], 'm', ARGV[k + 3], 'a', at)
  ids[#ids + 1] = ARGV[k]
  ids[#ids + 1] = pos
end
redis.call('XADD', KEYS[1], first_revision .. '-1', 'p', first_position, 'n', int(count))
redis.call('HSET', KEYS[3], unpack(ids))
return revision
`;

/**
 * The baseline the append targets are measured against, as the issue for this store set it: one
 * Redis Stream per stream holding the bodies, its length as the version, nothing else. It stores
 * less than the contract's readers need (no global order, no way to find an event by id).
 */
const STREAM_ONLY_APPEND_LUA = `
local revision = redis.call('XLEN', KEYS[1]) - 1
if tonumber(ARGV[1]) ~= revision then return redis.error_reply('WRONGVERSION ' .. revision) end
local now = redis.call('TIME')
local at = string.format('%d', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
for k = 2, #ARGV, 4 do
  revision = revision + 1
  redis.call('XADD', KEYS[1], string.format('%d-1', revision), 'i', ARGV[k], 't', ARGV[k + 1], 'd', ARGV[k + 2], 'm', ARGV[k + 3], 'a', at)
end
return revision
`;

type Entry = [string, string[]];

/** The keys the contract-complete baseline writes under one prefix: one log, one id index, one counter. */
export class RawKeys {
  readonly log: string;
  readonly ids: string;
  readonly counter: string;

  constructor(readonly prefix: string) {
    this.log = `${prefix}log`;
    this.ids = `${prefix}ids`;
    this.counter = `${prefix}pos`;
  }

  stream(name: string): string {
    return `${this.prefix}s:${name}`;
  }
}

/** The raw side of the comparisons, on its own connection. */
export class RawRedis {
  private sha = '';
  private streamOnlySha = '';

  private constructor(readonly client: Redis) {}

  static async open(url: string): Promise<RawRedis> {
    const client = new Redis(url, { lazyConnect: true, connectionName: 'annals-bench-raw' });
    await client.connect();
    const raw = new RawRedis(client);
    raw.sha = (await client.script('LOAD', RAW_APPEND_LUA)) as string;
    raw.streamOnlySha = (await client.script('LOAD', STREAM_ONLY_APPEND_LUA)) as string;
    return raw;
  }

  /**
   * The contract-complete baseline: expected-version check, one log entry per event, one pointer
   * and one id-index HSET per append. Returns the last revision.
   */
  async append(keys: RawKeys, stream: string, expectedRevision: number, events: readonly EventInput[]): Promise<number> {
    const args: string[] = [stream, String(expectedRevision)];
    for (const e of events) args.push(randomUUID(), e.type, json(e.data, 'null'), json(e.metadata, '{}'));
    return (await this.client.evalsha(this.sha, 4, keys.stream(stream), keys.log, keys.ids, keys.counter, ...args)) as number;
  }

  /** The stream-only baseline (information): expected-version check, then one XADD per event. */
  async appendStreamOnly(key: string, expectedRevision: number, events: readonly EventInput[]): Promise<number> {
    const args: string[] = [String(expectedRevision)];
    for (const e of events) args.push(randomUUID(), e.type, json(e.data, 'null'), json(e.metadata, '{}'));
    return (await this.client.evalsha(this.streamOnlySha, 1, key, ...args)) as number;
  }

  /** A bare XADD with a server-made id: no check at all. */
  async appendUnchecked(key: string, event: EventInput): Promise<void> {
    await this.client.xadd(key, '*', 'i', randomUUID(), 't', event.type, 'd', json(event.data, 'null'), 'm', json(event.metadata, '{}'), 'a', String(Date.now()));
  }

  /** Reads a log written by Annals, page by page with XRANGE, decoding each entry as Annals does. */
  async readAll(logKey: string, pageSize: number, consume: (event: RecordedEvent) => void): Promise<number> {
    let count = 0;
    let start = '-';
    for (;;) {
      const entries = (await this.client.xrange(logKey, start, '+', 'COUNT', pageSize)) as Entry[];
      for (const entry of entries) consume(decode(entry));
      count += entries.length;
      if (entries.length < pageSize) return count;
      start = `(${entries[entries.length - 1]![0]}`;
    }
  }

  close(): void {
    this.client.disconnect();
  }
}

function json(value: unknown, absent: string): string {
  return value === undefined ? absent : JSON.stringify(value);
}

function decode([entryId, f]: Entry): RecordedEvent {
  const fields: Record<string, string> = {};
  for (let k = 0; k < f.length; k += 2) fields[f[k]!] = f[k + 1]!;
  const position = Number(entryId.slice(0, entryId.indexOf('-')));
  return {
    id: fields.i!.length === 21 ? madeId(fields.i!, position) : fields.i!,
    type: fields.t!,
    data: JSON.parse(fields.d!) as JsonValue,
    metadata: JSON.parse(fields.m!) as EventMetadata,
    stream: fields.s!,
    revision: Number(fields.r),
    position,
    recordedAt: new Date(Number(fields.a)),
  };
}

/** An id Annals made (the log entry holds its 21-character prefix; the position completes it), written out as Annals' reader does. */
function madeId(prefix: string, position: number): string {
  const high = Math.floor(position / 2 ** 48);
  return `${prefix}${high.toString(16).padStart(2, '0')}-${(position - high * 2 ** 48).toString(16).padStart(12, '0')}`;
}
