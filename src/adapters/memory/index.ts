export { MemoryAdapter, openMemory } from './open.js';
export { MemoryBackend } from './memory-backend.js';
