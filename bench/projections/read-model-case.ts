import { defineProjection, ReadModels, type EventStore } from '../../src/index.js';
import { encodeDocument } from '../../src/readmodel/documents.js';
import type { DocumentWrite } from '../../src/readmodel/types.js';
import { compare, type Side } from '../lib/compare.js';
import { formatCount, formatDuration, formatShortCount } from '../lib/format.js';
import type { Measurement } from '../lib/types.js';
import type { CaseRow } from '../lib/verdict.js';
import type { ProjectionsCase } from './cases.js';
import { fitReadModel, type ReadPoint } from './fit.js';
import type { RawDriver } from './raw-driver.js';
import { writeLog } from './workload.js';

/** Read-model sizes Q (documents in the collection a find reads). */
const QS = [1_000, 100_000] as const;
/** Log sizes C the finds run at: the default, and with --full. */
const CS = { quick: [10_000, 100_000], full: [10_000, 100_000, 1_000_000] } as const;
/** Documents per owner: each find returns this many. */
const PER_OWNER = 10;
/** A find at the largest C may take at most this many times as long (p50) as at 10k. */
const GROWTH_LIMIT = 1.2;
/** Documents per commit while the collections are filled. */
const WRITE_BATCH = 5_000;

const accounts = defineProjection({
  name: 'accounts',
  version: 1,
  collections: Object.fromEntries(QS.map((q) => [collectionOf(q), { indexes: { owner: 'string', balance: 'number' } }])),
  apply: () => undefined,
});

/**
 * `read-model`: the design notes' read time RT = k1·Q + k2·C. Two collections of Q = 1k and 100k
 * documents (`{ owner, balance }`, 10 per owner, indexed by owner) are written through the
 * read-model store's commit; then the log grows through 10k, 100k (and 1M with --full) events,
 * and at each size an indexed find (`where: { owner }`, 10 documents) runs on each collection,
 * Annals (ReadModels.collection().find) against the same SELECT on the raw driver, block by
 * block, after the statistics are brought up to date (PostgreSQL: VACUUM ANALYZE). Printed: every point, the fit (k0, k1, k2), and per Q the growth p50 at the largest C ÷
 * p50 at 10k (target ≤ 1.2: k2 ≈ 0).
 */
export const readModelCase: ProjectionsCase = {
  name: 'read-model',
  backends: ['sqlite', 'postgres'],
  async run({ options, backend, onProgress, note }) {
    const db = await backend.open('read_model');
    const raw = await db.raw();
    await fillCollections(db.store, (done) => onProgress(0, `writing documents: ${formatCount(done)}`));
    const sizes = options.full ? CS.full : CS.quick;
    const measureMs = Math.max(500, (options.seconds * 1000) / 3);
    const byPoint = new Map<string, { annals: Measurement; raw: Measurement; pairRatios: readonly number[] }>();
    const points: ReadPoint[] = [];
    let logged = 0;
    for (const c of sizes) {
      await writeLog(db.store, c - logged, (n) => onProgress(0, `growing the log to ${formatShortCount(c)}: ${formatCount(logged + n)} events`), logged);
      logged = c;
      await raw.settle();
      for (const q of QS) {
        const comparison = await compare({ annals: annalsFinds(db.store, q), raw: rawFinds(raw, q), warmupMs: 200, measureMs, minOperations: 50 });
        byPoint.set(`${q}:${c}`, comparison);
        points.push({ q, c, ns: comparison.annals.p50Ns });
        note(
          `projections ${backend.setting} · read-model: Q=${formatShortCount(q)}, C=${formatShortCount(c)}: ` +
            `annals p50 ${formatDuration(comparison.annals.p50Ns)}, raw p50 ${formatDuration(comparison.raw.p50Ns)}`,
        );
      }
    }
    const fit = fitReadModel(points);
    note(
      `projections ${backend.setting} · read-model fit RT = k0 + k1·Q + k2·C: k0 = ${formatDuration(fit.k0)}, ` +
        `k1 = ${fit.k1.toExponential(2)} ns per document, k2 = ${fit.k2.toExponential(2)} ns per event`,
    );
    const rows: CaseRow[] = [];
    const small = sizes[0];
    const large = sizes[sizes.length - 1]!;
    for (const q of QS) {
      const atLarge = byPoint.get(`${q}:${large}`)!;
      const atSmall = byPoint.get(`${q}:${small}`)!;
      const growth = atLarge.annals.p50Ns / atSmall.annals.p50Ns;
      rows.push(
        {
          name: 'read-model',
          label: `find by index, Q=${formatShortCount(q)} docs, C=${formatShortCount(large)} events`,
          description: `ReadModels find where owner = x (10 documents of ${formatCount(q)}) with ${formatCount(large)} events in the log, vs the same SELECT on the raw driver; ev/s = finds/s`,
          ...atLarge,
          target: undefined,
        },
        {
          name: 'read-model',
          label: `find growth Q=${formatShortCount(q)}: p50 C=${formatShortCount(large)} ÷ C=${formatShortCount(small)} (k1 ${fit.k1.toExponential(1)}, k2 ${fit.k2.toExponential(1)} ns)`,
          description:
            `the same find; "annals" columns: with ${formatCount(large)} events in the log, "raw" columns: Annals with ${formatCount(small)}; ` +
            `ratio = p50 at ${formatShortCount(large)} ÷ p50 at ${formatShortCount(small)} (target ≤ ${GROWTH_LIMIT}: k2 ≈ 0)`,
          annals: atLarge.annals,
          raw: atSmall.annals,
          ratio: growth,
          pairRatios: [],
          target: { maxRatio: GROWTH_LIMIT },
        },
      );
    }
    return rows;
  },
};

function collectionOf(q: number): string {
  return `q${formatShortCount(q)}`;
}

/** Writes Q documents into each collection, in commits of WRITE_BATCH (the runner's write path). */
async function fillCollections(store: EventStore, onProgress: (done: number) => void): Promise<void> {
  const readModels = store.readModelStore();
  await readModels.prepare([...accounts.specs.values()]);
  const key = { projection: accounts.name, version: accounts.version, partition: 0 };
  let checkpoint = (await readModels.state(key))?.checkpoint ?? 0;
  let done = 0;
  for (const q of QS) {
    const spec = accounts.specs.get(collectionOf(q))!;
    for (let first = 0; first < q; first += WRITE_BATCH) {
      const writes: DocumentWrite[] = [];
      for (let n = first; n < Math.min(q, first + WRITE_BATCH); n++) {
        const id = `account-${String(n).padStart(7, '0')}`;
        writes.push({ op: 'put', collection: spec, id, ...encodeDocument(spec, id, { owner: ownerOf(Math.floor(n / PER_OWNER)), balance: n }) });
      }
      await readModels.commit({ key, from: checkpoint, checkpoint: checkpoint + 1, writes });
      checkpoint++;
      done += writes.length;
      onProgress(done);
    }
  }
}

function ownerOf(n: number): string {
  return `owner-${n}`;
}

/** A pseudo-random owner of the collection of q documents, the same sequence on both sides. */
function owners(q: number): () => string {
  let seed = 12345;
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return ownerOf(seed % (q / PER_OWNER));
  };
}

function annalsFinds(store: EventStore, q: number): Side {
  const collection = new ReadModels(store.readModelStore()).collection(accounts, collectionOf(q));
  const next = owners(q);
  return {
    next() {
      const owner = next();
      return async () => expectTen((await collection.find({ where: { owner }, limit: PER_OWNER })).items.length, owner);
    },
  };
}

function rawFinds(raw: RawDriver, q: number): Side {
  const table = `"rm:${accounts.specs.get(collectionOf(q))!.key}"`;
  const next = owners(q);
  return {
    next() {
      const owner = next();
      return async () => expectTen((await raw.findByOwner(table, owner, PER_OWNER)).length, owner);
    },
  };
}

function expectTen(found: number, owner: string): number {
  if (found !== PER_OWNER) throw new Error(`a find of ${owner} returned ${found} documents, expected ${PER_OWNER}`);
  return 1;
}
