import {
  AnnalsError,
  DuplicateEventIdError,
  InvalidArgumentError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../core/errors.js';
import type { ExpectedRevision } from '../core/types.js';

/**
 * For backends that decide inside the database (a SQL function, a Lua script): they refuse a
 * call with one of these codes and its facts as JSON, and this builds the same typed error
 * that src/backend/stream-rules.ts throws where the rules run in TypeScript.
 */
export type Refusal =
  | 'ANNALS_WRONG_EXPECTED_REVISION'
  | 'ANNALS_STREAM_DELETED'
  | 'ANNALS_DUPLICATE_EVENT_ID'
  | 'ANNALS_STREAM_NOT_FOUND'
  | 'ANNALS_INVALID_ARGUMENT';

/** The typed error for a refusal's code and facts; undefined for a code that is not a Refusal. */
export function refusalError(code: string, facts: Record<string, unknown>): AnnalsError | undefined {
  const stream = String(facts.stream);
  switch (code as Refusal) {
    case 'ANNALS_WRONG_EXPECTED_REVISION':
      return new WrongExpectedRevisionError(stream, parseExpected(String(facts.expected)), Number(facts.actual));
    case 'ANNALS_STREAM_DELETED':
      return new StreamDeletedError(stream);
    case 'ANNALS_DUPLICATE_EVENT_ID': {
      const existing = facts.existing as { stream: string; revision: unknown; position: unknown };
      return new DuplicateEventIdError(String(facts.eventId), stream, {
        stream: existing.stream,
        revision: Number(existing.revision),
        position: Number(existing.position),
      });
    }
    case 'ANNALS_STREAM_NOT_FOUND':
      return new StreamNotFoundError(stream, 'truncate');
    case 'ANNALS_INVALID_ARGUMENT':
      return truncateBeyondEnd(stream, Number(facts.before), Number(facts.revision));
  }
  return undefined;
}

/** A truncate point past one beyond the stream's last revision. */
export function truncateBeyondEnd(stream: string, before: number, revision: number): InvalidArgumentError {
  return new InvalidArgumentError('before', before, `a revision from 0 to ${revision + 1} (one past the last revision of "${stream}")`);
}

/** Socket-level failures of any driver: the server could not be reached, or the connection broke. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function parseExpected(text: string): ExpectedRevision {
  return /^\d+$/.test(text) ? Number(text) : (text as ExpectedRevision);
}
