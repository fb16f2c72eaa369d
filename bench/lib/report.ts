import type { Machine } from './machine.js';
import { renderResults } from './table.js';
import type { BenchOptions, CaseResult } from './types.js';

export interface SuiteReport {
  readonly suite: string;
  readonly environment: Record<string, string>;
  readonly results: readonly CaseResult[];
}

export interface Report {
  readonly machine: Machine;
  readonly options: BenchOptions;
  readonly suites: readonly SuiteReport[];
}

/** The human-readable report: the machine, then each suite's table, then the targets' tally. */
export function renderReport(report: Report): string {
  const { machine } = report;
  const lines = [
    '',
    `${machine.date}  ${machine.cpus} × ${machine.cpuModel}  Node ${machine.node}  ${machine.platform}`,
    `load average at start: ${machine.loadAverage.join(' ')}`,
  ];
  for (const suite of report.suites) {
    const environment = Object.entries(suite.environment).map(([key, value]) => `${key} ${value}`);
    lines.push('', `${suite.suite}${environment.length ? ` (${environment.join(', ')})` : ''}`, renderResults(suite.results));
  }
  const all = report.suites.flatMap((s) => s.results);
  const failed = all.filter((r) => r.verdict === 'FAIL');
  const passed = all.filter((r) => r.verdict === 'PASS');
  lines.push('', `targets: ${passed.length} passed, ${failed.length} failed`);
  for (const r of failed) lines.push(`  FAIL ${r.suite} ${r.setting} ${r.label}: ${r.failures.join('; ')}`);
  return lines.join('\n') + '\n';
}
