import { openStore } from '../../src/index.js';
import { runEventStoreConformance } from '../../src/testing/index.js';

runEventStoreConformance({
  name: 'memory',
  create: () => openStore('memory:'),
  skip: [],
});
