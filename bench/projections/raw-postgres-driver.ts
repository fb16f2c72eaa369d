import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { connect } from '../postgres/connection.js';
import type { ApplyingAppend, RawDriver, RawEvent } from './raw-driver.js';

/**
 * The raw baseline on node-postgres: one connection to the Annals schema, reading Annals'
 * events table by key for the category (`category = $1 AND position > $2 ORDER BY position
 * LIMIT $3`, named statements), documents in tables `raw_<name>` shaped as Annals' (`id text
 * COLLATE "C" PRIMARY KEY, doc json`), checkpoints in `raw_checkpoints`; a batch is one
 * transaction: one upsert of every document (unnest of arrays, as Annals writes), one UPDATE of
 * the checkpoint.
 */
export class RawPostgresDriver implements RawDriver {
  private readonly s: string;
  private readonly names = new Map<string, string>();

  private constructor(
    private readonly client: pg.Client,
    schema: string,
  ) {
    this.s = pg.escapeIdentifier(schema);
  }

  static async open(url: string, schema: string): Promise<RawPostgresDriver> {
    const driver = new RawPostgresDriver(await connect(url), schema);
    await driver.client.query(`CREATE TABLE IF NOT EXISTS ${driver.s}.raw_checkpoints (name text PRIMARY KEY, position bigint NOT NULL)`);
    return driver;
  }

  async prepare(table: string, name: string): Promise<void> {
    await this.client.query(`CREATE TABLE IF NOT EXISTS ${this.table(table)} (id text COLLATE "C" PRIMARY KEY, doc json NOT NULL)`);
    await this.client.query(`INSERT INTO ${this.s}.raw_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT DO NOTHING`, [name]);
  }

  async readPage(after: number, limit: number): Promise<RawEvent[]> {
    const { rows } = await this.named<RawEvent>(`SELECT id, type, data, metadata, stream, revision, position, recorded_at AS "recordedAt" FROM ${this.s}.events
              WHERE category = 'account' AND position > $1 ORDER BY position LIMIT $2`, [after, limit]);
    return rows;
  }

  async load(table: string, ids: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.named<{ id: string; json: string }>(`SELECT id, doc::text AS json FROM ${this.table(table)} WHERE id = ANY($1::text[])`, [ids]);
    return new Map(rows.map((row) => [row.id, row.json]));
  }

  async commit(table: string, name: string, puts: readonly (readonly [string, string])[], checkpoint: number): Promise<void> {
    await this.client.query('BEGIN');
    try {
      await this.named(`INSERT INTO ${this.table(table)} (id, doc) SELECT id, doc::json FROM unnest($1::text[], $2::text[]) AS w(id, doc)
               ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, [puts.map(([id]) => id), puts.map(([, json]) => json)]);
      await this.named(`UPDATE ${this.s}.raw_checkpoints SET position = $1 WHERE name = $2`, [checkpoint, name]);
      await this.client.query('COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async append(stream: string, revision: number, event: { readonly type: string; readonly data?: unknown; readonly metadata?: unknown }): Promise<number> {
    const values = [randomUUID(), stream, revision, event.type, JSON.stringify(event.data ?? null), JSON.stringify(event.metadata ?? {})];
    const { rows } = await this.client.query<{ position: number }>(this.statement(this.insertText, values));
    return rows[0]!.position;
  }

  /** The insert of one `account` event: $1 id, $2 stream, $3 revision, $4 type, $5 data, $6 metadata. */
  private get insertText(): string {
    return `INSERT INTO ${this.s}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
             VALUES (nextval('${this.s}.positions'), $1, $2, 'account', $3, $4, $5, $6, now()) RETURNING position`;
  }

  /**
   * Two round trips, the statements of each pipelined (node-postgres' `pipeline` switch, on
   * this driver's own connection): BEGIN, the insert, the checkpoint row locked, the document;
   * then the upsert, the checkpoint and COMMIT.
   */
  async appendApplying({ stream, revision, event, table, name, id, fold }: ApplyingAppend): Promise<number> {
    const together = async <R extends pg.QueryResultRow>(statements: readonly (pg.QueryConfig | string)[]) => {
      const client = this.client as pg.Client & { pipeline: boolean };
      client.pipeline = true;
      try {
        const outcomes = await Promise.allSettled(statements.map((statement) => client.query<R>(statement)));
        const failed = outcomes.find((outcome) => outcome.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
        return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<pg.QueryResult<R>>).value);
      } finally {
        client.pipeline = false;
      }
    };
    try {
      const [, inserted, , found] = await together<{ position: number; json: string }>([
        'BEGIN',
        this.statement(this.insertText, [randomUUID(), stream, revision, event.type, JSON.stringify(event.data ?? null), JSON.stringify(event.metadata ?? {})]),
        this.statement(`SELECT position FROM ${this.s}.raw_checkpoints WHERE name = $1 FOR UPDATE`, [name]),
        this.statement(`SELECT doc::text AS json FROM ${this.table(table)} WHERE id = $1`, [id]),
      ]);
      const position = inserted!.rows[0]!.position;
      await together([
        this.statement(`INSERT INTO ${this.table(table)} (id, doc) VALUES ($1, $2::json) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, [id, fold(found!.rows[0]?.json)]),
        this.statement(`UPDATE ${this.s}.raw_checkpoints SET position = $1 WHERE name = $2`, [position, name]),
        'COMMIT',
      ]);
      return position;
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async findByOwner(table: string, owner: string, limit: number): Promise<unknown[]> {
    const expression = `((doc->>'owner') COLLATE "C")`;
    const { rows } = await this.named<{ json: string }>(`SELECT id, doc::text AS json FROM ${this.table(table)} WHERE ${expression} IS NOT NULL AND ${expression} = $1 ORDER BY id LIMIT $2`, [owner, limit]);
    return rows.map((row) => JSON.parse(row.json) as unknown);
  }

  async settle(): Promise<void> {
    const schema = this.s.slice(1, -1);
    const { rows } = await this.client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1`, [schema]);
    for (const { name } of rows) await this.client.query(`VACUUM (ANALYZE) ${this.s}.${pg.escapeIdentifier(name)}`);
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  /** Runs a named (prepared once) statement. */
  private named<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.client.query<R>(this.statement(text, values));
  }

  /** A named statement (prepared once per connection); names are short, as PostgreSQL cuts them at 63 bytes. */
  private statement(text: string, values: unknown[]): pg.QueryConfig {
    let name = this.names.get(text);
    if (name === undefined) this.names.set(text, (name = `raw-${this.names.size}`));
    return { name, text, values };
  }

  /** `raw_<table>` in the schema, or an Annals collection's own table when `table` is quoted already. */
  private table(table: string): string {
    return table.startsWith('"') ? `${this.s}.${table}` : `${this.s}.${pg.escapeIdentifier(`raw_${table}`)}`;
  }
}
