import { runReadModelConformance } from '../../src/testing/index.js';
import { MemoryReadModelData, MemoryReadModels } from '../../src/adapters/memory/memory-read-models.js';

const data = new WeakMap<MemoryReadModels, MemoryReadModelData>();

runReadModelConformance({
  name: 'memory',
  async create() {
    const shared = new MemoryReadModelData();
    const store = new MemoryReadModels(shared);
    data.set(store, shared);
    return store;
  },
  // Another object over the same data stands for a second connection.
  async reopen(store) {
    const other = new MemoryReadModels(data.get(store as MemoryReadModels)!);
    data.set(other, data.get(store as MemoryReadModels)!);
    return other;
  },
  skip: [],
});
