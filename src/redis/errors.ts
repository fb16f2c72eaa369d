import {
  AnnalsError,
  DuplicateEventIdError,
  InvalidArgumentError,
  StoreUnavailableError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../events/errors.js';
import type { ExpectedRevision } from '../events/types.js';

/** Socket-level failures: the server could not be reached, or the connection broke. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
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
  if (refusal) return fromRefusal(refusal[1]!, JSON.parse(refusal[2]!) as Record<string, unknown>) ?? error;
  if ((e.code && NETWORK.has(e.code)) || e.name === 'MaxRetriesPerRequestError' || CONNECTION_LOST.test(message) || UNAVAILABLE_REPLY.test(message)) {
    return new StoreUnavailableError('redis', reasonOf(message), { cause: error });
  }
  return error;
}

/** The typed error for a script's refusal `ANNALS_<CODE> <facts>` (see scripts/common.ts). */
function fromRefusal(code: string, facts: Record<string, unknown>): AnnalsError | undefined {
  const stream = String(facts.stream);
  switch (code) {
    case 'ANNALS_WRONG_EXPECTED_REVISION':
      return new WrongExpectedRevisionError(stream, parseExpected(String(facts.expected)), Number(facts.actual));
    case 'ANNALS_STREAM_DELETED':
      return new StreamDeletedError(stream);
    case 'ANNALS_DUPLICATE_EVENT_ID': {
      const existing = facts.existing as { stream: string; revision: string; position: string };
      return new DuplicateEventIdError(String(facts.eventId), stream, {
        stream: existing.stream,
        revision: Number(existing.revision),
        position: Number(existing.position),
      });
    }
    case 'ANNALS_STREAM_NOT_FOUND':
      return new StreamNotFoundError(stream, 'truncate');
    case 'ANNALS_INVALID_ARGUMENT': {
      const revision = Number(facts.revision);
      return new InvalidArgumentError('before', Number(facts.before), `a revision from 0 to ${revision + 1} (one past the last revision of "${stream}")`);
    }
  }
  return undefined;
}

function reasonOf(message: string): string {
  if (/Command timed out/.test(message)) return `no reply in time (${message}); the call may or may not have been carried out`;
  if (UNAVAILABLE_REPLY.test(message)) return message;
  return `the connection was lost or could not be made (${message}); a call in flight may or may not have been carried out`;
}

function parseExpected(text: string): ExpectedRevision {
  return /^\d+$/.test(text) ? Number(text) : (text as ExpectedRevision);
}
