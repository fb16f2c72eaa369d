import type { ReadModelStore } from '../../../readmodel/read-model-store.js';
import { encodeDocument } from '../../../readmodel/documents.js';
import { collectionSpec } from '../../../readmodel/names.js';
import type { CollectionSpec, DocumentWrite, ProjectionCommit, ProjectionKey } from '../../../readmodel/types.js';

/** What a read-model conformance test gets: stores that the suite closes after the test. */
export interface ReadModelFixture {
  /** A fresh, empty read-model store. */
  store(): Promise<ReadModelStore>;
  /** Another connection to the same data as `store`; the same store when the backend gave no `reopen`. */
  connect(store: ReadModelStore): Promise<ReadModelStore>;
  /** True when `connect` opens a separate connection. */
  readonly reopens: boolean;
}

/** How topic files register their tests; names are unique across the suite (skips refer to them). */
export interface ReadModelSuite {
  test(name: string, body: (fixture: ReadModelFixture) => Promise<unknown>, options?: { timeout?: number }): void;
}

/** The collections the tests use: accounts (owner, balance indexed), and a second one. */
export const ACCOUNTS = collectionSpec('bank', 1, 'accounts', { owner: 'string', balance: 'number' });
export const ACCOUNTS_V2 = collectionSpec('bank', 2, 'accounts', { owner: 'string', balance: 'number' });
export const NOTES = collectionSpec('bank', 1, 'notes', {});
export const KEY: ProjectionKey = { projection: 'bank', version: 1, partition: 0 };

/** A put of `document` into `spec`, as the core makes it. */
export function put(spec: CollectionSpec, id: string, document: Record<string, unknown>): DocumentWrite {
  return { op: 'put', collection: spec, id, ...encodeDocument(spec, id, document) };
}

export function del(spec: CollectionSpec, id: string): DocumentWrite {
  return { op: 'delete', collection: spec, id };
}

/** Commits `writes` from the stored checkpoint `from` to `checkpoint`, with no lease. */
export function commitOf(writes: readonly DocumentWrite[], from: number, checkpoint: number, more: Partial<ProjectionCommit> = {}): ProjectionCommit {
  return { key: KEY, from, checkpoint, writes, ...more };
}

/** A store with ACCOUNTS and NOTES prepared and `documents` put into ACCOUNTS (checkpoint 1). */
export async function withAccounts(f: ReadModelFixture, documents: Record<string, Record<string, unknown>> = {}): Promise<ReadModelStore> {
  const store = await f.store();
  await store.prepare([ACCOUNTS, NOTES]);
  const writes = Object.entries(documents).map(([id, doc]) => put(ACCOUNTS, id, doc));
  if (writes.length > 0) await store.commit(commitOf(writes, 0, 1));
  return store;
}

/** The ids a find returns, in order. */
export function ids(found: readonly { id: string }[]): string[] {
  return found.map((document) => document.id);
}
