import { createHash } from 'node:crypto';
import type pg from 'pg';
import { LeaseLostError } from '../../core/errors.js';
import type { AppendResult } from '../../core/types.js';
import type { InlineApply, InlineHost, InlineReads, StoredEvent } from '../../backend/parts.js';
import type { ProjectionCommit, ProjectionKey } from '../../readmodel/types.js';
import type { PostgresPool } from './connection.js';
import { toAnnalsError, TRANSIENT } from './errors.js';
import { gateStatement, gateThrough, inlineHeadBefore, type GateAnswer, type GateRow } from './inline-gate.js';
import type { FastAppend, ReadBack } from './fast-append.js';
import { documentsFrom, documentsStatement, loadInlineScope, type DocumentRow, type LoadedDocuments } from './inline-scope.js';
import { allAnswered, sendTogether, type Statement } from './pipeline.js';
import { REFUSED_STRICT } from './read-model-commit.js';
import { sequenceHolders } from './sequence-holders.js';
import { keyString } from '../../readmodel/key.js';
import type { PostgresReadModels } from './postgres-read-models.js';
import { statementName, transactionOn, type Transaction } from './transaction.js';

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
export interface Written {
  readonly events: StoredEvent[];
  readonly holders: string[];
}

/**
 * The one statement of a single-stream append (fast-append.ts, built with the host's readBack),
 * which an inline append sends ahead together with what follows it (see PostgresInline).
 */
export interface AheadAppend {
  readonly statement: FastAppend;
  /** What the statement did: undefined when it wrote nothing (the function must decide), else its result, and for one event, what readBack returned. */
  outcome(rows: readonly object[]): { results: AppendResult[]; written?: Written } | undefined;
  /** The events as they will be stored, but for what the append decides (revision unless expected, position: NaN): what `reads` guesses from. */
  readonly events: readonly StoredEvent[];
}

/** A row of the read-back: an event this transaction wrote, with the first look. */
type WrittenRow = StoredEvent & { holders: string[] | null };

/** What was read ahead of the append's answer: the gate's rows, and the documents the functions were guessed to read. */
interface ReadAhead {
  /** The state rows the gate locks (keyString), as guessed. */
  readonly keys: readonly string[];
  readonly statement: Statement;
  readonly gate: readonly GateRow[];
  readonly documents: LoadedDocuments;
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
 * with the read models' own statements (one per commit), COMMIT.
 *
 * Two round trips carry all of that for a single-stream append (the fast statement: AheadAppend),
 * the statements of each sent together (pipeline.ts): the BEGIN, the append, its read-back (several
 * events), the gate and the documents, whose positions and ids the gate and the read-back find
 * by the events' ids among this transaction's rows, and whose ids are guessed from the events as
 * they will be stored; then the commits with COMMIT. The second round trip uses what the first read
 * only where it holds: the append wrote its events, the first look found no other appender, every
 * state row was there to lock (the documents were read after the lock), and the guess named every
 * document needed; else the missing statements run one by one, as for any other append. A commit
 * sent with COMMIT fails its statement when its compare-and-set fails, so the COMMIT rolls back.
 *
 * A throw of a function rolls it all back and fails the append with that error; a deadlock,
 * serialization failure or duplicate key (a race with an appender outside the lock) runs it all
 * again, from the function-checked slow path.
 */
export class PostgresInline implements InlineHost {
  private attached: readonly InlineApply[] = [];
  private readonly lock: string;
  /** What an inline append's one-event statement returns besides (fast-append.ts). */
  readonly readBack: ReadBack;

  constructor(
    private readonly pool: PostgresPool,
    private readonly quotedSchema: string,
    schemaName: string,
    /** The store's read models, whose synchronous calls the functions make. */
    readonly readModels: PostgresReadModels,
    /** How long the transaction may idle between statements before the server ends the session. */
    private readonly idleTimeoutMs = 10_000,
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
    const { text, values } = this.readBackStatement(ids);
    return this.written((await tx.query<WrittenRow>(text, values as unknown[])).rows);
  }

  /** readBackIn's statement. */
  private readBackStatement(ids: readonly string[]): Statement {
    const text = `SELECT ${EVENT_COLUMNS}, (${this.readBack.holders}) AS holders
         FROM ${this.quotedSchema}.events WHERE id = ANY($1::uuid[]) AND xmin = pg_current_xact_id()::xid ORDER BY position`;
    return { name: statementName(text), text, values: [ids] };
  }

  /** What readBackStatement answered. */
  private written(rows: readonly WrittenRow[]): Written {
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
   * transaction, as described above. `ids` are the ids of the append's events; `ahead`, for a
   * single-stream append, its one statement, sent with what follows it on a first attempt.
   */
  async append(
    ids: readonly string[],
    write: (connection: AppendConnection, fastFirst: boolean) => Promise<AppendResult[]>,
    ahead?: AheadAppend,
  ): Promise<AppendResult[]> {
    // Generic plans: the gate's and the documents' statements name their rows by arrays, for which
    // PostgreSQL keeps planning afresh on each run (a custom plan costs it more than the statement).
    // The idle timeout: a process paused between two statements (stopped, frozen) would hold the
    // lock, and every inline appender of the store with it, until it resumed.
    const begin =
      `BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL idle_in_transaction_session_timeout = ${this.idleTimeoutMs}; ` +
      `SELECT pg_advisory_xact_lock(${this.lock})`;
    for (let attempt = 0; ; attempt++) {
      try {
        const outcome = await this.pool.onClient(async (client): Promise<{ results: AppendResult[]; committed: boolean } | { refused: unknown }> => {
          const tx = transactionOn(client);
          let written: Written | undefined;
          const connection: AppendConnection = {
            query: (name, text, values) => client.query({ name: name.startsWith('annals:') ? name : `annals:${name}`, text, values }),
            transactional: true,
            readBack: { ...this.readBack, wrote: (events, holders) => void (written = { events, holders }) },
          };
          try {
            let results: AppendResult[] | undefined;
            let early: ReadAhead | undefined;
            const sentAhead = attempt === 0 && ahead !== undefined && this.attached.length > 0;
            if (sentAhead) ({ results, written, early } = await this.sendAhead(client, begin, ids, ahead));
            else await client.query(begin);
            results ??= await write(connection, attempt === 0 && !sentAhead);
            const commits = await this.applyInline(tx, ids, written, early);
            await this.commit(client, tx, commits);
            return { results, committed: commits.length > 0 };
          } catch (error) {
            // A ROLLBACK that fails means the connection is gone: its error closes the connection.
            await client.query('ROLLBACK');
            return { refused: error };
          }
        });
        if ('refused' in outcome) throw outcome.refused;
        if (outcome.committed) this.readModels.committedInline();
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
   * The first round trip of a single-stream append: BEGIN with the lock, the append's statement,
   * its read-back (several events), the gate and the guessed documents, sent together. What the
   * append wrote (nothing: `results` undefined, the slow path decides; `early` is then of no use).
   */
  private async sendAhead(
    client: pg.ClientBase,
    begin: string,
    ids: readonly string[],
    ahead: AheadAppend,
  ): Promise<{ results?: AppendResult[]; written?: Written; early?: ReadAhead }> {
    let reads: InlineReads[];
    try {
      reads = this.attached.flatMap((apply) => apply.reads?.(ahead.events) ?? []);
    } catch {
      reads = []; // no guess: the gate's keys will not match, and what follows runs one by one
    }
    const keys = stateKeys(reads);
    const named = reads.flatMap(({ documents }) => documents);
    const gate = gateStatement(this.quotedSchema, keys, { ids });
    const documents = documentsStatement(this.quotedSchema, named);
    const readBack = ids.length > 1 ? this.readBackStatement(ids) : undefined;
    const statements = [{ text: begin }, ahead.statement, ...(readBack ? [readBack] : []), gate, ...(documents ? [documents] : [])];
    const answers = allAnswered(await sendTogether(client, statements));
    const appended = ahead.outcome(answers[1]!.rows);
    if (appended === undefined) return {};
    const rest = answers.slice(readBack ? 3 : 2);
    return {
      results: appended.results,
      written: appended.written ?? this.written(answers[2]!.rows as WrittenRow[]),
      early: { keys: keys.map(keyString), statement: gate, gate: rest[0]!.rows as GateRow[], documents: documentsFrom(named, (rest[1]?.rows ?? []) as DocumentRow[]) },
    };
  }

  /** The second round trip: the commits with COMMIT, sent together, when each has its statements (else one by one, then COMMIT). */
  private async commit(client: pg.ClientBase, tx: Transaction, commits: readonly ProjectionCommit[]): Promise<void> {
    const statements = commits.map((commit) => this.readModels.commitStatements(commit));
    if (statements.every((some) => some !== undefined)) {
      const of = statements.flatMap((some, c) => some.map(() => commits[c]!));
      const outcomes = await sendTogether(client, [...statements.flat(), { text: 'COMMIT' }]);
      const failed = outcomes.findIndex((outcome) => outcome.status === 'rejected');
      if (failed === -1) return;
      const reason = (outcomes[failed] as PromiseRejectedResult).reason as { code?: string };
      if (reason.code === REFUSED_STRICT) {
        // Cannot happen while the gate holds the state row locked; refused all the same, as commitIn would.
        const { key, lease, from } = of[failed]!;
        throw new LeaseLostError(key, lease, from, undefined);
      }
      throw reason;
    }
    for (const commit of commits) await this.readModels.commitIn(tx, commit);
    await client.query('COMMIT');
  }

  /**
   * Runs the attached functions over the events this transaction wrote (`written` by the append's
   * statement, else read back here) and returns the commits they made, to be written. With
   * `early` (read ahead), its gate answer and documents are used where they hold (see above).
   */
  private async applyInline(tx: Transaction, ids: readonly string[], written: Written | undefined, early: ReadAhead | undefined): Promise<ProjectionCommit[]> {
    const attached = this.attached;
    if (attached.length === 0) return [];
    const { events, holders: firstLook } = written ?? (await this.readBackIn(tx, ids));
    if (events.length === 0) return []; // an idempotent retry: nothing new to apply
    const reads = guarded(() => attached.flatMap((apply) => apply.reads?.(events) ?? []));
    const keys = stateKeys(reads);
    let gate: GateAnswer;
    let loaded: LoadedDocuments | undefined;
    const guessed = early !== undefined && early.keys.length === keys.length && keys.every((key, k) => keyString(key) === early.keys[k]);
    if (early !== undefined && guessed && firstLook.length === 0) {
      // Every state row locked by the early gate: the documents read after it are as they stay.
      const complete = early.gate.filter((row) => row.projection != null).length === keys.length;
      gate = await gateThrough(tx, this.quotedSchema, keys, early.statement, events.length, early.gate);
      if (complete) loaded = early.documents;
    } else {
      gate = await inlineHeadBefore(tx, this.quotedSchema, events.map((event) => event.position), firstLook, keys);
    }
    const scope = await loadInlineScope(tx, this.quotedSchema, reads, gate.headBefore, gate.states, loaded);
    for (const apply of attached) guarded(() => this.readModels.inScope(scope, () => apply(events, gate.headBefore)));
    return scope.commits;
  }
}

function guarded<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new FunctionThrew(error);
  }
}

/** The state rows `reads` name, each once, in the order first named. */
function stateKeys(reads: readonly InlineReads[]): ProjectionKey[] {
  return [...new Map(reads.map(({ key }) => [keyString(key), key])).values()];
}
