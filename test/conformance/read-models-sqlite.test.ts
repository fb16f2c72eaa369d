import { afterAll } from 'vitest';
import { openSqliteReadModels } from '../../src/adapters/sqlite/index.js';
import type { ReadModelStore } from '../../src/readmodel/read-model-store.js';
import { runReadModelConformance } from '../../src/testing/index.js';
import { createTempDir } from '../helpers/temp-dir.js';

// Each store is a new file; `reopen` is a second connection to the same file.
const dir = createTempDir();
afterAll(() => dir.remove());
const files = new WeakMap<ReadModelStore, string>();
let count = 0;

runReadModelConformance({
  name: 'sqlite',
  async create() {
    const file = dir.file(`read-models-${++count}.db`);
    const store = await openSqliteReadModels(file);
    files.set(store, file);
    return store;
  },
  async reopen(store) {
    const file = files.get(store)!;
    const other = await openSqliteReadModels(file);
    files.set(other, file);
    return other;
  },
  skip: [],
});
