import { openStore, type EventStore } from '../../src/index.js';
import { runEventStoreConformance } from '../../src/testing/index.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

describeWithService(service, 'postgres', () => {
  // A fresh schema per store, all dropped after the file; reopen is a second pool on the same schema.
  const pg = usePostgres(service.url);
  const schemas = new WeakMap<EventStore, string>();

  async function open(schema: string): Promise<EventStore> {
    const store = await openStore(service.url, { schema });
    schemas.set(store, schema);
    return pg.track(store);
  }

  runEventStoreConformance({
    name: 'postgres',
    create: () => open(pg.schema()),
    reopen: (store) => open(schemas.get(store)!),
    skip: [],
  });
});
