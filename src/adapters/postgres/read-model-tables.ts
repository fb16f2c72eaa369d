import type { CollectionSpec } from '../../readmodel/types.js';
import type { PostgresPool } from './connection.js';
import { collectionDdl, collectionRelations, collectionTable } from './read-model-sql.js';
import { inTransaction, statementName } from './transaction.js';

const MISSING = `SELECT count(*)::int AS missing FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL`;

/**
 * The collections' tables and indexes: made by `prepare`, removed by `drop`. DDL runs in a
 * transaction under an advisory lock of the schema's, so that processes preparing at once do
 * not trip over each other (two `CREATE TABLE IF NOT EXISTS` racing can still both try to
 * create the table); `IF NOT EXISTS` makes the loser's statements no-ops. A first look, without
 * a lock, skips all of that when every table and index is there, and this object remembers
 * what it prepared so that a commit can make sure of its collections for free.
 */
export class CollectionTables {
  /** Collection key → the signature it was prepared with. */
  private readonly known = new Map<string, string>();
  private readonly lockKey: string;

  constructor(
    private readonly pool: PostgresPool,
    private readonly quotedSchema: string,
    schemaName: string,
  ) {
    this.lockKey = `annals:read-models:${schemaName}`;
  }

  /** Creates the tables and indexes that are missing. Idempotent; safe when processes race. */
  async prepare(specs: readonly CollectionSpec[]): Promise<void> {
    const wanted = specs.filter((spec) => this.known.get(spec.key) !== signature(spec));
    if (wanted.length === 0) return;
    const relations = wanted.flatMap((spec) => collectionRelations(this.quotedSchema, spec));
    const { rows } = await this.pool.query<{ missing: number }>(statementName(MISSING), MISSING, [relations]);
    if (rows[0]!.missing > 0) {
      await inTransaction(this.pool, async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [this.lockKey]);
        for (const spec of wanted) for (const statement of collectionDdl(this.quotedSchema, spec)) await tx.run(statement);
      });
    }
    for (const spec of wanted) this.known.set(spec.key, signature(spec));
  }

  /** Whether this object prepared all of these (as they are declared now): a commit then needs no `prepare`. */
  prepared(specs: readonly CollectionSpec[]): boolean {
    return specs.every((spec) => this.known.get(spec.key) === signature(spec));
  }

  /** Drops the tables (their indexes go with them). Missing ones are fine. */
  async drop(specs: readonly CollectionSpec[]): Promise<void> {
    if (specs.length === 0) return;
    this.forget(specs);
    await inTransaction(this.pool, async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [this.lockKey]);
      await tx.run(`DROP TABLE IF EXISTS ${specs.map((spec) => collectionTable(this.quotedSchema, spec)).join(', ')}`);
    });
  }

  /** Forgets that these were prepared (another process may have dropped them): the next prepare looks again. */
  forget(specs: readonly CollectionSpec[]): void {
    for (const spec of specs) this.known.delete(spec.key);
  }
}

/** A collection as prepared: its key and its declared indexes. */
function signature(spec: CollectionSpec): string {
  return `${spec.key} ${JSON.stringify(Object.entries(spec.indexes).sort())}`;
}
