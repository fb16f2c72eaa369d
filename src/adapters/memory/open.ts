import { MemoryBackend } from './memory-backend.js';

/** Opens an empty memory backend (`openStore('memory:')` wraps it in an EventStore). */
export async function openMemory(): Promise<MemoryBackend> {
  return new MemoryBackend();
}

/** @deprecated Use `MemoryBackend` (or `openMemory()`). */
export const MemoryAdapter = MemoryBackend;
/** @deprecated Use `MemoryBackend`. */
export type MemoryAdapter = MemoryBackend;
