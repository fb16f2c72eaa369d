import type { CollectionSpec, IndexKind, ProjectionCommit } from '../../readmodel/types.js';
import { indexMember, indexTag } from './index-members.js';
import { stateMember, type ReadModelKeys } from './read-model-keys.js';
import type { ScriptArgument } from './script-runner.js';

/** The keys and arguments of one run of the commit script (scripts/read-model-commit.ts). */
export interface CommitCall {
  readonly keys: string[];
  readonly args: ScriptArgument[];
}

interface CollectionSlot {
  /** 1-based, as the script numbers collections. */
  readonly number: number;
  /** The declared indexes, in the order their members follow a put. */
  readonly indexes: readonly (readonly [field: string, kind: IndexKind])[];
}

/**
 * Lays a batch out for the commit script. Every key the script touches is named in KEYS (each
 * collection of the batch once, with its index sets), and the writes go as flat arguments, so
 * binary index members need no escaping and the script decodes nothing but MessagePack of its
 * own making. A put carries one member per declared index, '' where the field is missing.
 */
export function commitCall(keys: ReadModelKeys, commit: ProjectionCommit): CommitCall {
  const { key, lease } = commit;
  const scriptKeys = [keys.state(key), keys.deadLetters(key), keys.states(key.projection)];
  const collectionArgs: ScriptArgument[] = [];
  const writeArgs: ScriptArgument[] = [];
  const slots = new Map<string, CollectionSlot>();
  const slotOf = (spec: CollectionSpec): CollectionSlot => {
    let slot = slots.get(spec.key);
    if (slot === undefined) {
      const indexes = Object.entries(spec.indexes);
      slot = { number: slots.size + 1, indexes };
      slots.set(spec.key, slot);
      const tags = indexes.map(([field, kind]) => indexTag(kind, field));
      scriptKeys.push(keys.docs(spec), keys.ids(spec), keys.entries(spec), keys.catalogue(spec), ...tags.map((tag) => keys.index(spec, tag)));
      collectionArgs.push(tags.length, ...tags);
    }
    return slot;
  };
  for (const write of commit.writes) {
    const slot = slotOf(write.collection);
    if (write.op === 'delete') {
      writeArgs.push('d', slot.number, write.id);
      continue;
    }
    writeArgs.push('p', slot.number, write.id, write.json);
    for (const [field, kind] of slot.indexes) {
      const value = write.fields[field];
      writeArgs.push(value === undefined || value === null ? '' : indexMember(kind, value, write.id));
    }
  }
  const unpark = commit.unpark ?? [];
  const park = commit.park ?? [];
  const letterArgs: ScriptArgument[] = [unpark.length, ...unpark, park.length];
  for (const letter of park) {
    const { position, eventId, stream, type, error, parkedAt } = letter;
    const owned = lease === undefined ? {} : { owner: lease.owner }; // who parked it: the lease's holder
    letterArgs.push(position, JSON.stringify({ position, eventId, stream, type, error, parkedAt, ...owned }));
  }
  const args: ScriptArgument[] = [
    commit.from,
    commit.checkpoint,
    lease?.owner ?? '',
    lease?.epoch ?? 0,
    lease !== undefined && commit.ttlMs !== undefined ? commit.ttlMs : '',
    stateMember(key),
    keys.channel,
    slots.size,
    ...collectionArgs,
    commit.writes.length,
    ...writeArgs,
    ...letterArgs,
  ];
  return { keys: scriptKeys, args };
}
