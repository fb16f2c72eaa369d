import { runProjectionConformance } from '../../src/testing/index.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

describeWithService(service, 'redis projections', () => {
  // A fresh key prefix per pair, its own read models; reopen is a second connection on the prefix.
  const redis = useRedis(service.url);

  runProjectionConformance({
    name: 'redis',
    async create() {
      const events = await redis.open();
      return { events, readModels: events.readModelStore() };
    },
    async reopen({ events }) {
      const other = await redis.reopen(events);
      return { events: other, readModels: other.readModelStore() };
    },
    skip: [],
  });
});
