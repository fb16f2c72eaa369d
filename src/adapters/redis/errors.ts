import { AnnalsError, StoreUnavailableError } from '../../core/errors.js';
import { NETWORK_ERROR_CODES, refusalError } from '../../backend/refusals.js';

/** Replies of a server that cannot take the command now: loading, a busy script, a failover, memory. */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|OOM) /;
/** What ioredis says when a command was lost with its connection, or never sent. */
const CONNECTION_LOST =
  /Connection is closed|Reached the max retries per request|Command aborted due to connection close|Stream isn't writeable|Command timed out|Socket closed unexpectedly/;
const REFUSAL = /^(ANNALS_[A-Z_]+) (\{.*\})/s;

/** Turns what ioredis throws into the typed error the contract promises. */
export function toAnnalsError(error: unknown): unknown {
  if (error instanceof AnnalsError) return error;
  const e = (error ?? {}) as { message?: string; code?: string; name?: string };
  const message = e.message ?? String(error);
  const refusal = REFUSAL.exec(message);
  if (refusal) return refusalError(refusal[1]!, JSON.parse(refusal[2]!) as Record<string, unknown>) ?? error;
  if ((e.code && NETWORK_ERROR_CODES.has(e.code)) || e.name === 'MaxRetriesPerRequestError' || CONNECTION_LOST.test(message) || UNAVAILABLE_REPLY.test(message)) {
    return new StoreUnavailableError('redis', reasonOf(message), { cause: error });
  }
  return error;
}

function reasonOf(message: string): string {
  if (/Command timed out/.test(message)) return `no reply in time (${message}); the call may or may not have been carried out`;
  if (UNAVAILABLE_REPLY.test(message)) return message;
  return `the connection was lost or could not be made (${message}); a call in flight may or may not have been carried out`;
}
