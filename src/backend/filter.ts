import { categoryOf } from '../core/validate.js';
import type { StoredEvent } from './parts.js';

export interface EventFilter {
  readonly category?: string;
  readonly types?: readonly string[];
}

/** Whether an event passes a readAll/subscribe filter (for backends that filter in TypeScript). */
export function matchesFilter(event: Pick<StoredEvent, 'stream' | 'type'>, filter: EventFilter): boolean {
  if (filter.category !== undefined && categoryOf(event.stream) !== filter.category) return false;
  if (filter.types !== undefined && !filter.types.includes(event.type)) return false;
  return true;
}
