import { createRequire } from 'node:module';
import { formatCount, formatRatio } from './lib/format.js';
import { spread } from './lib/stats.js';
import type { BenchOptions, CaseResult, Suite, SuiteContext, Target, Verdict } from './lib/types.js';
import { judge } from './lib/verdict.js';
import { POSTGRES_CASES, type PostgresRow } from './postgres/cases.js';
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
        const caseResults = rows.map((row) => toResult(row, setting));
        task.done(caseResults.map(summary).join(' | '));
        results.push(...caseResults);
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

function toResult(row: PostgresRow, setting: string): CaseResult {
  const judged = row.ratio === undefined ? judge(row.annals, row.raw, row.target) : judgeRatio(row.ratio, row.target);
  return {
    suite: 'postgres',
    setting,
    name: row.name,
    label: row.label,
    description: row.description,
    annals: row.annals,
    raw: row.raw,
    ratio: judged.ratio,
    pairRatio: spread(row.pairRatios),
    target: row.target,
    verdict: judged.verdict,
    failures: judged.failures,
  };
}

/** A target checked against a ratio of the case's own (not the events/s ratio). */
function judgeRatio(ratio: number, target: Target | undefined): { ratio: number; verdict: Verdict; failures: string[] } {
  if (!target?.minRatio) return { ratio, verdict: 'info', failures: [] };
  const ok = ratio >= target.minRatio;
  return { ratio, verdict: ok ? 'PASS' : 'FAIL', failures: ok ? [] : [`ratio ${formatRatio(ratio)} < ${formatRatio(target.minRatio)}`] };
}

function summary(r: CaseResult): string {
  return (
    `${r.label}: ${formatCount(r.annals.eventsPerSecond)} vs ${formatCount(r.raw.eventsPerSecond)} ev/s, ` +
    `ratio ${formatRatio(r.ratio)} ${r.verdict}${r.failures.length ? ` (${r.failures.join('; ')})` : ''}`
  );
}
