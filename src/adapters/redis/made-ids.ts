import { randomUUID } from 'node:crypto';

/**
 * Event ids the Redis store makes itself, for events appended without one. They are UUIDs of
 * version 8 (RFC 9562's custom version):
 *
 *     RRRRRRRR-RRRR-8RRR-8RPP-PPPPPPPPPPPP
 *
 * The prefix (R, 64 random bits) is drawn once per append call; P is the event's global
 * position in 14 hex digits. The append script stores the prefix in the log entry's `i` field
 * and the position is the entry's id, so the id costs Redis neither a look-up structure nor
 * any formatting: readers put the two together (`madeId`). The id index holds only the ids
 * callers gave. `getEvent` and the duplicate check of given ids read the log entry at the
 * position an id names and compare its prefix, so a caller-given id of the same shape is never
 * taken for another event.
 *
 * Two stores, or two copies of one store, that assign the same position draw different random
 * prefixes, so their ids differ as random UUIDs do.
 */
export const MADE_ID_PREFIX_LENGTH = 21;

const TWO_POW_48 = 2 ** 48;
const SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/;

/** A fresh random prefix, `RRRRRRRR-RRRR-8RRR-8R`, from the random digits of a random (version 4) UUID. */
export function madeIdPrefix(): string {
  const uuid = randomUUID();
  return `${uuid.slice(0, 14)}8${uuid.slice(15, 19)}8${uuid[20]}`;
}

/** The store-made id of the event at `position` whose log entry holds `prefix`. */
export function madeId(prefix: string, position: number): string {
  const high = Math.floor(position / TWO_POW_48);
  const low = position - high * TWO_POW_48;
  return `${prefix}${high.toString(16).padStart(2, '0')}-${low.toString(16).padStart(12, '0')}`;
}

/** The position a store-made id names, or undefined when `id` does not have their shape. */
export function madeIdPosition(id: string): number | undefined {
  if (!SHAPE.test(id)) return undefined;
  return parseInt(id.slice(21, 23), 16) * TWO_POW_48 + parseInt(id.slice(24), 16);
}
