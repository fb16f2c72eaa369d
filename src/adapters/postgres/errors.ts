import { AnnalsError, StoreOpenError, StoreUnavailableError, type OpenFailure } from '../../core/errors.js';
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

/** SQLSTATEs and socket codes of a connection that could not be made, by what the caller must fix. */
const OPEN_FAILURES: Record<string, OpenFailure> = {
  '3D000': 'database missing',
  '28000': 'authentication failed',
  '28P01': 'authentication failed',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host unknown',
  EAI_AGAIN: 'host unknown',
  ETIMEDOUT: 'timed out',
};

/**
 * Why the store's first connection could not be made, naming the server, database and user
 * the URL gives: undefined for any other failure.
 */
export function openFailure(error: unknown, connectionString: string): StoreOpenError | undefined {
  const e = (error ?? {}) as PgError;
  const failure = (e.code === undefined ? undefined : OPEN_FAILURES[e.code]) ?? (/timeout/i.test(e.message ?? '') ? 'timed out' : undefined);
  if (failure === undefined) return undefined;
  const detail = failure === 'authentication failed' ? e.message : undefined;
  return new StoreOpenError('postgres', failure, targetOf(connectionString), detail, { cause: error });
}

/** Host, port, database and user as node-postgres reads them from the URL (and its defaults). */
export function targetOf(connectionString: string): { location: string; database: string; user: string } {
  const url = new URL(connectionString);
  const host = url.searchParams.get('host') ?? (decodeURIComponent(url.hostname) || 'localhost');
  const user = decodeURIComponent(url.username) || process.env.PGUSER || process.env.USER || '';
  const database = decodeURIComponent(url.pathname.slice(1)) || url.searchParams.get('db') || user;
  return { location: `${host}:${url.port || '5432'}`, database, user };
}
