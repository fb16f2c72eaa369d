import { openPostgres, openPostgresReadModels, type PostgresOptions, type PostgresReadModels } from '../../src/adapters/postgres/index.js';
import { collectionSpec } from '../../src/readmodel/names.js';
import type { CollectionSpec, DocumentWrite, ProjectionCommit, ProjectionKey } from '../../src/readmodel/types.js';
import { encodeDocument } from '../../src/readmodel/documents.js';
import type { PostgresTestContext } from './postgres.js';
import { afterAll } from 'vitest';

/**
 * PostgreSQL read-model stores for a test file: `backend` is the backend's part (on the event
 * store's pool), `second` a store with a pool of its own on the same schema (another process).
 * Everything is closed after the file; the schemas are dropped by the context.
 */
export function useReadModels(ctx: PostgresTestContext) {
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });
  return {
    /** The backend's part on a new schema (or `schema`). */
    async backend(schema = ctx.schema(), options: PostgresOptions = {}): Promise<{ store: PostgresReadModels; schema: string }> {
      const backend = await openPostgres(ctx.url, { schema, ...options });
      closers.push(() => backend.close());
      return { store: backend.parts.readModels, schema };
    },
    /** A store of its own (its own pool) on `schema` of `url`. */
    async own(schema: string, url = ctx.url, options: PostgresOptions = {}): Promise<PostgresReadModels> {
      const store = await openPostgresReadModels(url, { schema, poolSize: 4, ...options });
      closers.push(() => store.close());
      return store;
    },
  };
}

/** The collection `accounts` of projection `balances` v1, indexed by owner (string) and balance (number). */
export const ACCOUNTS: CollectionSpec = collectionSpec('balances', 1, 'accounts', { owner: 'string', balance: 'number' });

export const KEY: ProjectionKey = { projection: 'balances', version: 1, partition: 0 };

/** A put, encoded as the core would. */
export function put(spec: CollectionSpec, id: string, document: Record<string, unknown>): DocumentWrite {
  return { op: 'put', collection: spec, id, ...encodeDocument(spec, id, document) };
}

/** A delete. */
export function del(spec: CollectionSpec, id: string): DocumentWrite {
  return { op: 'delete', collection: spec, id };
}

/** A commit of `writes` from `from` to `checkpoint` (no lease unless given). */
export function batch(from: number, checkpoint: number, writes: DocumentWrite[] = [], extra: Partial<ProjectionCommit> = {}): ProjectionCommit {
  return { key: KEY, from, checkpoint, writes, ...extra };
}
