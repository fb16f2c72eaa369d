import path from 'node:path';
import { openStore } from '../src/index.js';
import { groupCatchUp, groupFailover } from './groups/members-cases.js';
import { PARTITIONS, partitionIndexCase } from './groups/partition-index-case.js';
import { tempDirectory } from './lib/temp.js';
import type { CaseResult, Suite, SuiteContext } from './lib/types.js';
import { caseResult, type CaseRow } from './lib/verdict.js';
import { connect, dropSchema, postgresUrl, schemaName } from './postgres/connection.js';

/** The append cases, by the name `--only` selects: the append cost of the partition index, one event and a batch. */
const APPEND_CASES = ['partition-index-append-single', 'partition-index-append-batch'] as const;
type CaseName = (typeof APPEND_CASES)[number];
/** The member cases (PostgreSQL): catch-up by 1, 2 and 3 member processes, and failover after kill -9. */
const MEMBER_CASES = ['group-catch-up', 'group-failover'] as const;
const CASES = [...APPEND_CASES, ...MEMBER_CASES];

/** Indexed ÷ plain events per second: the index of 16 partitions may cost appends 5% at most. */
const TARGET = { minRatio: 0.95 };

function row(name: CaseName, size: number, backend: string): Omit<CaseRow, 'annals' | 'raw' | 'pairRatios'> {
  return {
    name,
    label: `append ×${size}, ${PARTITIONS}-partition index`,
    description:
      `${backend}: ${size}-event appends, each to a new stream, one client, into a store with the index of ${PARTITIONS} partitions ` +
      `(preparePartitions(${PARTITIONS})) [annals column] and into the same store without it [raw column]`,
    target: TARGET,
  };
}

/**
 * Consumer groups. What reading the log by partition costs the rest of the store: the append
 * cost of a partition index, on SQLite and PostgreSQL (appends into a store with the index
 * against the same appends into one without, each side in its own fresh file or schema, in
 * alternating blocks). What a group gives on PostgreSQL: catch-up by 1, 2 and 3 member
 * processes, and the failover time after a member is killed.
 */
export const groupsSuite: Suite = {
  name: 'groups',
  description: `Consumer groups: appends with the ${PARTITIONS}-partition index vs without it (SQLite, PostgreSQL); catch-up by 1, 2, 3 members and failover (PostgreSQL)`,
  cases: [...CASES],

  async environment() {
    const client = await connect(postgresUrl());
    try {
      const show = async (name: string) => ((await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name] ?? '?');
      return { postgresql: await show('server_version'), synchronous_commit: await show('synchronous_commit') };
    } finally {
      await client.end();
    }
  },

  async run({ options, progress }: SuiteContext): Promise<CaseResult[]> {
    const selected = APPEND_CASES.filter((name) => options.only.length === 0 || options.only.includes(name));
    const members = MEMBER_CASES.filter((name) => options.only.length === 0 || options.only.includes(name));
    const sizeOf = (name: CaseName) => (name === 'partition-index-append-single' ? 1 : options.batchSize);
    const results: CaseResult[] = [];
    const judge = (suite: string, setting: string, rows: CaseRow[], done: (summary: string) => void) => {
      const judged = rows.map((r) => caseResult({ suite, setting, ...r }));
      done(judged.map((j) => j.summary).join('; '));
      results.push(...judged.map((j) => j.result));
    };

    const temp = tempDirectory('groups', options.keep);
    try {
      for (const synchronous of options.synchronous) {
        for (const name of selected) {
          const size = sizeOf(name);
          const setting = `sqlite synchronous=${synchronous}`;
          const task = progress.task(`groups ${setting} · ${name}`);
          const open = (side: string) => openStore(`sqlite:${path.join(temp.path, `${synchronous}-${name}-${side}.db`)}`, { synchronous });
          const comparison = await partitionIndexCase(options, open, size, (f, s) => task.update(f, s));
          judge('groups', setting, [{ ...row(name, size, 'SQLite'), ...comparison }], (summary) => task.done(summary));
        }
      }
    } finally {
      temp.remove();
    }

    const url = postgresUrl();
    const admin = await connect(url, 'annals-bench-admin');
    const made: string[] = [];
    try {
      const { rows } = await admin.query<{ synchronous_commit: string }>(`SHOW synchronous_commit`);
      const setting = `postgres synchronous_commit=${rows[0]!.synchronous_commit}`;
      for (const name of selected) {
        const size = sizeOf(name);
        const task = progress.task(`groups ${setting} · ${name}`);
        const open = (side: string) => {
          const schema = schemaName(`annals_bench_${process.pid}`, `groups_${name}_${side}`);
          made.push(schema);
          return openStore(url, { schema });
        };
        const comparison = await partitionIndexCase(options, open, size, (f, s) => task.update(f, s));
        if (!options.keep) while (made.length > 0) await dropSchema(admin, made.pop()!);
        judge('groups', setting, [{ ...row(name, size, 'PostgreSQL'), ...comparison }], (summary) => task.done(summary));
      }
      for (const name of members) {
        const task = progress.task(`groups ${setting} · ${name}`);
        const context = { url, options, onProgress: (f: number, s: string) => task.update(f, s), note: (line: string) => progress.note(line) };
        const rows = name === 'group-catch-up' ? await groupCatchUp(context) : await groupFailover(context);
        judge('groups', setting, rows, (summary) => task.done(summary));
      }
      return results;
    } finally {
      if (!options.keep) for (const schema of made) await dropSchema(admin, schema).catch(() => undefined);
      await admin.end();
    }
  },
};
