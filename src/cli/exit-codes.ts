import { CommanderError } from 'commander';
import { AnnalsError } from '../events/errors.js';
import { OutputClosedError } from './line-writer.js';

/** The exit codes of `annals`: a stable contract for scripts (docs/cli.md lists them). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  conflict: 3,
  notFound: 4,
} as const;

/** Error codes with an exit code of their own; every other error exits with EXIT.failure. */
const BY_ERROR_CODE: Readonly<Record<string, number>> = {
  ANNALS_INVALID_ARGUMENT: EXIT.usage,
  ANNALS_INVALID_EVENT: EXIT.usage,
  ANNALS_INVALID_STREAM_NAME: EXIT.usage,
  ANNALS_UNSUPPORTED_STORE_URL: EXIT.usage,
  ANNALS_WRONG_EXPECTED_REVISION: EXIT.conflict,
  ANNALS_EVENT_NOT_FOUND: EXIT.notFound,
  ANNALS_STREAM_NOT_FOUND: EXIT.notFound,
};

export function exitCodeFor(error: unknown): number {
  // The reader went away (`annals read-all | head`): what it wanted was written.
  if (error instanceof OutputClosedError) return EXIT.ok;
  // Commander's --help and --version end with code 0; every other of its errors is a usage error.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof AnnalsError) return BY_ERROR_CODE[error.code] ?? EXIT.failure;
  return EXIT.failure;
}
