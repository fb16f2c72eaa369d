import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError } from '../core/errors.js';

/** How a runner runs its projections. */
export interface RunnerOptions {
  /** Events per batch (one read, one commit). Default 500. */
  readonly batchSize?: number;
  /**
   * How long a reactor's batch may run before its progress is committed, in ms: a batch of slow
   * side effects commits what it did and goes on from there. Default 1,000. (A projection's batch
   * is one read and a synchronous apply: its size bounds its time.)
   */
  readonly batchMaxMs?: number;
  /** How long a lease lasts without renewal, in ms. Default 10,000. */
  readonly leaseTtlMs?: number;
  /** Attempts at a failing event before it is parked as a dead letter (with its stream's later events). Default 3. */
  readonly maxAttempts?: number;
  /** This runner's name in leases and status. Default `<host>:<pid>:<random>`. */
  readonly owner?: string;
  /** Called with each error the runner retries or reports (failed batches, lost leases). Default: none. */
  readonly onError?: (error: unknown, projection: string) => void;
}

export interface CheckedRunnerOptions {
  readonly batchSize: number;
  readonly batchMaxMs: number;
  readonly leaseTtlMs: number;
  readonly maxAttempts: number;
  readonly owner: string;
  readonly onError: (error: unknown, projection: string) => void;
}

/** How long a runner's lease lasts without renewal when `leaseTtlMs` is not given: 10 s. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

export function checkRunnerOptions(options: RunnerOptions = {}): CheckedRunnerOptions {
  const count = (name: string, value: unknown, fallback: number, min: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || (value as number) < min) throw new InvalidArgumentError(name, value, `an integer >= ${min}`);
    return value as number;
  };
  if (options.owner !== undefined && (typeof options.owner !== 'string' || options.owner.length === 0 || options.owner.length > 200)) {
    throw new InvalidArgumentError('owner', options.owner, 'a name of 1 to 200 characters');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new InvalidArgumentError('onError', options.onError, 'a function');
  return {
    batchSize: count('batchSize', options.batchSize, 500, 1),
    batchMaxMs: count('batchMaxMs', options.batchMaxMs, 1000, 1),
    leaseTtlMs: count('leaseTtlMs', options.leaseTtlMs, DEFAULT_LEASE_TTL_MS, 100),
    maxAttempts: count('maxAttempts', options.maxAttempts, 3, 1),
    owner: options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    onError: options.onError ?? (() => undefined),
  };
}
