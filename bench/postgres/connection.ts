import pg from 'pg';

/** The PostgreSQL the suite runs against: ANNALS_BENCH_PG_URL, else the tests' ANNALS_TEST_PG_URL, else localhost. */
export function postgresUrl(): string {
  return process.env.ANNALS_BENCH_PG_URL || process.env.ANNALS_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

// Per client, never process-wide: bigints as numbers (as Annals returns positions and
// revisions); json and timestamptz keep the driver's own parsers (JSON.parse, Date).
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** A plain connection with the raw baseline's type parsers. */
export async function connect(url: string, applicationName = 'annals-bench-raw'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, types, application_name: applicationName });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A schema name of this run's own: lower-case, safe to interpolate. */
export function schemaName(run: string, part: string): string {
  return `${run}_${part}`.replace(/[^a-z0-9_]/g, '_').slice(0, 63);
}

export async function dropSchema(client: pg.Client, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
}
