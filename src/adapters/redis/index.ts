export { openRedis, openRedisStore, openRedisAdapter, type RedisStoreOptions } from './open.js';
export { RedisBackend } from './redis-backend.js';
export type { RedisOptions, RedisLogger, RedisConnectionOptions } from './options.js';
export type { RedisDurability } from './durability.js';
export { StoreKeys } from './keys.js';
/** @deprecated The Redis backend is `RedisBackend` (from `openRedis`); this name stays for code written before. */
export { RedisBackend as RedisAdapter } from './redis-backend.js';
