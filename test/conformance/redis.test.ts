import { runEventStoreConformance } from '../../src/testing/index.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

describeWithService(service, 'redis', () => {
  // A fresh key prefix per store, all keys deleted after the file; reopen is a second
  // connection on the same prefix. Durability warnings are collected, not printed.
  const redis = useRedis(service.url);

  runEventStoreConformance({
    name: 'redis',
    create: () => redis.open(),
    reopen: (store) => redis.reopen(store),
    skip: [],
  });
});
