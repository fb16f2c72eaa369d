import { AnnalsError, StoreUnavailableError } from '../../core/errors.js';
import { NETWORK_ERROR_CODES, refusalError } from '../../backend/refusals.js';

// SQLSTATEs of the connection going away or the server refusing work for now.
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '53400', '08000', '08001', '08003', '08004', '08006', '57014']);
// The SQLSTATEs the store's functions raise (migrations/), with their facts as JSON in DETAIL.
const REFUSALS: Record<string, string> = {
  AN001: 'ANNALS_WRONG_EXPECTED_REVISION',
  AN002: 'ANNALS_STREAM_DELETED',
  AN003: 'ANNALS_DUPLICATE_EVENT_ID',
  AN004: 'ANNALS_STREAM_NOT_FOUND',
  AN005: 'ANNALS_INVALID_ARGUMENT',
};
/** Serialization failure and deadlock: nothing was written, the same call may simply run again. */
export const TRANSIENT = new Set(['40001', '40P01']);

interface PgError {
  code?: string;
  detail?: string;
  message?: string;
  constraint?: string;
}

/** Turns what node-postgres throws into the typed error the contract promises. */
export function toAnnalsError(error: unknown): unknown {
  if (error instanceof AnnalsError) return error;
  const e = (error ?? {}) as PgError;
  const refusal = e.code === undefined ? undefined : REFUSALS[e.code];
  if (refusal) return refusalError(refusal, JSON.parse(e.detail ?? '{}') as Record<string, unknown>) ?? error;
  if ((e.code && UNAVAILABLE.has(e.code)) || (e.code && NETWORK_ERROR_CODES.has(e.code)) || isConnectionLoss(e.message)) {
    return new StoreUnavailableError('postgres', e.message ?? String(error), { cause: error });
  }
  return error;
}

function isConnectionLoss(message: string | undefined): boolean {
  return (
    message !== undefined &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i.test(message)
  );
}
