import { openStore, type EventStore } from '../../src/index.js';
import { runProjectionConformance } from '../../src/testing/index.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

describeWithService(service, 'postgres projections', () => {
  // A fresh schema per pair (dropped after the file), its own read models; reopen is a second pool on the schema.
  const pg = usePostgres(service.url);
  const schemas = new WeakMap<EventStore, string>();

  async function open(schema: string) {
    const events = await openStore(service.url, { schema, poolSize: 4 });
    schemas.set(events, schema);
    return { events, readModels: events.readModelStore() };
  }

  runProjectionConformance({
    name: 'postgres',
    create: () => open(pg.schema()),
    reopen: ({ events }) => open(schemas.get(events)!),
    skip: [],
  });
});
