import { UnsupportedStoreUrlError } from '../events/errors.js';
import type { SqliteOptions } from '../sqlite/options.js';
import { EventStore, type EventStoreOptions } from './event-store.js';
import { MemoryAdapter } from './memory-adapter.js';

/** Options for openStore: the core's, and each backend's (a backend ignores the others'). */
export type OpenStoreOptions = EventStoreOptions & SqliteOptions;

type Opener = (target: string, options: OpenStoreOptions) => Promise<EventStore>;

// Each backend is loaded only when its scheme is used, so its driver is never
// imported by an application that does not use it.
const openers: Record<string, Opener> = {
  memory: async (_target, options) => new EventStore(new MemoryAdapter(), options),
  sqlite: async (target, options) => (await import('../sqlite/open.js')).openSqliteStore(target, options),
};

export const SUPPORTED_URLS = ['memory:', 'sqlite:<path>'];

/**
 * Opens an event store from a URL:
 * - `memory:` — in-process, gone when the process ends;
 * - `sqlite:<path>` (or `sqlite://<path>`) — a file; `sqlite::memory:` for a private in-memory database.
 *   Options may also be given in the URL's query, e.g. `sqlite:./annals.db?synchronous=normal`.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<EventStore> {
  if (typeof url !== 'string') throw new UnsupportedStoreUrlError(String(url), SUPPORTED_URLS);
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(url);
  const opener = match ? openers[match[1]!.toLowerCase()] : undefined;
  if (!match || !opener) throw new UnsupportedStoreUrlError(url, SUPPORTED_URLS);
  return opener(match[2]!, options);
}
