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

// SQLSTATEs of the connection going away or the server refusing work for now.
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '53400', '08000', '08001', '08003', '08004', '08006', '57014']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
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
  const detail = (): unknown => JSON.parse(e.detail ?? '{}');
  switch (e.code) {
    case 'AN001': {
      const d = detail() as { stream: string; expected: string; actual: number };
      return new WrongExpectedRevisionError(d.stream, parseExpected(d.expected), Number(d.actual));
    }
    case 'AN002':
      return new StreamDeletedError((detail() as { stream: string }).stream);
    case 'AN003': {
      const d = detail() as { eventId: string; stream: string; existing: { stream: string; revision: number; position: number } };
      return new DuplicateEventIdError(d.eventId, d.stream, d.existing);
    }
    case 'AN004':
      return new StreamNotFoundError((detail() as { stream: string }).stream, 'truncate');
    case 'AN005': {
      const d = detail() as { stream: string; before: number; revision: number };
      return new InvalidArgumentError('before', d.before, `a revision from 0 to ${d.revision + 1} (one past the last revision of "${d.stream}")`);
    }
  }
  if ((e.code && UNAVAILABLE.has(e.code)) || (e.code && NETWORK.has(e.code)) || isConnectionLoss(e.message)) {
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

function parseExpected(text: string): ExpectedRevision {
  return /^\d+$/.test(text) ? Number(text) : (text as ExpectedRevision);
}
