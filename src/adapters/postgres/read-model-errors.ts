import { AnnalsError, InvalidArgumentError, StoreUnavailableError } from '../../core/errors.js';
import { toAnnalsError } from './errors.js';

/** SQLSTATEs of text PostgreSQL cannot hold: the NUL character (in text, or as \u0000 in jsonb). */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/**
 * The read-model store's errors, typed: what the log maps (a lost connection, a timeout) as it
 * does, a value PostgreSQL cannot hold as ANNALS_INVALID_ARGUMENT, and any other statement the
 * server refused (a table removed by hand, a permission taken away) as ANNALS_STORE_UNAVAILABLE,
 * naming the SQLSTATE, with the driver's error as its cause.
 */
export function readModelError(error: unknown): unknown {
  const mapped = toAnnalsError(error);
  if (mapped instanceof AnnalsError) return mapped;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return mapped;
  if (UNSTORABLE_TEXT.has(code)) return new InvalidArgumentError('value', String(message), 'text without the NUL character, which PostgreSQL cannot store');
  return new StoreUnavailableError('postgres', `the server refused a read-model statement: ${String(message)} (SQLSTATE ${code})`, { cause: error });
}
