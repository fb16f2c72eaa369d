import { compareCodePoints } from '../../readmodel/documents.js';
import type { DeadLetter, GroupMember, GroupMembers, ProjectionKey, ProjectionState } from '../../readmodel/types.js';
import type { RedisCommands } from './commands.js';
import { toAnnalsError } from './errors.js';
import type { ReadModelKeys } from './read-model-keys.js';
import { deadLetterOf, STATE_FIELDS, stateOf } from './read-model-state.js';

/**
 * The reads and removals of state rows and dead letters that need no script: a projection's
 * rows (named by its set of `<version>:<partition>`), and dead letters by position; and the
 * replies of the group scripts, as members by id.
 */

/** Every state row of the projection, sorted by version and partition. */
export async function readStates(commands: RedisCommands, keys: ReadModelKeys, projection: string): Promise<{ key: ProjectionKey; state: ProjectionState }[]> {
  const client = commands.client;
  const members = await commands.read(() => client.smembers(keys.states(projection)));
  const rowKeys = members.map((member) => {
    const [version, partition] = member.split(':').map(Number);
    return { projection, version: version!, partition: partition! };
  });
  // Sent together, so the connection carries them as one pipeline.
  const rows = await commands.read(() => Promise.all(rowKeys.map((key) => client.hmget(keys.state(key), ...STATE_FIELDS))));
  const found: { key: ProjectionKey; state: ProjectionState }[] = [];
  rowKeys.forEach((key, i) => {
    const state = stateOf(rows[i]!);
    if (state !== undefined) found.push({ key, state });
  });
  return found.sort((a, b) => a.key.version - b.key.version || a.key.partition - b.key.partition);
}

/** At most `limit` dead letters after position `after`, in position order (the sorted set's score). */
export async function readDeadLetters(commands: RedisCommands, keys: ReadModelKeys, key: ProjectionKey, after: number, limit: number): Promise<DeadLetter[]> {
  const found = await commands.read(() => commands.client.zrange(keys.deadLetters(key), `(${after}`, '+inf', 'BYSCORE', 'LIMIT', 0, limit));
  return found.map(deadLetterOf);
}

/** Removes the dead letters at these positions in one MULTI/EXEC; returns how many it removed. */
export async function removeDeadLetters(commands: RedisCommands, keys: ReadModelKeys, key: ProjectionKey, positions: readonly number[]): Promise<number> {
  if (positions.length === 0) return 0;
  const letters = keys.deadLetters(key);
  const transaction = commands.client.multi();
  for (const position of new Set(positions)) transaction.zremrangebyscore(letters, position, position);
  const replies = (await commands.write(() => transaction.exec())) ?? [];
  let removed = 0;
  for (const [error, count] of replies) {
    if (error) throw toAnnalsError(error);
    removed += Number(count);
  }
  return removed;
}

/** A group script's reply, {now, then member, joined at, heartbeat at, expires at of each}, with the members by id in code point order. */
export function membersOf(reply: unknown): GroupMembers {
  const values = reply as string[];
  const members: GroupMember[] = [];
  for (let i = 1; i + 3 < values.length; i += 4) {
    members.push({ member: values[i]!, joinedAt: Number(values[i + 1]), heartbeatAt: Number(values[i + 2]), expiresAt: Number(values[i + 3]) });
  }
  return { members: members.sort((a, b) => compareCodePoints(a.member, b.member)), now: Number(values[0]) };
}
