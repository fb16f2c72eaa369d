import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore } from '../../src/index.js';
import { ReadModels } from '../../src/readmodel/read-models.js';
import type { ReadModelStore } from '../../src/readmodel/read-model-store.js';
import { allDocuments, foldTrails, trailProjection, type Trail } from '../../src/testing/conformance/projections/suite.js';
import { Worker } from './worker.js';
import { generationCheckpoint } from '../../src/projection/partitions.js';

/** Bigger runs (ANNALS_SOAK=1) than CI's. */
export const SOAK = process.env.ANNALS_SOAK === '1';

/** The settings of test/fixtures/projector.mjs. */
export interface ProjectorConfig {
  readonly url: string;
  readonly schema?: string;
  readonly owner: string;
  readonly mode?: 'async' | 'inline';
  readonly leaseTtlMs?: number;
  readonly batchSize?: number;
  readonly busyMs?: number;
  /** Split the projection in this many partitions: the process joins its consumer group. */
  readonly partitions?: number;
  /** No `applying` lines. */
  readonly quiet?: boolean;
}

/** What the projector reports when stopped. */
export interface ProjectorReport {
  readonly owner: string;
  readonly refusedCommits: number;
  readonly errors: readonly { code?: string; message: string }[];
}

/** The `trail` projection as the projector defines it (same name, version and collection), for reading its documents. */
export const trail = trailProjection('trail');

/** A process running the `trail` projection; resolves once it runs. */
export async function startProjector(config: ProjectorConfig): Promise<Worker> {
  const worker = new Worker('projector.mjs', config);
  await worker.waitForLine('ready');
  return worker;
}

/** The projector's status of its projection, asked over stdin. */
export async function statusOf(worker: Worker): Promise<{ state: string; checkpoint: number; head: number; lag: { positions: number }; lease: { owner?: string; epoch: number } }> {
  const answer = worker.nextLine((line) => line.startsWith('status '));
  worker.send('status');
  return JSON.parse((await answer).slice('status '.length));
}

/** Stops the projector cleanly and returns its report. */
export async function stopProjector(worker: Worker): Promise<ProjectorReport> {
  worker.send('stop');
  return worker.report<ProjectorReport>();
}

/** The trail documents as stored, without who applied each event, and who did (by position). */
export async function storedTrails(readModels: ReadModelStore): Promise<{ trails: Map<string, Trail>; by: Map<number, string> }> {
  const documents = await allDocuments(new ReadModels(readModels).collection<Trail & { by?: string[] }>(trail, 'streams'));
  const trails = new Map<string, Trail>();
  const by = new Map<number, string>();
  for (const [id, { revisions, positions, by: owners }] of documents) {
    trails.set(id, { revisions, positions });
    if (owners) positions.forEach((position, i) => by.set(position, owners[i]!));
  }
  return { trails, by };
}

/** The checkpoint of the trail projection (0 before its first commit); split in `partitions`, the lowest of theirs. */
export async function trailCheckpoint(readModels: ReadModelStore, partitions?: number): Promise<number> {
  return generationCheckpoint(readModels, { name: 'trail', ...(partitions ? { partitions: { count: partitions, key: undefined } } : {}) }, 100);
}

/** Who holds each partition of the split trail projection now (a lease not expired), by partition. */
export async function partitionHolders(readModels: ReadModelStore): Promise<Map<number, { owner: string; epoch: number; checkpoint: number }>> {
  const holders = new Map<number, { owner: string; epoch: number; checkpoint: number }>();
  for (const { key, state } of await readModels.states('trail')) {
    if (key.version === 100 && state.owner !== undefined && state.leaseExpiresAt > Date.now()) holders.set(key.partition, { owner: state.owner, epoch: state.epoch, checkpoint: state.checkpoint });
  }
  return holders;
}

/** The trails a clean fold of the log up to `checkpoint` gives. */
export function cleanFold(events: EventStore, checkpoint?: number): Promise<Map<string, Trail>> {
  return foldTrails(events, checkpoint);
}

/** Polls `probe` every 20 ms until it returns a value, or fails after `timeoutMs` saying what it waited for. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(20);
  }
}
