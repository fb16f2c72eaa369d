import type { PostgresPool } from './connection.js';
import { statementName } from './transaction.js';

/**
 * Which version of each projection queries read, in the schema's `live_versions` table. A
 * promote is one conditional statement: racing promotes meet on the primary key (the first
 * version of a projection) or on the row's lock (the next ones), and exactly one switches.
 */
export class LiveVersions {
  private readonly table: string;

  constructor(
    private readonly pool: PostgresPool,
    quotedSchema: string,
  ) {
    this.table = `${quotedSchema}.live_versions`;
  }

  async get(projection: string): Promise<number | undefined> {
    const text = `SELECT version FROM ${this.table} WHERE projection = $1`;
    const { rows } = await this.pool.query<{ version: number }>(statementName(text), text, [projection]);
    return rows[0]?.version;
  }

  async promote(projection: string, version: number, expected: number | undefined): Promise<boolean> {
    const [text, values] =
      expected === undefined
        ? [`INSERT INTO ${this.table} (projection, version) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [projection, version]]
        : [`UPDATE ${this.table} SET version = $2 WHERE projection = $1 AND version = $3`, [projection, version, expected]];
    return (await this.pool.query(statementName(text), text, values)).rowCount === 1;
  }
}
