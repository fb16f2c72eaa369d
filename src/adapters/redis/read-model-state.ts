import { LeaseLostError } from '../../core/errors.js';
import type { DeadLetter, ProjectionCommit, ProjectionState } from '../../readmodel/types.js';

/** The fields of a state hash (`<base>rm:p:<key>`), in the order the scripts and stateOf read them. */
export const STATE_FIELDS = ['c', 'o', 'e', 'x', 'u'] as const;

/** A state hash as HMGET of STATE_FIELDS returns it; undefined when the row does not exist. */
export function stateOf(values: readonly (string | null)[]): ProjectionState | undefined {
  const [checkpoint, owner, epoch, expires, updated] = values;
  if (checkpoint === null || checkpoint === undefined) return undefined;
  return {
    checkpoint: Number(checkpoint),
    owner: owner ?? undefined,
    epoch: Number(epoch ?? 0),
    leaseExpiresAt: Number(expires ?? 0),
    updatedAt: Number(updated ?? 0),
  };
}

/** The state as the lease script replies it: checkpoint, has owner (0/1), owner, epoch, expiry, updated at. */
export function stateFromReply(reply: readonly unknown[]): ProjectionState {
  const [checkpoint, hasOwner, owner, epoch, expires, updated] = reply;
  return {
    checkpoint: Number(checkpoint),
    owner: Number(hasOwner) === 1 ? String(owner) : undefined,
    epoch: Number(epoch),
    leaseExpiresAt: Number(expires),
    updatedAt: Number(updated),
  };
}

/** The commit script's refusal, {0, exists, checkpoint, has owner, owner, epoch}, as the typed error. */
export function leaseLost(commit: ProjectionCommit, reply: readonly unknown[]): LeaseLostError {
  const [, exists, checkpoint, hasOwner, owner, epoch] = reply;
  const found =
    Number(exists) === 1
      ? { checkpoint: Number(checkpoint), owner: Number(hasOwner) === 1 ? String(owner) : undefined, epoch: Number(epoch) }
      : undefined;
  return new LeaseLostError(commit.key, commit.lease, commit.from, found);
}

/** A dead letter as the commit script stored it (JSON member of the dead letters' sorted set). */
export function deadLetterOf(json: string): DeadLetter {
  const { position, eventId, stream, type, error, parkedAt, owner } = JSON.parse(json) as DeadLetter;
  return owner === undefined ? { position, eventId, stream, type, error, parkedAt } : { position, eventId, stream, type, error, parkedAt, owner };
}
