import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore, type EventStore } from '../../src/index.js';
import { runEventStoreConformance } from '../../src/testing/index.js';

// One directory per run, one fresh file per store; removed (with -wal and -shm files) at the end.
const directory = mkdtempSync(join(tmpdir(), 'annals-conformance-'));
const files = new WeakMap<EventStore, string>();
let count = 0;

async function open(file: string): Promise<EventStore> {
  const store = await openStore(`sqlite:${file}`);
  files.set(store, file);
  return store;
}

afterAll(() => rmSync(directory, { recursive: true, force: true }));

runEventStoreConformance({
  name: 'sqlite',
  create: () => open(join(directory, `store-${++count}.db`)),
  reopen: (store) => open(files.get(store)!),
  skip: [],
});
