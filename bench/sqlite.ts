import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { formatCount } from './lib/format.js';
import { tempDirectory } from './lib/temp.js';
import type { CaseResult, Suite, SuiteContext } from './lib/types.js';
import { caseResult, type CaseRow } from './lib/verdict.js';
import { SQLITE_CASES } from './sqlite/cases.js';
import { buildReadFixture, type ReadFixture } from './sqlite/read-fixture.js';

/**
 * Annals on SQLite against raw better-sqlite3 doing the same work, case by case, for each
 * durability setting asked for. Appends run on fresh files per case; reads share one log
 * written through Annals, so both sides read identical pages.
 */
export const sqliteSuite: Suite = {
  name: 'sqlite',
  description: 'Annals SQLite vs raw better-sqlite3: appends (alone and concurrent, with group commit on and off), readStream, readAll',
  cases: SQLITE_CASES.map((c) => c.name),

  async environment() {
    const db = new Database(':memory:');
    try {
      const require = createRequire(import.meta.url);
      return {
        sqlite: db.prepare('SELECT sqlite_version()').pluck().get() as string,
        'better-sqlite3': (require('better-sqlite3/package.json') as { version: string }).version,
      };
    } finally {
      db.close();
    }
  },

  async run({ options, progress }: SuiteContext): Promise<CaseResult[]> {
    const selected = SQLITE_CASES.filter((c) => options.only.length === 0 || options.only.includes(c.name));
    const temp = tempDirectory('sqlite', options.keep);
    const results: CaseResult[] = [];
    try {
      let fixture: ReadFixture | undefined;
      if (selected.some((c) => c.reads)) {
        const task = progress.task('sqlite · writing the read fixture');
        fixture = await buildReadFixture(path.join(temp.path, 'reads.db'), options, (f, s) => task.update(f, s));
        task.done(`${formatCount(fixture.events)} events, ${formatCount(fixture.streamEvents)} in ${fixture.stream}`);
      }
      for (const synchronous of options.synchronous) {
        for (const benchCase of selected) {
          const setting = `synchronous=${synchronous}`;
          const label = benchCase.label(options);
          const dir = path.join(temp.path, `${synchronous}-${benchCase.name}`);
          mkdirSync(dir);
          const task = progress.task(`sqlite ${setting} · ${label}`);
          const context = { options, synchronous, dir, fixture, onProgress: (f: number, s: string) => task.update(f, s) };
          const rows: CaseRow[] =
            'rows' in benchCase ? await benchCase.rows(context)
            : [{ name: benchCase.name, label, description: benchCase.description(options), target: benchCase.target, ...(await benchCase.run(context)) }];
          if (!options.keep) rmSync(dir, { recursive: true, force: true });
          const judged = rows.map((row) => caseResult({ suite: 'sqlite', setting, ...row }));
          task.done(judged.map((j) => j.summary).join('; '));
          results.push(...judged.map((j) => j.result));
        }
      }
      return results;
    } finally {
      temp.remove();
    }
  },
};
