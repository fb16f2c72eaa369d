import { createRequire } from 'node:module';
import type { BenchOptions, CaseResult, Suite, SuiteContext } from './lib/types.js';
import { caseResult } from './lib/verdict.js';
import { POSTGRES_CASES } from './postgres/cases.js';
import { connect, dropSchema, postgresUrl, schemaName } from './postgres/connection.js';

/** Events stored before the growth case measures, unless `--events` is given. */
const DEFAULT_GROWTH_EVENTS = 1_000_000;

/**
 * Annals on PostgreSQL against raw node-postgres doing the same work, in one run: appends
 * (single, batch, 8 concurrent appenders with the gap-safety candidates), readAll catch-up,
 * and append latency as the store grows. Every case works in schemas of the run's own,
 * dropped at the end.
 */
export const postgresSuite: Suite = {
  name: 'postgres',
  description: 'Annals PostgreSQL vs raw node-postgres: appends (single, batch, concurrent), readAll, growth',
  cases: POSTGRES_CASES.map((c) => c.name),

  async environment() {
    const client = await connect(postgresUrl());
    try {
      const show = async (name: string) => ((await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name] ?? '?');
      const require = createRequire(import.meta.url);
      return {
        postgresql: await show('server_version'),
        pg: (require('pg/package.json') as { version: string }).version,
        synchronous_commit: await show('synchronous_commit'),
        fsync: await show('fsync'),
      };
    } finally {
      await client.end();
    }
  },

  async run({ options, progress }: SuiteContext): Promise<CaseResult[]> {
    const url = postgresUrl();
    const selected = POSTGRES_CASES.filter((c) => options.only.length === 0 || options.only.includes(c.name));
    const run = `annals_bench_${process.pid}`;
    const made: string[] = [];
    const admin = await connect(url, 'annals-bench-admin');
    const results: CaseResult[] = [];
    try {
      const { rows } = await admin.query<{ synchronous_commit: string }>(`SHOW synchronous_commit`);
      const setting = `synchronous_commit=${rows[0]!.synchronous_commit}`;
      for (const benchCase of selected) {
        const task = progress.task(`postgres ${setting} · ${benchCase.name}`);
        const schema = (part: string) => {
          const name = schemaName(run, part);
          made.push(name);
          return name;
        };
        const rows = await benchCase.run({
          options,
          url,
          schema,
          growthEvents: growthEvents(options),
          onProgress: (f, s) => task.update(f, s),
          note: (line) => progress.note(line),
        });
        if (!options.keep) while (made.length > 0) await dropSchema(admin, made.pop()!);
        const judged = rows.map((row) => caseResult({ suite: 'postgres', setting, ...row }));
        task.done(judged.map(({ result, summary }) => `${result.label}: ${summary}`).join(' | '));
        results.push(...judged.map((j) => j.result));
      }
      return results;
    } finally {
      if (!options.keep) for (const name of made) await dropSchema(admin, name).catch(() => undefined);
      await admin.end();
    }
  },
};

/** `--events` when given on the command line, else the growth case's own default. */
function growthEvents(options: BenchOptions): number {
  const given = process.argv.some((arg) => arg === '--events' || arg.startsWith('--events='));
  return given ? options.events : DEFAULT_GROWTH_EVENTS;
}
