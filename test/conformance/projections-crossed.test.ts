import { openPostgresReadModels, type PostgresReadModels } from '../../src/adapters/postgres/index.js';
import type { RedisReadModels } from '../../src/adapters/redis/index.js';
import { openStore, type EventStore } from '../../src/index.js';
import { runProjectionConformance } from '../../src/testing/index.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const redisCheck = await checkService(redisService);
const postgresCheck = await checkService(postgresService);

// Read models in another backend than the log they fold: the runner's commits, leases and waits
// cannot lean on the log's database. Reopen is a second connection to each.
describeWithService(redisCheck, 'crossed projections (Redis)', () => {
  describeWithService(postgresCheck, 'crossed projections (PostgreSQL)', () => {
    const redis = useRedis(redisCheck.url);
    const pg = usePostgres(postgresCheck.url);

    const schemas = new WeakMap<PostgresReadModels, string>();
    async function postgresReadModels(schema: string): Promise<PostgresReadModels> {
      const store = await openPostgresReadModels(postgresCheck.url, { schema, poolSize: 4 });
      schemas.set(store, schema);
      return store;
    }
    runProjectionConformance({
      name: 'redis log, postgres read models',
      create: async () => ({ events: await redis.open(), readModels: await postgresReadModels(pg.schema()) }),
      reopen: async ({ events, readModels }) => ({ events: await redis.reopen(events), readModels: await postgresReadModels(schemas.get(readModels as PostgresReadModels)!) }),
      skip: [],
    });

    const pgSchemas = new WeakMap<EventStore, string>();
    async function postgresLog(schema: string): Promise<EventStore> {
      const events = pg.track(await openStore(postgresCheck.url, { schema, poolSize: 4 }));
      pgSchemas.set(events, schema);
      return events;
    }
    runProjectionConformance({
      name: 'postgres log, redis read models',
      create: async () => ({ events: await postgresLog(pg.schema()), readModels: await redis.readModels() }),
      reopen: async ({ events, readModels }) => ({ events: await postgresLog(pgSchemas.get(events)!), readModels: await redis.readModels(redis.prefixOf(readModels as RedisReadModels)) }),
      skip: [],
    });
  });
});
