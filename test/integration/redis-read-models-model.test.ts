import { expect, it } from 'vitest';
import { MemoryReadModels } from '../../src/adapters/memory/memory-read-models.js';
import { encodeDocument } from '../../src/readmodel/documents.js';
import { collectionSpec } from '../../src/readmodel/names.js';
import type { DocumentWrite, IndexValue, ProjectionKey, StoredFind } from '../../src/readmodel/types.js';
import type { ReadModelStore } from '../../src/readmodel/read-model-store.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

const SPEC = collectionSpec('model', 1, 'items', { name: 'string', size: 'number' });
const KEY: ProjectionKey = { projection: 'model', version: 1, partition: 0 };

// Values chosen to meet at the edges of the encodings: 0x01 and 0x02 inside and at the end of
// strings, prefixes of each other, characters beyond U+FFFF (UTF-16 order differs there), -0,
// the smallest and largest doubles, and ties. Documents and ids never hold U+0000 (the core
// refuses it); a find's bounds and cursors may, so the queries use it too.
const NAMES = ['', 'a', 'a\u0001', 'a\u0001\u0002', 'a\u0002\u0001', 'ab', 'b', '\u{1F600}', '\uFFFF', 'é', 'a\u0002'];
const QUERY_NAMES = [...NAMES, 'a\u0000', 'a\u0000b', 'a\u0000\u0001'];
const SIZES = [-Number.MAX_VALUE, -1e21, -5, -Number.MIN_VALUE, -0, 0, Number.MIN_VALUE, 0.5, 1, 2, 1e21, Number.MAX_VALUE];
const IDS = ['a', 'b', 'ab', '\u{1F600}', 'z', 'é', '\uFFFF', 'id10', 'id9', 'a\u0001', 'aa', 'a\u0002'];
const QUERY_IDS = [...IDS, 'a\u0000'];

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFind(next: () => number): StoredFind {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const direction = pick(['asc', 'desc'] as const);
  const limit = 1 + Math.floor(next() * 6);
  const shape = Math.floor(next() * 3);
  if (shape === 0) return { direction, limit, ...(next() < 0.5 ? { after: { id: pick(QUERY_IDS) } } : {}) };
  const [field, kind, values] = shape === 1 ? (['name', 'string', QUERY_NAMES] as const) : (['size', 'number', SIZES] as const);
  const value = () => pick<IndexValue>(values);
  const bounds: Partial<StoredFind> = {};
  const r = next();
  if (r < 0.25) Object.assign(bounds, { eq: value() });
  else if (r < 0.75) {
    if (next() < 0.6) Object.assign(bounds, next() < 0.5 ? { gt: value() } : { gte: value() });
    if (next() < 0.6) Object.assign(bounds, next() < 0.5 ? { lt: value() } : { lte: value() });
  }
  const after = next() < 0.5 ? { after: { value: value(), id: pick(QUERY_IDS) } } : {};
  return { field, kind, direction, limit, ...bounds, ...after };
}

describeWithService(service, 'Redis read models agree with the memory ones', () => {
  const redis = useRedis(service.url);

  it('gives the same finds and counts after random puts and deletes, values at the edges of the encodings', async () => {
    const next = random(20240611);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const stores: ReadModelStore[] = [new MemoryReadModels(), await redis.readModels()];
    for (const store of stores) await store.prepare([SPEC]);
    for (let batch = 0; batch < 25; batch++) {
      const writes: DocumentWrite[] = [];
      for (let w = 0; w < 8; w++) {
        const id = pick(IDS);
        if (next() < 0.2) {
          writes.push({ op: 'delete', collection: SPEC, id });
          continue;
        }
        const document: Record<string, unknown> = { n: w };
        if (next() < 0.8) document.name = pick(NAMES);
        if (next() < 0.8) document.size = pick(SIZES);
        if (next() < 0.1) document.size = null;
        writes.push({ op: 'put', collection: SPEC, id, ...encodeDocument(SPEC, id, document) });
      }
      for (const store of stores) await store.commit({ key: KEY, from: batch, checkpoint: batch + 1, writes });
      for (let q = 0; q < 40; q++) {
        const find = randomFind(next);
        const [expected, actual] = await Promise.all(stores.map((store) => store.find(SPEC, find)));
        expect(actual, JSON.stringify(find)).toEqual(expected);
        const [expectedCount, actualCount] = await Promise.all(stores.map((store) => store.count(SPEC, find)));
        expect(actualCount, JSON.stringify(find)).toBe(expectedCount);
      }
      const [expectedDocs, actualDocs] = await Promise.all(stores.map((store) => store.get(SPEC, IDS)));
      expect(actualDocs).toEqual(expectedDocs);
    }
  }, 60_000);

  it('pages through every document with keyset cursors, in both directions, ties included', async () => {
    const store = await redis.readModels();
    const memory = new MemoryReadModels();
    const writes: DocumentWrite[] = [];
    for (let i = 0; i < 300; i++) {
      const id = `doc-${String(i).padStart(3, '0')}`;
      writes.push({ op: 'put', collection: SPEC, id, ...encodeDocument(SPEC, id, { size: i % 7, name: `n${i % 5}` }) });
    }
    for (const s of [store, memory]) await s.commit({ key: KEY, from: 0, checkpoint: 1, writes });
    for (const field of ['size', 'name'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        const kind = field === 'size' ? 'number' : 'string';
        let after: StoredFind['after'];
        const seen: string[] = [];
        for (;;) {
          const page = await store.find(SPEC, { field, kind, direction, limit: 17, ...(after ? { after } : {}) });
          expect(page).toEqual(await memory.find(SPEC, { field, kind, direction, limit: 17, ...(after ? { after } : {}) }));
          seen.push(...page.map((d) => d.id));
          if (page.length < 17) break;
          const last = page[page.length - 1]!;
          after = { value: (JSON.parse(last.json) as Record<string, IndexValue>)[field]!, id: last.id };
        }
        expect(new Set(seen).size).toBe(300);
      }
    }
  });
});
