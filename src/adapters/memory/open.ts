import { MemoryBackend } from './memory-backend.js';

/** Opens an empty memory backend (`openStore('memory:')` wraps it in an EventStore). */
export async function openMemory(): Promise<MemoryBackend> {
  return new MemoryBackend();
}

/** @deprecated The memory backend is `MemoryBackend` (or `openMemory()`); this name stays for code written before. */
export const MemoryAdapter = MemoryBackend;
/** @deprecated See MemoryAdapter. */
export type MemoryAdapter = MemoryBackend;
