import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { openStore, type EventInput, type EventMetadata, type JsonValue, type RecordedEvent, type StoredEvent } from '../../src/index.js';

export type Synchronous = 'full' | 'normal';

/** A row as the page queries return it: the shape Annals' backends hand to the core. */
type Row = StoredEvent;

const COLUMNS = `id, type, data, metadata, stream, revision, position, recorded_at AS recordedAt`;

/**
 * The baseline: what a careful programmer would write with better-sqlite3 alone to do the
 * same work as Annals, without its checks. Same table and indexes (created by Annals'
 * own migration), same pragmas, one IMMEDIATE transaction per append, and reads paged by
 * key that decode every row into the same object shape. For the command side it also checks
 * the stream's revision before an append, and keeps snapshot rows in Annals' snapshot table.
 */
export class RawSqlite {
  private readonly db: Database.Database;
  private readonly insertRows: (stream: string, category: string, firstRevision: number, rows: readonly string[][], checked: boolean) => number;
  private readonly insertParts: (parts: readonly { stream: string; category: string; firstRevision: number; rows: readonly string[][] }[]) => void;
  private readonly streamPage: Database.Statement<[string, number, number], Row>;
  private readonly allPage: Database.Statement<[number, number], Row>;
  private readonly snapshotRow: Database.Statement<[string], RawSnapshot>;
  private readonly upsertSnapshot: Database.Statement<[string, number, string, string, number]>;

  private constructor(path: string, synchronous: Synchronous) {
    this.db = new Database(path, { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    const insert = this.db.prepare(
      `INSERT INTO annals_events (id, stream, category, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const head = this.db.prepare<[string], number | null>(`SELECT max(revision) FROM annals_events WHERE stream = ?`).pluck();
    const insertAll = (stream: string, category: string, firstRevision: number, rows: readonly string[][], checked: boolean) => {
      if (checked) {
        const revision = head.get(stream) ?? -1;
        if (revision !== firstRevision - 1) throw new Error(`${stream} is at revision ${revision}, expected ${firstRevision - 1}`);
      }
      const recordedAt = Date.now();
      let position = 0;
      let revision = firstRevision;
      for (const [id, type, data, metadata] of rows) {
        position = Number(insert.run(id, stream, category, revision++, type, data, metadata, recordedAt).lastInsertRowid);
      }
      return position;
    };
    const transaction = this.db.transaction(insertAll);
    this.insertRows = (...args) => transaction.immediate(...args);
    const together = this.db.transaction((parts: readonly { stream: string; category: string; firstRevision: number; rows: readonly string[][] }[]) => {
      for (const { stream, category, firstRevision, rows } of parts) insertAll(stream, category, firstRevision, rows, false);
    });
    this.insertParts = (parts) => together.immediate(parts);
    this.streamPage = this.db.prepare(`SELECT ${COLUMNS} FROM annals_events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`);
    this.allPage = this.db.prepare(`SELECT ${COLUMNS} FROM annals_events WHERE position > ? ORDER BY position LIMIT ?`);
    this.snapshotRow = this.db.prepare(`SELECT revision, version, state FROM annals_snapshots WHERE stream = ?`);
    this.upsertSnapshot = this.db.prepare(
      `INSERT INTO annals_snapshots (stream, revision, version, state, saved_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, version = excluded.version, state = excluded.state, saved_at = excluded.saved_at`,
    );
  }

  /** Opens `path`, first creating Annals' schema in it (by opening and closing a store) when it is new. */
  static async open(path: string, synchronous: Synchronous): Promise<RawSqlite> {
    await (await openStore(`sqlite:${path}`, { synchronous })).close();
    return new RawSqlite(path, synchronous);
  }

  /**
   * Inserts `events` as revisions firstRevision, firstRevision+1, … of `stream` in one
   * transaction: the same id generation and JSON serialisation as Annals, no checks.
   */
  append(stream: string, events: readonly EventInput[], firstRevision: number): number {
    return this.insertRows(stream, categoryOf(stream), firstRevision, toRows(events), false);
  }

  /**
   * The same, after checking inside the transaction that the stream's last revision is
   * `expectedRevision` (-1: no events); throws without writing when it is not. Returns the position.
   */
  appendExpecting(stream: string, events: readonly EventInput[], expectedRevision: number): number {
    return this.insertRows(stream, categoryOf(stream), expectedRevision + 1, toRows(events), true);
  }

  /**
   * Several appends' rows in one transaction (one commit): the ceiling for a group of appends
   * committed together. The same preparation of each event, no checks.
   */
  appendTogether(appends: readonly { stream: string; events: readonly EventInput[]; firstRevision: number }[]): void {
    this.insertParts(appends.map(({ stream, events, firstRevision }) => ({ stream, category: categoryOf(stream), firstRevision, rows: toRows(events) })));
  }

  /** Reads `stream` forwards from `fromRevision`, `pageSize` rows per SELECT; returns the number of events. */
  readStream(stream: string, pageSize: number, consume: (event: RecordedEvent) => void, fromRevision = 0): number {
    let count = 0;
    let from = fromRevision;
    for (;;) {
      const rows = this.streamPage.all(stream, from, pageSize);
      for (const row of rows) consume(decode(row));
      count += rows.length;
      if (rows.length < pageSize) return count;
      from = rows[rows.length - 1]!.revision + 1;
    }
  }

  /** Reads the whole log in position order, `pageSize` rows per SELECT; returns the number of events. */
  readAll(pageSize: number, consume: (event: RecordedEvent) => void): number {
    let count = 0;
    let after = 0;
    for (;;) {
      const rows = this.allPage.all(after, pageSize);
      for (const row of rows) consume(decode(row));
      count += rows.length;
      if (rows.length < pageSize) return count;
      after = rows[rows.length - 1]!.position;
    }
  }

  /** The stream's snapshot row in Annals' snapshot table, as this side keeps it (its own rows, its own file). */
  loadSnapshot(stream: string): RawSnapshot | undefined {
    return this.snapshotRow.get(stream);
  }

  saveSnapshot(stream: string, snapshot: RawSnapshot): void {
    this.upsertSnapshot.run(stream, snapshot.revision, snapshot.version, snapshot.state, Date.now());
  }

  count(): number {
    return this.db.prepare(`SELECT count(*) FROM annals_events`).pluck().get() as number;
  }

  sqliteVersion(): string {
    return this.db.prepare(`SELECT sqlite_version()`).pluck().get() as string;
  }

  close(): void {
    this.db.close();
  }
}

/** A snapshot row: the state as JSON text, folded up to `revision`, and the version of its shape. */
export interface RawSnapshot {
  readonly revision: number;
  readonly version: string;
  readonly state: string;
}

function categoryOf(stream: string): string {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
}

/** Each event as [id, type, data, metadata]: the same id generation and JSON serialisation as Annals. */
function toRows(events: readonly EventInput[]): string[][] {
  return events.map((e) => [
    randomUUID(),
    e.type,
    e.data === undefined ? 'null' : JSON.stringify(e.data),
    e.metadata === undefined ? '{}' : JSON.stringify(e.metadata),
  ]);
}

function decode(row: Row): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data) as JsonValue,
    metadata: JSON.parse(row.metadata) as EventMetadata,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    recordedAt: new Date(row.recordedAt),
  };
}
