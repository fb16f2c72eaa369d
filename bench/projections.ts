import path from 'node:path';
import { openStore, type EventStore } from '../src/index.js';
import { tempDirectory } from './lib/temp.js';
import type { CaseResult, Suite, SuiteContext } from './lib/types.js';
import { caseResult } from './lib/verdict.js';
import { connect, dropSchema, postgresUrl, schemaName } from './postgres/connection.js';
import { postgresSuite } from './postgres.js';
import { PROJECTIONS_CASES, type Backend, type BackendName, type CaseDatabase } from './projections/cases.js';
import type { RawDriver } from './projections/raw-driver.js';
import { RawPostgresDriver } from './projections/raw-postgres-driver.js';
import { RawSqliteDriver } from './projections/raw-sqlite-driver.js';
import { sqliteSuite } from './sqlite.js';

/**
 * The query side: projections' catch-up (a counting projection, a document per event), inline
 * overhead, live latency, idle CPU, the read-time model RT = k1·Q + k2·C and peak memory, each
 * against a raw-driver baseline doing the same work, on SQLite and then on PostgreSQL (when the
 * server answers). Every case gets databases of its own (files, schemas), removed when it ends.
 */
export const projectionsSuite: Suite = {
  name: 'projections',
  description: 'async and inline projections vs the same work by hand on the raw drivers: catch-up, inline overhead, live latency, idle CPU, read-model growth, peak RSS',
  cases: [...new Set(PROJECTIONS_CASES.map((c) => c.name))],

  async environment() {
    const sqlite = await sqliteSuite.environment();
    const postgres = await postgresSuite.environment().catch(() => undefined);
    return postgres === undefined ? sqlite : { ...sqlite, postgresql: postgres.postgresql!, synchronous_commit: postgres.synchronous_commit! };
  },

  async run({ options, progress }: SuiteContext): Promise<CaseResult[]> {
    const selected = PROJECTIONS_CASES.filter((c) => options.only.length === 0 || options.only.includes(c.name));
    const results: CaseResult[] = [];
    const synchronous = options.synchronous[0] ?? 'full';
    const backends: BackendName[] = ['sqlite', 'postgres'];
    for (const name of backends) {
      const cases = selected.filter((c) => c.backends.includes(name));
      if (cases.length === 0) continue;
      const host = name === 'sqlite' ? sqliteHost(synchronous, options.pageSize, options.keep) : await postgresHost(options.pageSize, options.keep, (line) => progress.note(line));
      if (host === undefined) continue;
      try {
        for (const benchCase of cases) {
          const task = progress.task(`projections ${host.backend.setting} · ${benchCase.name}`);
          try {
            const rows = await benchCase.run({ options, backend: host.backend, onProgress: (f, s) => task.update(f, s), note: (line) => progress.note(line) });
            const judged = rows.map((row) => caseResult({ suite: 'projections', setting: host.backend.setting, ...row }));
            task.done(judged.length === 0 ? 'skipped' : judged.map(({ result, summary }) => `${result.label}: ${summary}`).join(' | '));
            results.push(...judged.map((j) => j.result));
          } finally {
            await host.closeAll();
          }
        }
      } finally {
        await host.end();
      }
    }
    return results;
  },
};

/** A backend with what its cases opened, closed after each case. */
interface Host {
  readonly backend: Backend;
  /** Closes every store and raw connection a case opened, and removes its databases. */
  closeAll(): Promise<void>;
  /** Ends the host (its temporary directory, its admin connection). */
  end(): Promise<void>;
}

function tracker() {
  const stores: EventStore[] = [];
  const raws: RawDriver[] = [];
  return {
    track(store: EventStore, raw: () => Promise<RawDriver>): Pick<CaseDatabase, 'store' | 'raw'> {
      stores.push(store);
      return {
        store,
        raw: async () => {
          const driver = await raw();
          raws.push(driver);
          return driver;
        },
      };
    },
    async close() {
      for (const driver of raws.splice(0)) await driver.close().catch(() => undefined);
      for (const store of stores.splice(0)) if (!store.closed) await store.close();
    },
  };
}

function sqliteHost(synchronous: 'full' | 'normal', pageSize: number, keep: boolean): Host {
  const temp = tempDirectory('projections', keep);
  const opened = tracker();
  let n = 0;
  return {
    backend: {
      name: 'sqlite',
      setting: `sqlite synchronous=${synchronous}`,
      async open(part) {
        const file = path.join(temp.path, `${n++}-${part}.db`);
        const store = await openStore(`sqlite:${file}`, { synchronous, pageSize });
        return { ...opened.track(store, async () => new RawSqliteDriver(file, synchronous)), file };
      },
    },
    closeAll: () => opened.close(),
    async end() {
      await opened.close();
      temp.remove();
    },
  };
}

async function postgresHost(pageSize: number, keep: boolean, note: (line: string) => void): Promise<Host | undefined> {
  const url = postgresUrl();
  const admin = await connect(url, 'annals-bench-admin').catch((error: unknown) => {
    note(`projections · PostgreSQL does not answer (${(error as Error).message}): its cases are skipped`);
    return undefined;
  });
  if (admin === undefined) return undefined;
  const setting = `postgres synchronous_commit=${(await admin.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit}`;
  const opened = tracker();
  const schemas: string[] = [];
  const dropAll = async () => {
    if (!keep) while (schemas.length > 0) await dropSchema(admin, schemas.pop()!);
  };
  return {
    backend: {
      name: 'postgres',
      setting,
      async open(part) {
        const schema = schemaName(`annals_bench_${process.pid}`, `projections_${part}`);
        schemas.push(schema);
        const store = await openStore(url, { schema, pageSize });
        return { ...opened.track(store, () => RawPostgresDriver.open(url, schema)), file: undefined };
      },
    },
    async closeAll() {
      await opened.close();
      await dropAll();
    },
    async end() {
      await opened.close();
      await dropAll().catch(() => undefined);
      await admin.end();
    },
  };
}
