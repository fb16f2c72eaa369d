import Database from 'better-sqlite3';
import type { CollectionSpec, DocumentWrite, StoredDocument, StoredFilter, StoredFind } from '../../readmodel/types.js';
import { countSql, createCollectionSql, findSql, tableName } from './read-model-sql.js';

/** The statements of one collection's table, prepared when first used. */
interface CollectionStatements {
  readonly get: Database.Statement<[string], StoredDocument>;
  readonly put: Database.Statement<[string, string]>;
  readonly remove: Database.Statement<[string]>;
  /** Finds and counts by their SQL text (one per shape of query). */
  readonly queries: Map<string, Database.Statement>;
}

/**
 * The documents of read models: one table per collection (read-model-sql.ts). Every method is
 * synchronous and opens no transaction of its own, so that the read-model store can run them
 * inside a commit's transaction, or inside an append's (inline projections).
 *
 * A collection that was never prepared, or that another connection dropped, reads as empty, as
 * in the memory backend; a write to it creates it first (with its indexes), in the writer's
 * transaction.
 */
export class SqliteCollections {
  private readonly prepared = new Map<string, CollectionStatements>();

  constructor(private readonly db: Database.Database) {}

  /** Creates the tables and indexes where missing. Call inside a transaction. */
  create(spec: CollectionSpec): void {
    for (const sql of createCollectionSql(spec)) this.db.exec(sql);
  }

  /** Drops the table and its indexes, if there. Call inside a transaction. */
  drop(spec: CollectionSpec): void {
    this.prepared.delete(spec.key);
    this.db.exec(`DROP TABLE IF EXISTS ${tableName(spec)}`);
  }

  /** The documents' JSON in the order of `ids`. */
  get(spec: CollectionSpec, ids: readonly string[]): (string | undefined)[] {
    const found = new Map<string, string>();
    const rows = this.reading(spec, [], (s) => ids.map((id) => s.get.get(id)));
    for (const row of rows) if (row !== undefined) found.set(row.id, row.json);
    return ids.map((id) => found.get(id));
  }

  find(spec: CollectionSpec, find: StoredFind): StoredDocument[] {
    const { sql, params } = findSql(spec, find);
    return this.reading(spec, [], (s) => this.query(s, sql).all(...params) as StoredDocument[]);
  }

  count(spec: CollectionSpec, filter: StoredFilter): number {
    const { sql, params } = countSql(spec, filter);
    return this.reading(spec, 0, (s) => this.query(s, sql).pluck().get(...params) as number);
  }

  /** One write of a batch: a whole-document replace, or a delete. Call inside a transaction. */
  write(write: DocumentWrite): void {
    const spec = write.collection;
    const run = (s: CollectionStatements) => (write.op === 'put' ? s.put.run(write.id, write.json) : s.remove.run(write.id));
    try {
      run(this.statements(spec));
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      // The statement failed before it wrote anything; the transaction goes on.
      this.prepared.delete(spec.key);
      this.create(spec);
      run(this.statements(spec));
    }
  }

  /** Runs a read; `empty` when the collection's table is not there. */
  private reading<T>(spec: CollectionSpec, empty: T, read: (statements: CollectionStatements) => T): T {
    try {
      return read(this.statements(spec));
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      this.prepared.delete(spec.key);
      return empty;
    }
  }

  private statements(spec: CollectionSpec): CollectionStatements {
    let found = this.prepared.get(spec.key);
    if (found === undefined) {
      const table = tableName(spec);
      found = {
        get: this.db.prepare(`SELECT id, doc AS json FROM ${table} WHERE id = ?`),
        put: this.db.prepare(`INSERT INTO ${table} (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`),
        remove: this.db.prepare(`DELETE FROM ${table} WHERE id = ?`),
        queries: new Map(),
      };
      this.prepared.set(spec.key, found);
    }
    return found;
  }

  private query(statements: CollectionStatements, sql: string): Database.Statement {
    let statement = statements.queries.get(sql);
    if (statement === undefined) statements.queries.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }
}

/** SQLite's answer for a table that is not there, when a statement is prepared or run. */
function isMissingTable(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_ERROR' && error.message.startsWith('no such table');
}
