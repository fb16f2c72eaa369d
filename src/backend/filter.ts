import { categoryOf } from '../core/validate.js';
import { partitionOf, type LogPartition } from '../core/partition.js';
import type { StoredEvent } from './parts.js';

/** The filter of readAll and subscribe: a category, event types, a partition, or any of them. */
export interface EventFilter {
  /** Only events of streams in this category. */
  readonly category?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
  /** Only events of streams in this partition of the log. */
  readonly partition?: LogPartition;
}

/** Whether an event passes a readAll/subscribe filter (for backends that filter in TypeScript). */
export function matchesFilter(event: Pick<StoredEvent, 'stream' | 'type'>, filter: EventFilter): boolean {
  if (filter.category !== undefined && categoryOf(event.stream) !== filter.category) return false;
  if (filter.types !== undefined && !filter.types.includes(event.type)) return false;
  if (filter.partition !== undefined && partitionOf(event.stream, filter.partition.count) !== filter.partition.index) return false;
  return true;
}
