import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { EventInput, EventMetadata, JsonValue, RecordedEvent } from '../../src/index.js';

/**
 * The baseline's append: what a careful programmer writes with Redis alone, without Annals'
 * checks. One Redis Stream per stream holding the bodies, the stream's length as its version
 * (the minimal expected-version check), entries added with explicit ids. No global log, no
 * id index, no idempotency.
 */
const RAW_APPEND_LUA = `
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

/** The raw side of the comparisons, on its own connection. */
export class RawRedis {
  private sha = '';

  private constructor(readonly client: Redis) {}

  static async open(url: string): Promise<RawRedis> {
    const client = new Redis(url, { lazyConnect: true, connectionName: 'annals-bench-raw' });
    await client.connect();
    const raw = new RawRedis(client);
    raw.sha = (await client.script('LOAD', RAW_APPEND_LUA)) as string;
    return raw;
  }

  /** The script: expected-version check, then one XADD per event. Returns the last revision. */
  async appendChecked(key: string, expectedRevision: number, events: readonly EventInput[]): Promise<number> {
    const args: string[] = [String(expectedRevision)];
    for (const e of events) args.push(randomUUID(), e.type, json(e.data, 'null'), json(e.metadata, '{}'));
    return (await this.client.evalsha(this.sha, 1, key, ...args)) as number;
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
  return {
    id: fields.i!,
    type: fields.t!,
    data: JSON.parse(fields.d!) as JsonValue,
    metadata: JSON.parse(fields.m!) as EventMetadata,
    stream: fields.s!,
    revision: Number(fields.r),
    position: Number(entryId.slice(0, entryId.indexOf('-'))),
    recordedAt: new Date(Number(fields.a)),
  };
}
