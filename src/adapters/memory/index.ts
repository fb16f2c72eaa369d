export { MemoryAdapter, MemoryBackend, openMemory } from './open.js';
