import { openMemory } from '../../src/adapters/memory/open.js';
import { EventStore } from '../../src/index.js';
import { runProjectionConformance } from '../../src/testing/index.js';

// The memory store's own read models; no reopen: a second runner shares the one store object.
runProjectionConformance({
  name: 'memory',
  async create() {
    const events = new EventStore(await openMemory());
    return { events, readModels: events.readModelStore() };
  },
  skip: [],
});
