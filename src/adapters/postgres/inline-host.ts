import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { AppendResult } from '../../core/types.js';
import type { InlineApply, InlineHost, StoredEvent } from '../../backend/parts.js';
import type { PostgresPool } from './connection.js';
import { toAnnalsError, TRANSIENT } from './errors.js';
import { inlineHeadBefore } from './inline-gate.js';
import type { ReadBack } from './fast-append.js';
import { loadInlineScope } from './inline-scope.js';
import { sequenceHolders } from './sequence-holders.js';
import { keyString } from '../../readmodel/key.js';
import type { PostgresReadModels } from './postgres-read-models.js';
import { transactionOn, type Transaction } from './transaction.js';

const MAX_RETRIES = 3;
/** The columns of a stored event, as the log reads them. */
export const EVENT_COLUMNS = `id, type, data, metadata, stream, revision, position, recorded_at AS "recordedAt"`;

/** How an append's statements run: on the pool (one autocommitted statement), or on an inline append's transaction. */
export interface AppendConnection {
  /** A named (prepared) statement; `retryConflicts` as PostgresPool.query (ignored inside a transaction, which retries whole). */
  query<R extends object>(name: string, text: string, values: unknown[], retryConflicts?: boolean): Promise<pg.QueryResult<R>>;
  /** True inside a transaction: a statement that fails aborts it, so nothing may be tried after one. */
  readonly transactional: boolean;
  /**
   * Inside an inline append: the one-event statement returns its stored event and the gate's
   * first look too (fast-append.ts), handed to `wrote`, which saves reading them back.
   */
  readonly readBack?: ReadBack & { wrote(events: StoredEvent[], holders: string[]): void };
}

/** The events an inline append's statement returned, with the gate's first look (made after their insert). */
interface Written {
  readonly events: StoredEvent[];
  readonly holders: string[];
}

/** A throw of an attached function: the append fails with it, as it is (never retried or mapped). */
class FunctionThrew {
  constructor(readonly error: unknown) {}
}

/**
 * Inline functions on PostgreSQL. While one is attached, each append of this store runs in a
 * transaction of its own on one connection, instead of one autocommitted statement:
 * `BEGIN; SELECT pg_advisory_xact_lock(<this schema's key>)` (inline appenders of the store are
 * serialised, across processes), the append's statements, its events read back (those this
 * transaction inserted: none for an idempotent retry; a one-event append's statement returns its
 * event itself) with the gate's first look, `headBefore` (inline-gate.ts) with the state rows
 * locked that the functions name (InlineApply.reads), the documents they name (one statement),
 * the functions run synchronously over them (PostgresReadModels.inScope), their commits written
 * with the read models' own statements (one per commit), COMMIT: six round trips for a
 * one-event append and one projection. A throw of a function rolls it all back and fails
 * the append with that error; a deadlock, serialization failure or duplicate key (a race with an
 * appender outside the lock) runs it all again, from the function-checked slow path.
 */
export class PostgresInline implements InlineHost {
  private attached: readonly InlineApply[] = [];
  private readonly lock: string;
  /** What an inline append's one-event statement returns besides (fast-append.ts). */
  private readonly readBack: ReadBack;

  constructor(
    private readonly pool: PostgresPool,
    private readonly quotedSchema: string,
    schemaName: string,
    /** The store's read models, whose synchronous calls the functions make. */
    readonly readModels: PostgresReadModels,
  ) {
    // A 64-bit key of the schema's own: advisory locks are per database, shared by every schema in it.
    const digest = createHash('sha1').update(`annals:inline:${schemaName}`).digest();
    this.lock = digest.readBigInt64BE(0).toString();
    this.readBack = { columns: EVENT_COLUMNS, holders: `SELECT array_agg(h.vxid) FROM (${sequenceHolders(quotedSchema)}) AS h` };
  }

  /**
   * The events this transaction wrote (none for an idempotent retry) and the gate's first look at
   * the sequence's holders (after the insert), in one statement: for appends whose statement did
   * not return them (several events or streams, the function's path).
   */
  private async readBackIn(tx: Transaction, ids: readonly string[]): Promise<Written> {
    const { rows } = await tx.query<StoredEvent & { holders: string[] | null }>(
      `SELECT ${EVENT_COLUMNS}, (${this.readBack.holders}) AS holders
         FROM ${this.quotedSchema}.events WHERE id = ANY($1::uuid[]) AND xmin = pg_current_xact_id()::xid ORDER BY position`,
      [ids],
    );
    return { events: rows.map(({ holders: _, ...event }) => event), holders: rows[0]?.holders ?? [] };
  }

  attach(apply: InlineApply): () => void {
    this.attached = [...this.attached, apply];
    return () => {
      this.attached = this.attached.filter((attached) => attached !== apply);
    };
  }

  /** True while a function is attached: appends then go through `append`. */
  get active(): boolean {
    return this.attached.length > 0;
  }

  /**
   * Runs `write` (the append's statements, given the connection and whether the one-statement
   * path may be tried: not on a retry after a duplicate key) and the attached functions in one
   * transaction, as described above. `ids` are the ids of the append's events.
   */
  async append(ids: readonly string[], write: (connection: AppendConnection, fastFirst: boolean) => Promise<AppendResult[]>): Promise<AppendResult[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        const outcome = await this.pool.onClient(async (client): Promise<{ results: AppendResult[]; committed: boolean } | { refused: unknown }> => {
          await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.lock})`);
          try {
            let written: Written | undefined;
            const connection: AppendConnection = {
              query: (name, text, values) => client.query({ name: name.startsWith('annals:') ? name : `annals:${name}`, text, values }),
              transactional: true,
              readBack: { ...this.readBack, wrote: (events, holders) => void (written = { events, holders }) },
            };
            const results = await write(connection, attempt === 0);
            const committed = await this.applyInline(transactionOn(client), ids, written);
            await client.query('COMMIT');
            return { results, committed };
          } catch (error) {
            // A ROLLBACK that fails means the connection is gone: its error closes the connection.
            await client.query('ROLLBACK');
            return { refused: error };
          }
        });
        if ('refused' in outcome) throw outcome.refused;
        if (outcome.committed) this.readModels.wake();
        return outcome.results;
      } catch (error) {
        if (error instanceof FunctionThrew) throw error.error;
        const code = (error as { code?: string } | null)?.code ?? '';
        if ((TRANSIENT.has(code) || code === '23505') && attempt < MAX_RETRIES) continue;
        throw toAnnalsError(error);
      }
    }
  }

  /**
   * Runs the attached functions over the events this transaction wrote (`written` by the append's
   * statement, else read back here); true when one committed a read model.
   */
  private async applyInline(tx: Transaction, ids: readonly string[], written: Written | undefined): Promise<boolean> {
    const attached = this.attached;
    if (attached.length === 0) return false;
    const { events, holders: firstLook } = written ?? (await this.readBackIn(tx, ids));
    if (events.length === 0) return false; // an idempotent retry: nothing new to apply
    const reads = guarded(() => attached.flatMap((apply) => apply.reads?.(events) ?? []));
    const keys = new Map(reads.map(({ key }) => [keyString(key), key]));
    const { headBefore, states } = await inlineHeadBefore(tx, this.quotedSchema, events.map((event) => event.position), firstLook, [...keys.values()]);
    const scope = await loadInlineScope(tx, this.quotedSchema, reads, headBefore, states);
    for (const apply of attached) guarded(() => this.readModels.inScope(scope, () => apply(events, headBefore)));
    for (const commit of scope.commits) await this.readModels.commitIn(tx, commit);
    return scope.commits.length > 0;
  }
}

function guarded<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new FunctionThrew(error);
  }
}
