import { DocumentNotLoadedError, InvalidArgumentError } from '../core/errors.js';
import { encodeDocument } from '../readmodel/documents.js';
import { assertDocumentId } from '../readmodel/names.js';
import type { CollectionSpec, DocumentWrite } from '../readmodel/types.js';

/**
 * What `apply` uses to change the read model: synchronous, so that one apply can run inside the
 * append's transaction (inline) as well as in a runner. Reads see the batch's own earlier writes.
 * Treat documents as values: change a copy and upsert it.
 */
export interface ProjectionSession {
  /** The document, or undefined when there is none. Only documents `load` named for this event (or written earlier in the batch) can be read. */
  get<D extends object = Record<string, unknown>>(collection: string, id: string): D | undefined;
  /** Writes the whole document (created or replaced). */
  upsert(collection: string, id: string, document: object): void;
  /** Merges `changes` into the loaded document's top-level fields and returns the result; a missing document stays missing (undefined). */
  patch<D extends object = Record<string, unknown>>(collection: string, id: string, changes: Partial<D>): D | undefined;
  /** Removes the document (nothing happens when there is none). */
  delete(collection: string, id: string): void;
}

/** A document as the batch knows it: loaded, or written by the batch; null when there is none. */
type Known = { readonly document: object | null };

/**
 * One batch's session: the documents fetched for it, the writes made so far, and an undo journal
 * so that a failing event's changes can be taken back while the rest of the batch stays.
 */
export class BatchSession implements ProjectionSession {
  private readonly known = new Map<string, Known>();
  private readonly writes: DocumentWrite[] = [];
  private journal: [key: string, before: Known | undefined][] = [];

  constructor(
    private readonly projection: string,
    private readonly specs: ReadonlyMap<string, CollectionSpec>,
  ) {}

  /** Records a document fetched for the batch (JSON text, or undefined for none). */
  loaded(collection: string, id: string, json: string | undefined): void {
    const key = keyOf(collection, id);
    if (!this.known.has(key)) this.known.set(key, { document: json === undefined ? null : (JSON.parse(json) as object) });
  }

  get<D extends object>(collection: string, id: string): D | undefined {
    this.spec(collection);
    const known = this.known.get(keyOf(collection, id));
    if (known === undefined) throw new DocumentNotLoadedError(this.projection, collection, id);
    return (known.document ?? undefined) as D | undefined;
  }

  upsert(collection: string, id: string, document: object): void {
    const spec = this.spec(collection);
    assertDocumentId(id);
    const { json, fields } = encodeDocument(spec, id, document);
    this.remember(collection, id, document);
    this.writes.push({ op: 'put', collection: spec, id, json, fields });
  }

  patch<D extends object>(collection: string, id: string, changes: Partial<D>): D | undefined {
    if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) throw new InvalidArgumentError('patch changes', changes, 'an object of top-level fields');
    const current = this.get<D>(collection, id);
    if (current === undefined) return undefined;
    const next = { ...current, ...changes } as D;
    this.upsert(collection, id, next);
    return next;
  }

  delete(collection: string, id: string): void {
    const spec = this.spec(collection);
    assertDocumentId(id);
    this.remember(collection, id, null);
    this.writes.push({ op: 'delete', collection: spec, id });
  }

  /** Starts an event: its changes can be undone until the next `begin`. */
  begin(): number {
    this.journal = [];
    return this.writes.length;
  }

  /** Takes back the changes made since `begin` (which returned `mark`). */
  undo(mark: number): void {
    this.writes.length = mark;
    for (const [key, before] of this.journal.reverse()) {
      if (before === undefined) this.known.delete(key);
      else this.known.set(key, before);
    }
    this.journal = [];
  }

  /**
   * The batch's writes: the last one of each document (a put replaces the whole document, so the
   * earlier ones change nothing), in the order of those last writes.
   */
  get changes(): readonly DocumentWrite[] {
    const last = new Map<string, DocumentWrite>();
    for (const write of this.writes) {
      const key = keyOf(write.collection.collection, write.id);
      last.delete(key); // re-inserted: a Map keeps insertion order
      last.set(key, write);
    }
    return last.size === this.writes.length ? this.writes : [...last.values()];
  }

  private remember(collection: string, id: string, document: object | null): void {
    const key = keyOf(collection, id);
    this.journal.push([key, this.known.get(key)]);
    this.known.set(key, { document });
  }

  private spec(collection: string): CollectionSpec {
    const spec = this.specs.get(collection);
    if (spec === undefined) {
      throw new InvalidArgumentError(`collection of projection "${this.projection}"`, collection, `one of its declared collections: ${[...this.specs.keys()].join(', ')}`);
    }
    return spec;
  }
}

function keyOf(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}
