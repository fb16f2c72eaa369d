import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { COMMAND_CASES, type CommandCase, type PreparedCase } from './command/cases.js';
import { tempDirectory } from './lib/temp.js';
import type { CaseResult, Suite, SuiteContext } from './lib/types.js';
import { caseResult } from './lib/verdict.js';
import { connect, dropSchema, postgresUrl, schemaName } from './postgres/connection.js';
import { sqliteSuite } from './sqlite.js';

/**
 * The command side on SQLite: handleCommand's commands/s on a long stream, with and without
 * snapshots, against the same work by hand on raw better-sqlite3; with snapshots, the time to
 * load a stream's state as the stream grows; and 8 loops on one hot stream, queued against
 * racing. Each case writes its fixture once; the measurements run for each durability setting
 * asked for. A case with a PostgreSQL variant (hot-stream) then runs once on PostgreSQL, when
 * the server answers.
 */
export const commandSuite: Suite = {
  name: 'command',
  description: 'handleCommand on SQLite vs the same by hand on raw better-sqlite3; snapshot load time as the stream grows; a hot stream queued vs racing (SQLite and PostgreSQL)',
  cases: COMMAND_CASES.map((c) => c.name),
  async environment() {
    const sqlite = await sqliteSuite.environment();
    const postgres = await postgresVersion();
    return postgres === undefined ? sqlite : { ...sqlite, postgresql: postgres };
  },

  async run({ options, progress }: SuiteContext): Promise<CaseResult[]> {
    const selected = COMMAND_CASES.filter((c) => options.only.length === 0 || options.only.includes(c.name));
    const temp = tempDirectory('command', options.keep);
    const results: CaseResult[] = [];
    try {
      const prepared: { name: string; prepared: PreparedCase }[] = [];
      for (const benchCase of selected) {
        const dir = path.join(temp.path, `fixture-${benchCase.name}`);
        mkdirSync(dir);
        const task = progress.task(`command · ${benchCase.name}: writing the fixture`);
        const ready = await benchCase.prepare({ options, dir, onProgress: (f, s) => task.update(f, s) });
        task.done(ready.fixture);
        prepared.push({ name: benchCase.name, prepared: ready });
      }
      for (const synchronous of options.synchronous) {
        const setting = `synchronous=${synchronous}`;
        for (const { name, prepared: benchCase } of prepared) {
          const dir = path.join(temp.path, `${synchronous}-${name}`);
          mkdirSync(dir);
          const task = progress.task(`command ${setting} · ${name}`);
          const rows = await benchCase.measure({ options, synchronous, dir, onProgress: (f, s) => task.update(f, s), note: (line) => progress.note(line) });
          if (!options.keep) rmSync(dir, { recursive: true, force: true });
          const judged = rows.map((row) => caseResult({ suite: 'command', setting, ...row }));
          task.done(judged.map(({ result, summary }) => `${result.label}: ${summary}`).join(' | '));
          results.push(...judged.map((j) => j.result));
        }
      }
      const onPostgres = selected.filter((c) => c.postgres !== undefined);
      if (onPostgres.length > 0) results.push(...(await runOnPostgres(onPostgres, { options, progress })));
      return results;
    } finally {
      temp.remove();
    }
  },
};

/** The cases' PostgreSQL variants, each in a schema of its own, dropped afterwards; none when the server does not answer. */
async function runOnPostgres(cases: readonly CommandCase[], { options, progress }: SuiteContext): Promise<CaseResult[]> {
  const url = postgresUrl();
  const admin = await connect(url, 'annals-bench-admin').catch((error: unknown) => {
    progress.note(`command · PostgreSQL at ${redact(url)} does not answer (${(error as Error).message}): its cases are skipped`);
    return undefined;
  });
  if (admin === undefined) return [];
  const results: CaseResult[] = [];
  try {
    const { rows } = await admin.query<{ synchronous_commit: string }>(`SHOW synchronous_commit`);
    const setting = `postgres synchronous_commit=${rows[0]!.synchronous_commit}`;
    for (const benchCase of cases) {
      const schema = schemaName(`annals_bench_${process.pid}`, `command_${benchCase.name}`);
      const task = progress.task(`command ${setting} · ${benchCase.name}`);
      try {
        const rows = await benchCase.postgres!({ options, url, schema, onProgress: (f, s) => task.update(f, s), note: (line) => progress.note(line) });
        const judged = rows.map((row) => caseResult({ suite: 'command', setting, ...row }));
        task.done(judged.map(({ result, summary }) => `${result.label}: ${summary}`).join(' | '));
        results.push(...judged.map((j) => j.result));
      } finally {
        if (!options.keep) await dropSchema(admin, schema);
      }
    }
    return results;
  } finally {
    await admin.end();
  }
}

async function postgresVersion(): Promise<string | undefined> {
  try {
    const client = await connect(postgresUrl(), 'annals-bench-admin');
    try {
      return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    } finally {
      await client.end();
    }
  } catch {
    return undefined;
  }
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
