import { DocumentNotLoadedError, NotSupportedError } from '../../core/errors.js';
import type { DocumentsRead, InlineReads } from '../../backend/parts.js';
import { keyString } from '../../readmodel/key.js';
import type { SyncReadModels } from '../../readmodel/read-model-store.js';
import type { CollectionSpec, ProjectionCommit, ProjectionKey, ProjectionState, StoredDocument } from '../../readmodel/types.js';
import { collectionTable } from './read-model-sql.js';
import type { Statement } from './pipeline.js';
import { statementName, type Transaction } from './transaction.js';

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
    private readonly documents: LoadedDocuments,
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
 * With `loaded` (documents read earlier in the same transaction, after the gate locked the state
 * rows: see inline-host.ts), no statement runs when those cover every document needed.
 */
export async function loadInlineScope(
  tx: Transaction,
  quotedSchema: string,
  reads: readonly InlineReads[],
  headBefore: number,
  states: Map<string, ProjectionState | undefined>,
  loaded?: LoadedDocuments,
): Promise<InlineScope> {
  const needed = reads.filter(({ key }) => (states.get(keyString(key))?.checkpoint ?? 0) >= headBefore).flatMap(({ documents }) => documents);
  if (loaded !== undefined && needed.every(({ collection, ids }) => ids.every((id) => loaded.get(collection.key)?.has(id) === true))) {
    return new InlineScope(states, loaded);
  }
  const statement = documentsStatement(quotedSchema, needed);
  const rows = statement === undefined ? [] : (await tx.query<DocumentRow>(statement.text, statement.values as unknown[])).rows;
  return new InlineScope(states, documentsFrom(needed, rows));
}

/** Documents by collection key, then id: JSON text, or undefined for none. */
export type LoadedDocuments = Map<string, Map<string, string | undefined>>;

/** A row of documentsStatement: the collection's index in the list, the id and the document. */
export type DocumentRow = StoredDocument & { c: number };

/** The statement that reads the documents `named` (every collection's, in one), or none when none are. */
export function documentsStatement(quotedSchema: string, named: readonly DocumentsRead[]): Statement | undefined {
  const lists = byCollection(named);
  if (lists.length === 0) return undefined;
  const text = lists.map(({ spec }, c) => `SELECT ${c} AS c, id, doc::text AS json FROM ${collectionTable(quotedSchema, spec)} WHERE id = ANY($${c + 1}::text[])`).join(' UNION ALL ');
  return { name: statementName(text), text, values: lists.map(({ ids }) => ids) };
}

/** What documentsStatement answered for `named`: every named document, found or not. */
export function documentsFrom(named: readonly DocumentsRead[], rows: readonly DocumentRow[]): LoadedDocuments {
  const lists = byCollection(named);
  const found = lists.map(() => new Map<string, string>());
  for (const row of rows) found[row.c]!.set(row.id, row.json);
  return new Map(lists.map(({ spec, ids }, c) => [spec.key, new Map(ids.map((id) => [id, found[c]!.get(id)]))]));
}

/** The documents named, by collection in the order first named, each id once. */
function byCollection(named: readonly DocumentsRead[]): { spec: CollectionSpec; ids: string[] }[] {
  const lists = new Map<string, { spec: CollectionSpec; ids: Set<string> }>();
  for (const { collection, ids } of named) {
    let list = lists.get(collection.key);
    if (list === undefined) lists.set(collection.key, (list = { spec: collection, ids: new Set() }));
    for (const id of ids) list.ids.add(id);
  }
  return [...lists.values()].map(({ spec, ids }) => ({ spec, ids: [...ids] }));
}
