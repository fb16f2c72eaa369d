#!/usr/bin/env node
import { Command, Option } from 'commander';
import { registerAppend } from './commands/append.js';
import { registerCheckEvents } from './commands/check-events.js';
import { registerDelete } from './commands/delete.js';
import { registerDlq } from './commands/dlq.js';
import { registerGet } from './commands/get.js';
import { registerInfo } from './commands/info.js';
import { registerMigrate } from './commands/migrate.js';
import { registerProjections } from './commands/projections.js';
import { registerRead } from './commands/read.js';
import { registerReadAll } from './commands/read-all.js';
import { registerTail } from './commands/tail.js';
import { registerTruncate } from './commands/truncate.js';
import { reportError } from './errors.js';
import type { GlobalOptions } from './run.js';
import { packageVersion } from './version.js';

const DEFAULT_STORE = 'sqlite:./annals.db';

// A closed stderr must not crash the process while it reports something else.
process.stderr.on('error', () => {});

// A variable set to nothing is not set: `ANNALS_SCHEMAS= annals read x` uses no schemas.
for (const variable of ['ANNALS_STORE', 'ANNALS_SCHEMAS', 'ANNALS_PROJECTIONS']) {
  if (process.env[variable] === '') delete process.env[variable];
}

// `--json` is known before commander has parsed anything, so that its own usage errors
// (which may come first) can be printed as JSON too.
const jsonRequested = process.argv.slice(2, argvEnd(process.argv)).includes('--json');

const program = new Command('annals')
  .description('Annals event store: append, read, follow and administer event streams and projections.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .addOption(new Option('--store <url>', 'the store URL, e.g. sqlite:./annals.db or memory:').env('ANNALS_STORE').default(DEFAULT_STORE))
  .addOption(new Option('--schemas <module>', 'a JavaScript module exporting the event schemas (defineEvents): appends are validated, reads upcast').env('ANNALS_SCHEMAS'))
  .addOption(new Option('--schemas-export <name>', 'which export of --schemas to use (default: the default export, or the only one)'))
  .addOption(new Option('--projections <module>', 'a JavaScript module exporting the projections (defineProjection, streamProjection, keyedProjection, defineReactor)').env('ANNALS_PROJECTIONS'))
  .addOption(new Option('--projections-export <name>', 'which export of --projections to use (default: every projection it exports)'))
  .option('--json', 'one JSON object per line on stdout; errors as {"error": {...}} on stderr')
  .option('--verbose', 'print stack traces with errors')
  .exitOverride()
  .configureOutput({
    writeErr: (text) => {
      if (!jsonRequested) process.stderr.write(text);
    },
  })
  .showHelpAfterError('(run annals --help, or annals <command> --help, for usage)');

for (const register of [registerAppend, registerRead, registerReadAll, registerGet, registerInfo, registerTail, registerDelete, registerTruncate, registerMigrate, registerCheckEvents, registerProjections, registerDlq]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const globals = program.opts<Partial<GlobalOptions>>();
  process.exitCode = reportError(error, { json: globals.json ?? jsonRequested, verbose: globals.verbose === true });
}

/** Arguments after `--` are operands, never options. */
function argvEnd(argv: readonly string[]): number {
  const separator = argv.indexOf('--', 2);
  return separator < 0 ? argv.length : separator;
}
