import { openPostgres, openPostgresReadModels, type PostgresBackend } from '../../src/adapters/postgres/index.js';
import type { ReadModelStore } from '../../src/readmodel/read-model-store.js';
import { runReadModelConformance } from '../../src/testing/index.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

/** The backend's part, closing the backend with it (the part alone releases nothing: it shares the backend's pool). */
function partOf(backend: PostgresBackend): ReadModelStore {
  const part = backend.parts.readModels;
  return new Proxy(part, {
    get(target, property) {
      if (property === 'close') return () => backend.close();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describeWithService(service, 'postgres read models', () => {
  // A fresh schema per store, all dropped after the file. `create` is the backend's part (on the
  // event store's pool); `reopen` a store with a pool of its own on the same schema.
  const pg = usePostgres(service.url);
  const schemas = new WeakMap<ReadModelStore, string>();

  runReadModelConformance({
    name: 'postgres',
    async create() {
      const schema = pg.schema();
      const store = partOf(await openPostgres(service.url, { schema, poolSize: 4 }));
      schemas.set(store, schema);
      return store;
    },
    async reopen(store) {
      const schema = schemas.get(store)!;
      const other = await openPostgresReadModels(service.url, { schema, poolSize: 4 });
      schemas.set(other, schema);
      return other;
    },
    skip: [],
  });
});
