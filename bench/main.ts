import { Command, InvalidArgumentError, Option } from 'commander';
import { describeMachine } from './lib/machine.js';
import { createProgress } from './lib/progress.js';
import { renderReport, type Report, type SuiteReport } from './lib/report.js';
import type { BenchOptions } from './lib/types.js';
import { findSuite, SUITES } from './suites.js';

interface CliOptions {
  events: number;
  streamEvents: number;
  batchSize: number;
  pageSize: number;
  seconds: number;
  warmup: number;
  synchronous: 'full' | 'normal' | 'both';
  only?: string[];
  json?: boolean;
  check?: boolean;
  keep?: boolean;
  full?: boolean;
}

const program: Command = new Command('npm run bench --')
  .description('Annals against the raw drivers, side by side, in one run.')
  .argument('[suites...]', `suites to run: ${SUITES.map((s) => s.name).join(', ')} (default: all)`)
  .option('--events <n>', 'events in the log that readAll reads', positiveInteger, 100_000)
  .option('--stream-events <n>', 'events in the stream that readStream reads', positiveInteger, 10_000)
  .option('--batch-size <n>', 'events per append in the batch-append case', positiveInteger, 100)
  .option('--page-size <n>', 'events per page for reads (both sides)', positiveInteger, 500)
  .option('--seconds <s>', 'measuring time per case and side', positiveNumber, 3)
  .option('--warmup <s>', 'warm-up time per case and side', positiveNumber, 0.5)
  .addOption(new Option('--synchronous <mode>', 'SQLite durability setting(s) to run').choices(['full', 'normal', 'both']).default('both'))
  .option('--only <cases>', 'comma-separated case names to run (default: all)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .option('--json', 'print one JSON document with every figure instead of tables (progress goes to stderr)')
  .option('--check', 'exit with code 1 when a target fails')
  .option('--keep', 'keep the temporary database files')
  .option('--full', 'full sizes where a suite has slow ones (projections: 1M events for the read-model fit and peak RSS); also ANNALS_BENCH_FULL=1')
  .action(run);

async function run(names: string[], cli: CliOptions): Promise<void> {
  const suites = (names.length ? names : SUITES.map((s) => s.name)).map((name) => {
    const suite = findSuite(name);
    if (!suite) program.error(`unknown suite "${name}"; known: ${SUITES.map((s) => s.name).join(', ')}`);
    return suite;
  });
  const only = cli.only ?? [];
  const known = new Set(suites.flatMap((s) => s.cases));
  for (const name of only) {
    if (!known.has(name)) program.error(`unknown case "${name}"; known: ${[...known].join(', ')}`);
  }
  if (cli.streamEvents > cli.events) program.error('--stream-events must not exceed --events (the stream is part of the log)');
  const options: BenchOptions = {
    seconds: cli.seconds,
    warmupSeconds: cli.warmup,
    events: cli.events,
    streamEvents: cli.streamEvents,
    batchSize: cli.batchSize,
    pageSize: cli.pageSize,
    synchronous: cli.synchronous === 'both' ? ['full', 'normal'] : [cli.synchronous],
    only,
    keep: cli.keep ?? false,
    full: cli.full === true || process.env.ANNALS_BENCH_FULL === '1',
  };
  const machine = describeMachine();
  const progress = createProgress(cli.json ? process.stderr : process.stdout);
  const reports: SuiteReport[] = [];
  for (const suite of suites) {
    const environment = await suite.environment();
    const results = await suite.run({ options, progress });
    reports.push({ suite: suite.name, environment, results });
  }
  const report: Report = { machine, options, suites: reports };
  process.stdout.write(cli.json ? JSON.stringify(report, null, 2) + '\n' : renderReport(report));
  if (cli.check && reports.some((r) => r.results.some((c) => c.verdict === 'FAIL'))) process.exitCode = 1;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer >= 1');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

await program.parseAsync();
