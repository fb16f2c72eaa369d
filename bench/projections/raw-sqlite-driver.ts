import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Synchronous } from '../sqlite/raw-sqlite.js';
import type { ApplyingAppend, RawDriver, RawEvent } from './raw-driver.js';

const COLUMNS = `id, type, data, metadata, stream, revision, position, recorded_at AS recordedAt`;

interface Row {
  id: string;
  type: string;
  data: string;
  metadata: string;
  stream: string;
  revision: number;
  position: number;
  recordedAt: number;
}

/**
 * The raw baseline on better-sqlite3: its own connection to the Annals file (WAL, the same
 * `synchronous`), reading Annals' events table with the statement Annals uses for a category
 * (`category = ? AND position > ? ORDER BY position LIMIT ?`, over the `(category, position)`
 * index), documents in tables `raw_<name>` shaped as Annals' (`id TEXT PRIMARY KEY, doc TEXT`),
 * checkpoints in `raw_checkpoints`, one IMMEDIATE transaction per batch.
 */
export class RawSqliteDriver implements RawDriver {
  private readonly db: Database.Database;
  private readonly page: Database.Statement<[number, number], Row>;
  private readonly insert: Database.Statement;
  private readonly tables = new Map<string, { get: Database.Statement<[string], { id: string; doc: string }>; put: Database.Statement<[string, string]>; find: Database.Statement<[string, number], { id: string; doc: string }> }>();
  private readonly setCheckpoint: Database.Statement<[number, string]>;
  private readonly checkpointOf: Database.Statement<[string], { position: number }>;

  constructor(path: string, synchronous: Synchronous) {
    const db = (this.db = new Database(path, { timeout: 5000 }));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.exec(`CREATE TABLE IF NOT EXISTS raw_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)`);
    this.page = db.prepare(`SELECT ${COLUMNS} FROM annals_events WHERE category = 'account' AND position > ? ORDER BY position LIMIT ?`);
    this.insert = db.prepare(`INSERT INTO annals_events (id, stream, category, revision, type, data, metadata, recorded_at) VALUES (?, ?, 'account', ?, ?, ?, ?, ?)`);
    this.setCheckpoint = db.prepare(`UPDATE raw_checkpoints SET position = ? WHERE name = ?`);
    this.checkpointOf = db.prepare(`SELECT position FROM raw_checkpoints WHERE name = ?`);
  }

  async prepare(table: string, name: string): Promise<void> {
    this.db.exec(`CREATE TABLE IF NOT EXISTS "raw_${table}" (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`);
    this.db.prepare(`INSERT INTO raw_checkpoints (name, position) VALUES (?, 0) ON CONFLICT DO NOTHING`).run(name);
  }

  async readPage(after: number, limit: number): Promise<RawEvent[]> {
    return this.page.all(after, limit).map((row) => ({
      id: row.id,
      type: row.type,
      stream: row.stream,
      revision: row.revision,
      position: row.position,
      data: JSON.parse(row.data) as unknown,
      metadata: JSON.parse(row.metadata) as unknown,
      recordedAt: new Date(row.recordedAt),
    }));
  }

  async load(table: string, ids: readonly string[]): Promise<Map<string, string>> {
    const { get } = this.statements(table);
    const found = new Map<string, string>();
    for (const id of ids) {
      const row = get.get(id);
      if (row !== undefined) found.set(id, row.doc);
    }
    return found;
  }

  async commit(table: string, name: string, puts: readonly (readonly [string, string])[], checkpoint: number): Promise<void> {
    const { put } = this.statements(table);
    this.db.transaction(() => {
      for (const [id, json] of puts) put.run(id, json);
      this.setCheckpoint.run(checkpoint, name);
    }).immediate();
  }

  async append(stream: string, revision: number, event: { readonly type: string; readonly data?: unknown; readonly metadata?: unknown }): Promise<number> {
    const { insert } = this;
    const row = [randomUUID(), stream, revision, event.type, JSON.stringify(event.data ?? null), JSON.stringify(event.metadata ?? {}), Date.now()];
    return this.db.transaction(() => Number(insert.run(...row).lastInsertRowid)).immediate();
  }

  async appendApplying({ stream, revision, event, table, name, id, fold }: ApplyingAppend): Promise<number> {
    const { insert } = this;
    const { get, put } = this.statements(table);
    const row = [randomUUID(), stream, revision, event.type, JSON.stringify(event.data ?? null), JSON.stringify(event.metadata ?? {}), Date.now()];
    return this.db
      .transaction(() => {
        const position = Number(insert.run(...row).lastInsertRowid);
        this.checkpointOf.get(name);
        put.run(id, fold(get.get(id)?.doc));
        this.setCheckpoint.run(position, name);
        return position;
      })
      .immediate();
  }

  async findByOwner(table: string, owner: string, limit: number): Promise<unknown[]> {
    return this.statements(table).find.all(owner, limit).map((row) => JSON.parse(row.doc) as unknown);
  }

  async settle(): Promise<void> {}

  async close(): Promise<void> {
    this.db.close();
  }

  /** Statements on a table: `raw_<table>`, or an Annals collection's own table when `table` is quoted already. */
  private statements(table: string) {
    let found = this.tables.get(table);
    if (found === undefined) {
      const quoted = table.startsWith('"') ? table : `"raw_${table}"`;
      const owner = `json_extract(doc, '$.owner')`;
      found = {
        get: this.db.prepare(`SELECT id, doc FROM ${quoted} WHERE id = ?`),
        put: this.db.prepare(`INSERT INTO ${quoted} (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`),
        find: table.startsWith('"') ? this.db.prepare(`SELECT id, doc FROM ${quoted} WHERE ${owner} IS NOT NULL AND ${owner} = ? ORDER BY id LIMIT ?`) : (undefined as never),
      };
      this.tables.set(table, found);
    }
    return found;
  }
}
