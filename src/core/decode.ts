import type { EventMetadata, JsonValue, RecordedEvent } from './types.js';
import type { StoredEvent } from '../backend/parts.js';

/** Turns a backend's row into the plain, readonly event the caller sees. */
export function decodeEvent(stored: StoredEvent): RecordedEvent {
  return {
    id: stored.id,
    type: stored.type,
    data: JSON.parse(stored.data) as JsonValue,
    metadata: JSON.parse(stored.metadata) as EventMetadata,
    stream: stored.stream,
    revision: stored.revision,
    position: stored.position,
    recordedAt: new Date(stored.recordedAt),
  };
}
