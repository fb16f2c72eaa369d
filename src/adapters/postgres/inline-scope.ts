import { DocumentNotLoadedError, NotSupportedError } from '../../core/errors.js';
import type { InlineReads } from '../../backend/parts.js';
import { keyString } from '../../readmodel/key.js';
import type { SyncReadModels } from '../../readmodel/read-model-store.js';
import type { CollectionSpec, ProjectionCommit, ProjectionKey, ProjectionState, StoredDocument } from '../../readmodel/types.js';
import { collectionTable } from './read-model-sql.js';
import type { Transaction } from './transaction.js';

/**
 * The synchronous read models of one inline append on PostgreSQL: the state rows and documents
 * the attached functions named (InlineApply.reads), loaded inside the append's transaction
 * before they run; `commitSync` records the commit, which the host then writes in the same
 * transaction, and folds it into what later calls see (as SQLite's savepoint would). A read of
 * anything not loaded throws: answering "none" for it could be wrong.
 */
export class InlineScope implements SyncReadModels {
  /** The commits the functions made, in order. */
  readonly commits: ProjectionCommit[] = [];

  constructor(
    private readonly states: Map<string, ProjectionState | undefined>,
    /** Documents by collection key, then id: JSON text, or undefined for none. */
    private readonly documents: Map<string, Map<string, string | undefined>>,
  ) {}

  getSync(spec: CollectionSpec, ids: readonly string[]): (string | undefined)[] {
    const loaded = this.documents.get(spec.key);
    return ids.map((id) => {
      if (loaded === undefined || !loaded.has(id)) throw new DocumentNotLoadedError(spec.projection, spec.collection, id);
      return loaded.get(id);
    });
  }

  stateSync(key: ProjectionKey): ProjectionState | undefined {
    const name = keyString(key);
    if (!this.states.has(name)) throw new NotSupportedError(`reading the state row "${name}" inside an inline function whose reads() did not name it`, 'postgres');
    return this.states.get(name);
  }

  commitSync(commit: ProjectionCommit): void {
    this.commits.push(commit);
    const name = keyString(commit.key);
    const before = this.states.get(name);
    this.states.set(name, { owner: undefined, epoch: 0, leaseExpiresAt: 0, ...before, checkpoint: commit.checkpoint, updatedAt: Date.now() });
    for (const write of commit.writes) {
      let loaded = this.documents.get(write.collection.key);
      if (loaded === undefined) this.documents.set(write.collection.key, (loaded = new Map()));
      loaded.set(write.id, write.op === 'put' ? write.json : undefined);
    }
  }
}

/**
 * Loads what the functions read into a scope: the state rows (`states`, read by the gate, see
 * inline-gate.ts), and the documents named for each row whose checkpoint is at or past
 * `headBefore` (the others will not be applied inline), every collection's in one statement.
 */
export async function loadInlineScope(
  tx: Transaction,
  quotedSchema: string,
  reads: readonly InlineReads[],
  headBefore: number,
  states: Map<string, ProjectionState | undefined>,
): Promise<InlineScope> {
  const specs = new Map<string, CollectionSpec>();
  const ids = new Map<string, Set<string>>();
  for (const { key, documents: named } of reads) {
    if ((states.get(keyString(key))?.checkpoint ?? 0) < headBefore) continue;
    for (const { collection, ids: some } of named) {
      specs.set(collection.key, collection);
      let set = ids.get(collection.key);
      if (set === undefined) ids.set(collection.key, (set = new Set()));
      for (const id of some) set.add(id);
    }
  }
  const documents = new Map<string, Map<string, string | undefined>>();
  const lists = [...ids].map(([name, set]) => ({ name, list: [...set] }));
  if (lists.length > 0) {
    const text = lists.map(({ name }, c) => `SELECT ${c} AS c, id, doc::text AS json FROM ${collectionTable(quotedSchema, specs.get(name)!)} WHERE id = ANY($${c + 1}::text[])`).join(' UNION ALL ');
    const { rows } = await tx.query<StoredDocument & { c: number }>(text, lists.map(({ list }) => list));
    const found = lists.map(() => new Map<string, string>());
    for (const row of rows) found[row.c]!.set(row.id, row.json);
    lists.forEach(({ name, list }, c) => documents.set(name, new Map(list.map((id) => [id, found[c]!.get(id)]))));
  }
  return new InlineScope(states, documents);
}
