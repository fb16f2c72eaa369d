import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openStore, type EventInput, type EventMetadata, type JsonValue, type RecordedEvent } from '../../src/index.js';
import { connect } from './connection.js';

/** The constant advisory lock key of the serialised-position candidate. */
export const POSITION_LOCK_KEY = 727_274;

const COLUMNS = `position, id, stream, category, revision, type, data, metadata, recorded_at`;

interface Row {
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: EventMetadata;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly recorded_at: Date;
}

/**
 * The baseline: what a careful programmer would write with node-postgres alone to do the same
 * work as Annals, without its checks. Its table is Annals' own events table (created by opening
 * an Annals store on the raw schema), so columns and indexes are identical; positions come from
 * the same kind of sequence. Each append is one autocommitted statement with bind parameters
 * (a named, prepared statement, as Annals uses).
 */
export class RawPostgres {
  private readonly s: string;
  private readonly name: string;

  private constructor(
    readonly client: pg.Client,
    readonly schema: string,
  ) {
    this.s = pg.escapeIdentifier(schema);
    this.name = `raw:${schema}`;
  }

  /** Connects to `schema`, first creating Annals' schema there (by opening and closing a store) when `create`. */
  static async open(url: string, schema: string, create = true): Promise<RawPostgres> {
    if (create) await (await openStore(url, { schema })).close();
    return new RawPostgres(await connect(url), schema);
  }

  /** One row per event, revisions firstRevision…, in one INSERT (unnest of arrays for several). Returns the last position. */
  async append(stream: string, events: readonly EventInput[], firstRevision: number): Promise<number> {
    return events.length === 1 ? this.insertOne(stream, events[0]!, firstRevision, false) : this.insertMany(stream, events, firstRevision);
  }

  /**
   * The serialised-position candidate: the same single-row INSERT, but the statement first takes
   * a transaction-level advisory lock (one constant key), held until its commit, and only then its
   * position: positions are handed out and committed one transaction at a time.
   */
  async appendSerialised(stream: string, event: EventInput, revision: number): Promise<number> {
    return this.insertOne(stream, event, revision, true);
  }

  private async insertOne(stream: string, event: EventInput, revision: number, serialised: boolean): Promise<number> {
    const values = `nextval('${this.s}.positions'), $1, $2, $3, $4, $5, $6, $7, now()`;
    const text = serialised
      ? `INSERT INTO ${this.s}.events (${COLUMNS})
           SELECT ${values} FROM (SELECT pg_advisory_xact_lock(${POSITION_LOCK_KEY})) AS serialised RETURNING position`
      : `INSERT INTO ${this.s}.events (${COLUMNS}) VALUES (${values}) RETURNING position`;
    const { rows } = await this.client.query<{ position: number }>({
      name: `${this.name}:${serialised ? 'insert-serialised' : 'insert-one'}`,
      text,
      values: [randomUUID(), stream, categoryOf(stream), revision, event.type, jsonOf(event.data, 'null'), jsonOf(event.metadata, '{}')],
    });
    return rows[0]!.position;
  }

  private async insertMany(stream: string, events: readonly EventInput[], firstRevision: number): Promise<number> {
    const { rows } = await this.client.query<{ position: number }>({
      name: `${this.name}:insert-many`,
      text: `WITH inserted AS (
               INSERT INTO ${this.s}.events (${COLUMNS})
               SELECT nextval('${this.s}.positions'), x.id, $1, $2, $3 + x.ord - 1, x.type, x.data::json, x.meta::json, now()
                 FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS x(id, type, data, meta, ord)
               RETURNING position)
             SELECT max(position) AS position FROM inserted`,
      values: [
        stream,
        categoryOf(stream),
        firstRevision,
        events.map(() => randomUUID()),
        events.map((e) => e.type),
        events.map((e) => jsonOf(e.data, 'null')),
        events.map((e) => jsonOf(e.metadata, '{}')),
      ],
    });
    return rows[0]!.position;
  }

  /** Reads the whole log in position order, `pageSize` rows per SELECT, paged by key; returns the number of events. */
  async readAll(pageSize: number, consume: (event: RecordedEvent) => void): Promise<number> {
    let count = 0;
    let after = 0;
    for (;;) {
      const { rows } = await this.client.query<Row>({
        name: `${this.name}:read-all`,
        text: `SELECT id, type, data, metadata, stream, revision, position, recorded_at
                 FROM ${this.s}.events WHERE position > $1 ORDER BY position LIMIT $2`,
        values: [after, pageSize],
      });
      for (const row of rows) consume(decode(row));
      count += rows.length;
      if (rows.length < pageSize) return count;
      after = rows[rows.length - 1]!.position;
    }
  }

  async count(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${this.s}.events`);
    return rows[0]!.n;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

export function categoryOf(stream: string): string {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
}

function jsonOf(value: unknown, absent: string): string {
  return value === undefined ? absent : JSON.stringify(value);
}

function decode(row: Row): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    recordedAt: row.recorded_at,
  };
}
