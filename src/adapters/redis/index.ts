export { openRedisStore, openRedisAdapter, type RedisStoreOptions } from './open.js';
export { RedisAdapter } from './redis-adapter.js';
export type { RedisOptions, RedisLogger, RedisConnectionOptions } from './options.js';
export type { RedisDurability } from './durability.js';
export { StoreKeys } from './keys.js';
