import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

const MARK = /\[skipped: (.+) unreachable\]$/;

/**
 * Ends a run with one line per service that was unreachable, naming the suites skipped for it
 * (describeWithService marks them), so that a local run without PostgreSQL or Redis cannot pass
 * for a full one. Prints nothing when every service answered.
 */
export default class SkippedServicesReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const byService = new Map<string, string[]>();
    for (const module of modules) {
      for (const suite of module.children.allSuites()) {
        const service = MARK.exec(suite.name)?.[1];
        if (service === undefined) continue;
        const suites = byService.get(service) ?? [];
        suites.push(`${relative(process.cwd(), module.moduleId)}: ${suite.name.replace(MARK, '').trim()}`);
        byService.set(service, suites);
      }
    }
    for (const [service, suites] of byService) {
      process.stdout.write(`\n!!! ${suites.length} suite${suites.length === 1 ? '' : 's'} SKIPPED, ${service} unreachable:\n${suites.map((s) => `    ${s}\n`).join('')}`);
    }
  }
}
