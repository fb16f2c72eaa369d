import { CommanderError } from 'commander';
import { AnnalsError, type AnnalsErrorCode } from '../core/errors.js';
import { OutputClosedError } from './line-writer.js';

/** The exit codes of `annals`: a stable contract for scripts (docs/cli.md lists them). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  conflict: 3,
  notFound: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every error code's exit code, chosen one by one: a new code fails to compile until it is added here. */
const BY_ERROR_CODE = {
  ANNALS_INVALID_ARGUMENT: EXIT.usage,
  ANNALS_INVALID_EVENT: EXIT.usage,
  ANNALS_EVENT_TOO_LARGE: EXIT.usage,
  ANNALS_INVALID_STREAM_NAME: EXIT.usage,
  ANNALS_UNSUPPORTED_STORE_URL: EXIT.usage,
  // The write conflicts with what the store holds, and nothing was written.
  ANNALS_WRONG_EXPECTED_REVISION: EXIT.conflict,
  ANNALS_DUPLICATE_EVENT_ID: EXIT.conflict,
  ANNALS_STREAM_DELETED: EXIT.conflict,
  ANNALS_EVENT_NOT_FOUND: EXIT.notFound,
  ANNALS_STREAM_NOT_FOUND: EXIT.notFound,
  ANNALS_EVENT_UNDECODABLE: EXIT.failure,
  ANNALS_STORE_CLOSED: EXIT.failure,
  ANNALS_NOT_SUPPORTED: EXIT.failure,
  ANNALS_STORE_UNAVAILABLE: EXIT.failure,
  // Too many commands wait on one stream in one process: overload, not a conflict with the store.
  ANNALS_COMMAND_QUEUE_FULL: EXIT.failure,
  ANNALS_STORE_READ_ONLY: EXIT.failure,
  ANNALS_SCHEMA_VERSION: EXIT.failure,
  ANNALS_MIGRATION_REQUIRED: EXIT.failure,
  ANNALS_DRIVER_MISSING: EXIT.failure,
  ANNALS_STORE_OPEN_FAILED: EXIT.failure,
  ANNALS_INVALID_DOCUMENT: EXIT.failure,
  ANNALS_DOCUMENT_NOT_LOADED: EXIT.failure,
  ANNALS_LEASE_LOST: EXIT.failure,
  ANNALS_CONSISTENCY_TIMEOUT: EXIT.failure,
  // Another process holds the projection's lease: nothing was written.
  ANNALS_PROJECTION_BUSY: EXIT.conflict,
  // A write or consumer aimed at a read replica: the store's URL must name the primary.
  ANNALS_STANDBY: EXIT.failure,
} as const satisfies Record<AnnalsErrorCode, ExitCode>;

export function exitCodeFor(error: unknown): ExitCode {
  // The reader went away (`annals read-all | head`): what it wanted was written.
  if (error instanceof OutputClosedError) return EXIT.ok;
  // Commander's --help and --version end with code 0; every other of its errors is a usage error.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  // A code from a newer or foreign copy of the error classes has no row: a plain failure.
  if (error instanceof AnnalsError) return (BY_ERROR_CODE as Record<string, ExitCode>)[error.code] ?? EXIT.failure;
  return EXIT.failure;
}
