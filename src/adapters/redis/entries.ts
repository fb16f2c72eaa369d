import type { StoredEvent } from '../../backend/parts.js';
import { MADE_ID_PREFIX_LENGTH, madeId } from './made-ids.js';

/** A Redis Stream entry as XRANGE (and the read scripts) return it: its id and a flat field list. */
export type StreamEntry = [id: string, fields: string[]];

/**
 * A log entry as the event it holds. The fields are those the append script writes:
 * i id (a given id, or the prefix of a store-made one: made-ids.ts), s stream, r revision,
 * t type, d data, m metadata, a recorded-at (epoch ms); the entry id is `<position>-0`.
 */
export function toStoredEvent([entryId, fields]: StreamEntry): StoredEvent {
  let id = '';
  let stream = '';
  let revision = 0;
  let type = '';
  let data = 'null';
  let metadata = '{}';
  let recordedAt = 0;
  for (let k = 0; k < fields.length; k += 2) {
    const value = fields[k + 1]!;
    switch (fields[k]) {
      case 'i': id = value; break;
      case 's': stream = value; break;
      case 'r': revision = Number(value); break;
      case 't': type = value; break;
      case 'd': data = value; break;
      case 'm': metadata = value; break;
      case 'a': recordedAt = Number(value); break;
    }
  }
  const position = Number(entryId.slice(0, entryId.indexOf('-')));
  if (id.length === MADE_ID_PREFIX_LENGTH) id = madeId(id, position);
  return { id, type, data, metadata, stream, revision, position, recordedAt };
}

export function toStoredEvents(entries: readonly StreamEntry[]): StoredEvent[] {
  const events = new Array<StoredEvent>(entries.length);
  for (let i = 0; i < entries.length; i++) events[i] = toStoredEvent(entries[i]!);
  return events;
}
