import { categoryOf } from '../core/validate.js';
import type { StoredEvent } from './parts.js';

/** The filter of readAll and subscribe: a category, event types, or both. */
export interface EventFilter {
  /** Only events of streams in this category. */
  readonly category?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
}

/** Whether an event passes a readAll/subscribe filter (for backends that filter in TypeScript). */
export function matchesFilter(event: Pick<StoredEvent, 'stream' | 'type'>, filter: EventFilter): boolean {
  if (filter.category !== undefined && categoryOf(event.stream) !== filter.category) return false;
  if (filter.types !== undefined && !filter.types.includes(event.type)) return false;
  return true;
}
