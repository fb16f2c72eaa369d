import { InvalidArgumentError } from '../../core/errors.js';

export const DEFAULT_KEY_PREFIX = 'annals:';

/**
 * The keys of one store. Every key starts with the same base, `<prefix>{<tag>}:`, so that
 * Redis Cluster puts all of them in one slot (a script may only touch keys of one slot, and
 * every append touches the global log):
 *
 * - `<base>log`       Redis Stream, the global log: one entry per event, id `<position>-0`,
 *                     holding the event's body (see entries.ts);
 * - `<base>s:<name>`  Redis Stream per Annals stream: one entry per append, id `<first revision>-1`,
 *                     holding `p` its first position and `n` its number of events (the events of
 *                     one append have consecutive revisions and positions): pointers into the log;
 * - `<base>m:<name>`  hash, the stream's state: `r` last revision, `d` 'soft'/'hard' when
 *                     deleted, `t` first revision not truncated;
 * - `<base>snap:<name>` hash, the stream's snapshot: `r` revision, `v` version (JSON), `s` state (JSON),
 *                     `t` saved at (epoch ms); removed by delete and by truncation past `r`;
 * - `<base>ids`       hash, event id → position for the ids callers gave (idempotency and getEvent;
 *                     store-made ids name their position instead: made-ids.ts);
 * - `<base>pos`       string, the last position assigned (INCRBY; never goes back);
 * - `<base>schema`    string, the version of this layout (scripts/schema.ts);
 * - `<base>rm:…`      the read models' keys (read-model-keys.ts).
 */
export class StoreKeys {
  /** `<prefix>{<tag>}:`, the start of every key. */
  readonly base: string;
  /** The global log (a Redis Stream). */
  readonly log: string;
  /** The hash of event ids callers gave, to their positions. */
  readonly ids: string;
  /** The last position assigned. */
  readonly positions: string;
  /** The version of the key layout. */
  readonly schema: string;

  constructor(prefix: string = DEFAULT_KEY_PREFIX) {
    this.base = baseOf(prefix);
    this.log = `${this.base}log`;
    this.ids = `${this.base}ids`;
    this.positions = `${this.base}pos`;
    this.schema = `${this.base}schema`;
  }

  /** The Redis Stream of the Annals stream `name`. */
  stream(name: string): string {
    return `${this.base}s:${name}`;
  }

  /** The snapshot hash of the Annals stream `name`. */
  snapshot(name: string): string {
    return `${this.base}snap:${name}`;
  }

  /** The state hash of the Annals stream `name`. */
  meta(name: string): string {
    return `${this.base}m:${name}`;
  }
}

/**
 * `annals:` becomes `annals:{annals}:`; `orders` becomes `orders{orders}:`; a prefix that
 * already holds a non-empty `{tag}` is kept, with `:` added when it does not end in one.
 */
function baseOf(prefix: string): string {
  if (typeof prefix !== 'string' || prefix.length === 0 || /[\s\u0000-\u001f]/.test(prefix)) {
    throw new InvalidArgumentError('keyPrefix', prefix, 'a non-empty string without spaces or control characters, e.g. "annals:"');
  }
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  if (close > open + 1) return prefix.endsWith(':') ? prefix : `${prefix}:`;
  if (/[{}]/.test(prefix)) throw new InvalidArgumentError('keyPrefix', prefix, 'a prefix with a complete, non-empty {tag}, or without braces');
  const tag = prefix.replace(/:+$/, '');
  if (tag.length === 0) throw new InvalidArgumentError('keyPrefix', prefix, 'a prefix with at least one character besides ":"');
  return `${prefix}{${tag}}:`;
}

/** The fields of a stream's state hash (`<base>m:<name>`): short on the wire, named here. */
export const META_FIELDS = { revision: 'r', deleted: 'd', truncatedBefore: 't' } as const;

/** The fields of a stream's snapshot hash (`<base>snap:<name>`). */
export const SNAPSHOT_FIELDS = { revision: 'r', version: 'v', state: 's', savedAt: 't' } as const;
