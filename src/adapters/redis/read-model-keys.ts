import { keyString } from '../../readmodel/key.js';
import type { CollectionSpec, GroupKey, ProjectionKey } from '../../readmodel/types.js';

/**
 * The keys of a store's read models, under the same base as its log (`<prefix>{<tag>}:`, see
 * keys.ts), so that every key of one store shares one cluster slot and a script may touch any
 * of them. `<c>` is a collection's spec.key (`<projection>:v<version>:<collection>`), `<k>` a
 * projection key (`<projection>:v<version>:<partition>`):
 *
 * - `<base>rm:d:<c>`       hash, id → the document's JSON (one hash per collection: HMGET for
 *                          get, and drop is one UNLINK, freed off the main thread);
 * - `<base>rm:i:<c>`       sorted set of the ids, score 0: finds ordered by id (BYLEX), ZCARD;
 * - `<base>rm:x:<c>:<tag>` sorted set, one per declared index (tag `s:<field>` or `n:<field>`),
 *                          members encoded as index-members.ts says, score 0;
 * - `<base>rm:e:<c>`       hash, id → the document's index members (MessagePack map tag →
 *                          member), so a put or delete removes exactly what it had added;
 * - `<base>rm:c:<c>`       set of the index tags the collection ever had (prepare and commit
 *                          add to it), so drop finds every index key;
 * - `<base>rm:p:<k>`       hash, a projection's state: `c` checkpoint, `o` owner, `e` epoch,
 *                          `x` lease expiry (ms), `u` updated at (ms);
 * - `<base>rm:ps:<name>`   set of `<version>:<partition>` of the projection's state rows;
 * - `<base>rm:dl:<k>`      sorted set of dead letters: score = position, member = its JSON
 *                          (with `owner`, the lease holder whose commit parked it, if any);
 * - `<base>rm:g:<g>`       hash, a consumer group's members (`<g>` is `<projection>:v<version>`):
 *                          member → `<joined at>:<heartbeat at>:<expires at>` (ms), expiring
 *                          with its last member (scripts/read-model-groups.ts);
 * - `<base>rm:live`        hash, projection → live version;
 * - `<base>rm:commits`     the Pub/Sub channel a commit publishes its checkpoint on.
 */
export class ReadModelKeys {
  /** The live versions' hash. */
  readonly live: string;
  /** The channel commits publish on. */
  readonly channel: string;

  constructor(private readonly base: string) {
    this.live = `${base}rm:live`;
    this.channel = `${base}rm:commits`;
  }

  /** The documents' hash of a collection. */
  docs(spec: CollectionSpec): string {
    return `${this.base}rm:d:${spec.key}`;
  }

  /** The ids' sorted set of a collection. */
  ids(spec: CollectionSpec): string {
    return `${this.base}rm:i:${spec.key}`;
  }

  /** The hash of each document's index members. */
  entries(spec: CollectionSpec): string {
    return `${this.base}rm:e:${spec.key}`;
  }

  /** The set of the collection's index tags. */
  catalogue(spec: CollectionSpec): string {
    return `${this.base}rm:c:${spec.key}`;
  }

  /** The sorted set of one index (tag from indexTag). */
  index(spec: CollectionSpec, tag: string): string {
    return `${this.base}rm:x:${spec.key}:${tag}`;
  }

  /** A projection's state hash. */
  state(key: ProjectionKey): string {
    return `${this.base}rm:p:${keyString(key)}`;
  }

  /** The set naming every state row of a projection. */
  states(projection: string): string {
    return `${this.base}rm:ps:${projection}`;
  }

  /** A consumer group's members. */
  group(group: GroupKey): string {
    return `${this.base}rm:g:${group.projection}:v${group.version}`;
  }

  /** A projection key's dead letters. */
  deadLetters(key: ProjectionKey): string {
    return `${this.base}rm:dl:${keyString(key)}`;
  }
}

/** The member of `states(projection)` that names a key's state row. */
export function stateMember(key: ProjectionKey): string {
  return `${key.version}:${key.partition}`;
}
