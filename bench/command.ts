import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { COMMAND_CASES, type PreparedCase } from './command/cases.js';
import { tempDirectory } from './lib/temp.js';
import type { CaseResult, Suite, SuiteContext } from './lib/types.js';
import { caseResult } from './lib/verdict.js';
import { sqliteSuite } from './sqlite.js';

/**
 * The command side on SQLite: handleCommand's commands/s on a long stream, with and without
 * snapshots, against the same work by hand on raw better-sqlite3; and, with snapshots, the
 * time to load a stream's state as the stream grows. Each case writes its fixture once; the
 * measurements run for each durability setting asked for.
 */
export const commandSuite: Suite = {
  name: 'command',
  description: 'handleCommand on SQLite vs the same by hand on raw better-sqlite3; snapshot load time as the stream grows',
  cases: COMMAND_CASES.map((c) => c.name),
  environment: () => sqliteSuite.environment(),

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
      return results;
    } finally {
      temp.remove();
    }
  },
};
