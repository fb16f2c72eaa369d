import { runReadModelConformance } from '../../src/testing/index.js';
import type { RedisReadModels } from '../../src/adapters/redis/index.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

describeWithService(service, 'redis', () => {
  // A fresh key prefix per store, every key under the run's prefix deleted after the file;
  // reopen is a second connection (openRedisReadModels) on the same prefix.
  const redis = useRedis(service.url);

  runReadModelConformance({
    name: 'redis',
    create: () => redis.readModels(),
    reopen: (store) => redis.readModels(redis.prefixOf(store as RedisReadModels)),
    skip: [],
  });
});
