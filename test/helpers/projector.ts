import type { EventStore } from '../../src/index.js';
import { ReadModels } from '../../src/readmodel/read-models.js';
import type { ReadModelStore } from '../../src/readmodel/read-model-store.js';
import { allDocuments, foldTrails, trailProjection, type Trail } from '../../src/testing/conformance/projections/suite.js';
import { Worker } from './worker.js';

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

/** The checkpoint of the trail projection (0 before its first commit). */
export async function trailCheckpoint(readModels: ReadModelStore): Promise<number> {
  return (await readModels.state({ projection: 'trail', version: 100, partition: 0 }))?.checkpoint ?? 0;
}

/** The trails a clean fold of the log up to `checkpoint` gives. */
export function cleanFold(events: EventStore, checkpoint?: number): Promise<Map<string, Trail>> {
  return foldTrails(events, checkpoint);
}
